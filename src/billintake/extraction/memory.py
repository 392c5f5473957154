"""Vendor memory in extraction: recognise the vendor early, learn where its fields sit, and let
that knowledge into the decision as features, never as an override.

- `recognise`: which known vendor sent this bill: a shared identifier (tax id, IBAN, email),
  else the header lines its approved bills print (`signature_of`), else its name. Its
  remembered date order reads the dates the page alone leaves open (`remembered_dayfirst`).
- `learn`: after an approval, each approved value located among the page's candidates (the
  best-scored one with that value) becomes a `Spot` of the vendor's memory, with its formats.
- `decide_with_memory`: every candidate of a remembered field gets memory features (same
  printed row, same label, distance to the remembered places, same print shape) and, with its
  memory-less score, a probability from the shipped memory model (`models/memory`, fitted out
  of fold on simulated sequences of a vendor's bills: `scripts/train_memory.py`). Header
  fields take their most probable candidate; the amounts are chosen jointly by `decide`'s
  own joint choice (`combinations`, `best_combination`: a combination that adds up favoured
  by `MEMORY_PRIORS` and the ranker's fitted priors), so a remembered place whose value the
  arithmetic contradicts loses to one that adds up unless the memory is far surer of it.
  Confidences are the model's calibrations (isotonic, out of fold); amounts that do not add
  up stay capped. A shipping charge the rules left out may make the sum add up; three amounts
  that agree while the lines read do not leave the lines out (`lines_contradict`). The name
  is the remembered one the page prints exactly (`printed_name`), calibrated on the bills
  so recognised and so printed (`name_key`); one printed only nearly stays below the gate.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from billintake.domain.extracted import total_alone
from billintake.domain.memory import (
    NAMES_KEPT,
    PLACED_FIELDS,
    SIGNATURE_KEPT,
    FieldMemory,
    Spot,
    VendorMemory,
)
from billintake.domain.model import Vendor
from billintake.matching.vendors import VendorCandidate, match_vendor

from .calibration import Calibration
from .candidate import Candidate
from .decide import DEFAULT_PRIORS, TAX_LABELS, best_combination, combinations, contested
from .finders.context import value_key
from .page import PageModel
from .ranker import Ranker
from .vendor import vendor_name_key

# The most confidence a remembered amount gets when the chosen amounts do not add up: below
# the auto-approve gate, so the arithmetic has the last word over a remembered position.
UNRECONCILED_CAP = 0.8
# How much likelier a remembered amount combination that agrees is than one that does not,
# and one whose subtotal, tax and total contradict each other less likely by as much: the
# decision's former single factor, 20. A sum of subtotal and tax ("vat", "sum") weighs as the
# ranker's fitted priors for the kind of document say, where it has them (`_amounts`); its
# "items" prior (1: the items' sum equals many a subtotal) suits its own scores, not the
# memory's, whose remembered places already say which amount is the subtotal.
MEMORY_PRIORS: dict[str, float] = {"vat": 20.0, "sum": 20.0, "items": 20.0, "included": 20.0,
                                   "floor": DEFAULT_PRIORS["floor"], "contradicts": 1 / 20}

log = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "models" / "memory"
AMOUNTS = ("total", "subtotal", "tax")
CENT = Decimal("0.01")
TOP_K = 4  # the memory's most probable amounts per field in the joint choice (as decide's)
BASE_KEPT = 2  # and the memory-less most probable ones
# A header line of the vendor's is found on a page where a line spells it this closely
# (rapidfuzz ratio); set by hand: OCR slips score 90+, another shop's address far less.
SIGNATURE_LINE_RATIO = 88.0
SHARED_BY = 2  # a header line on the bills of this many vendors is the organization's print
# The share of the vendor's header lines a page must print to be recognised as its bill, and
# how far ahead of the next vendor it must be (set by hand on the sroie-lines shops: a
# shop's own receipts share 0.6-1.0 of its lines, a sister shop's 0.3-0.5).
SIGNATURE_MIN = 0.55
SIGNATURE_MARGIN = 0.15
# The feature names of the memory model, in its order.
FEATURES = ("base", "rule_choice", "rule_score", "mem_ctx", "mem_ctx_best", "mem_share",
            "mem_share_gap", "mem_label", "mem_pos", "mem_pos_best", "mem_shape", "mem_spots",
            "mem_page")
# Two printed phrases (numbers masked) are the same where they match this closely.
SAME_PHRASE = 0.9
FIELD_GROUP = {"bill_number": "identifier", "bill_date": "date", "due_date": "date",
               "total": "amount", "subtotal": "amount", "tax": "amount"}


@dataclass(frozen=True)
class MemoryBook:
    """An organization's vendors and their memories: what extraction may recognise a bill by."""

    vendors: tuple[Vendor, ...] = ()
    memories: Mapping[str, VendorMemory] = field(default_factory=dict)
    # the organization's own names: printed on its bills as the buyer, never their vendor
    own_names: tuple[str, ...] = ()

    def memory_of(self, vendor_id: str) -> VendorMemory | None:
        return self.memories.get(vendor_id)

    @functools.cached_property
    def not_vendor_names(self) -> tuple[str, ...]:
        """What extraction never takes for a bill's vendor: the organization's own names, and
        the header lines the bills of two or more of its vendors print that name none of
        them (its own print on bills it collects: its name, a person's stamp)."""
        vendors_of: dict[str, set[str]] = {}
        for memory in self.memories.values():
            for line in memory.signature:
                vendors_of.setdefault(vendor_name_key(line), set()).add(memory.vendor_id)
        names = {vendor_name_key(name) for memory in self.memories.values()
                 for name in memory.names}
        names |= {vendor_name_key(vendor.name) for vendor in self.vendors}
        shared = tuple(key for key, ids in vendors_of.items()
                       if len(ids) >= SHARED_BY and key and key not in names)
        return self.own_names + shared


