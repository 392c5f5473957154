"""Uploaded files from a streamed `multipart/form-data` body, with the limits enforced while
the bytes arrive (a request over a limit is refused before it is read to the end).

Limits: bytes per file, files per request and bytes per request (the request-wide budget).
A request's files stay in memory up to `SPOOL_IN_MEMORY` bytes in all, the rest of them is
spooled to disk as it streams in, so a request's files are never all held in memory: read them
one at a time. (A single bill, most of them under 1 MiB even scanned, touches no disk until it
is stored: its spool file would cost an inode made and dropped, a write and a read back.)
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from billintake.domain.errors import TooLarge, ValidationFailed
from billintake.mail.message import sanitize_filename

MAX_FIELD_BYTES = 64 * 1024  # plain form fields (not files) are small
SPOOL_IN_MEMORY = 1024 * 1024  # a request's bytes in memory; its files' bytes beyond go to disk


class Spool:
    """A file's bytes: in memory up to `in_memory` bytes, beyond that in an unnamed temporary
    file in `directory` (gone with the process, even after kill -9). Bytes in memory are kept
    as the chunks that came in (a whole chunk of the body is kept as it is, not copied) and
    become, on the first `read()`, the one bytes object every read returns: a file in memory
    is copied once, when it is joined."""

    def __init__(self, directory: Path | None = None, in_memory: int = SPOOL_IN_MEMORY) -> None:
        self._directory = directory
        self._in_memory = in_memory
        self._chunks: list[bytes] = []
        self._size = 0  # the bytes in `_chunks`
        self._read: bytes | None = None  # the bytes in memory, once read
        self._file: IO[bytes] | None = None
        self.closed = False

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    @property
    def held(self) -> int:
        """The bytes it holds in memory."""
        return self._size if self._read is None else len(self._read)

    def write(self, data: bytes) -> None:
        if self._read is not None:
            raise ValueError("a spool is written before it is read")
        if self._file is None and self._size + len(data) > self._in_memory:
            self._file = self._new_file()
            self._file.writelines(self._chunks)
            self._chunks, self._size = [], 0
        if self._file is not None:
            self._file.write(data)
        else:
            self._chunks.append(data)
            self._size += len(data)

    def _new_file(self) -> IO[bytes]:
        try:
            return tempfile.TemporaryFile(dir=self._directory)
        except FileNotFoundError:  # the first file to spill over: make the folder (0700)
            if self._directory is None:
                raise
            self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            return tempfile.TemporaryFile(dir=self._directory)

    def read(self) -> bytes:
        if self._file is None:
            if self._read is None:
                self._read, self._chunks, self._size = b"".join(self._chunks), [], 0
            return self._read
        self._file.seek(0)
        return self._file.read()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._chunks, self._size, self._read = [], 0, None
        self.closed = True


@dataclass
class UploadedFile:
    """One uploaded file, spooled (on disk beyond `SPOOL_IN_MEMORY`); `read()` its bytes."""

    filename: str
    spool: Spool
    size: int
    content_type: str | None = None

    def read(self) -> bytes:
        return self.spool.read()

    def close(self) -> None:
        self.spool.close()


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    spool: Spool | None = None
    size: int = 0
    filename: str | None = None
    is_file: bool = False


@contextmanager
def upload_files(files: list[UploadedFile]) -> Iterator[list[UploadedFile]]:
    """Close (delete) the spooled files when the request is done with them."""
    try:
        yield files
    finally:
        for file in files:
            file.close()


async def read_upload(chunks: AsyncIterator[bytes], content_type: str, *,
                      max_file_bytes: int, max_files: int,
                      max_total_bytes: int | None = None,
                      spool_dir: Path | None = None) -> list[UploadedFile]:
    """The files of a multipart body, each spooled to disk; raises `TooLarge` as soon as one
    file, the number of files or the body exceeds its limit (the spooled files are then
    removed). The caller closes the files returned (`upload_files`)."""
    ctype, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise ValidationFailed("send the files as multipart/form-data (field name 'files')")
    files: list[UploadedFile] = []
    part = _Part()
    header_field: list[bytes] = []
    header_value: list[bytes] = []

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.append(data[start:end])

    def on_header_end() -> None:
        name = b"".join(header_field).decode("latin-1").strip().lower()
        part.headers[name] = b"".join(header_value).decode("latin-1")
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, params = parse_options_header(part.headers.get("content-disposition", ""))
        if b"filename" in params:
            part.is_file = True
            part.filename = _decode_name(params[b"filename"])
            if len(files) >= max_files:
                raise TooLarge(f"too many files in one upload (at most {max_files})")
            held = sum(file.spool.held for file in files)  # the request's memory so far
            part.spool = Spool(spool_dir, in_memory=max(0, SPOOL_IN_MEMORY - held))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part.size += end - start
        limit = max_file_bytes if part.is_file else MAX_FIELD_BYTES
        if part.size > limit:
            what = f"file {part.filename!r}" if part.is_file else "a form field"
            raise TooLarge(f"{what} is over the upload limit of {limit} bytes")
        if part.spool is not None:
            part.spool.write(data[start:end])

    def on_part_end() -> None:
        if part.is_file and part.spool is not None:
            files.append(UploadedFile(
                filename=sanitize_filename(part.filename, fallback=f"upload-{len(files) + 1}"),
                spool=part.spool, size=part.size,
                content_type=part.headers.get("content-type")))
            part.spool = None

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    total = 0
    try:
        async for chunk in chunks:
            total += len(chunk)
            if max_total_bytes is not None and total > max_total_bytes:
                raise TooLarge(f"the upload request is over its limit of {max_total_bytes} "
                               "bytes for all its files together")
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        _discard(files, part)
        raise ValidationFailed(f"malformed multipart body: {exc}") from exc
    except BaseException:
        _discard(files, part)
        raise
    if not files:
        raise ValidationFailed("no file in the upload (send one or more 'files' parts)",
                               field="files")
    return files


def _discard(files: list[UploadedFile], part: _Part) -> None:
    for file in files:
        file.close()
    if part.spool is not None:
        part.spool.close()


async def read_limited(chunks: AsyncIterator[bytes], *, max_bytes: int, what: str) -> bytes:
    """A whole body, refused with `TooLarge` as soon as it passes `max_bytes`."""
    received: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{what} is over the limit of {max_bytes} bytes")
        received.append(chunk)
    return b"".join(received)


def _decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
