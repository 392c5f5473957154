"""An upload's files are spooled to disk while they stream in: memory stays bounded."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from billintake.domain.errors import TooLarge
from billintake.entrypoints.intake.upload import SPOOL_IN_MEMORY, read_upload, upload_files

BOUNDARY = "spooltest"
FILE_BYTES = 2 * 1024 * 1024


async def _body(count: int, size: int) -> AsyncIterator[bytes]:
    """A multipart body of `count` files, produced in 64 KiB chunks (never whole in memory)."""
    block = b"7" * 65_536
    for index in range(count):
        yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; "
               f"filename=\"f{index}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        yield b"%PDF-1.4\n"
        for _ in range((size - 9) // len(block)):
            yield block
        yield b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def _read(count: int, size: int, spool: Path, **limits: int) -> list:  # type: ignore[type-arg]
    async def run() -> list:  # type: ignore[type-arg]
        return await read_upload(_body(count, size), f"multipart/form-data; boundary={BOUNDARY}",
                                 spool_dir=spool, **limits)
    return anyio.run(run)


def test_many_files_are_spooled_to_disk_not_held_in_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        files = _read(10, FILE_BYTES, tmp_path, max_file_bytes=FILE_BYTES * 2, max_files=10)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with upload_files(files):
        assert len(files) == 10 and all(f.size > FILE_BYTES - 65_536 for f in files)
        assert peak < 4 * SPOOL_IN_MEMORY + 2 * 1024 * 1024  # 20 MB went through
        assert all(f.spool.on_disk for f in files)
        data = files[3].read()
        assert data.startswith(b"%PDF-1.4\n") and len(data) == files[3].size
    assert all(f.spool.closed for f in files)  # removed when the request is done


def test_a_small_file_stays_in_memory(tmp_path: Path) -> None:
    [file] = _read(1, 100_000, tmp_path, max_file_bytes=FILE_BYTES, max_files=1)
    assert not file.spool.on_disk and file.read().startswith(b"%PDF-1.4\n")


def test_a_file_in_memory_is_copied_once_however_often_it_is_read(tmp_path: Path) -> None:
    [file] = _read(1, 300_000, tmp_path, max_file_bytes=FILE_BYTES, max_files=1)
    with upload_files([file]):
        first = file.read()  # sniffed, then stored: the same bytes, not a copy each
        assert file.read() is first and file.spool.held == file.size == len(first)
    assert file.spool.held == 0


def test_a_scanned_bill_touches_no_disk_before_it_is_stored(tmp_path: Path) -> None:
    [file] = _read(1, 900_000, tmp_path, max_file_bytes=FILE_BYTES, max_files=1)
    assert not file.spool.on_disk and file.size == len(file.read()) > 800_000
    assert not any(tmp_path.iterdir())


def test_the_memory_a_request_holds_is_bounded_over_all_its_files(tmp_path: Path) -> None:
    size = SPOOL_IN_MEMORY * 2 // 5  # two fit in memory, the third does not
    files = _read(4, size, tmp_path, max_file_bytes=FILE_BYTES, max_files=4)
    with upload_files(files):
        assert [f.spool.on_disk for f in files] == [False, False, True, True]
        assert sum(f.spool.held for f in files) <= SPOOL_IN_MEMORY
        assert all(len(f.read()) == f.size for f in files)


def test_the_request_wide_budget_stops_the_stream(tmp_path: Path) -> None:
    with pytest.raises(TooLarge, match="all its files together"):
        _read(10, FILE_BYTES, tmp_path, max_file_bytes=FILE_BYTES * 2, max_files=10,
              max_total_bytes=5 * FILE_BYTES)
    with pytest.raises(TooLarge, match="at most 3"):
        _read(4, 100_000, tmp_path, max_file_bytes=FILE_BYTES, max_files=3)


def test_the_spool_folder_is_made_private_when_the_first_file_spills_over(tmp_path: Path) -> None:
    spool = tmp_path / "not-yet" / "spool"
    files = _read(1, FILE_BYTES, spool, max_file_bytes=FILE_BYTES * 2, max_files=1)
    with upload_files(files):
        assert files[0].spool.on_disk and spool.is_dir()
        assert spool.stat().st_mode & 0o777 == 0o700
