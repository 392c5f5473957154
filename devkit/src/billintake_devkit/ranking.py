"""Training material for the ranker, its cross-validation, and the shipped fit.

`collect` runs the rules and the finders on labelled documents and labels every candidate
by the truth (`scoring.same`); `folds` splits documents by group (source repository or
vendor: a group is never both trained on and scored); `fit` trains the per-field models and
their calibrations, fitted on the signals (`calibration.Signals`) of out-of-fold choices
only. Everything is in a fixed order, so the same documents give the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from billintake.domain.errors import BillintakeError
from billintake.domain.extracted import Evidence, ExtractedBill, FieldValue
from billintake.extraction import calibration, ranker
from billintake.extraction.calibration import Signals
from billintake.extraction.candidate import Candidate
from billintake.extraction.decide import (
    AMOUNTS,
    HEADER,
    best_combination,
    combinations,
    decide,
    ranked,
    rules_signals,
    signals_of,
)
from billintake.extraction.extractor import Extractor
from billintake.extraction.finders.context import feature_names
from billintake.reading.document import ReadDocument
from billintake.settings import Settings

from .corpora import LabelledDocument, read_cached, read_key, write_atomically
from .scoring import same

FIELDS = (*HEADER, *AMOUNTS)
# The fields whose rules' confidence is calibrated where the rules choose them.
RULE_FIELDS = (*FIELDS, "due_date", "currency")


@dataclass
class Example:
    """One document's candidates per field, labelled, and the rules' own bill."""

    doc: LabelledDocument
    proposed: dict[str, list[Candidate]]
    labels: dict[str, list[int]] = field(default_factory=dict)
    items_sum: Decimal | None = None
    bill_json: str | None = None  # the rules' bill (as JSON: it is pickled with the example)

    @property
    def bill(self) -> ExtractedBill | None:
        return None if self.bill_json is None else \
            ExtractedBill.model_validate_json(self.bill_json)

    def rules(self, name: str) -> tuple[Any, float] | None:
        """The rules' value of a field and its confidence (parsed once)."""
        cached: dict[str, tuple[Any, float] | None] | None = getattr(self, "_rules", None)
        if cached is None:
            bill = self.bill
            cached = {}
            for field_name in RULE_FIELDS:
                fv = getattr(bill, field_name, None) if bill is not None else None
                cached[field_name] = None if fv is None else (fv.value, fv.confidence)
            self._rules = cached
        return cached.get(name)

    @property
    def kind(self) -> str:
        for cands in self.proposed.values():
            if cands:
                return ranker.kind_of(cands[0])
        return "text"


def label(doc: LabelledDocument, proposed: dict[str, list[Candidate]]) -> Example:
    example = Example(doc, proposed)
    for name in FIELDS:
        truth = doc.truth.get(name)
        example.labels[name] = [int(truth not in (None, "") and same(name, truth, c.value))
                                for c in proposed.get(name, [])]
    return example


def collect(docs: Iterable[LabelledDocument], settings: Settings, cache: Path | None,
            extractor: Extractor | None = None) -> list[Example]:
    extractor = extractor or Extractor(settings)
    out: list[Example] = []
    for doc in docs:
        try:
            pages = read_cached(doc, settings, cache)
            bill, proposed = extractor.propose(pages)
        except (BillintakeError, OSError):
            continue
        example = label(doc, proposed)
        example.bill_json = bill.model_dump_json()
        amounts = [i.amount for i in bill.line_items]
        if amounts and all(a is not None for a in amounts):
            example.items_sum = sum((a for a in amounts if a is not None), Decimal(0))
        out.append(example)
    return out


