"""One decision: the ranker's scores choose each field, the arithmetic constrains the amounts.

Header fields take their best-scored candidate. The amounts are chosen jointly: among the few
best candidates of total, subtotal and tax (subtotal and tax may be absent), the combination
with the highest joint score, where a combination whose amounts agree is preferred by a prior
factor per kind of agreement (`arithmetic_kind`): "vat" when subtotal + tax = total and the tax
is a VAT rate's share of the subtotal (a coincidence that rarely happens by chance), "sum" when
they add up otherwise, "included" when a tax printed without a subtotal is a VAT rate's share of
the total including it, "items" when only the items' sum makes the subtotal or the total. The
factors are chosen out of fold per kind of document when the ranker is fitted
(`billintake_devkit.ranking.choose_priors`, kept in the model's `info["arithmetic_prior"]`);
`DEFAULT_PRIORS` serve a model without them. The page may print the sum itself: a subtotal
and a tax side by side on the best total's row, left of it ("TOTAL HT | TOTAL TVA | TOTAL
TTC" over "100,00  4,90  104,90"), are proposed whatever their scores and agree as "row".
A bill whose chosen amounts do not add up is not `reconciled` (and the auto-approve gate
holds it), nor is one whose total the page's own arithmetic contradicts (a total made of the
amounts above it printed below). Every field's confidence is the calibrated probability that
it is right, judged on its `Signals` (`calibration.py`): its score, its runner-up's, whether
the rules chose it too, the OCR's certainty, whether the amounts add up, whether such a total
stands below it, and whether its finder names a rival (an amount a few cents off it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from billintake.domain.extracted import cash_rounded

from .calibration import Signals
from .candidate import Candidate
from .ranker import Ranker, kind_of

# How many times likelier a priori an amount combination that agrees (by kind of agreement) is
# than one that does not, for a model fitted without its own choice (`info["arithmetic_prior"]`).
# 20 was the former single hand-set factor; the fitted models choose theirs out of fold.
# "floor": the least probability a field's candidate counts with in the joint score.
# "included": a total whose printed tax is a VAT rate's share of it (a till slip's "GST 6 %
# included"); 1 (no preference) until a fitted model chooses its own, so it only marks the
# bill reconciled.
# "row": the subtotal and tax printed beside the total on its row, the tax named by a tax label,
# adding up (`_printed_sums`): the page prints the sum, so it outweighs a ranker that never saw
# the layout (subtotal and tax each scored down to 1e-3 against their absence). Set by hand,
# not in the fitted grid: out of fold, the few real layouts that print it are their own fold.
DEFAULT_PRIORS: dict[str, float] = {"vat": 20.0, "sum": 20.0, "items": 20.0, "included": 1.0,
                                    "row": 1e6, "floor": 1e-6}
# The VAT rates whose share of a subtotal makes a tax amount "vat"-agreeing.
VAT_RATES = tuple(Decimal(r) for r in ("0.05", "0.055", "0.06", "0.07", "0.08", "0.081", "0.09",
                                       "0.10", "0.12", "0.13", "0.14", "0.15", "0.16", "0.17",
                                       "0.18", "0.19", "0.20", "0.21", "0.22", "0.23", "0.24",
                                       "0.25", "0.27"))
# Below this calibrated probability a field is left empty rather than guessed ...
MIN_GIVEN = 0.05
# ... unless every bill prints it (a receipt may print no number, none prints no seller): then
# the best candidate is a better start for the reviewer than an empty field, however unsure
# (its confidence says so, and keeps the bill from the gate).
ALWAYS_PRINTED = frozenset({"vendor_name", "bill_date"})
TOP_K = 4
# The features that say a candidate's row or column names a tax (`finders.amounts`, `context`).
TAX_LABELS = ("lab_tax", "col_tax", "row_tax", "left_tax")
CENT = Decimal("0.01")
# How many tax lines (one per rate) a tax may be the sum of: a bill of three VAT rates prints
# three (the generated French and US layouts do); four did not occur on any set.
TAX_LINES_SUMMED = (2, 3)
SUMMED_WORDS = {2: "two", 3: "three"}
HEADER = ("bill_number", "vendor_name", "bill_date")
AMOUNTS = ("total", "subtotal", "tax")


@dataclass
class Chosen:
    candidate: Candidate
    confidence: float
    runner_up: Candidate | None = None


@dataclass
class Decision:
    fields: dict[str, Chosen | None] = field(default_factory=dict)
    reconciled: bool = False


def ranked(ranker: Ranker, name: str, cands: Sequence[Candidate]) -> list[Candidate]:
    """The field's candidates, best first, each with its ranker score in `score`."""
    scores = ranker.scores(name, cands)
    for cand, score in zip(cands, scores, strict=True):
        cand.score = float(score)
    return sorted(cands, key=lambda c: (-c.score, c.page, c.bbox[1], c.bbox[0]))