@dataclass(frozen=True)
class Recognition:
    """The vendor a bill was recognised as, how, and how sure (0..1)."""

    vendor: Vendor
    memory: VendorMemory
    method: str
    score: float


# ---------------------------------------------------------------------------------------------
# Recognising the vendor
# ---------------------------------------------------------------------------------------------

def _norm_line(text: str) -> str:
    return " ".join(re.sub(r"[^\w&@.,/-]+", " ", text.casefold()).split())


def signature_of(page: PageModel) -> list[str]:
    """The header lines of the first page that are not dates or amounts (those change from
    bill to bill), normalised, top first: the print a vendor's bills share."""
    changing = {s.line for s in page.spans if s.kind in ("date", "amount")}
    out: list[str] = []
    for index, line in enumerate(page.lines):
        if line.page != 1 or index in changing:
            continue
        text = _norm_line(line.text)
        if sum(ch.isalpha() for ch in text) >= 3 and text not in out:
            out.append(text)
        if len(out) >= SIGNATURE_KEPT:
            break
    return out


def signature_share(remembered: Sequence[str], page_lines: Sequence[str]) -> float:
    """The share of a vendor's remembered header lines found on a page."""
    if not remembered:
        return 0.0
    found = sum(1 for line in remembered
                if any(fuzz.ratio(line, other) >= SIGNATURE_LINE_RATIO for other in page_lines))
    return found / len(remembered)