@functools.cache
def _code_digest() -> str:
    """The finders' code (with the extractor's, which makes the rules' bill of each example)
    and the shipped spaCy pipeline, as of the first use in a process; the decision's own
    modules apart (an example holds candidates, not decisions)."""
    import billintake.extraction as package

    digest = hashlib.sha256()
    for source in sorted(Path(package.__file__).parent.rglob("*.py")):
        if source.name not in {"decide.py", "ranker.py", "calibration.py"}:
            digest.update(source.read_bytes())
    for source in sorted(Path(package.__file__).parents[3].joinpath("models").rglob("*")):
        if source.is_file() and "ranker" not in source.parts:
            digest.update(source.read_bytes())
    return digest.hexdigest()


def collect_cached(docs: Sequence[LabelledDocument], settings: Settings, cache: Path | None,
                   name: str) -> list[Example]:
    """`collect`, kept on disk (under the reads cache) by the set, the extraction code and
    the documents: each one's id, truth and read (`corpora.read_key`), so a changed read or
    truth never reuses stale examples."""
    if cache is None:
        return collect(docs, settings, None)
    digest = hashlib.sha256(name.encode() + _code_digest().encode())
    for doc in docs:
        digest.update(json.dumps([doc.id, doc.group, doc.truth], sort_keys=True,
                                 default=str).encode())
        digest.update(read_key(doc, settings).encode())
    path = cache.parent / "examples" / f"{name}-{digest.hexdigest()[:16]}.pickle"
    if path.is_file():
        with path.open("rb") as handle:
            return list(pickle.load(handle))
    examples = collect(docs, settings, cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, pickle.dumps(examples))
    return examples


def _extra(bill: ExtractedBill) -> Decimal:
    return (bill.value("shipping") or Decimal(0)) - abs(bill.value("discount") or Decimal(0))


def decided_bill(example: Example, model: ranker.Ranker) -> ExtractedBill:
    """The rules' bill with the ranker's decision over its candidates (as the extractor
    makes it), without extracting again."""
    bill = example.bill
    assert bill is not None
    decision = decide(model, example.proposed, example.items_sum, example.kind, _extra(bill),
                      bill.reconciled)
    update: dict[str, Any] = {}
    for name, chosen in decision.fields.items():
        if chosen is None:
            update[name] = None
            continue
        cand = chosen.candidate
        value = cand.value
        if isinstance(value, Decimal):
            value = value.quantize(Decimal("0.01")) if value.as_tuple().exponent > -2 else value
        update[name] = FieldValue[Any](value=value, confidence=round(chosen.confidence, 3),
                                       evidence=Evidence(source="ocr" if cand.source == "ocr"
                                                         else "text", page=cand.page,
                                                         bbox=cand.bbox, text=cand.text))
    update["reconciled"] = decision.reconciled
    for name in RULE_FIELDS:
        if not model.decides(name, example.kind) and getattr(bill, name) is not None:
            fv = getattr(bill, name)
            signals = rules_signals(model, name, fv.confidence, example.proposed.get(name, ()),
                                    example.kind, bill.reconciled)
            update[name] = fv.model_copy(update={"confidence": model.rules_confidence(
                name, signals, example.kind)})
    return bill.model_copy(update=update)


def collect_read(items: Sequence[tuple[LabelledDocument, ReadDocument]],
                 extractor: Extractor | None = None) -> list[Example]:
    """`collect` for documents already read (tests, generated bills)."""
    extractor = extractor or Extractor()
    return [label(doc, extractor.propose(pages)[1]) for doc, pages in items]


def fold_of(group: str, k: int, salt: str = "") -> int:
    """A group's fold, stable across runs; another `salt` deals the groups out anew (to see
    how much a cross-validated figure owes to one split)."""
    return int(hashlib.sha256((salt + group).encode()).hexdigest(), 16) % k


