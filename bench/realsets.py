"""Extraction on the real sets: accuracy, calibration and straight-through, per set.

    python bench/realsets.py [--sets devset,facturx-visual,facturx,sroie,sroie-lines]
                             [--shared ../shared] [--cache bench/out/reads] [--show]

For each set prints, per header field, accuracy with wrong and missing apart (a null is
missing, a different value is wrong); line-item F1; wrong totals; the calibration of the
confidences over every field given (expected calibration error over ten bins, and how many
fields given ≥ 0.95 were wrong); the share of bills that would pass straight through the
auto-approve gate (every required field present and confident, the arithmetic reconciled; the
vendor taken as known) and how many of those had a wrong field; seconds per document (reading
excluded when the read pages come from the cache).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from billintake_devkit.corpora import (
    LabelledDocument,
    load_sroie_lines,
    load_truth_file,
    read_cached,
    write_if_changed,
)
from billintake_devkit.scoring import FIELDS, same
from rapidfuzz import fuzz

from billintake.domain.errors import BillintakeError
from billintake.domain.extracted import ExtractedBill
from billintake.extraction.contract import to_contract
from billintake.extraction.extractor import Extractor
from billintake.reading.document import ReadDocument
from billintake.settings import Settings, get_settings

SETS: dict[str, str] = {
    "devset": "devset/truth.jsonl",
    "facturx-visual": "realdev/facturx-visual/truth.jsonl",
    "facturx": "realdev/facturx/truth.jsonl",
    "sroie": "realdev/sroie/truth.jsonl",
    "sroie-lines": "realdev/sroie-lines/receipts.jsonl",
}
GATE_FIELDS = ("bill_number", "vendor_name", "bill_date", "total", "currency")
CONFIDENT = 0.95


GENERATED_SEED, GENERATED_COUNT = 4242, 160


def load_set(shared: Path, name: str) -> list[LabelledDocument]:
    if name == "generated":
        return generated_set(Path(__file__).resolve().parent / "out" / "generated")
    path = shared / SETS[name]
    return load_sroie_lines(path) if name == "sroie-lines" else load_truth_file(path)


def generated_set(folder: Path) -> list[LabelledDocument]:
    """Generated bills of the generator's train split (never its test split), as files, with
    their vendor as the cross-validation group."""
    from billintake_devkit.synth import generate

    folder.mkdir(parents=True, exist_ok=True)
    docs: list[LabelledDocument] = []
    for bill in generate(GENERATED_SEED, "train", GENERATED_COUNT, receipt_fraction=0.2,
                         scan_fraction=0.0):
        path = folder / f"{bill.id}.pdf"
        write_if_changed(path, bill.pdf_bytes)
        vendor = str(bill.truth.get("vendor_name") or bill.id)
        docs.append(LabelledDocument(id=bill.id, source="synth", group="synth:" + vendor,
                                     truth=dict(bill.truth), kind=bill.kind, path=path))
    return docs


@dataclass
class SetScore:
    right: dict[str, int] = field(default_factory=dict)
    wrong: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    predictions: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right)
    items: list[int] = field(default_factory=lambda: [0, 0, 0])  # truth, got, matched
    passed: int = 0
    passed_wrong: int = 0
    documents: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def add(self, doc: LabelledDocument, bill: ExtractedBill | None, seconds: float) -> None:
        self.documents += 1
        self.seconds.append(seconds)
        result = to_contract(bill, doc.id) if bill is not None else {}
        any_wrong = False
        for name in FIELDS:
            truth = doc.truth.get(name)
            got = result.get(name)
            fv = getattr(bill, name, None) if bill is not None else None
            if truth in (None, ""):
                continue  # unknown truth: neither scored nor counted in the calibration
            right = got is not None and same(name, truth, got)
            bucket = self.right if right else (self.missing if got is None else self.wrong)
            bucket[name] = bucket.get(name, 0) + 1
            if fv is not None:
                self.predictions.append((fv.confidence, right))
            if not right and got is not None:
                any_wrong = True
            if not right:
                kind = "missing" if got is None else "wrong"
                conf = f" ({fv.confidence:.2f})" if fv is not None else ""
                self.misses.append(f"{doc.id}: {name} {kind}: truth={truth!r} got={got!r}{conf}")
        if "line_items" in doc.truth:
            got_items = result.get("line_items") or []
            self.items[0] += len(doc.truth["line_items"])
            self.items[1] += len(got_items)
            self.items[2] += items_matched(doc.truth["line_items"], got_items)
        if bill is not None and passes_gate(bill):
            self.passed += 1
            self.passed_wrong += int(any_wrong)
            if any_wrong:
                self.misses.append(f"{doc.id}: passed the gate with a wrong field")

    def ece(self) -> float:
        if not self.predictions:
            return 0.0
        bins: dict[int, list[tuple[float, bool]]] = {}
        for conf, right in self.predictions:
            bins.setdefault(min(9, int(conf * 10)), []).append((conf, right))
        total = len(self.predictions)
        return sum(len(b) / total * abs(statistics.fmean(c for c, _ in b)
                                        - statistics.fmean(float(r) for _, r in b))
                   for b in bins.values())

    def report(self, title: str) -> str:
        lines = [f"## {title} ({self.documents} documents)",
                 f"{'field':<14}{'n':>5}{'acc %':>8}{'wrong':>7}{'missing':>9}"]
        for name in FIELDS:
            n = self.right.get(name, 0) + self.wrong.get(name, 0) + self.missing.get(name, 0)
            if n:
                lines.append(f"{name:<14}{n:>5}{100.0 * self.right.get(name, 0) / n:>8.1f}"
                             f"{self.wrong.get(name, 0):>7}{self.missing.get(name, 0):>9}")
        truth_n, got_n, matched = self.items
        if truth_n:
            precision = matched / got_n if got_n else 0.0
            recall = matched / truth_n
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            lines.append(f"line items: precision {100 * precision:.1f} %, recall "
                         f"{100 * recall:.1f} %, F1 {100 * f1:.1f} % ({matched}/{truth_n})")
        total_n = sum(d.get("total", 0) for d in (self.right, self.wrong, self.missing))
        if total_n:
            lines.append(f"wrong totals: {100.0 * self.wrong.get('total', 0) / total_n:.1f} %")
        confident = [r for c, r in self.predictions if c >= CONFIDENT]
        lines.append(f"calibration: ECE {self.ece():.3f} over {len(self.predictions)} fields; "
                     f"given >= {CONFIDENT}: {len(confident)}, wrong "
                     f"{confident.count(False)} ({_pct(confident.count(False), len(confident))})")
        lines.append(f"straight through: {self.passed}/{self.documents} "
                     f"({_pct(self.passed, self.documents)}), of those wrong: {self.passed_wrong}")
        if self.seconds:
            lines.append(f"seconds per document: median {statistics.median(self.seconds):.3f}")
        if self.errors:
            lines.append(f"errors: {len(self.errors)}")
            lines.extend(f"  {e}" for e in self.errors)
        return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "-"


def passes_gate(bill: ExtractedBill, threshold: float | None = None) -> bool:
    """The auto-approve gate, the vendor taken as known: required fields present, the
    probability that all are right at least the threshold, the arithmetic reconciled,
    nothing flagged (as `services.pipeline.review_reasons`)."""
    settings = get_settings()
    threshold = settings.auto_approve_min_confidence if threshold is None else threshold
    if any(getattr(bill, name) is None for name in GATE_FIELDS) or bill.needs_review:
        return False
    if bill.arithmetic_disagreement() is not None:
        return False
    if settings.auto_approve_require_reconciled and not bill.reconciled:
        return False
    return bill.joint_confidence() >= threshold


def items_matched(truth: list[dict[str, Any]], got: list[dict[str, Any]]) -> int:
    remaining = list(got)
    found = 0
    for t in truth:
        for g in remaining:
            if same("total", t.get("amount"), g.get("amount")) and fuzz.partial_ratio(
                    str(t.get("description") or "").lower()[:40],
                    str(g.get("description") or "").lower()[:40]) >= 80:
                found += 1
                remaining.remove(g)
                break
    return found


Extract = Callable[[LabelledDocument, ReadDocument], ExtractedBill]


def score_set(docs: list[LabelledDocument], extract: Extract, settings: Settings,
              cache: Path | None) -> SetScore:
    score = SetScore()
    for doc in docs:
        try:
            pages = read_cached(doc, settings, cache)
        except (BillintakeError, OSError) as exc:
            score.errors.append(f"{doc.id}: {exc}")
            score.add(doc, None, 0.0)
            continue
        started = time.perf_counter()
        try:
            bill: ExtractedBill | None = extract(doc, pages)
        except BillintakeError as exc:
            score.errors.append(f"{doc.id}: {exc}")
            bill = None
        score.add(doc, bill, time.perf_counter() - started)
    return score


def shipped_extractor(settings: Settings) -> Extract:
    """The shipped extractor: e-invoice XML first when the file carries one, else the page."""
    extractor = Extractor(settings)

    def extract(doc: LabelledDocument, pages: ReadDocument) -> ExtractedBill:
        if doc.path is not None and doc.path.suffix.lower() == ".pdf":
            data = doc.path.read_bytes()
            return extractor.extract_sniffed(data, "application/pdf", read_pages=lambda: pages)
        return extractor.extract_document(pages)

    return extract


def cross_validated(shared: Path, settings: Settings, cache: Path | None, folds: int,
                    training_sets: list[str], scored: list[str], salt: str = ""
                    ) -> dict[str, SetScore]:
    """Per scored set: the rules' bills with the decision of the ranker of the fold that never
    saw the document's group (source repository or vendor), calibrated out of fold; `salt`
    deals the groups into other folds (`ranking.fold_of`)."""
    from billintake_devkit import ranking

    examples: dict[str, list[Any]] = {}
    for name in dict.fromkeys([*training_sets, *scored]):
        examples[name] = ranking.collect_cached(load_set(shared, name), settings, cache, name)
    models = ranking.cross_fit([e for n in training_sets for e in examples[n]], folds,
                               salt=salt)
    scores: dict[str, SetScore] = {}
    for name in scored:
        score = scores[name] = SetScore()
        for example in examples[name]:
            model = models[ranking.fold_of(example.doc.group, folds, salt)]
            score.add(example.doc, ranking.decided_bill(example, model), 0.0)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="devset,facturx-visual,facturx,sroie")
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--cache", type=Path, default=Path("bench/out/reads"))
    parser.add_argument("--show", action="store_true", help="list every miss")
    parser.add_argument("--cv", action="store_true",
                        help="cross-validated: the ranker trained on the other folds of the "
                             "visual sets (groups by source and vendor), calibrated out of fold")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fold-salt", default="",
                        help="deal the groups into other folds: run a few to see how much a "
                             "cross-validated figure owes to one split")
    parser.add_argument("--train-sets",
                        default="devset,facturx-visual,sroie-lines,sroie,generated",
                        help="the sets the --cv ranker learns from (sroie: the receipt images, "
                             "read by OCR: slow until the reads are cached)")
    args = parser.parse_args(argv)
    settings = get_settings()
    extract = shipped_extractor(settings)
    names = args.sets.split(",")
    if args.cv:
        scored = [n for n in names if n != "facturx"]  # the XML path has nothing to rank
        for name, score in cross_validated(args.shared, settings, args.cache, args.folds,
                                           args.train_sets.split(","), scored,
                                           args.fold_salt).items():
            print(score.report(name + " (cross-validated)"))
            if args.show:
                print("\n".join(score.misses))
            print()
        return 0
    for name in names:
        docs = load_set(args.shared, name)
        score = score_set(docs, extract, settings, args.cache)
        print(score.report(name))
        if args.show:
            print("\n".join(score.misses))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