def recognise(page: PageModel, bill: Mapping[str, Any], book: MemoryBook) -> Recognition | None:
    """The known vendor with a memory that sent this bill: by a shared identifier (tax id,
    IBAN, email), else by its header lines, else by its name; None when none is clear."""
    remembered = [v for v in book.vendors if v.id in book.memories]
    if not remembered:
        return None

    def found(vendor: Vendor, method: str, score: float) -> Recognition:
        return Recognition(vendor, book.memories[vendor.id], method, score)

    ids = VendorCandidate(tax_id=_value(bill.get("vendor_tax_id")),
                          iban=_value(bill.get("vendor_iban")),
                          email=_value(bill.get("vendor_email")))
    by_id = match_vendor(ids, remembered)
    if by_id.vendor is not None and by_id.method != "none":
        return found(by_id.vendor, by_id.method, 1.0)
    lines = [_norm_line(line.text) for line in page.lines if line.page == 1][:60]
    shares = sorted(((signature_share(book.memories[v.id].signature, lines), v)
                     for v in remembered), key=lambda item: -item[0])
    best_share, best = shares[0]
    runner = shares[1][0] if len(shares) > 1 else 0.0
    if best_share >= SIGNATURE_MIN and best_share - runner >= SIGNATURE_MARGIN:
        return found(best, "signature", best_share)
    name = _value(bill.get("vendor_name"))
    if name:
        by_name = match_vendor(VendorCandidate(name=name), remembered)
        if by_name.vendor is not None:
            return found(by_name.vendor, "name", by_name.score / 100.0)
    return None


def remembered_dayfirst(page: PageModel, book: MemoryBook) -> bool | None:
    """The date order of the vendor whose header lines the page prints, as its approved
    bills showed it: what reads an ambiguous "09/03/2018" that the page alone cannot."""
    seen = recognise(page, {}, book)
    if seen is None or seen.memory.date_order not in ("dmy", "mdy"):
        return None
    return seen.memory.date_order == "dmy"


def _value(field_value: Any) -> Any:
    return getattr(field_value, "value", field_value)


# ---------------------------------------------------------------------------------------------
# Where a value sits: spots and their features
# ---------------------------------------------------------------------------------------------

def mask(text: str) -> str:
    """A printed row with its numbers masked: "TOTAL RM 9.00" → "total rm 9.9"."""
    return " ".join(re.sub(r"\d+", "9", text.casefold()).split())


def shape(text: str) -> str:
    """The shape of a printed value: letters A, digits 9, the rest as printed."""
    return re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", text.strip()))


def _row_text(page: PageModel, cand: Candidate) -> str:
    """The value's printed phrase and the one just left of it on its row (its label, when
    printed apart): what stays the same on a vendor's bills, the other columns left out."""
    if cand.line is None:
        return cand.text
    line = page.lines[cand.line]
    row = page.layout.page(line.page).rows[line.row]
    left = [seg for seg in row if seg.x1 <= line.x0 + 1]
    return " ".join(seg.text for seg in [*left[-1:], line])


def _extent(page: PageModel, number: int) -> tuple[float, float]:
    """The top and bottom of the print on a page (a receipt's length varies, its foot moves)."""
    tops = [ln.bbox[1] for ln in page.lines if ln.page == number]
    bottoms = [ln.bbox[3] for ln in page.lines if ln.page == number]
    if not tops:
        return 0.0, page.page_size(number)[1]
    return min(tops), max(bottoms)


def spot_of(page: PageModel, cand: Candidate) -> Spot:
    """Where a candidate sits, as a memory keeps it."""
    width, _ = page.page_size(cand.page)
    top, bottom = _extent(page, cand.page)
    span = max(1.0, bottom - top)
    y_mid = (cand.bbox[1] + cand.bbox[3]) / 2
    return Spot(label=_norm_label(cand.label), context=mask(_row_text(page, cand)),
                page=cand.page, x=round((cand.bbox[0] + cand.bbox[2]) / 2 / width, 4),
                y=round((y_mid - top) / span, 4), y_from_bottom=round((bottom - y_mid) / span, 4),
                shape=_value_shape(cand))


def _norm_label(label: str | None) -> str | None:
    if not label:
        return None
    return " ".join(re.sub(r"[^\w]+", " ", label.casefold()).split()) or None


def _value_shape(cand: Candidate) -> str:
    if FIELD_GROUP.get(cand.field) == "amount":  # the digits' count changes, the print not
        return re.sub(r"9+", "9", shape(cand.text))
    return shape(cand.text)


