"""The labelled document sets extraction is measured and trained on, in one shape.

A `LabelledDocument` is a document with its true field values and the group it belongs to for
cross-validation (its source repository, or its vendor): documents of one group are always
held out together, so no score comes from a layout or a vendor seen in training.

Sources: truth files in the devset's JSON Lines form (`../shared/devset/`,
`../shared/realdev/*/truth.jsonl`, generated sets), and SROIE's annotated text lines
(`realdev/sroie-lines/`), which become read documents directly (a perfect-OCR view).
Reading a file is slow (OCR); `read_cached` keeps each read document on disk by content hash.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from billintake.reading.document import Page, ReadDocument, Word
from billintake.reading.layout import build_lines
from billintake.reading.reader import read
from billintake.settings import Settings

A4_LONG_SIDE_IN = 11.69
POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class LabelledDocument:
    """One document with its truth. `path` is None for documents given as text lines."""

    id: str
    source: str
    group: str
    truth: dict[str, Any]
    kind: str = ""
    path: Path | None = None
    lines: tuple[dict[str, Any], ...] = field(default=(), repr=False)


def _group_of(record: dict[str, Any]) -> str:
    """The cross-validation group: the source repository (a layout family), else the vendor."""
    file_name = str(record.get("file") or record.get("id") or "")
    prefix = re.match(r"([a-z0-9]+)-", file_name)
    source = str(record.get("source") or "")
    if source.upper() == "SROIE":
        vendor = str(record.get("truth", {}).get("vendor_name") or record["id"])
        return "sroie:" + re.sub(r"[^a-z0-9]", "", vendor.lower())[:40]
    if prefix and source and "/" in source:
        return prefix.group(1)
    return source or (prefix.group(1) if prefix else file_name)


def load_truth_file(path: Path) -> list[LabelledDocument]:
    """Documents of a truth file (devset format); files are relative to the truth file."""
    base = path.parent
    docs: list[LabelledDocument] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        docs.append(LabelledDocument(
            id=record["id"], source=str(record.get("source") or path.parent.name),
            group=_group_of(record), truth=dict(record.get("truth") or {}),
            kind=str(record.get("kind") or ""), path=base / record["file"]))
    return docs


def load_sroie_lines(path: Path) -> list[LabelledDocument]:
    """SROIE receipts given as their annotated text lines (`receipts.jsonl`)."""
    docs: list[LabelledDocument] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        docs.append(LabelledDocument(
            id=record["id"], source="SROIE", group=_group_of(record),
            truth=dict(record.get("truth") or {}), kind="receipt-lines",
            lines=tuple(record["lines"])))
    return docs


def document_of_lines(lines: tuple[dict[str, Any], ...]) -> ReadDocument:
    """Annotated text lines (boxes in image pixels) as a one-page read document.

    Pixels become points as the image reader makes them (an image of unknown resolution is
    taken as an A4 page); each line's words get boxes in proportion to their characters.
    """
    extent = max((max(ln["box"][2], ln["box"][3]) for ln in lines), default=1000)
    dpi = min(max(extent * 1.05 / A4_LONG_SIDE_IN, 50.0), 600.0)
    scale = POINTS_PER_INCH / dpi
    words: list[Word] = []
    for ln in lines:
        text = str(ln["text"])
        x0, top, x1, bottom = (float(v) * scale for v in ln["box"])
        if not text.strip() or x1 <= x0 or bottom <= top:
            continue
        per_char = (x1 - x0) / max(1, len(text))
        for match in re.finditer(r"\S+", text):
            words.append(Word(text=match.group(), x0=round(x0 + per_char * match.start(), 2),
                              top=round(top, 2), x1=round(x0 + per_char * match.end(), 2),
                              bottom=round(bottom, 2), source="ocr", confidence=0.95))
    width = max((w.x1 for w in words), default=595.0) + 20
    height = max((w.bottom for w in words), default=842.0) + 20
    page = Page(number=1, width=round(width, 2), height=round(height, 2), words=words,
                lines=build_lines(words), source="ocr")
    return ReadDocument(media_type="image/jpeg", pages=[page])


def read_cached(doc: LabelledDocument, settings: Settings, cache_dir: Path | None
                ) -> ReadDocument:
    """The document's read pages: from its lines, from the cache, or read (and cached)."""
    if doc.lines:
        return document_of_lines(doc.lines)
    assert doc.path is not None
    data = doc.path.read_bytes()
    if cache_dir is None:
        return read(data, settings=settings)
    cached = cache_dir / f"{read_key(doc, settings, data)}.json"
    if cached.is_file():
        return ReadDocument.model_validate_json(cached.read_text(encoding="utf-8"))
    document = read(data, settings=settings)
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(cached, document.model_dump_json().encode("utf-8"))
    return document


def write_if_changed(path: Path, data: bytes) -> None:
    """Write a generated file unless it is there with these bytes already: a changed
    generator must not leave stale files for new truth."""
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all: several processes (splits, benches run side by
    side) may share one cache folder, and none must read a file half written."""
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


def read_key(doc: LabelledDocument, settings: Settings, data: bytes | None = None) -> str:
    """The fingerprint of a document's read: its bytes with what changes a read (the read
    cache's key), or its given lines; the same key, the same read pages."""
    if doc.lines:
        return hashlib.sha256(json.dumps(doc.lines, sort_keys=True, default=str).encode()
                              ).hexdigest()
    assert doc.path is not None
    data = doc.path.read_bytes() if data is None else data
    return hashlib.sha256(data + _reading_fingerprint(settings).encode()).hexdigest()


@functools.cache
def _reading_fingerprint_of(settings_key: str) -> str:
    import billintake.reading as reading_pkg

    digest = hashlib.sha256()
    for source in sorted(Path(reading_pkg.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    digest.update(settings_key.encode())
    return digest.hexdigest()


def _reading_fingerprint(settings: Settings) -> str:
    """What changes a read: the reading code itself (as of its first use in a process) and the
    OCR settings."""
    return _reading_fingerprint_of(repr(sorted(settings.model_dump(mode="json", include={
        "ocr_languages", "ocr_dpi", "ocr_engine"}).items())))


def iter_groups(docs: list[LabelledDocument]) -> Iterator[str]:
    """Each group once, in first-seen order."""
    yield from dict.fromkeys(d.group for d in docs)
