"""Line-item F1 on generated test-split bills (and on a truth.jsonl folder such as the devset).

    python bench/line_items.py --count 50 --seed 101           # generated test bills
    python bench/line_items.py --count 12 --scanned            # the same, scanned (OCR)
    python bench/line_items.py --truth /work/shared/devset     # files listed in a truth.jsonl

An extracted item matches a true item (one to one) when the amounts are equal to the cent and
the descriptions agree (case/space-insensitive similarity >= 85). "exact" also needs equal
quantity and unit price and the same description text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from billintake.domain.extracted import ExtractedLineItem
from billintake.extraction.line_items import extract_line_items
from billintake.reading.reader import read


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def match_items(found: list[ExtractedLineItem], truth: list[dict[str, Any]]) -> Counter[str]:
    """Counts: true, found, matched, exact."""
    counts: Counter[str] = Counter(true=len(truth), found=len(found))
    free = list(range(len(truth)))
    for item in found:
        best, best_score = None, 0.0
        for index in free:
            want = truth[index]
            if item.amount is None or _dec(want["amount"]) != item.amount:
                continue
            score = fuzz.ratio(_norm(item.description), _norm(want["description"]))
            if score >= 85 and score > best_score:
                best, best_score = index, score
        if best is None:
            continue
        free.remove(best)
        counts["matched"] += 1
        want = truth[best]
        # as booked: no printed quantity means one, no printed price means the amount
        quantity = item.quantity if item.quantity is not None else Decimal(1)
        price = item.unit_price if item.unit_price is not None else item.amount / quantity
        if (_norm(item.description) == _norm(want["description"])
                and quantity == _dec(want.get("quantity"))
                and price == _dec(want.get("unit_price"))):
            counts["exact"] += 1
    return counts


def f1(counts: Counter[str], key: str = "matched") -> tuple[float, float, float]:
    precision = counts[key] / counts["found"] if counts["found"] else 0.0
    recall = counts[key] / counts["true"] if counts["true"] else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def bench_generated(seed: int, count: int, *, verbose: bool, scanned: bool = False
                    ) -> Counter[str]:
    from billintake_devkit.synth import generate

    total: Counter[str] = Counter()
    by_family: dict[str, Counter[str]] = {}
    for bill in generate(seed, "test", count, scan_fraction=1.0 if scanned else 0.0):
        doc = read(bill.file_bytes)
        counts = match_items(extract_line_items(doc).items, bill.truth["line_items"])
        total += counts
        family = bill.layout.as_dict()["family"]
        by_family.setdefault(str(family), Counter()).update(counts)
        if verbose and (counts["matched"] != counts["true"] or counts["found"] != counts["true"]):
            print(f"  {bill.id} {bill.locale} {bill.layout.key()}: {dict(counts)}")
    for family, counts in sorted(by_family.items()):
        print(f"{family:8s} P/R/F1 = {'/'.join(f'{v:.3f}' for v in f1(counts))}  {dict(counts)}")
    return total


def bench_truth_dir(folder: Path, *, verbose: bool) -> Counter[str]:
    total: Counter[str] = Counter()
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        truth = record["truth"].get("line_items")
        if truth is None:
            continue
        doc = read((folder / record["file"]).read_bytes())
        counts = match_items(extract_line_items(doc).items, truth)
        total += counts
        if verbose:
            print(f"  {record['id']}: {dict(counts)}")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--truth", type=Path, help="a folder with truth.jsonl")
    parser.add_argument("--scanned", action="store_true",
                        help="deliver every generated bill as a scan (OCR; slow)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.truth:
        counts = bench_truth_dir(args.truth, verbose=args.verbose)
    else:
        counts = bench_generated(args.seed, args.count, verbose=args.verbose,
                                 scanned=args.scanned)
    precision, recall, score = f1(counts)
    _, _, exact = f1(counts, "exact")
    print(f"line items: precision {precision:.3f} recall {recall:.3f} F1 {score:.3f} "
          f"(exact-all-fields F1 {exact:.3f}) {dict(counts)} "
          f"in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
