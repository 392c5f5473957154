"""Uploaded files from a streamed `multipart/form-data` body, with the size limit enforced
while the bytes arrive (a request over the limit is refused before it is read to the end)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from billintake.domain.errors import TooLarge, ValidationFailed
from billintake.mail.message import sanitize_filename

MAX_FIELD_BYTES = 64 * 1024  # plain form fields (not files) are small


@dataclass
class UploadedFile:
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    filename: str | None = None
    is_file: bool = False


async def read_upload(chunks: AsyncIterator[bytes], content_type: str, *,
                      max_file_bytes: int, max_files: int,
                      max_total_bytes: int | None = None) -> list[UploadedFile]:
    """The files of a multipart body; raises `TooLarge` as soon as one file, or the body,
    exceeds its limit (so a body is never held in memory beyond the limits)."""
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

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part.size += end - start
        limit = max_file_bytes if part.is_file else MAX_FIELD_BYTES
        if part.size > limit:
            what = f"file {part.filename!r}" if part.is_file else "a form field"
            raise TooLarge(f"{what} is over the upload limit of {limit} bytes")
        part.chunks.append(data[start:end])

    def on_part_end() -> None:
        if part.is_file:
            files.append(UploadedFile(
                filename=sanitize_filename(part.filename, fallback=f"upload-{len(files) + 1}"),
                data=b"".join(part.chunks), content_type=part.headers.get("content-type")))

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
                raise TooLarge(f"the upload is over the limit of {max_total_bytes} bytes")
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise ValidationFailed(f"malformed multipart body: {exc}") from exc
    if not files:
        raise ValidationFailed("no file in the upload (send one or more 'files' parts)",
                               field="files")
    return files


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
