"""OCR engines compared on the real receipt scans (prints figures; not a test).

    .venv/bin/python bench/ocr_engines.py [--shared ../shared] [--cache bench/out/ocr_engines]
                                          [--engines tesseract,rapidocr] [--limit N] [--show]

For each engine, and for `auto` (per page the reading `engines.better_reading` keeps of the
two engines' readings), on `realdev/sroie`:
- how often the true total, date and vendor appear in the OCR text (the most any extractor
  could find);
- the extraction accuracy of vendor, date and total through the whole extractor;
- the median seconds per image through `read()` (for auto: Tesseract's time, plus
  RapidOCR's where auto has it read the page too).
Each read is cached per engine and file, so a second run only re-scores; after a change to the
reading code, delete the cache (or pass another `--cache`) to read again.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import re
import statistics
import sys
import time
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from billintake_devkit.corpora import LabelledDocument, load_truth_file
from billintake_devkit.scoring import norm_vendor, same
from rapidfuzz import fuzz

from billintake.domain.errors import BillintakeError
from billintake.extraction.contract import to_contract
from billintake.extraction.extractor import Extractor
from billintake.reading.document import Page, ReadDocument
from billintake.reading.engines import Reading, better_reading, needs_second_reading
from billintake.reading.layout import build_lines
from billintake.reading.reader import read
from billintake.settings import Settings

FIELDS = ("vendor_name", "bill_date", "total")
_AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:[,.]?\d{3})*[.,]\s?\d{2}(?![\d])")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{4}|\d{2})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{1,2})(?!\d)")
_DMONY = re.compile(r"(?<!\d)(\d{1,2})[\s\-/.,]*(" + "|".join(_MONTHS) + r")[A-Z]*[\s\-/.,]*"
                    r"(\d{4}|\d{2})(?!\d)", re.IGNORECASE)


def amounts_in(text: str) -> set[Decimal]:
    """Every amount with two decimals written in `text` (thousands separators allowed)."""
    found = set()
    for match in _AMOUNT.finditer(text):
        raw = re.sub(r"\s", "", match.group())
        digits = re.sub(r"[.,]", "", raw[:-3]) + "." + raw[-2:]
        try:
            found.add(Decimal(digits))
        except InvalidOperation:
            continue
    return found


def dates_in(text: str) -> set[date]:
    """Every date written in `text`, day first as on Malaysian receipts, or ISO."""
    found: set[date] = set()

    def add(year: str, month: int, day: int) -> None:
        y = int(year) + (2000 if len(year) == 2 else 0)
        with contextlib.suppress(ValueError):
            found.add(date(y, month, day))

    for d, m, y in _DMY.findall(text):
        add(y, int(m), int(d))
    for y, m, d in _YMD.findall(text):
        add(y, int(m), int(d))
    for d, mon, y in _DMONY.findall(text):
        add(y, _MONTHS.index(mon[:3].upper()) + 1, int(d))
    return found


def _squeezed(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def in_text(name: str, truth: str, text: str) -> bool:
    """Whether the true value of field `name` is written in the OCR text."""
    if name == "total":
        return Decimal(truth) in amounts_in(text)
    if name == "bill_date":
        return date.fromisoformat(truth) in dates_in(text)
    vendor = _squeezed(norm_vendor(truth))  # spaces and punctuation apart: engines differ
    return any(fuzz.partial_ratio(vendor, _squeezed(line)) >= 90
               for line in _windows(text.splitlines()))


def _windows(lines: list[str]) -> list[str]:
    """Each line and each pair of neighbouring lines (a shop name over two lines)."""
    return lines + [a + " " + b for a, b in itertools.pairwise(lines)]


def read_with(engine: str, doc: LabelledDocument, cache: Path) -> tuple[ReadDocument, float]:
    """The document read by `engine` (one worker, as a single image is) and the seconds."""
    assert doc.path is not None
    path = cache / engine / f"{doc.path.stem}.json"
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        return ReadDocument.model_validate(stored["doc"]), stored["seconds"]
    settings = Settings(_env_file=None, ocr_engine=engine, ocr_workers=1,
                        ocr_page_timeout_s=900)
    data = doc.path.read_bytes()
    started = time.perf_counter()
    document = read(data, settings=settings)
    seconds = time.perf_counter() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seconds": seconds, "doc": document.model_dump(mode="json")}),
                    encoding="utf-8")
    return document, seconds


def auto_of(tesseract: ReadDocument, rapid: ReadDocument, languages: str) -> ReadDocument:
    """What `auto` keeps of the two readings, page by page."""
    pages = []
    for mine, theirs in zip(tesseract.pages, rapid.pages, strict=True):
        first = Reading("tesseract", mine.words)
        kept = better_reading(first, Reading("rapidocr", theirs.words), languages) \
            if needs_second_reading(first, languages) else first
        page = theirs if kept.engine == "rapidocr" else mine
        pages.append(Page(number=page.number, width=page.width, height=page.height,
                          words=page.words, lines=build_lines(page.words), source="ocr",
                          rotation=page.rotation, ocr_confidence=page.ocr_confidence,
                          ocr_engine=kept.engine))
    return tesseract.model_copy(update={"pages": pages})


class Tally:
    def __init__(self) -> None:
        self.seen = dict.fromkeys(FIELDS, 0)
        self.right = dict.fromkeys(FIELDS, 0)
        self.seconds: list[float] = []
        self.documents = 0
        self.chosen: dict[str, int] = {}
        self.misses: list[str] = []

    def add(self, doc: LabelledDocument, document: ReadDocument, seconds: float,
            extractor: Extractor) -> None:
        self.documents += 1
        self.seconds.append(seconds)
        for page in document.pages:
            key = page.ocr_engine or "?"
            self.chosen[key] = self.chosen.get(key, 0) + 1
        text = document.text
        try:
            result = to_contract(extractor.extract_document(document), doc.id)
        except BillintakeError:
            result = {}
        for name in FIELDS:
            truth = doc.truth.get(name)
            if truth is None:
                continue
            self.seen[name] += in_text(name, truth, text)
            right = same(name, truth, result.get(name))
            self.right[name] += right
            if not right:
                self.misses.append(f"{doc.id} {name}: truth={truth!r} got={result.get(name)!r}")

    def row(self, name: str) -> str:
        n = self.documents or 1
        seen = "".join(f"{100 * self.seen[f] / n:>8.1f}" for f in FIELDS)
        right = "".join(f"{100 * self.right[f] / n:>8.1f}" for f in FIELDS)
        median = statistics.median(self.seconds) if self.seconds else 0.0
        return f"{name:<10}{self.documents:>4}{seen}{right}{median:>9.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--cache", type=Path, default=Path("bench/out/ocr_engines"))
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--limit", type=int, default=0, help="only the first N receipts")
    parser.add_argument("--show", action="store_true", help="list every extraction miss")
    args = parser.parse_args(argv)
    docs = load_truth_file(args.shared / "realdev/sroie/truth.jsonl")
    docs.sort(key=lambda d: d.id)
    if args.limit:
        docs = docs[:args.limit]
    engines = args.engines.split(",")
    extractor = Extractor(Settings(_env_file=None))
    tallies = {name: Tally() for name in [*engines, "auto"]}
    for number, doc in enumerate(docs, 1):
        reads = {name: read_with(name, doc, args.cache) for name in engines}
        for name, (document, seconds) in reads.items():
            tallies[name].add(doc, document, seconds, extractor)
        if {"tesseract", "rapidocr"} <= reads.keys():
            (first, t1), (second, t2) = reads["tesseract"], reads["rapidocr"]
            both = any(needs_second_reading(Reading("tesseract", page.words), "eng")
                       for page in first.pages)
            tallies["auto"].add(doc, auto_of(first, second, "eng"), t1 + t2 if both else t1,
                                extractor)
        print(f"\r{number}/{len(docs)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"realdev/sroie, {len(docs)} receipts")
    print(f"{'':<14}{'in OCR text %':^24}{'extracted right %':^24}")
    print(f"{'engine':<10}{'n':>4}" + "".join(f"{f[:7]:>8}" for f in FIELDS) * 2
          + f"{'s/image':>9}")
    for name, tally in tallies.items():
        if tally.documents:
            print(tally.row(name) + (f"   pages: {tally.chosen}" if name == "auto" else ""))
    if args.show:
        for name, tally in tallies.items():
            print(f"\n## {name} misses")
            print("\n".join(tally.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