def signals_of(chosen: Candidate, runner_up: Candidate | None, reconciled: bool) -> Signals:
    """What the confidence of a ranker's choice is judged on (`calibration.Signals`)."""
    return Signals(score=chosen.score, runner_up=runner_up.score if runner_up else 0.0,
                   agrees=chosen.features.get("rule_choice", 0.0) > 0.5,
                   ocr=kind_of(chosen) == "ocr",
                   word_confidence=chosen.features.get("ocr_conf", 1.0), reconciled=reconciled,
                   total_below=chosen.features.get("total_made_below", 0.0) > 0,
                   rival=_rival(chosen))


def _rival(cand: Candidate) -> bool:
    """The finder names a rival of this value (`calibration.Signals.rival`)."""
    return cand.features.get("near_twin", 0.0) > 0


def rules_signals(ranker: Ranker, name: str, confidence: float, cands: Sequence[Candidate],
                  kind: str, reconciled: bool) -> Signals:
    """What the confidence of the rules' own choice of a field is judged on: the rules'
    confidence, whether the ranker's best candidate is the rules' choice (`rule_choice`), the
    OCR's certainty of the chosen value's line, and whether the rules' amounts add up."""
    top = ranker.top(name, cands)
    mine = next((c for c in cands if c.features.get("rule_choice", 0.0) > 0.5), None)
    return Signals(score=confidence,
                   agrees=top is None or top.features.get("rule_choice", 0.0) > 0.5,
                   ocr=kind == "ocr",
                   word_confidence=1.0 if mine is None else mine.features.get("ocr_conf", 1.0),
                   reconciled=reconciled,
                   total_below=mine is not None and mine.features.get("total_made_below", 0) > 0,
                   rival=mine is not None and _rival(mine))


def decide(ranker: Ranker, proposed: Mapping[str, Sequence[Candidate]],
           items_sum: Decimal | None, kind: str = "text", extra: Decimal = Decimal(0),
           reconciled: bool = False, min_given: float = MIN_GIVEN) -> Decision:
    """The ranker's choice of each field it decides on documents of this `kind`; `extra` is
    what shipping and discounts add to subtotal + tax (0 when none is printed); `reconciled`
    whether the rules' amounts add up (the bill's, when the ranker leaves the amounts to
    them); a field whose confidence is below `min_given` is left empty."""
    decision = Decision(reconciled=reconciled)
    order: dict[str, list[Candidate]] = {}
    for name in (*HEADER, *AMOUNTS):
        if ranker.decides(name, kind):
            order[name] = ranked(ranker, name, proposed.get(name, ()))
    if all(name in order for name in AMOUNTS):
        _amounts(ranker, order, items_sum, decision, extra, kind)
    elif any(contested(c) for c in proposed.get("total", ())
             if c.features.get("rule_choice", 0.0) > 0.5):
        decision.reconciled = False  # the rules' total, which the page's arithmetic contradicts
    for name in HEADER:
        if name not in order:
            continue
        best = order[name][:1]
        if not best:
            decision.fields[name] = None
            continue
        runner = next((c for c in order[name][1:] if c.value != best[0].value), None)
        confidence = ranker.confidence(name, signals_of(best[0], runner, decision.reconciled),
                                       kind_of(best[0]))
        decision.fields[name] = Chosen(best[0], confidence, runner) \
            if confidence >= min_given or name in ALWAYS_PRINTED else None
    return decision