def memory_features(page: PageModel, cands: Sequence[Candidate], remembered: FieldMemory
                    ) -> list[dict[str, float]]:
    """Per candidate, how it compares with the field's remembered spots."""
    rows: list[dict[str, float]] = []
    spots = remembered.spots
    for cand in cands:
        here = spot_of(page, cand)
        ctx = max((fuzz.ratio(here.context, s.context) / 100.0 for s in spots), default=0.0)
        # on how many of its approved bills a phrase like this one held the value
        share = sum(1 for s in spots if any(fuzz.ratio(here.context, c) / 100.0 >= SAME_PHRASE
                                            for c in (s.context, *s.others)))
        label = float(here.label is not None and any(here.label == s.label for s in spots))
        pos = min((min(math.hypot(here.x - s.x, here.y - s.y),
                       math.hypot(here.x - s.x, here.y_from_bottom - s.y_from_bottom))
                   for s in spots), default=1.5)
        # the page's own arithmetic contested the value where this phrase held it before
        seen_contested = any(s.contested and fuzz.ratio(here.context, s.context) / 100.0
                             >= SAME_PHRASE for s in spots)
        rows.append({"mem_ctx": ctx, "mem_share": share / max(1, len(spots)),
                     "mem_contest_seen": float(seen_contested),
                     "mem_label": label, "mem_pos": min(1.5, pos),
                     "mem_shape": float(any(here.shape == s.shape for s in spots)),
                     "mem_spots": math.log1p(len(spots)),
                     "mem_page": float(any(here.page == s.page for s in spots))})
    if rows:
        best_ctx = max(r["mem_ctx"] for r in rows)
        best_pos = min(r["mem_pos"] for r in rows)
        for cand, r in zip(cands, rows, strict=True):
            r["mem_ctx_best"] = float(r["mem_ctx"] >= best_ctx - 1e-9 and best_ctx > 0)
            r["mem_pos_best"] = float(r["mem_pos"] <= best_pos + 1e-9)
            # how much more often its phrase held the value than any other value's phrase
            others = [o["mem_share"] for c, o in zip(cands, rows, strict=True)
                      if c.value != cand.value]
            r["mem_share_gap"] = r["mem_share"] - max(others, default=0.0)
    return rows


def base_scores(ranker: Ranker | None, name: str, cands: Sequence[Candidate]) -> list[float]:
    """The memory-less probability of each candidate: the ranker's, where it has a model of
    the field, else 0 (the rules' features stand in)."""
    if ranker is None or name not in ranker.boosters or not cands:
        return [0.0] * len(cands)
    return [float(s) for s in ranker.scores(name, cands)]


def feature_rows(page: PageModel, name: str, cands: Sequence[Candidate],
                 remembered: FieldMemory, ranker: Ranker | None) -> list[dict[str, float]]:
    """Every candidate's memory-model features (`FEATURES`)."""
    bases = base_scores(ranker, name, cands)
    rows = memory_features(page, cands, remembered)
    for cand, base, row in zip(cands, bases, rows, strict=True):
        row["base"] = base
        row["rule_choice"] = cand.features.get("rule_choice", 0.0)
        row["rule_score"] = min(2.0, cand.features.get("rule_score", 0.0))
    return rows


# ---------------------------------------------------------------------------------------------
# The memory model
# ---------------------------------------------------------------------------------------------

@dataclass
class MemoryModel:
    """Per field group a logistic combination of `FEATURES`, and per field a calibration of
    the chosen candidate's probability; the vendor name's calibration per recognition."""

    weights: dict[str, list[float]] = field(default_factory=dict)  # group → [bias, *coef]
    calibrations: dict[str, Calibration] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, name: str, rows: Sequence[Mapping[str, float]]) -> list[float]:
        weights = self.weights.get(FIELD_GROUP[name])
        if weights is None or not rows:
            return [0.0] * len(rows)
        x = np.array([[row.get(f, 0.0) for f in FEATURES] for row in rows], dtype=np.float64)
        z = weights[0] + x @ np.asarray(weights[1:], dtype=np.float64)
        return [float(v) for v in 1.0 / (1.0 + np.exp(-z))]

    def confidence(self, name: str, probability: float) -> float:
        calibration = self.calibrations.get(name)
        return calibration.apply(probability) if calibration else round(probability, 4)

    def to_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": self.weights,
                "calibrations": {k: v.to_json() for k, v in self.calibrations.items()},
                "info": self.info}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MemoryModel:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("the memory model was fitted on other features")
        return cls(weights={k: [float(v) for v in w] for k, w in data["weights"].items()},
                   calibrations={k: Calibration.from_json(v)
                                 for k, v in data.get("calibrations", {}).items()},
                   info=dict(data.get("info", {})))

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        (path / "memory.json").write_text(json.dumps(self.to_json(), indent=1, sort_keys=True)
                                          + "\n", encoding="utf-8")


