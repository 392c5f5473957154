"""Generated bills (session-scoped: generated once) and settings sized for fast OCR tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from billintake.settings import Settings
from tests.fixtures_gen import reading_fixtures as fx


@pytest.fixture
def reading_settings(tmp_path: Path) -> Settings:
    """150 dpi renders and two OCR workers: quick, and exercises the worker pool."""
    return Settings(_env_file=None, data_dir=tmp_path / "data", ocr_dpi=150, ocr_workers=2,
                    ocr_page_timeout_s=60)


@pytest.fixture(scope="session")
def digital_pdf() -> bytes:
    return fx.digital_pdf()


@pytest.fixture(scope="session")
def scanned_pdf() -> bytes:
    return fx.scanned_pdf()