def _amounts(ranker: Ranker, order: dict[str, list[Candidate]], items_sum: Decimal | None,
             decision: Decision, extra: Decimal, kind: str) -> None:
    priors = {**DEFAULT_PRIORS, **ranker.info.get("arithmetic_prior", {}).get(kind, {})}
    best = best_combination(combinations(order, items_sum, extra), priors)
    if best is None:
        decision.reconciled = False
        return
    chosen, agreement = best
    # a total the page's own arithmetic contradicts (another total below it, made by the
    # amounts above that one: `finders.amounts`) is not reconciled, whatever else agrees
    adds_up = agreement is not None and not (
        chosen["total"] is not None and contested(chosen["total"]))
    decision.reconciled = adds_up
    for name, cand in chosen.items():
        if cand is None:
            decision.fields[name] = None
            continue
        runner = next((c for c in order[name] if c.value != cand.value), None)
        confidence = ranker.confidence(name, signals_of(cand, runner, adds_up), kind_of(cand))
        decision.fields[name] = Chosen(cand, confidence, runner)
    derived = derived_subtotal(decision.fields, items_sum)
    if derived is not None:
        decision.fields["subtotal"] = derived


def derived_subtotal(fields: Mapping[str, Chosen | None], items_sum: Decimal | None
                     ) -> Chosen | None:
    """The net a bill does not print: with no subtotal chosen, the items' sum when it and the
    chosen tax make the chosen total to the cent (as likely right as total and tax both)."""
    total, tax = fields.get("total"), fields.get("tax")
    if fields.get("subtotal") is not None or total is None or tax is None or items_sum is None:
        return None
    net = Decimal(items_sum)
    if not 0 < net < total.candidate.value or tax.candidate.value <= 0 or \
            abs(net + tax.candidate.value - total.candidate.value) > CENT:
        return None
    cand = total.candidate
    derived = Candidate(field="subtotal", value=net, text=f"{net}", page=cand.page,
                        bbox=cand.bbox, source=cand.source, score=min(cand.score,
                                                                       tax.candidate.score),
                        reasons=["the items' sum, which the tax makes the total"])
    return Chosen(derived, total.confidence * tax.confidence)


def contested(total: Candidate) -> bool:
    """Whether the page's own arithmetic contests a total: another total-labelled amount below
    it that the amounts above that one make (`finders.amounts` total_made_below)."""
    return total.features.get("total_made_below", 0.0) > 0


# A combination: its candidates, how its arithmetic agrees, and each field's probability
# from the ranker (for an absent field, the chance that none of its candidates is right).
Combination = tuple[dict[str, Candidate | None], str | None, tuple[float, ...]]


def combinations(order: Mapping[str, list[Candidate]], items_sum: Decimal | None,
                 extra: Decimal = Decimal(0), top_k: int = TOP_K, rows: bool = True
                 ) -> list[Combination]:
    """Every coherent combination of the amounts' `top_k` best candidates (subtotal and tax
    may be absent), with how its arithmetic agrees and its fields' probabilities; with
    `rows`, the subtotal and tax printed beside the best total too, agreeing as "row"."""
    options: dict[str, list[Candidate | None]] = {}
    for name in AMOUNTS:
        options[name] = _distinct(order[name])[:top_k]
        if name != "total" or not options[name]:
            options[name].append(None)
    options["tax"][-1:-1] = _tax_sums(order["tax"], options, extra)
    options["subtotal"][-1:-1] = _net_sums(order["subtotal"], options, extra)
    printed = _printed_sums(order) if rows else []
    pairs = {(id(sub), id(tax)) for sub, tax in printed}
    for sub, tax in printed:
        for name, cand in (("subtotal", sub), ("tax", tax)):
            if not any(c is cand for c in options[name]):
                options[name].insert(-1, cand)
    out: list[Combination] = []
    for combo in itertools.product(*(options[n] for n in AMOUNTS)):
        chosen = dict(zip(AMOUNTS, combo, strict=True))
        if _coherent(chosen, extra):
            probs = tuple(_p(c, order[n]) for n, c in chosen.items())
            kind = arithmetic_kind(chosen, items_sum, extra)
            total = chosen["total"]
            if kind is not None and total is not None and total.value == order["total"][0].value \
                    and (id(chosen["subtotal"]), id(chosen["tax"])) in pairs:
                kind = "row"  # the page prints this sum beside the best total
            out.append((chosen, kind, probs))
    return out