def load_memory_model(path: Path | None = None) -> MemoryModel | None:
    """The shipped memory model (once per process), or None when none is shipped."""
    return _load_memory_model((path or DEFAULT_DIR).resolve())


@functools.cache
def _load_memory_model(path: Path) -> MemoryModel | None:
    file = path / "memory.json"
    try:
        return MemoryModel.from_json(json.loads(file.read_text("utf-8"))) \
            if file.is_file() else None
    except Exception:  # a broken model must not stop extraction: no memory is used
        log.exception("the memory model at %s could not be loaded", path)
        return None


# ---------------------------------------------------------------------------------------------
# Deciding with a memory
# ---------------------------------------------------------------------------------------------

@dataclass
class Remembered:
    """A field chosen with the vendor's memory: the candidate, its calibrated confidence, and
    what the memory said of it."""

    candidate: Candidate
    confidence: float
    probability: float
    why: list[str] = field(default_factory=list)


@dataclass
class MemoryDecision:
    fields: dict[str, Remembered | None] = field(default_factory=dict)
    reconciled: bool | None = None  # whether the amounts chosen add up (None: not chosen)
    vendor_name: tuple[str, float] | None = None  # (the remembered name, its confidence)
    currency: str | None = None
    shipping: Candidate | None = None  # a charge the chosen sum counts that the rules did not


def decide_with_memory(model: MemoryModel, ranker: Ranker | None, page: PageModel,
                       proposed: Mapping[str, Sequence[Candidate]], recognition: Recognition,
                       items_sum: Decimal | None, extra: Decimal = Decimal(0),
                       kind: str = "text", charges: Sequence[Candidate] = ()
                       ) -> MemoryDecision:
    """The remembered fields chosen among the proposed candidates with the memory's features
    (see the module); fields the memory knows nothing of are left out. `kind`: "ocr" or
    "text", the document's (whose arithmetic priors the ranker chose); `charges`: amounts a
    shipping label names that `extra` leaves out, each of which a sum may count."""
    memory = recognition.memory
    decision = MemoryDecision(currency=memory.currency)
    scored: dict[str, list[tuple[Candidate, float, dict[str, float]]]] = {}
    for name in PLACED_FIELDS:
        remembered = memory.field(name)
        cands = list(proposed.get(name, ()))
        if not cands or not (remembered.spots or (name in AMOUNTS and ranker is not None
                                                  and name in ranker.boosters)):
            continue
        rows = feature_rows(page, name, cands, remembered, ranker)
        # an amount the memory has no place for keeps its memory-less probability
        probs = model.probabilities(name, rows) if remembered.spots else \
            [row["base"] for row in rows]
        scored[name] = sorted(zip(cands, probs, rows, strict=True),
                              key=lambda item: (-item[1], item[0].page, item[0].bbox[1]))
    for name in ("bill_number", "bill_date", "due_date"):
        if name in scored:
            cand, prob, row = scored[name][0]
            decision.fields[name] = Remembered(cand, model.confidence(name, prob), prob,
                                               _why(row, memory.field(name)))
    if "total" in scored and memory.field("total").spots:
        _amounts(model, ranker, scored, items_sum, extra, decision, memory, kind,
                 charges)
    found = printed_name(page, memory.names)
    if found is not None:
        name, exact = found  # one printed only nearly: a variant (another branch?) or a slip
        confidence = name_confidence(model, recognition, exact)
        decision.vendor_name = (name, confidence if exact
                                else min(confidence, UNRECONCILED_CAP))
    return decision