def _rows(examples: Sequence[Example], name: str
          ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The field's candidates as rows, their labels, and how many rows each document has."""
    names = feature_names(name)
    rows, targets, groups = [], [], []
    for ex in examples:
        if ex.doc.truth.get(name) in (None, ""):
            continue  # unknown truth: the field may not be printed at all
        cands = ex.proposed.get(name, [])
        if cands:
            rows.append(ranker.matrix(cands, names))
            targets.extend(ex.labels[name])
            groups.append(len(cands))
    if not rows:
        return np.zeros((0, len(names))), np.zeros(0), []
    return np.vstack(rows), np.asarray(targets, dtype=np.float64), groups


def train_models(examples: Sequence[Example]) -> ranker.Ranker:
    """The per-field models (no calibration) from the examples."""
    out = ranker.Ranker()
    for name in FIELDS:
        rows, targets, groups = _rows(examples, name)
        if len(targets) == 0 or targets.sum() == 0 or targets.sum() == len(targets):
            continue
        listwise = name in ranker.LISTWISE
        out.boosters[name] = ranker.train(rows, targets, feature_names(name),
                                          groups if listwise else None,
                                          ranker.LISTWISE.get(name, 1))
        out.features[name] = feature_names(name)
    out.listwise = frozenset(set(ranker.LISTWISE) & set(out.boosters))
    return out


Outcome = tuple[Signals, bool, str]  # the choice's signals, right, document kind
MIN_KIND_OUTCOMES = 30  # fewer: the document kind shares its field's calibration


def choice_outcomes(model: ranker.Ranker, ex: Example, *, real_only: bool = True
                    ) -> list[tuple[str, Outcome]]:
    """Per field of one example with a truth: the signals of the model's choice, whether it
    is right, and the kind of document (none for a generated bill with `real_only`)."""
    if real_only and ex.doc.source == "synth":
        return []
    bill = ex.bill
    reconciled = bill.reconciled if bill is not None else False
    extra = _extra(bill) if bill is not None else Decimal(0)
    decision = decide(model, ex.proposed, ex.items_sum, ex.kind, extra, reconciled,
                      min_given=0.0)
    found: list[tuple[str, Outcome]] = []
    for name, chosen in decision.fields.items():
        truth = ex.doc.truth.get(name)
        if truth in (None, "") or chosen is None:
            continue
        cand = chosen.candidate
        found.append((name, (signals_of(cand, chosen.runner_up, decision.reconciled),
                             bool(same(name, truth, cand.value)), ranker.kind_of(cand))))
    return found


# The fields the ranker decides together: the amounts are one joint choice.
GROUPS = {"bill_number": ("bill_number",), "vendor_name": ("vendor_name",),
          "bill_date": ("bill_date",), "amounts": AMOUNTS}


def rule_outcomes(examples: Sequence[Example], name: str,
                  model: ranker.Ranker | None = None) -> list[Outcome]:
    """The signals of the rules' choice of each real example's field (with `model`, one that
    never saw the example: whether its best candidate agrees), whether it is right, the
    kind."""
    found: list[Outcome] = []
    for ex in examples:
        truth = ex.doc.truth.get(name)
        if truth in (None, "") or ex.doc.source == "synth":
            continue
        got = ex.rules(name)
        if got is not None:
            bill = ex.bill
            signals = rules_signals(model or ranker.Ranker(), name, got[1],
                                    ex.proposed.get(name, ()), ex.kind,
                                    bill.reconciled if bill is not None else False)
            found.append((signals, same(name, truth, got[0]), ex.kind))
    return found


def selected_groups(oof: dict[str, list[Outcome]], rules: dict[str, list[Outcome]]
                    ) -> dict[str, list[str]]:
    """Per document kind (text layer, OCR): the field groups where the ranker, out of fold,
    is right more often than the rules on the real documents; the rules keep the others."""
    chosen: dict[str, list[str]] = {}
    for kind in ("text", "ocr"):
        chosen[kind] = []
        for group, names in GROUPS.items():
            ranked = sum(r for name in names for _, r, k in oof[name] if k == kind)
            ruled = sum(r for name in names for _, r, k in rules[name] if k == kind)
            if ranked > ruled:
                chosen[kind].append(group)
    return chosen


def _keep(model: ranker.Ranker, groups: dict[str, list[str]]) -> None:
    model.info["decides"] = {kind: [name for group in chosen for name in GROUPS[group]]
                             for kind, chosen in groups.items()}
    # A field the rules decide everywhere keeps its model: whether the ranker agrees with
    # the rules' choice is a signal of that choice's confidence (`decide.rules_signals`).


def cross_fit(examples: Sequence[Example], k: int = 5, *, select: bool = True,
              salt: str = "") -> dict[int, ranker.Ranker]:
    """Per fold: models trained on the other folds, calibrated on out-of-fold scores that
    exclude the fold itself (so a fold's confidences come from documents never used); the
    rules' confidences calibrated the same way for the fields the rules keep (`select`: the
    ranker decides only the field groups where it beats the rules; else all; `salt`: the
    split, `fold_of`)."""
    folds = {i: [e for e in examples if fold_of(e.doc.group, k, salt) == i] for i in range(k)}
    models = {i: train_models([e for j, f in folds.items() if j != i for e in f])
              for i in range(k)}
    oof = {i: _outcomes(models[i], folds[i]) for i in range(k)}
    rules = {i: {name: rule_outcomes(folds[i], name, models[i]) for name in RULE_FIELDS}
             for i in range(k)}
    groups = selected_groups({n: [p for i in range(k) for p in oof[i][n]] for n in FIELDS},
                             {n: [p for i in range(k) for p in rules[i][n]] for n in FIELDS})
    priors = {i: prior_outcomes(models[i], folds[i]) for i in range(k)}
    for i in range(k):
        models[i].info["arithmetic_prior"] = choose_priors(
            [o for j in range(k) if j != i for o in priors[j]])
        for name in FIELDS:
            calibrate(models[i], name, [p for j in range(k) if j != i for p in oof[j][name]])
        for name in RULE_FIELDS:
            calibrate(models[i], "rules:" + name,
                      [p for j in range(k) if j != i for p in rules[j][name]])
        if select:
            _keep(models[i], groups)
    return models


# The prior factors tried for each kind of arithmetic agreement (`decide.arithmetic_kind`).
PRIOR_GRID = {"vat": (20.0, 100.0, 1e3, 1e4, 1e5), "sum": (1.0, 5.0, 20.0, 100.0),
              "items": (1.0, 5.0, 20.0), "floor": (1e-6, 1e-3, 1e-2)}
Priors = tuple[float, float, float, float]  # vat, sum, items, floor


PriorOutcome = tuple[str, dict[Priors, int]]  # the document's kind, right amounts per priors


def prior_outcomes(model: ranker.Ranker, examples: Sequence[Example]) -> list[PriorOutcome]:
    """Per real example (scored by `model`, which never saw it): its kind, and for each set of
    priors of the grid how many of its known amounts the joint choice gets right."""
    out: list[PriorOutcome] = []
    if any(name not in model.boosters for name in AMOUNTS):
        return out
    grid = [(v, s, i, f) for f in PRIOR_GRID["floor"] for v in PRIOR_GRID["vat"]
            for s in PRIOR_GRID["sum"] for i in PRIOR_GRID["items"]]
    for ex in examples:
        if ex.doc.source == "synth" or ex.doc.truth.get("total") in (None, ""):
            continue
        order = {name: ranked(model, name, list(ex.proposed.get(name, ()))) for name in AMOUNTS}
        # the grid's factors as the decision weighs them without a printed row sum: its
        # prior is set by hand (`decide.DEFAULT_PRIORS`), and a document it settles would
        # otherwise stop telling how much a VAT sum should weigh
        combos = combinations(order, ex.items_sum,
                              _extra(ex.bill) if ex.bill is not None else Decimal(0),
                              rows=False)
        right: dict[Priors, int] = {}
        for vat, plain, items, floor in grid:
            best = best_combination(combos, {"vat": vat, "sum": plain, "items": items,
                                             "floor": floor})
            right[(vat, plain, items, floor)] = 0 if best is None else sum(
                int(c is not None and same(n, ex.doc.truth[n], c.value))
                for n, c in best[0].items() if ex.doc.truth.get(n) not in (None, ""))
        out.append((ex.kind, right))
    return out


def choose_priors(outcomes: Sequence[PriorOutcome]) -> dict[str, dict[str, float]]:
    """Per document kind (text layer, OCR): the grid's priors under which the joint choice is
    right most often (the first such in grid order, the smallest floor and factors, on a
    tie). Receipts and printed invoices differ: a till slip's VAT sum is often not what was
    paid (rounding, several VAT parts), an invoice's nearly always is."""
    chosen: dict[str, dict[str, float]] = {}
    for kind in sorted({k for k, _ in outcomes}):
        mine = [o for k, o in outcomes if k == kind]
        totals = {key: sum(o[key] for o in mine) for key in mine[0]}
        vat, plain, items, floor = max(totals, key=lambda key: totals[key])
        chosen[kind] = {"vat": vat, "sum": plain, "items": items, "floor": floor}
    return chosen


def _outcomes(model: ranker.Ranker, examples: Sequence[Example]) -> dict[str, list[Outcome]]:
    found: dict[str, list[Outcome]] = {name: [] for name in FIELDS}
    for ex in examples:
        for name, outcome in choice_outcomes(model, ex):
            found[name].append(outcome)
    return found


def calibrate(model: ranker.Ranker, name: str, outcomes: Sequence[Outcome]) -> None:
    """The field's calibration over its choices' signals, and one per document kind with
    enough outcomes; for a kind whose choices were all right, the field's floored by that
    record (`calibration.floored`)."""
    shared = calibration.fit([s for s, _, _ in outcomes], [r for _, r, _ in outcomes])
    model.calibrations[name] = shared
    for kind in sorted({k for _, _, k in outcomes}):
        mine = [(s, r) for s, r, k in outcomes if k == kind]
        if len(mine) >= MIN_KIND_OUTCOMES and len({r for _, r in mine}) == 2:
            model.calibrations[f"{name}:{kind}"] = calibration.fit([s for s, _ in mine],
                                                                   [r for _, r in mine])
        elif all(r for _, r in mine):
            floored = calibration.floored(shared, [s for s, _ in mine])
            if floored is not None:
                model.calibrations[f"{name}:{kind}"] = floored


def fit(examples: Sequence[Example], k: int = 5, *, select: bool = True) -> ranker.Ranker:
    """The shipped ranker: models on all examples, calibrated on out-of-fold choices (and,
    with `select`, deciding only where it beat the rules out of fold)."""
    folds = {i: [e for e in examples if fold_of(e.doc.group, k) == i] for i in range(k)}
    pairs: dict[str, list[Outcome]] = {name: [] for name in FIELDS}
    rules: dict[str, list[Outcome]] = {name: [] for name in RULE_FIELDS}
    priors: list[PriorOutcome] = []
    for i in range(k):
        model = train_models([e for j, f in folds.items() if j != i for e in f])
        for name, found in _outcomes(model, folds[i]).items():
            pairs[name].extend(found)
        for name in RULE_FIELDS:
            rules[name].extend(rule_outcomes(folds[i], name, model))
        priors.extend(prior_outcomes(model, folds[i]))
    final = train_models(examples)
    for name in final.boosters:
        calibrate(final, name, pairs[name])
    for name in RULE_FIELDS:
        calibrate(final, "rules:" + name, rules[name])
    groups = selected_groups(pairs, rules)
    final.info = {"documents": len(examples), "folds": k,
                  "sources": sorted({e.doc.source for e in examples}),
                  "arithmetic_prior": choose_priors(priors)}
    if select:
        _keep(final, groups)
    return final


def extractor_for(model: Any, settings: Settings | None = None) -> Extractor:
    return Extractor(settings, ranker=model)