def best_combination(combos: Sequence[Combination], priors: Mapping[str, float]
                     ) -> tuple[dict[str, Candidate | None], str | None] | None:
    """The combination with the highest joint score: the log of its fields' probabilities, plus
    the log prior of its arithmetic (`priors["contradicts"]`, default 1, for a subtotal, tax
    and total that do not add up; a printed "row" sum without its own prior has the default's;
    none for a total the page's own arithmetic contradicts, a total made of the amounts above
    it printed below it). In a VAT sum no probability counts below `priors["floor"]`: a
    candidate the ranker all but rules out on a layout it never saw can still be vouched for by
    a VAT sum, never by a plain one (the items' sum equals many a subtotal)."""
    least = DEFAULT_PRIORS["floor"]
    best: tuple[float, dict[str, Candidate | None], str | None] | None = None
    for chosen, kind, probs in combos:
        floor = priors.get("floor", least) if kind == "vat" else least
        score = sum(math.log(max(floor, p)) for p in probs)
        # amounts that agree vouch for no total the page's own arithmetic contradicts
        if kind is not None and chosen["total"] is not None and contested(chosen["total"]):
            kind = None
        elif kind == "row":
            score += math.log(priors.get(kind, DEFAULT_PRIORS["row"]))
        elif kind is not None:
            score += math.log(priors.get(kind, 1.0))
        elif all(c is not None for c in chosen.values()):  # three amounts that contradict
            score += math.log(priors.get("contradicts", 1.0))
        if best is None or score > best[0]:
            best = (score, chosen, kind)
    return None if best is None else (best[1], best[2])


def _tax_sums(taxes: list[Candidate], options: Mapping[str, list[Candidate | None]],
              extra: Decimal = Decimal(0)) -> list[Candidate]:
    """Two or three tax lines (7 % and 19 %; CGST + SGST; 20 %, 10 % and 5.5 %) whose sum is
    the tax: each pair and triple of the best tax-labelled candidates on different lines
    whose sum completes a subtotal (with `extra`, shipping less discounts, or without) to a
    total among the options, to the cent, as one candidate as likely as the likeliest of its
    parts (the ranker learnt that a single line of several is not the tax, so each alone
    scores low)."""
    parts = [c for c in _distinct(taxes)[:TOP_K + 2] if c is not None and c.value > 0
             and any(c.features.get(f, 0.0) > 0 for f in TAX_LABELS)
             and not _row_base(c)]
    gaps = {t.value - s.value - e for t in options["total"] if t is not None
            for s in options["subtotal"] if s is not None for e in {Decimal(0), extra}}
    out: list[Candidate] = []
    for size in TAX_LINES_SUMMED:
        for group in itertools.combinations(parts, size):
            value = sum((c.value for c in group), Decimal(0))
            if len({(c.page, c.line) for c in group}) < size or \
                    not any(abs(value - g) <= CENT for g in gaps):
                continue
            out.append(_summed("tax", group, group[0], group[0].features,
                               f"the sum of {SUMMED_WORDS[size]} tax lines"))
    return out


