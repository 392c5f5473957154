"""Train the field scorer on generated bills and write the spaCy pipeline to models/.

    python scripts/train_model.py                      # the shipped model (deterministic)
    python scripts/train_model.py --bills 60 --scans 0 --out /tmp/model   # a quick one

Bills come from the synthetic generator's *train* split (layouts the test split never uses),
seeded, a share of them scanned and OCR'd. Each bill is read and extracted by the real
`Extractor`; a recording scorer plugged into its `scorer` hook captures every field's
candidates exactly as the shipped scorer will see them, featurizes them and labels each
candidate by comparing its value with the bill's truth. One logistic regression per field is
fit (no randomness) and the rule components (with the label lexicon of the `field_labels`
component, `patterns/labels.jsonl`) plus the trained `field_scorer` are written with
`nlp.to_disk`. Rebuild whenever a pattern file or the lexicon changes: the scorer's label
features come from the lexicon. A field's model is shipped only where 5-fold cross-validation
over held-out train layouts shows it choosing right more often than the rules' own ranking;
elsewhere the rules decide.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
from billintake_devkit.synth import make_bill

from billintake.extraction import model
from billintake.extraction import nlp as rules
from billintake.extraction import scorer as field_scorer
from billintake.extraction.extractor import RANKED_FIELDS, Extractor
from billintake.extraction.parsing import parse_amount
from billintake.reading.document import ReadDocument
from billintake.reading.reader import read

TRAIN_SEED = 20251
MIN_POSITIVES = 25
L2 = 2.0
FOLDS = 5
MIN_GAIN = 2  # bills the model must get right beyond the rules (cross-validated) to be kept


@dataclass
class FieldData:
    """Feature rows of one field's candidates, their labels and the bill each came from."""

    rows: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    rule_scores: list[np.ndarray] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)  # one per row block (a bill's candidates)
    folds: list[int] = field(default_factory=list)  # cross-validation fold, by layout


