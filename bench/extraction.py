"""Extraction accuracy over a truth file (the devset's JSON Lines form).

    python bench/extraction.py ../shared/devset/truth.jsonl [--ablate] [--visual] [--show]

Prints, per header field, accuracy over the documents whose truth has the field, with wrong
and missing counts (a null is missing, a different value is wrong — the worse of the two);
line-item precision/recall/F1; seconds per document (median and p90, model loaded once).
`--ablate` runs rules only and rules + trained ranker side by side, on the same read pages
(each file is read once). `--visual` ignores embedded e-invoice XML (measures reading the
page). `--show` lists every miss.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from billintake.domain.errors import BillintakeError
from billintake.domain.extracted import ExtractedBill
from billintake.extraction.contract import to_contract
from billintake.extraction.extractor import Extractor
from billintake.reading.document import ReadDocument
from billintake.reading.reader import read
from billintake.reading.sniff import sniff

FIELDS = ExtractedBill.HEADER_FIELDS
AMOUNT_FIELDS = frozenset({"subtotal", "tax", "total"})
LEGAL_SUFFIXES = re.compile(
    r"\b(gmbh|ag|kg|mbh|ug|se|sarl|sas|sa|eurl|bv|nv|vof|ltd|limited|llc|inc|incorporated|"
    r"corp|corporation|co|plc|llp|pvt|private|pty|spa|srl|oy|ab|as|aps|company)\b")


# --- comparison -------------------------------------------------------------------------------

def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def norm_identifier(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _plain(value))


def norm_vendor(value: str) -> str:
    text = re.sub(r"[^\w\s]", " ", _plain(value).replace(".", ""))
    text = LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())


def same(field_name: str, truth: Any, got: Any) -> bool:
    if field_name in AMOUNT_FIELDS:
        try:
            return Decimal(str(truth)).quantize(Decimal("0.01")) == \
                Decimal(str(got)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return False
    if field_name in {"bill_number", "po_number", "vendor_tax_id"}:
        return norm_identifier(str(truth)) == norm_identifier(str(got))
    if field_name == "vendor_name":
        a, b = norm_vendor(str(truth)), norm_vendor(str(got))
        return a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 90)
    if field_name in {"bill_date", "due_date"}:
        return date.fromisoformat(str(truth)) == date.fromisoformat(str(got))
    return str(truth).strip().upper() == str(got).strip().upper()


def _item_key(item: dict[str, Any]) -> tuple[str, str | None]:
    amount = item.get("amount")
    try:
        amount = str(Decimal(str(amount)).quantize(Decimal("0.01"))) if amount is not None \
            else None
    except InvalidOperation:
        amount = None
    return norm_vendor(str(item.get("description") or ""))[:40], amount


def items_match(truth: list[dict[str, Any]], got: list[dict[str, Any]]) -> int:
    """Items found: same amount and a similar description, each used once."""
    remaining = list(got)
    matched = 0
    for t in truth:
        t_desc, t_amount = _item_key(t)
        for g in remaining:
            g_desc, g_amount = _item_key(g)
            if t_amount == g_amount and fuzz.partial_ratio(t_desc, g_desc) >= 80:
                matched += 1
                remaining.remove(g)
                break
    return matched


# --- scoring ----------------------------------------------------------------------------------

@dataclass
class Score:
    right: dict[str, int] = field(default_factory=dict)
    wrong: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    items_truth: int = 0
    items_got: int = 0
    items_matched: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def add(self, record: dict[str, Any], result: dict[str, Any], seconds: float) -> None:
        self.seconds.append(seconds)
        truth = record["truth"]
        for name in FIELDS:
            if truth.get(name) in (None, ""):
                continue
            got = result.get(name)
            bucket = self.right if got is not None and same(name, truth[name], got) else (
                self.missing if got is None else self.wrong)
            bucket[name] = bucket.get(name, 0) + 1
            if bucket is not self.right:
                kind = "missing" if bucket is self.missing else "wrong"
                self.misses.append(f"{record['id']}: {name} {kind}: truth={truth[name]!r} "
                                   f"got={got!r}")
        if "line_items" in truth:
            got_items = result.get("line_items") or []
            self.items_truth += len(truth["line_items"])
            self.items_got += len(got_items)
            self.items_matched += items_match(truth["line_items"], got_items)

    def report(self, title: str) -> str:
        lines = [f"## {title}", f"{'field':<14}{'n':>5}{'acc %':>8}{'wrong':>7}{'missing':>9}"]
        for name in FIELDS:
            n = self.right.get(name, 0) + self.wrong.get(name, 0) + self.missing.get(name, 0)
            if not n:
                continue
            acc = 100.0 * self.right.get(name, 0) / n
            lines.append(f"{name:<14}{n:>5}{acc:>8.1f}{self.wrong.get(name, 0):>7}"
                         f"{self.missing.get(name, 0):>9}")
        if self.items_truth:
            precision = self.items_matched / self.items_got if self.items_got else 0.0
            recall = self.items_matched / self.items_truth
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            lines.append(f"line items: precision {100 * precision:.1f} %, recall "
                         f"{100 * recall:.1f} %, F1 {100 * f1:.1f} % "
                         f"({self.items_matched}/{self.items_truth} found, {self.items_got} "
                         f"extracted)")
        total_n = (self.right.get("total", 0) + self.wrong.get("total", 0) +
                   self.missing.get("total", 0))
        if total_n:
            lines.append(f"wrong totals: {100.0 * self.wrong.get('total', 0) / total_n:.1f} %")
        if self.seconds:
            ordered = sorted(self.seconds)
            p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
            lines.append(f"seconds per document: median {statistics.median(ordered):.3f}, "
                         f"p90 {p90:.3f}, max {ordered[-1]:.3f} over {len(ordered)} documents")
        if self.errors:
            lines.append(f"errors: {len(self.errors)}")
            lines.extend(f"  {e}" for e in self.errors)
        return "\n".join(lines)


def run(records: Iterable[dict[str, Any]], base: Path, extractor: Extractor, *,
        visual: bool, reads: dict[str, ReadDocument] | None = None) -> Score:
    """Score `extractor` on `records`. With `reads`, each file's pages are read once and
    shared across runs (so an ablation compares extraction on identical OCR output)."""
    score = Score()
    for record in records:
        path = base / record["file"]
        started = time.perf_counter()
        try:
            data = path.read_bytes()
            media_type = sniff(data, settings=extractor.settings)  # once, as at receive

            def read_pages(data: bytes = data, media_type: str = media_type,
                           key: str = record["file"]) -> ReadDocument:
                if reads is not None and key in reads:
                    return reads[key]
                doc = read(data, media_type=media_type, settings=extractor.settings)
                if reads is not None:
                    reads[key] = doc
                return doc

            if visual:
                bill = extractor.extract_document(read_pages())
            else:
                bill = extractor.extract_sniffed(data, media_type, read_pages=read_pages)
            result = to_contract(bill, record["file"])
        except (BillintakeError, OSError) as exc:
            score.errors.append(f"{record['id']}: {exc}")
            result = {}
        score.add(record, result, time.perf_counter() - started)
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", type=Path)
    parser.add_argument("--ablate", action="store_true",
                        help="compare rules only with rules + trained ranker")
    parser.add_argument("--visual", action="store_true", help="ignore embedded e-invoice XML")
    parser.add_argument("--show", action="store_true", help="list every wrong or missing value")
    parser.add_argument("--kind", help="only documents of this kind (text-pdf, image, ...)")
    args = parser.parse_args(argv)

    records = [json.loads(line) for line in args.truth.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    if args.kind:
        records = [r for r in records if r.get("kind") == args.kind]
    base = args.truth.parent
    variants = [("rules only", False), ("rules + trained ranker", True)] if args.ablate else [
        ("extractor", True)]
    reads: dict[str, ReadDocument] | None = {} if args.ablate else None
    for title, use_model in variants:
        extractor = Extractor(use_model=use_model)
        if use_model and args.ablate and extractor.ranker is None:
            print(f"## {title}: no trained ranker available")
            continue
        score = run(records, base, extractor, visual=args.visual, reads=reads)
        print(score.report(f"{title} — {args.truth} ({len(records)} documents)"))
        if args.show:
            print("\n".join(score.misses))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