def _net_sums(nets: list[Candidate], options: Mapping[str, list[Candidate | None]],
              extra: Decimal = Decimal(0)) -> list[Candidate]:
    """Two nets printed per VAT rate ("TOTAL 6% SUPPLIES (EXCL. GST) 30.24", "TOTAL 0%
    SUPPLIES 19.83") whose sum is the subtotal: each pair of the best subtotal candidates
    whose label names a rate (`lab_rate`), on different lines, whose sum and a tax among the
    options (that tax a VAT rate's share of one of them, or of their sum) make a total among
    the options to the cent, as one candidate as likely as the likelier of the two."""
    parts = [c for c in _distinct(nets)[:TOP_K + 2] if c is not None and c.value > 0
             and c.features.get("lab_rate", 0.0) > 0 and not _net_parts(c)]
    totals = [t.value for t in options["total"] if t is not None]
    taxes = [t.value for t in options["tax"] if t is not None and t.value > 0]
    out: list[Candidate] = []
    for a, b in itertools.combinations(parts, 2):
        value = a.value + b.value
        if (a.page, a.line) == (b.page, b.line) or not any(
                abs(value + tax + e - total) <= CENT and _vat_share(tax, (a.value, b.value, value))
                for total in totals for tax in taxes for e in {Decimal(0), extra}):
            continue
        first = a if a.score >= b.score else b
        out.append(_summed("subtotal", (a, b), first, {
            **first.features, "net_part_a": float(a.value), "net_part_b": float(b.value)},
            "the sum of two nets printed per VAT rate"))
    return out


def _summed(name: str, group: Sequence[Candidate], lead: Candidate, features: dict[str, float],
            reason: str) -> Candidate:
    """One candidate for the sum of `group`'s values, standing where `lead` stands, with
    `features`, as likely as the likeliest of the group."""
    return Candidate(field=name, value=sum((c.value for c in group), Decimal(0)),
                     text=" + ".join(c.text for c in group), page=lead.page, bbox=lead.bbox,
                     source=lead.source, features=features,
                     score=max(c.score for c in group), label=lead.label, line=lead.line,
                     reasons=[reason])


def _printed_sums(order: Mapping[str, list[Candidate]]) -> list[tuple[Candidate, Candidate]]:
    """The (subtotal, tax) printed side by side left of the best total's value on its row,
    adding up to it: the tax named by a tax label, its left neighbour the subtotal and its
    right one the total (`sum_with_row_next`, `finders.amounts`)."""
    if not order["total"]:
        return []
    value = order["total"][0].value
    out: list[tuple[Candidate, Candidate]] = []
    for total in (c for c in order["total"] if c.value == value):
        for tax in order["tax"]:
            if not (tax.value >= 0 and tax.features.get("sum_with_row_next", 0.0) > 0
                    and any(tax.features.get(f, 0.0) > 0 for f in TAX_LABELS)
                    and _left_on_row(tax, total)):
                continue
            out.extend((sub, tax) for sub in order["subtotal"]
                       if sub.value > 0 and abs(sub.value + tax.value - value) <= CENT
                       and _left_on_row(sub, tax))
    return out


def _left_on_row(left: Candidate, right: Candidate) -> bool:
    """`left` stands left of `right` on one printed row (the middle of each within the other's
    height)."""
    _, ltop, lx1, lbottom = left.bbox
    rx0, rtop, _, rbottom = right.bbox
    return left.page == right.page and lx1 <= rx0 + 1 and \
        rtop <= (ltop + lbottom) / 2 <= rbottom and ltop <= (rtop + rbottom) / 2 <= lbottom


def _net_parts(cand: Any) -> tuple[Decimal, Decimal] | None:
    """The two nets a summed subtotal (`_net_sums`) is made of, else None."""
    features = getattr(cand, "features", None) or {}
    if "net_part_a" not in features:
        return None
    return (Decimal(str(round(features["net_part_a"], 2))),
            Decimal(str(round(features["net_part_b"], 2))))


def _vat_share(tax: Decimal, bases: Sequence[Decimal]) -> bool:
    """Whether `tax` is a VAT rate's share of one of `bases` (to the cent, as "vat" is)."""
    return any(abs(tax - rate * base) <= CENT + base * Decimal("0.0005")
               for base in bases for rate in VAT_RATES)


def _row_base(cand: Candidate) -> bool:
    """The base of a VAT row ("Umsatzsteuer (S)  36,00  19  6,84": its VAT share stands right
    of it, `finders.amounts`), not a tax line's amount."""
    return cand.features.get("row_vat_part", 0.0) > 0 and \
        not cand.features.get("row_vat_of", 0.0) > 0