def name_key(method: str, exact: bool) -> str:
    """The calibration of a remembered name: per recognition method, and apart where the page
    prints the name exactly (a recognition the page's own print confirms)."""
    return f"vendor_name:{method}" + (":printed" if exact else "")


def name_confidence(model: MemoryModel, recognition: Recognition, exact: bool) -> float:
    """The calibrated probability that the remembered name is the bill's (`name_key`; a
    model without the printed calibration uses the method's)."""
    key = name_key(recognition.method, exact)
    if key not in model.calibrations:
        key = name_key(recognition.method, False)
    return model.confidence(key, recognition.score)


# A remembered name counts as printed where a line spells it this closely (rapidfuzz
# partial ratio on normalised text): OCR slips keep 85+, another company's name less.
NAME_PRINTED_RATIO = 85.0


def printed(page: PageModel, name: str) -> bool:
    """Whether the page prints the vendor's remembered name (as approved)."""
    wanted = _norm_line(name)
    return any(fuzz.partial_ratio(wanted, _norm_line(line.text)) >= NAME_PRINTED_RATIO
               and len(_norm_line(line.text)) >= 0.6 * len(wanted) for line in page.lines)


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def printed_name(page: PageModel, names: Sequence[str]) -> tuple[str, bool] | None:
    """Which of the vendor's remembered names (newest first) this page prints, and whether
    exactly (letters and digits as approved, spacing and punctuation aside): the newest
    printed exactly, else the newest printed nearly (`printed`), else None."""
    lines = [_compact(line.text) for line in page.lines]
    for name in names:
        wanted = _compact(name)
        if wanted and any(wanted in line for line in lines):
            return name, True
    nearly = next((name for name in names if printed(page, name)), None)
    return None if nearly is None else (nearly, False)


def _why(row: Mapping[str, float], remembered: FieldMemory) -> list[str]:
    spots = len(remembered.spots)
    said = [f"vendor memory ({spots} approved bill{'s' if spots != 1 else ''})"]
    if row.get("mem_ctx", 0.0) >= 0.9:
        said.append("printed as on its approved bills")
    elif row.get("mem_label"):
        said.append("same label as on its approved bills")
    if row.get("mem_pos", 1.5) <= 0.05:
        said.append("where it was on its approved bills")
    return said


