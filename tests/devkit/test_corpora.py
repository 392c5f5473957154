"""Files the devkit writes for training and benches."""

from __future__ import annotations

from pathlib import Path

from billintake_devkit.corpora import write_if_changed


def test_a_generated_file_is_written_again_when_the_generator_now_makes_other_bytes(
        tmp_path: Path) -> None:
    path = tmp_path / "bill.pdf"
    write_if_changed(path, b"old generator")
    assert path.read_bytes() == b"old generator"
    write_if_changed(path, b"new generator")
    assert path.read_bytes() == b"new generator"  # never the stale file with the new truth
    before = path.stat().st_mtime_ns
    write_if_changed(path, b"new generator")
    assert path.stat().st_mtime_ns == before  # the same bytes: left as it is