def _distinct(cands: list[Candidate]) -> list[Candidate | None]:
    seen: set[Any] = set()
    out: list[Candidate | None] = []
    for cand in cands:
        if cand.value not in seen:
            seen.add(cand.value)
            out.append(cand)
    return out


def _p(cand: Candidate | None, order: list[Candidate]) -> float:
    if cand is None:  # absent: the chance that no candidate is right
        return 1.0 - (order[0].score if order else 0.0)
    return cand.score


def _coherent(chosen: Mapping[str, Candidate | None], extra: Decimal = Decimal(0)) -> bool:
    """Whether the amounts can be one bill's: a subtotal above the total only by a printed
    discount (`extra` below 0), a tax below the total, subtotal and tax apart."""
    total, sub, tax = (chosen.get(n) for n in AMOUNTS)
    if total is not None and sub is not None and sub.value + min(extra, Decimal(0)) > \
            total.value:
        return False
    if total is not None and tax is not None and tax.value >= total.value:
        return False
    return not (sub is not None and tax is not None and sub.value == tax.value)


def arithmetic_kind(chosen: Mapping[str, Any], items_sum: Decimal | None,
                    extra: Decimal = Decimal(0)) -> str | None:
    """How the amounts agree: "vat" (subtotal + tax = total, the tax a VAT rate's share of the
    subtotal, or of one of the nets per rate it sums: `_net_sums`), "sum" (subtotal + tax =
    total otherwise), "included" (no subtotal, the tax a VAT rate's share of the total that
    includes it), "items" (only the items' sum makes the total or the subtotal: weaker, the
    items' sum equals many a subtotal), or None."""
    if not adds_up_to(chosen, items_sum, extra):
        return None
    total, sub, tax = (_value(chosen, n) for n in AMOUNTS)
    if sub is None and tax is not None and total is not None and _included(total, tax):
        return "included"
    parts = _net_parts(chosen.get("subtotal"))
    if sub is not None and tax is not None and tax > 0 and _vat_share(tax, parts or (sub,)):
        return "vat"  # (of a subtotal summed of nets per rate: a VAT rate's share of one)
    return "sum" if sub is not None and tax is not None else "items"


def _included(total: Decimal, tax: Decimal) -> bool:
    """Whether `tax` is a VAT rate's share of a `total` that includes it (to the cent)."""
    return tax > 0 and any(abs(tax - total * rate / (1 + rate)) <= CENT for rate in VAT_RATES)


def _value(chosen: Mapping[str, Any], name: str) -> Decimal | None:
    v = chosen.get(name)
    return None if v is None else Decimal(v.value if isinstance(v, Candidate) else v)


def adds_up_to(chosen: Mapping[str, Any], items_sum: Decimal | None,
               extra: Decimal = Decimal(0)) -> bool:
    """Whether the amounts agree: subtotal + tax (+ `extra`: shipping less discounts) = total
    (without a tax, subtotal + a non-zero `extra`; without a subtotal, a tax that is a VAT
    rate's share of the total including it), or to the cash rounding (a total in 5 cents a
    few cents off the sum: `cash_rounded`), or the items' sum makes the subtotal (with the
    tax, the total) or the total."""
    total, sub, tax = (_value(chosen, n) for n in AMOUNTS)
    if total is None:
        return False
    if sub is None and tax is not None and _included(total, tax):
        return True  # "GST 6 % included in the total"
    if sub is not None and tax is None and extra and abs(sub + extra - total) <= CENT:
        return True  # no tax printed: the subtotal and the charges make the total
    if sub is not None and tax is not None:
        off = min(abs(sub + tax - total), abs(sub + tax + extra - total))
        return off <= CENT or cash_rounded(total, sub + tax) or \
            cash_rounded(total, sub + tax + extra)
    if items_sum is not None:
        if abs(items_sum - total) <= CENT:
            return sub is None or abs(sub - total) <= CENT or \
                (tax is not None and abs(sub + tax - total) <= CENT)
        if sub is not None and abs(items_sum - sub) <= CENT and tax is not None:
            return abs(sub + tax - total) <= CENT
    return False