def _amounts(model: MemoryModel, ranker: Ranker | None,
             scored: dict[str, list[tuple[Candidate, float, dict[str, float]]]],
             items_sum: Decimal | None, extra: Decimal, decision: MemoryDecision,
             memory: VendorMemory, kind: str, charges: Sequence[Candidate]) -> None:
    """The amounts chosen jointly as `decide` chooses them (`combinations`,
    `best_combination`, with `MEMORY_PRIORS`), each candidate counting with its memory
    probability."""
    order: dict[str, list[Candidate]] = {}
    found: dict[int, tuple[Candidate, float, dict[str, float]]] = {}
    for name in AMOUNTS:
        # the memory's favourites and the memory-less ones: both stay in the contest
        by_base = sorted(scored.get(name, []), key=lambda item: -item[2].get("base", 0.0))
        seen: set[str] = set()
        order[name] = []
        # and for the tax, each line a tax label names: two may make the tax together
        taxed = [item for item in by_base if name == "tax" and any(
            item[0].features.get(f, 0.0) > 0 for f in TAX_LABELS)]
        for item in [*scored.get(name, [])[:TOP_K], *by_base[:BASE_KEPT], *taxed[:TOP_K]]:
            key = value_key(name, item[0].value)
            if key not in seen:
                seen.add(key)
                stand_in = dataclasses.replace(item[0], score=item[1])
                if item[2].get("mem_contest_seen", 0.0) > 0:  # a contest this vendor's
                    # approved bills showed to be no rival: its arithmetic counts again
                    stand_in.features = {**stand_in.features, "total_made_below": 0.0}
                found[id(stand_in)] = item
                order[name].append(stand_in)
    priors = {**MEMORY_PRIORS, **{k: v for k, v in (ranker.info.get("arithmetic_prior", {})
                                                  .get(kind, {}) if ranker else {}).items()
                                  if k in ("vat", "sum")}}
    top_k = max(len(o) for o in order.values())
    combos = combinations(order, items_sum, extra, top_k=top_k)
    charged: dict[int, Candidate] = {}  # a combination that adds up only with a charge
    for charge in list({c.value: c for c in reversed(charges)}.values())[::-1][:BASE_KEPT]:
        for combo in combinations(order, items_sum, extra + charge.value, top_k=top_k):
            if combo[1] is not None:
                charged[id(combo[0])] = charge
                combos.append(combo)
    best = best_combination(combos, priors)
    if best is None:
        return
    chosen, agreement = best
    decision.shipping = charged.get(id(chosen))
    fits = agreement is not None
    decision.reconciled = fits
    # a total alone (or with a zero tax), as the vendor's approved bills had it: there is
    # nothing to add up, and the memory's confidence in it stands
    subtotal, tax = (None if chosen[n] is None else chosen[n].value for n in ("subtotal", "tax"))
    alone = chosen["total"] is not None and not contested(chosen["total"]) and \
        total_alone(subtotal, tax, memory.unprinted())
    for name, stand_in in chosen.items():
        if stand_in is None:
            if scored.get(name) or name in memory.fields:
                decision.fields[name] = None
            continue
        cand, prob, row = found.get(id(stand_in)) or _summed(stand_in, scored[name])
        if not memory.field(name).spots:  # chosen with the arithmetic, not by the memory
            confidence = ranker_confidence(ranker, name, cand, prob)
        else:
            confidence = model.confidence(name, prob)
            if scored[name][0][0].value != cand.value:  # memory and arithmetic disagree:
                confidence = min(confidence, UNRECONCILED_CAP)  # a person looks
        if not fits and not alone:
            confidence = min(confidence, UNRECONCILED_CAP)
        decision.fields[name] = Remembered(cand, confidence, prob,
                                           _why(row, memory.field(name)))


def _summed(cand: Candidate, scored: Sequence[tuple[Candidate, float, dict[str, float]]]
            ) -> tuple[Candidate, float, dict[str, float]]:
    """A tax `combinations` made of two or three tax lines: its probability and features are
    those of the line it stands on (`decide._tax_sums`)."""
    line = next((item for item in scored if item[0].line == cand.line
                 and item[0].page == cand.page), None)
    return cand, cand.score, dict(line[2]) if line else {}


LINES_LEFT_OUT = ("the lines read add up to neither the subtotal nor the total, which agree "
                  "with the tax: left out")


def lines_contradict(amounts: Mapping[str, Decimal | None], items_sum: Decimal | None,
                     extra: Decimal = Decimal(0)) -> bool:
    """Whether a known vendor's bill's lines are the misread part: its subtotal + tax (+
    `extra`) make its total, its lines' sum neither the subtotal nor the total. Three amounts
    that agree, each where the vendor prints it, outweigh a lines reader that went astray
    (the receipt's lines read twice, a column taken for another), so the extractor leaves the
    lines out rather than hold the bill on them; a person can still add them."""
    total, sub, tax = (amounts.get(n) for n in AMOUNTS)
    if items_sum is None or total is None or sub is None or tax is None:
        return False
    if min(abs(sub + tax - total), abs(sub + tax + extra - total)) > CENT:
        return False
    return all(abs(items_sum - v) > CENT for v in (sub, total))


def ranker_confidence(ranker: Ranker | None, name: str, cand: Candidate, score: float
                      ) -> float:
    if ranker is None:
        return score
    from .ranker import kind_of

    return ranker.confidence(name, score, kind_of(cand))


# ---------------------------------------------------------------------------------------------
# Learning from an approved bill
# ---------------------------------------------------------------------------------------------

