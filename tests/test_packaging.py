"""The service's wheel holds what runs: no bill generator, no fixture builder, no reportlab."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_contains_no_generator(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, timeout=300)
    wheel = next(tmp_path.glob("billintake-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "billintake/services/pipeline.py" in names  # the service itself is there
    assert "billintake/extraction/patterns/labels.jsonl" in names
    shipped = [n for n in names if n.endswith(".py")]
    assert not [n for n in shipped if "synth" in n or "fixture" in n or "devkit" in n]
    sources = "".join(zipfile.ZipFile(wheel).read(n).decode() for n in shipped)
    assert "reportlab" not in sources