def same_value(field_name: str, value: Any, truth: Any) -> bool:
    """Whether a candidate's value is the truth's (truth as the generator writes it)."""
    if truth is None:
        return False
    if isinstance(value, date):
        return value.isoformat() == str(truth)
    if isinstance(value, Decimal):
        try:
            return value == Decimal(str(truth))
        except InvalidOperation:
            return False
    if field_name == "vendor_name":
        return _words(str(value)) == _words(str(truth))
    return _code(str(value)) == _code(str(truth))


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _code(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def tax_parts(labels: dict[str, Any]) -> list[Decimal]:
    """The amounts of a bill's several tax lines (7 % and 19 %, CGST + SGST), which the
    extractor adds up: each is a right tax candidate though none equals the total tax."""
    parts = [parse_amount(part["text"]) for part in labels.get("extra", {}).get("tax_parts", [])]
    return [part for part in parts if part is not None]


class RecordingScorer:
    """Plugs into the extractor's scorer hook: records features and labels, changes nothing."""

    def __init__(self, truth: dict[str, Any], labels: dict[str, Any]) -> None:
        self.truth = truth
        self.tax_parts = tax_parts(labels)
        self.recorded: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def is_right(self, field: str, value: Any) -> bool:
        if field == "tax" and isinstance(value, Decimal) and value in self.tax_parts:
            return True
        return same_value(field, value, self.truth.get(field))

    def score(self, field: str, candidates: Sequence[Any], doc: ReadDocument) -> list[float]:
        view = field_scorer.cached_view(doc, model.load())
        rows = field_scorer.featurize(field, candidates, view)
        targets = np.array([self.is_right(field, c.value) for c in candidates],
                           dtype=np.float32)
        scores = np.array([c.score for c in candidates], dtype=np.float32)
        self.recorded[field] = (rows, targets, scores)
        return [float(c.score) for c in candidates]


def bill_examples(args: tuple[int, int, float]) -> tuple[int, int, str, dict[str, Any]]:
    """Generate, read and extract one training bill; its recorded fields."""
    seed, index, scan_fraction = args
    bill = make_bill(seed, "train", index, scan_fraction=scan_fraction)
    digest = hashlib.sha256(bill.layout.key().encode()).digest()
    fold = digest[1] % FOLDS  # bills of one layout always fall in the same fold
    recorder = RecordingScorer(bill.truth, bill.labels)
    try:
        doc = read(bill.file_bytes)
        Extractor(use_model=True, scorer=recorder).extract_document(doc)
    except Exception as error:  # a bill the reader cannot read teaches nothing
        print(f"  skipped {bill.id}: {error}", file=sys.stderr)
        return index, fold, bill.kind, {}
    return index, fold, bill.kind, recorder.recorded


def collect(seed: int, count: int, scans: int, workers: int) -> dict[str, FieldData]:
    """Recorded candidates of `count` bills, `scans` of which are scanned."""
    scan_fraction = scans / count if count else 0.0
    jobs = [(seed, index, scan_fraction) for index in range(count)]
    data: dict[str, FieldData] = {}
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, (index, fold, _kind, recorded) in enumerate(
                pool.map(bill_examples, jobs, chunksize=4), start=1):
            for name, (rows, targets, scores) in sorted(recorded.items()):
                entry = data.setdefault(name, FieldData())
                entry.rows.append(rows)
                entry.targets.append(targets)
                entry.rule_scores.append(scores)
                entry.groups.append(index)
                entry.folds.append(fold)
            if done % 50 == 0:
                print(f"  {done}/{count} bills ({time.monotonic() - started:.0f}s)", flush=True)
    return data


def top1(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[int, int]:
    """(right, answerable): bills where the best-scored candidate is a right one, among bills
    that have a right candidate at all."""
    right = answerable = 0
    for scores, targets in groups:
        if targets.any():
            answerable += 1
            right += int(targets[int(np.argmax(scores))] > 0)
    return right, answerable


Trained = tuple[dict[str, field_scorer.LinearModel], dict[str, Any]]


def train(data: dict[str, FieldData], *, keep_all: bool = False) -> Trained:
    """One model per field with enough examples, kept where it beats the rules' ranking by at
    least MIN_GAIN bills in cross-validation over held-out layouts (or always, with keep_all).
    Returns (models, report)."""
    models: dict[str, field_scorer.LinearModel] = {}
    report: dict[str, Any] = {}
    for name in RANKED_FIELDS:
        entry = data.get(name)
        if entry is None:
            continue
        positives = int(sum(t.sum() for t in entry.targets))
        if positives < MIN_POSITIVES:
            report[name] = {"positives": positives, "trained": False}
            continue
        rules_right = model_right = answerable = 0
        for fold in range(FOLDS):
            fit = [i for i, f in enumerate(entry.folds) if f != fold]
            held = [i for i, f in enumerate(entry.folds) if f == fold]
            if not fit or not held:
                continue
            model = field_scorer.fit_logistic(np.concatenate([entry.rows[i] for i in fit]),
                                              np.concatenate([entry.targets[i] for i in fit]),
                                              l2=L2)
            right, count = top1([(entry.rule_scores[i], entry.targets[i]) for i in held])
            rules_right, answerable = rules_right + right, answerable + count
            model_right += top1([(model.probabilities(entry.rows[i]), entry.targets[i])
                                 for i in held])[0]
        helps = model_right - rules_right >= MIN_GAIN
        if helps or keep_all:  # keep what measurably helps; elsewhere the rules' ranking stands
            models[name] = field_scorer.fit_logistic(np.concatenate(entry.rows),
                                                     np.concatenate(entry.targets), l2=L2)
        report[name] = {"positives": positives, "trained": True, "bills": answerable,
                        "rules_top1": rules_right, "model_top1": model_right, "kept": helps}
    return models, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=400, help="training bills to generate")
    parser.add_argument("--scans", type=int, default=40, help="how many of them are scans")
    parser.add_argument("--seed", type=int, default=TRAIN_SEED)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, default=model.DEFAULT_MODEL_DIR)
    parser.add_argument("--keep-all", action="store_true",
                        help="ship every trained field, even where the rules did as well")
    args = parser.parse_args(argv)

    started = time.monotonic()
    print(f"generating, reading and extracting {args.bills} train bills "
          f"({args.scans} scanned), seed {args.seed}")
    data = collect(args.seed, args.bills, args.scans, args.workers)
    models, report = train(data, keep_all=args.keep_all)
    print(f"{FOLDS}-fold cross-validation over train layouts: bills whose best-scored "
          "candidate is right, rules' ranking vs model")
    print(f"{'field':<15} {'pos':>5} {'bills':>8} {'rules':>6} {'model':>6}  shipped")
    for name, row in report.items():
        if row["trained"]:
            print(f"{name:<15} {row['positives']:>5} {row['bills']:>8} "
                  f"{row['rules_top1']:>6} {row['model_top1']:>6}  "
                  f"{'yes' if row['kept'] else 'no: not measurably better'}")
        else:
            print(f"{name:<15} {row['positives']:>5}   (too few positives: rules only)")

    pipeline = rules.build_rules_pipeline()
    component = pipeline.add_pipe("field_scorer")
    assert isinstance(component, field_scorer.FieldScorerComponent)
    component.scorer = field_scorer.FieldScorer(models, {
        "seed": args.seed, "bills": args.bills, "scans": args.scans, "split": "train",
        "l2": L2, "cross_validated_top1": {k: v for k, v in report.items() if v["trained"]},
    })
    args.out.mkdir(parents=True, exist_ok=True)
    pipeline.to_disk(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(json.dumps({"model": str(args.out), "bytes": size, "fields": sorted(models),
                      "seconds": round(time.monotonic() - started)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
