"""Vendor memory on sequences of a vendor's bills: the memory model's training rows, its fit,
and the learning loop the benchmark runs.

A sequence is bills in the order they arrive, several per vendor (`LabelledDocument.group` is
the vendor). Training rows: for each bill of a vendor after its first, every candidate of each
remembered field with its memory features (the memory learned from the vendor's earlier bills,
approved with their truth) and whether it is the true value. `fit` fits a logistic model per
field group on them and calibrates it out of fold; `cross_fit` gives each vendor the model of
the fold that never saw it. `run_loop` is `billintake extract --org` then `billintake learn`,
in-process: extract with the organization's memory, score, approve with the truth (a bill
that went straight through teaches its extracted values, as the pipeline's booking does).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from billintake.domain.extracted import BOOKING_FIELDS, ExtractedBill
from billintake.domain.memory import PLACED_FIELDS, VendorMemory
from billintake.domain.model import Vendor
from billintake.extraction import calibration
from billintake.extraction.extractor import Extractor
from billintake.extraction.memory import (
    FEATURES,
    FIELD_GROUP,
    MemoryBook,
    MemoryModel,
    feature_rows,
    learn,
    name_key,
    printed_name,
    recognise,
)
from billintake.matching.vendors import VendorCandidate, match_vendor, normalize_name
from billintake.reading.document import ReadDocument
from billintake.services.pipeline import ReviewPolicy, review_reasons
from billintake.services.vendor_memory import teaches_when_passed
from billintake.settings import Settings

from .corpora import LabelledDocument, read_cached, write_if_changed
from .scoring import same

# The contract's header fields a `learn --truth` may give (issue 13).
CONTRACT_FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency",
                   "subtotal", "tax", "total")
ORGANIZATION = "sequence"
C = 1.0  # the logistic models' inverse regularisation (sklearn's default)


def contract_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def approved_values(truth: Mapping[str, Any], bill: ExtractedBill | None) -> dict[str, Any]:
    """The values a reviewer approves: the truth where it is known, else what was extracted
    (as `billintake learn --truth` and a review approval with those corrections do)."""
    out: dict[str, Any] = {}
    for name in CONTRACT_FIELDS:
        if name in truth:
            out[name] = truth[name]
        elif bill is not None:
            out[name] = contract_value(bill.value(name))
    return out


def passed_values(bill: ExtractedBill) -> dict[str, Any]:
    """The values a bill booked straight through teaches: as extracted."""
    return {name: contract_value(bill.value(name)) for name in CONTRACT_FIELDS}


@dataclass
class Row:
    group: str
    doc: str
    field: str
    features: dict[str, float]
    right: bool


@dataclass
class NameRow:
    method: str  # the name's calibration key (`memory.name_key`): how recognised, and printed
    score: float
    right: bool


@dataclass
class Observed:
    rows: list[Row] = field(default_factory=list)
    names: list[NameRow] = field(default_factory=list)


def in_order(docs: Sequence[LabelledDocument]) -> list[LabelledDocument]:
    """The bills as they arrive: as listed (each vendor's in its own order)."""
    return list(docs)


def observe(docs: Iterable[LabelledDocument], extractor: Extractor, settings: Settings,
            cache: Path | None) -> Observed:
    """The training rows of a sequence: each vendor's memory learned from its earlier bills
    (approved with their truth), each later bill's candidates compared with it."""
    out = Observed()
    memories: dict[str, VendorMemory] = {}
    vendors: dict[str, Vendor] = {}
    for doc in docs:
        pages = read_cached(doc, settings, cache)
        bill, proposed, page = extractor.observe(pages)
        memory = memories.get(doc.group)
        if memory is not None:
            for name in PLACED_FIELDS:
                cands = proposed.get(name, [])
                if doc.truth.get(name) in (None, "") or not memory.field(name).spots \
                        or not cands:
                    continue
                for cand, features in zip(cands, feature_rows(
                        page, name, cands, memory.field(name), extractor.ranker), strict=True):
                    out.rows.append(Row(doc.group, doc.id, name, features,
                                        same(name, doc.truth[name], contract_value(cand.value))))
        book = MemoryBook(tuple(vendors.values()), {memories[g].vendor_id: memories[g]
                                                     for g in memories})
        fields = {n: getattr(bill, n) for n in ExtractedBill.HEADER_FIELDS}
        fields.update({n: getattr(bill, n) for n in ("vendor_iban", "vendor_email")})
        seen = recognise(page, fields, book)
        if seen is not None and doc.truth.get("vendor_name"):
            # the name the decision takes: the remembered one the page prints (exactly or
            # nearly), else the newest
            found = printed_name(page, seen.memory.names)
            name = found[0] if found else seen.memory.name
            out.names.append(NameRow(name_key(seen.method, bool(found and found[1])),
                                     seen.score,
                                     same("vendor_name", doc.truth["vendor_name"], name)))
        approved = approved_values(doc.truth, bill)
        if doc.group not in vendors:
            vendors[doc.group] = Vendor(id=_vendor_id(doc.group), organization_id=ORGANIZATION,
                                        name=str(approved.get("vendor_name") or doc.group),
                                        tax_id=bill.value("vendor_tax_id"),
                                        iban=bill.value("vendor_iban"))
        memories[doc.group] = learn(memory or VendorMemory(
            organization_id=ORGANIZATION, vendor_id=_vendor_id(doc.group)), page, proposed,
            approved, extractor.ranker)
    return out


def _vendor_id(group: str) -> str:
    return f"{zlib.crc32(group.encode()):08x}"


def fold_of(group: str, folds: int) -> int:
    """A vendor's fold: stable across runs and machines."""
    return zlib.crc32(group.encode()) % folds


def _logistic(rows: Sequence[Row]) -> list[float] | None:
    from sklearn.linear_model import LogisticRegression

    if len({r.right for r in rows}) < 2:
        return None
    x = np.array([[r.features.get(f, 0.0) for f in FEATURES] for r in rows])
    y = np.array([int(r.right) for r in rows])
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(x, y)
    return [float(model.intercept_[0]), *(float(v) for v in model.coef_[0])]


def _weights(rows: Sequence[Row]) -> dict[str, list[float]]:
    weights: dict[str, list[float]] = {}
    for group in sorted(set(FIELD_GROUP.values())):
        fitted = _logistic([r for r in rows if FIELD_GROUP[r.field] == group])
        if fitted is not None:
            weights[group] = fitted
    return weights


def fit(observed: Observed, folds: int = 5) -> MemoryModel:
    """The logistic weights on every row; each field's calibration (and the vendor name's per
    recognition method) on out-of-fold probabilities of the candidate each bill would take."""
    rows = observed.rows
    chosen: dict[str, tuple[list[float], list[bool]]] = {}
    for k in range(folds):
        train = [r for r in rows if fold_of(r.group, folds) != k]
        held = [r for r in rows if fold_of(r.group, folds) == k]
        model = MemoryModel(weights=_weights(train))
        by_bill: dict[tuple[str, str], list[Row]] = {}
        for r in held:
            by_bill.setdefault((r.doc, r.field), []).append(r)
        for (_, name), cands in sorted(by_bill.items()):
            probs = model.probabilities(name, [r.features for r in cands])
            best = int(np.argmax(probs))
            scores, rights = chosen.setdefault(name, ([], []))
            scores.append(probs[best])
            rights.append(cands[best].right)
    calibrations = {name: _calibrated(s, r) for name, (s, r) in chosen.items()}
    for key in sorted({n.method for n in observed.names}):  # `memory.name_key`
        named = [n for n in observed.names if n.method == key]
        calibrations[key] = _calibrated([n.score for n in named], [n.right for n in named])
    return MemoryModel(weights=_weights(rows), calibrations=calibrations,
                       info={"rows": len(rows), "folds": folds,
                             "bills": len({r.doc for r in rows})})


def _calibrated(scores: Sequence[float], right: Sequence[bool]) -> calibration.Calibration:
    """`calibration.fit`; where every outcome was the same, the share's Wilson lower bound
    (ten right of ten is not certainty)."""
    if len(set(right)) < 2:
        share = calibration.wilson_lower(float(np.mean(right)) if right else 0.0, len(right))
        return calibration.Calibration((0.0, 1.0), (share, share))
    return calibration.fit(scores, right)


def cross_fit(observed: Observed, folds: int) -> dict[int, MemoryModel]:
    """Per fold, the model fitted without that fold's vendors."""
    models: dict[int, MemoryModel] = {}
    for k in range(folds):
        kept = Observed([r for r in observed.rows if fold_of(r.group, folds) != k],
                        observed.names)
        models[k] = fit(kept, folds)
    return models


# ---------------------------------------------------------------------------------------------
# The learning loop
# ---------------------------------------------------------------------------------------------

@dataclass
class Tally:
    """Scores of one group of bills (a vendor's first, or its later ones)."""

    bills: int = 0
    right: dict[str, int] = field(default_factory=dict)
    scored: dict[str, int] = field(default_factory=dict)
    through: int = 0
    through_wrong: int = 0
    misses: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # why each bill that waited did, in full
    reasons: Counter[str] = field(default_factory=Counter)  # why bills waited
    # the held bills grouped by their whole set of reasons (`held_group`), with their ids
    groups: dict[str, list[str]] = field(default_factory=dict)

    def accuracy(self, name: str | None = None) -> float:
        scored = sum(self.scored.values()) if name is None else self.scored.get(name, 0)
        right = sum(self.right.values()) if name is None else self.right.get(name, 0)
        return right / scored if scored else float("nan")


@dataclass
class LoopResult:
    first: Tally = field(default_factory=Tally)
    later: Tally = field(default_factory=Tally)
    recognised: int = 0


ModelFor = Callable[[LabelledDocument], MemoryModel | None]


def run_loop(docs: Sequence[LabelledDocument], extractor: Extractor, settings: Settings,
             cache: Path | None, model_for: ModelFor) -> LoopResult:
    """Each bill in order: extracted with the organization's memory (by the model `model_for`
    gives it), scored, then approved with its truth (its vendor matched or created, its
    memory learned); a bill that went straight through teaches its extracted values instead,
    as the pipeline's booking does."""
    result = LoopResult()
    memories: dict[str, VendorMemory] = {}
    vendors: dict[str, Vendor] = {}
    seen_groups: set[str] = set()
    policy = ReviewPolicy.from_settings(settings)
    for doc in docs:
        pages: ReadDocument = read_cached(doc, settings, cache)
        extractor.memory_model = model_for(doc)
        book = MemoryBook(tuple(vendors.values()), dict(memories))
        bill = extractor.extract_document(pages, memory=book)
        tally = result.later if doc.group in seen_groups else result.first
        seen_groups.add(doc.group)
        through = _score(tally, doc, bill, vendors, policy, settings)
        # booked straight through, it teaches what was extracted (the pipeline's
        # `remember_passed`: only a bill whose amounts reconcile), else a person's approval
        if through and not teaches_when_passed(bill):
            continue
        approved = passed_values(bill) if through else approved_values(doc.truth, bill)
        vendor = _approved_vendor(approved, bill, vendors, settings)
        _, proposed, page = extractor.observe(pages)
        memory = memories.get(vendor.id) or VendorMemory(organization_id=ORGANIZATION,
                                                         vendor_id=vendor.id)
        memories[vendor.id] = learn(memory, page, proposed, approved, extractor.ranker)
    return result


def _score(tally: Tally, doc: LabelledDocument, bill: ExtractedBill,
           vendors: Mapping[str, Vendor], policy: ReviewPolicy, settings: Settings) -> bool:
    """Score the bill into `tally`; whether it went straight through the gate."""
    tally.bills += 1
    wrong = False
    for name in CONTRACT_FIELDS:
        truth = doc.truth.get(name)
        if truth in (None, ""):
            continue
        got = contract_value(bill.value(name))
        right = same(name, truth, got)
        tally.scored[name] = tally.scored.get(name, 0) + 1
        tally.right[name] = tally.right.get(name, 0) + int(right)
        if not right:
            wrong = wrong or got is not None
            tally.misses.append(f"{doc.id}: {name} truth={truth!r} got={got!r}")
    match = match_vendor(VendorCandidate(
        name=bill.value("vendor_name"), tax_id=bill.value("vendor_tax_id"),
        email=bill.value("vendor_email"), iban=bill.value("vendor_iban")),
        list(vendors.values()), threshold=settings.vendor_match_threshold,
        margin=settings.vendor_ambiguity_margin)
    reasons = review_reasons(bill, match, policy)
    if reasons:
        tally.held.append(f"{doc.id}: " + " | ".join(reasons) + _amounts_of(bill))
        tally.groups.setdefault(held_group(reasons, bill, policy), []).append(doc.id)
    for reason in reasons:
        tally.reasons[re.sub(r"[\d.]+", "#", reason.split(":")[0])[:60]] += 1
    for name in BOOKING_FIELDS:
        found = getattr(bill, name)
        if found is not None and found.confidence < policy.min_confidence:
            tally.reasons[f"low {name}"] += 1
    if not reasons:
        tally.through += 1
        tally.through_wrong += int(wrong)
        if wrong:
            tally.misses.append(f"{doc.id}: went straight through with a wrong field")
    return not reasons


def held_group(reasons: Sequence[str], bill: ExtractedBill, policy: ReviewPolicy) -> str:
    """A held bill's reasons as one key: each reason's kind (numbers masked), a confidence
    below the gate named by its fields under the threshold (else its weakest field; none
    when a field it weighs is missing, which its own reason names)."""
    tags: list[str] = []
    given = [n for n in BOOKING_FIELDS if getattr(bill, n) is not None]
    for reason in reasons:
        head = reason.split(":")[0].split(" (")[0]
        if head.startswith("confidence"):
            if len(given) < len(BOOKING_FIELDS):
                continue
            low = [n for n in given if getattr(bill, n).confidence < policy.min_confidence]
            weakest = min(given, key=lambda n: getattr(bill, n).confidence, default=None)
            tags.append("low " + ("+".join(low) or str(weakest)))
        elif head.startswith("not found"):
            tags.append(reason)
        else:
            tags.append(re.sub(r"[\d.]+", "#", head)[:50])
    return " & ".join(sorted(tags))


def _amounts_of(bill: ExtractedBill) -> str:
    """The bill's amounts and the gate's fields with their confidences, as a held bill's
    line shows them."""
    shown = [f"{n}={bill.value(n)}@{getattr(bill, n).confidence:.2f}"
             for n in ("total", "subtotal", "tax", "bill_number", "vendor_name", "bill_date")
             if getattr(bill, n) is not None]
    amounts = [i.amount for i in bill.line_items]
    if amounts and all(a is not None for a in amounts):
        shown.append(f"items={sum(a for a in amounts if a is not None)} ({len(amounts)})")
    return " [" + ", ".join(shown) + "]"


def _approved_vendor(approved: Mapping[str, Any], bill: ExtractedBill,
                     vendors: dict[str, Vendor], settings: Settings) -> Vendor:
    """The vendor an approval books the bill to: matched as review matches (identifiers, then
    the approved name), else created (an ambiguous name: the vendor of exactly that name, else
    a new one, as a reviewer would choose)."""
    name = str(approved.get("vendor_name") or "unnamed vendor")
    candidate = VendorCandidate(name=name, tax_id=bill.value("vendor_tax_id"),
                                email=bill.value("vendor_email"), iban=bill.value("vendor_iban"))
    match = match_vendor(candidate, list(vendors.values()),
                         threshold=settings.vendor_match_threshold,
                         margin=settings.vendor_ambiguity_margin)
    if match.vendor is not None:
        vendor = match.vendor
    else:
        exact = [v for v in vendors.values() if normalize_name(v.name) == normalize_name(name)]
        vendor = exact[0] if exact else Vendor(
            organization_id=ORGANIZATION, name=name, tax_id=candidate.tax_id,
            email=candidate.email, iban=candidate.iban)
    if name not in (vendor.name, *vendor.aliases):
        vendor = vendor.model_copy(update={"aliases": [*vendor.aliases, name]})
    vendors[vendor.id] = vendor
    return vendor


# ---------------------------------------------------------------------------------------------
# The sequences
# ---------------------------------------------------------------------------------------------

def sroie_sequence(shared: Path) -> list[LabelledDocument]:
    """The sroie-lines receipts in their order; a shop's receipts recur (group = shop)."""
    from .corpora import load_sroie_lines

    return load_sroie_lines(shared / "realdev" / "sroie-lines" / "receipts.jsonl")


def recurring_sequence(folder: Path, seed: int, split: str, vendors: int, per_vendor: int
                       ) -> list[LabelledDocument]:
    """Generated bills of `vendors` vendors, `per_vendor` each (written to `folder` as PDFs),
    in arrival order: the vendors' bills interleaved."""
    from .synth.recurring import vendor_bills

    folder.mkdir(parents=True, exist_ok=True)
    series: list[list[LabelledDocument]] = []
    for v in range(vendors):
        docs = []
        for bill in vendor_bills(seed, split, v, per_vendor):
            path = folder / f"{bill.id}.pdf"
            write_if_changed(path, bill.pdf_bytes)
            docs.append(LabelledDocument(id=bill.id, source="synth",
                                         group=f"recurring:{seed}:{split}:{v}",
                                         truth=dict(bill.truth), kind=bill.kind, path=path))
        series.append(docs)
    return [docs[i] for i in range(per_vendor) for docs in series if i < len(docs)]