def locate(page: PageModel, proposed: Mapping[str, Sequence[Candidate]], name: str,
           value: Any, ranker: Ranker | None) -> list[Candidate]:
    """Where an approved value sits: the field's candidates with that value, the one the
    memory-less decision scores highest first (the rules' choice first among equals)."""
    if value is None:
        return []
    key = value_key(name, _typed(name, value))
    same = [c for c in proposed.get(name, ()) if value_key(name, c.value) == key]
    if not same:
        return []
    bases = base_scores(ranker, name, same)
    ranked = sorted(zip(same, bases, strict=True), key=lambda item: (
        -item[1], -item[0].features.get("rule_choice", 0.0),
        -item[0].features.get("rule_score", 0.0), item[0].page, item[0].bbox[1]))
    return [cand for cand, _ in ranked]


def _typed(name: str, value: Any) -> Any:
    if FIELD_GROUP.get(name) == "amount" and not isinstance(value, Decimal):
        return Decimal(str(value))
    if FIELD_GROUP.get(name) == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def learn(memory: VendorMemory, page: PageModel, proposed: Mapping[str, Sequence[Candidate]],
          approved: Mapping[str, Any], ranker: Ranker | None) -> VendorMemory:
    """The memory after one more approved bill: `approved` holds the bill's values as
    approved (contract field names; a field absent from it is left as it was learned)."""
    fields = dict(memory.fields)
    updates: dict[str, Any] = {"approvals": memory.approvals + 1}
    for name in PLACED_FIELDS:
        if name not in approved:
            continue
        value = approved[name]
        found = locate(page, proposed, name, value, ranker)
        if value is None:
            fields[name] = memory.field(name).remember(None)
        elif found:
            cand = found[0]
            spot = spot_of(page, cand)
            others = list(dict.fromkeys(mask(_row_text(page, c)) for c in found[1:]))
            fields[name] = memory.field(name).remember(spot.model_copy(update={
                "others": [o for o in others if o != spot.context][:5],
                "contested": contested(cand)}))
            if name == "bill_number":
                updates["bill_number_shape"] = shape(cand.text)
        if name == "bill_date" and value is not None:  # as read, else as printed
            updates["date_order"] = (_date_order(found[0].text, page.dayfirst) if found
                                     else None) or printed_order(page, _typed(name, value)) \
                or memory.date_order
    updates["fields"] = fields
    name = approved.get("vendor_name")
    if name:
        updates["names"] = list(dict.fromkeys([str(name), *memory.names]))[:NAMES_KEPT]
    if approved.get("currency"):
        updates["currency"] = str(approved["currency"])
    if page.decimal_mark in (".", ","):
        updates["decimal_mark"] = page.decimal_mark
    updates["signature"] = _recurring(memory.signature, signature_of(page))
    return memory.model_copy(update=updates)


def _recurring(before: Sequence[str], now: Sequence[str]) -> list[str]:
    """The header lines to recognise the vendor by: those of this bill that its earlier bills
    printed too (when there are a few), else this bill's."""
    if not before:
        return list(now)
    kept = [line for line in now
            if any(fuzz.ratio(line, old) >= SIGNATURE_LINE_RATIO for old in before)]
    return kept if len(kept) >= 3 else list(now)


NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")


def printed_order(page: PageModel, value: date) -> str | None:
    """The order an approved date is printed in where the page alone leaves it open
    ("09/03/2018" approved as 9 March: "dmy"); None when it is printed in neither, or both."""
    found = set()
    for line in page.lines:
        for match in NUMERIC_DATE.finditer(line.text):
            a, b, year = (int(g) for g in match.groups())
            if year % 100 != value.year % 100:
                continue
            if (a, b) == (value.day, value.month):
                found.add("dmy")
            if (a, b) == (value.month, value.day):
                found.add("mdy")
    return found.pop() if len(found) == 1 else None


def _date_order(text: str, dayfirst: bool | None) -> str | None:
    if re.match(r"\s*\d{4}\D", text):
        return "ymd"
    if dayfirst is None:
        return None
    return "dmy" if dayfirst else "mdy"

