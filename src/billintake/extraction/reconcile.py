"""Arithmetic checks that choose among amount candidates and set their confidence.

subtotal + tax (+ shipping − discount) = total, the items' sum = subtotal (or total), and
quantity × unit price = amount on each line. The combination of candidates that both the labels
and the arithmetic support wins; what does not add up becomes a warning on the result.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .header import Candidate

CENT = Decimal("0.01")
AMOUNT_ROLES = ("total", "subtotal", "tax", "shipping", "discount")
TAX_SHARE_MAX = Decimal("0.35")
HALF = Decimal("0.5")
RIVAL_MARGIN = 0.15
MAX_OPTIONS = {"total": 8, "subtotal": 6, "tax": 6, "shipping": 2, "discount": 2}


# The rules' joint choice of the amounts (`_combo_score`, used where no trained ranker decides
# them): each combination scores its candidates' rule scores plus these bonuses (+) and
# penalties (-), hand-set on generated bills and kept here as named data. A trained ranker
# that decides the amounts (`decide.py`) replaces the choice; the rules' bill is then its
# baseline in training (`billintake_devkit.ranking.selected_groups`).
COMBO_WEIGHTS: dict[str, float] = {
    "main_role": 1.0,  # × the rule score of a chosen total, subtotal or tax
    "other_role": 0.5,  # × the rule score of a chosen shipping or discount
    "support": 0.03,  # per repeat of the value on the page ...
    "support_cap": 3.0,  # ... counting at most this many repeats
    "total_low": 0.15,  # × the total's height on the page (totals stand low)
    "total_bold": 0.05,  # a bold total
    "no_total": -0.5,  # no total at all
    "before_adjustment": -2.5,  # the amount before a tip or rounding line, not what was paid
    "misread_after_rounding": -2.0,  # below a rounding line, no rounding of a sum gives it
    "unvouched_weak_total": -2.0,  # weakly labelled, nothing vouches, or labelled otherwise
    "cash_tendered": -1.0,  # the cash handed over, when change came back
    "after_tip": 0.9,  # the amount after the tip (or rounding) is what was paid
    "unlabelled_tax": -2.0,  # an unlabelled tax that does not make the sums add up
    "same_box": -5.0,  # one printed amount as two fields
    "balanced": 1.5,  # subtotal + tax (+ shipping - discount) = total
    "unbalanced": -0.6,  # subtotal and tax that do not add up to the total
    "gross_subtotal": 0.2,  # a subtotal alone equal to the total (no tax, or gross)
    "subtotal_over_total": -0.6,  # a subtotal larger than the total
    "tax_over_total": -1.0,  # a tax (without subtotal) at least the total
    "tax_share": -1.0,  # a tax above `TAX_SHARE_MAX` of the total
    "tax_over_subtotal": -1.0,  # a tax larger than the subtotal
    "subtotal_label_unbalanced": -2.0,  # a total under a subtotal's label the sums do not make
    "subtotal_label_balanced": 1.0,  # ... which they make (perhaps rounded to a unit)
    "items_subtotal": 0.6,  # the items' sum is the subtotal
    "items_total": 0.4,  # the items' sum is the total (no other subtotal)
    "items_total_with_subtotal": 0.2,  # ... beside a different subtotal
    "total_not_positive": -1.0,  # a zero or negative total
}


@dataclass
class Choice:
    """The chosen candidate of an amount field, and how sure we are of it."""

    candidate: Candidate
    confidence: float


@dataclass
class ReconciledAmounts:
    choices: dict[str, Choice] = field(default_factory=dict)
    reconciled: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class LineCheck:
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None


def close(a: Decimal, b: Decimal, tolerance: Decimal = CENT) -> bool:
    return abs(a - b) <= tolerance


def _options(cands: Sequence[Candidate], limit: int) -> list[Candidate]:
    """Distinct values, each at its best candidate, supported by how often it is seen."""
    by_value: dict[Decimal, Candidate] = {}
    seen: dict[Decimal, int] = {}
    for cand in cands:
        value = Decimal(cand.value)
        seen[value] = seen.get(value, 0) + 1
        best = by_value.get(value)
        if best is None or cand.score > best.score:
            by_value[value] = cand
    ranked = sorted(by_value.values(), key=lambda c: c.score, reverse=True)[:limit]
    for cand in ranked:
        cand.features["support"] = float(seen[Decimal(cand.value)])
    return ranked


def _tax_sum_option(tax_cands: Sequence[Candidate]) -> Candidate | None:
    """Several tax lines (e.g. 7 % and 19 %, or CGST + SGST) add up to the tax."""
    rows: dict[tuple[int, float], Candidate] = {}
    for cand in tax_cands:
        rule_score = cand.features.get("rule_score", cand.score)  # before any re-ranking
        if cand.features.get("label_strength", 0) >= 1.0 and rule_score >= 0.6:
            key = (cand.page, round(cand.bbox[1]))
            if key not in rows or cand.score > rows[key].score:
                rows[key] = cand
    if len(rows) < 2:
        return None
    parts = list(rows.values())
    total = sum((Decimal(c.value) for c in parts), Decimal(0))
    values = [Decimal(c.value) for c in parts]
    if len(parts) > 2 and any(close(v, total - v) for v in values):
        return None  # one line already is the sum of the others (a "VAT total" line)
    first = parts[0]
    return Candidate(field="tax", value=total, text=" + ".join(c.text for c in parts),
                     page=first.page, bbox=first.bbox, source=first.source,
                     features={**first.features, "summed_lines": float(len(parts))},
                     score=max(c.score for c in parts), label=first.label)


def reconcile_amounts(candidates: dict[str, list[Candidate]],
                      fallback_totals: Sequence[Candidate] = (),
                      items_sum: Decimal | None = None, *,
                      marks: dict[str, list[tuple[int, float]]] | None = None,
                      items_count: int | None = None) -> ReconciledAmounts:
    """Choose total, subtotal, tax, shipping and discount together.

    `marks` are the positions (page, top) of the tip and rounding lines a label names, even
    where their amount could not be read; `items_count` how many line items `items_sum` adds.
    """
    options: dict[str, list[Candidate | None]] = {}
    for role in AMOUNT_ROLES:
        role_options: list[Candidate | None] = list(
            _options(candidates.get(role, []), MAX_OPTIONS[role]))
        if role == "tax":
            summed = _tax_sum_option(candidates.get("tax", []))
            if summed is not None:
                role_options.append(summed)
        if role == "total" and fallback_totals:
            labelled = {Decimal(c.value) for c in role_options if c is not None}
            extra = sorted((c for c in fallback_totals if Decimal(c.value) not in labelled
                            and Decimal(c.value) > 0),
                           key=lambda c: (Decimal(c.value), c.features.get("y_rel", 0)),
                           reverse=True)
            role_options.extend(_options(extra, 4))
        role_options.append(None)
        options[role] = role_options
    options["tax"][-1:-1] = _tax_by_difference(options, fallback_totals)
    options["total"][-1:-1] = _totals_labelled_as_subtotals(options, candidates)
    paid_back = {Decimal(c.value) for role in ("change", "tip") for c in candidates.get(role, [])}
    for net, tax, gross in _vat_table_rows(options, fallback_totals, paid_back):
        if net is not None:
            options["subtotal"].insert(-1, net)
        options["tax"].insert(-1, tax)
        if gross is not None and all(c is None or Decimal(c.value) != gross.value
                                     for c in options["total"]):
            options["total"].insert(-1, gross)

    payments = Payments.of(candidates, marks or {})
    if items_count is not None and items_count < 2:
        payments.single_item = True
    payments.total_options = options["total"]
    best: tuple[float, dict[str, Candidate | None], bool] | None = None
    by_total: dict[Decimal | None, float] = {}
    for combo in itertools.product(*(options[r] for r in AMOUNT_ROLES)):
        chosen = dict(zip(AMOUNT_ROLES, combo, strict=True))
        score, balanced = _combo_score(chosen, items_sum, payments)
        key = None if chosen["total"] is None else Decimal(chosen["total"].value)
        by_total[key] = max(score, by_total.get(key, score))
        if best is None or score > best[0]:
            best = (score, chosen, balanced)
    result = ReconciledAmounts()
    if best is None:
        return result
    best_score, chosen, balanced = best
    total_cand = chosen["total"]
    if total_cand is not None and not balanced and \
            not _vouched(total_cand, chosen, items_sum, payments):
        value = Decimal(total_cand.value)
        rival = max((s for v, s in by_total.items() if v is not None and v != value),
                    default=None)
        if total_cand.source == "ocr" and (
                _contradicted(value, options, payments) or
                (rival is not None and rival >= best_score - RIVAL_MARGIN)):
            # an unvouched reading the printed sums contradict, or no better than another
            result.warnings.append(f"total {value} is not supported by the other amounts; "
                                   "left out")
            chosen = {**chosen, "total": None}
        else:
            total_cand.features["unvouched"] = 1.0
    result.reconciled = balanced
    for role, cand in chosen.items():
        if cand is None:
            continue
        result.choices[role] = Choice(cand, _confidence(role, cand, balanced, items_sum))
    _amount_warnings(result, chosen, items_sum)
    return result


def _tax_by_difference(options: dict[str, list[Candidate | None]],
                       amounts: Sequence[Candidate]) -> list[Candidate]:
    """An amount no label names (its label misread) that is exactly the labelled total minus
    the labelled subtotal: the tax, if the arithmetic then balances."""
    labelled = {role: [Decimal(c.value) for c in options[role]
                       if c is not None and not _weakly_labelled(c)]
                for role in ("total", "subtotal")}
    gaps = {t - s for t in labelled["total"] for s in labelled["subtotal"] if t > s}
    if not gaps or any(c is not None and not _weakly_labelled(c) for c in options["tax"]):
        return []
    found: dict[Decimal, Candidate] = {}
    for cand in amounts:
        value = Decimal(cand.value)
        if value not in found and any(close(value, gap) for gap in gaps):
            found[value] = Candidate(field="tax", value=value, text=cand.text, page=cand.page,
                                     bbox=cand.bbox, source=cand.source, score=0.2,
                                     features={**cand.features, "unlabelled": 1.0})
    return list(found.values())[:2]


def _totals_labelled_as_subtotals(options: dict[str, list[Candidate | None]],
                                  candidates: dict[str, list[Candidate]]) -> list[Candidate]:
    """No label says "total", but one subtotal-like label ("Net Amount", the payable on an
    Indian bill and the net elsewhere) stands under another plus the tax: it may be the total,
    if the sums then add up (checked in `_combo_score`)."""
    if any(c is not None and not _weakly_labelled(c) for c in options["total"]):
        return []
    out = []
    for cand in _options(candidates.get("subtotal", []), MAX_OPTIONS["subtotal"]):
        out.append(Candidate(field="total", value=cand.value, text=cand.text, page=cand.page,
                             bbox=cand.bbox, source=cand.source, score=0.6 * cand.score,
                             label=cand.label, features={**cand.features, "subtotal_label": 1.0}))
    return out


def _vat_table_rows(options: dict[str, list[Candidate | None]], amounts: Sequence[Candidate],
                    paid_back: set[Decimal] | frozenset[Decimal] = frozenset()
                    ) -> list[tuple[Candidate | None, Candidate, Candidate | None]]:
    """A till slip's VAT table ("A 19 %  30,23  5,75  35,98": net, tax, gross per rate) when no
    label names the tax: two unlabelled amounts side by side on one row, the net left of the
    smaller tax, adding up to a labelled total or to the gross printed right of them (which
    is then a total option too, for a slip whose total line was misread)."""
    if any(c is not None and not _weakly_labelled(c) for c in options["tax"]):
        return []
    totals = [Decimal(c.value) for c in options["total"]
              if c is not None and not _weakly_labelled(c)]

    def one_row(a: Candidate, b: Candidate) -> bool:
        height = max(1.0, a.bbox[3] - a.bbox[1])
        return a.page == b.page and a.bbox[2] <= b.bbox[0] and \
            abs((a.bbox[1] + a.bbox[3]) - (b.bbox[1] + b.bbox[3])) <= height

    found: list[tuple[Candidate | None, Candidate, Candidate | None]] = []
    for left, right in itertools.permutations(amounts, 2):
        if not one_row(left, right):
            continue
        net, tax = Decimal(left.value), Decimal(right.value)
        if tax in paid_back:
            continue
        if any(close(net, t) for t in totals) and 0 < tax <= TAX_SHARE_MAX * net and \
                not any(one_row(right, c) for c in amounts):
            # "MWST 8.1 %  Total 26.97  2.02": the gross with its tax last on the row
            features = {"unlabelled": 1.0, "vat_table": 1.0, "label_strength": 0.0,
                        "vat_gross": float(net)}
            found.append((None, Candidate(
                field="tax", value=tax, text=right.text, page=right.page, bbox=right.bbox,
                source=right.source, score=0.2, features={**right.features, **features}),
                None))
            continue
        if not 0 < tax < net or tax > TAX_SHARE_MAX * (net + tax):
            continue
        if totals:  # the row must add up to a labelled total
            gross = None
            if not any(close(net + tax, t) for t in totals):
                continue
        else:  # else to the gross printed right of it
            gross = next((c for c in amounts if one_row(right, c)
                          and close(Decimal(c.value), net + tax)), None)
            if gross is None:
                continue
        features = {"unlabelled": 1.0, "vat_table": 1.0, "label_strength": 0.0}
        found.append((
            Candidate(field="subtotal", value=net, text=left.text, page=left.page,
                      bbox=left.bbox, source=left.source, score=0.2,
                      features={**left.features, **features}),
            Candidate(field="tax", value=tax, text=right.text, page=right.page,
                      bbox=right.bbox, source=right.source, score=0.2,
                      features={**right.features, **features}),
            None if gross is None else Candidate(
                field="total", value=Decimal(gross.value), text=gross.text, page=gross.page,
                bbox=gross.bbox, source=gross.source, score=0.2,
                features={**gross.features, **features})))
    if not totals and len({(t.page, t.bbox[1]) for _, t, _ in found}) > 1:
        return []  # several rates, several rows: none of their gross amounts is the total
    return found[:2]


@dataclass
class Payments:
    """What a till slip says about paying: tips added after the total, a rounding adjustment
    ("ROUNDING ADJ -0.02", "Round Off 0.40") that turns the total into the amount paid, cash
    tendered (a weakly labelled amount such as "Cash 50.00") and the change handed back."""

    tips: list[Decimal] = field(default_factory=list)
    roundings: list[Decimal] = field(default_factory=list)
    rounding_printed: bool = False  # a rounding line, even if its value was misread
    changes: list[Decimal] = field(default_factory=list)
    tendered: list[Decimal] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=list)  # every total-labelled value
    claimed: set[Decimal] = field(default_factory=set)  # values a label gives another role
    # Where tip and rounding lines stand (page, top): a total above them is the amount
    # before the tip or the rounding, not what was paid.
    tip_at: list[tuple[int, float]] = field(default_factory=list)
    rounding_at: list[tuple[int, float]] = field(default_factory=list)
    rounding_zero: bool = False  # a rounding line that reads 0.00
    tip_unread: bool = False  # a tip line whose amount is not read (blank, or misread)
    single_item: bool = False  # the items' sum is one item's amount: it vouches for nothing
    total_options: list[Candidate | None] = field(default_factory=list)

    @classmethod
    def of(cls, candidates: dict[str, list[Candidate]],
           marks: dict[str, list[tuple[int, float]]] | None = None) -> Payments:
        marks = marks or {}
        rounding_at = [*marks.get("rounding", []),
                       *((c.page, c.bbox[1]) for c in candidates.get("rounding", []))]
        tip_at = [*marks.get("tip", []),
                  *((c.page, c.bbox[1]) for c in candidates.get("tip", []))]
        totals = candidates.get("total", [])
        claimed = {Decimal(c.value) for role in ("subtotal", "tax", "shipping", "discount")
                   for c in candidates.get(role, [])
                   if c.features.get("label_strength", 0) >= 0.9 and c.score >= 0.5}
        rounding_values = [Decimal(c.value) for c in candidates.get("rounding", [])]
        return cls(claimed=claimed, rounding_at=rounding_at, tip_at=tip_at,
            rounding_zero=bool(rounding_values) and all(v == 0 for v in rounding_values),
            tip_unread=bool(marks.get("tip")) and not candidates.get("tip"),
            tips=sorted({Decimal(c.value) for c in candidates.get("tip", []) if c.value > 0}),
            roundings=sorted({Decimal(c.value) for c in candidates.get("rounding", [])
                              if c.value != 0 and abs(c.value) < 1}),
            rounding_printed=bool(rounding_at),
            changes=sorted({Decimal(c.value) for c in candidates.get("change", [])
                            if c.value > 0}),
            tendered=sorted({Decimal(c.value) for c in totals if _weakly_labelled(c)}),
            totals=sorted({Decimal(c.value) for c in totals if not _weakly_labelled(c)}))

    def tip_after(self, total: Decimal, before: list[Decimal]) -> bool:
        """The total is an amount before the tip plus the tip."""
        return any(close(b + tip, total) for tip in self.tips for b in before
                   if b != total)

    def rounded_from(self, total: Decimal, before: list[Decimal]) -> bool:
        """The total is an amount before rounding plus the printed rounding adjustment."""
        if any(close(b + r, total) for r in self.roundings for b in before
               if b != total):
            return True
        if not self.rounding_printed or self.roundings:
            return False
        # The adjustment's value is unreadable: a total rounded to 5 cents or to a whole unit,
        # just after rounding an amount it is within that step of.
        return any(0 < abs(total - b) < step and total % step == 0
                   for b in before for step in (Decimal("0.05"), Decimal(1)))

    def before_adjustment(self, cand: Candidate, total_options: Sequence[Candidate | None]
                          ) -> bool:
        """A total printed above a tip or rounding line that changes what is paid, while a
        total-labelled amount stands below that line: the amount before the adjustment."""
        value = Decimal(cand.value)
        below = [(other, Decimal(other.value)) for other in total_options
                 if other is not None and other.page == cand.page
                 and other.bbox[1] > cand.bbox[1] and not close(Decimal(other.value), value)
                 and not other.features.get("unlabelled")]
        if self.rounding_at and not self.rounding_zero:
            for page, top in self.rounding_at:
                if cand.page != page or cand.bbox[1] >= top:
                    continue
                if self.roundings or any(o.bbox[1] > top and
                                         o.features.get("label_strength", 0) >= 0.5
                                         for o, _ in below):
                    return True  # the adjustment is read and not zero, or a total follows
        for page, top in self.tip_at:
            if cand.page != page or cand.bbox[1] >= top:
                continue
            # what follows the tip is this amount plus the tip (or the tip was not read)
            if any(o.bbox[1] > top and (self.tip_unread or any(close(value + tip, v)
                                                               for tip in self.tips))
                   for o, v in below):
                return True
        return False

    def after_rounding(self, cand: Candidate) -> bool:
        """A total printed below a rounding line."""
        return any(cand.page == page and cand.bbox[1] > top for page, top in self.rounding_at)

    def change_from(self, total: Decimal) -> bool:
        """Cash tendered minus the change handed back is the total."""
        return any(close(t - c, total) for t in self.tendered for c in self.changes)


def _vouched(total_cand: Candidate, chosen: dict[str, Candidate | None],
             items_sum: Decimal | None, payments: Payments) -> bool:
    """Something besides its label supports the total: a repeat, the items' sum, cash less
    change, or an amount before a tip or rounding that it is that amount after."""
    total = Decimal(total_cand.value)
    if total_cand.features.get("support", 1.0) >= 2:
        return True
    if items_sum is not None and not payments.single_item and close(items_sum, total):
        return True
    subtotal, tax = chosen["subtotal"], chosen["tax"]
    net = [Decimal(subtotal.value) + Decimal(tax.value)] if subtotal is not None and \
        tax is not None else []
    before = [*payments.totals, *net]
    return payments.change_from(total) or payments.tip_after(total, before) or \
        payments.rounded_from(total, before)


def _contradicted(total: Decimal, options: dict[str, list[Candidate | None]],
                  payments: Payments) -> bool:
    """A labelled subtotal and tax are printed, and no pair of them (with shipping, less a
    discount, or the tax included) adds up to this total, nor does a tip or rounding."""
    def strong(role: str) -> list[Decimal]:
        return [Decimal(c.value) for c in options[role]
                if c is not None and not _weakly_labelled(c)]

    subtotals, taxes = strong("subtotal"), strong("tax")
    if not subtotals or not taxes:
        return False
    extras = [Decimal(0), *strong("shipping"), *(-abs(d) for d in strong("discount"))]
    nets = [s + t + e for s in subtotals for t in taxes for e in extras]
    if any(close(s, total) for s in subtotals) or any(close(n, total) for n in nets):
        return False
    if payments.tip_after(total, nets) or payments.rounded_from(total, nets):
        return False
    # the total less the subtotal is the tax with one character misread ("6.25" for 0.25),
    # or the total less the tax the subtotal: the misreading is there, not in the total
    if any(_one_char_apart(total - s, t) or _one_char_apart(total - t, s)
           for s in subtotals for t in taxes):
        return False
    return any(0 < t <= TAX_SHARE_MAX * s for s in subtotals for t in taxes)


def _one_char_apart(a: Decimal, b: Decimal) -> bool:
    """Two amounts printed alike but for one character (an OCR misreading of one digit)."""
    x, y = f"{a:.2f}", f"{b:.2f}"
    return a > 0 and len(x) == len(y) and sum(p != q for p, q in zip(x, y, strict=True)) == 1


def _weakly_labelled(cand: Candidate) -> bool:
    """Unlabelled, or labelled only by a payment word ("Cash", "Card", "Amount")."""
    return bool(cand.features.get("unlabelled")) or cand.features.get("label_strength",
                                                                       1.0) < 0.5


def _combo_score(chosen: dict[str, Candidate | None], items_sum: Decimal | None,
                 payments: Payments | None = None) -> tuple[float, bool]:
    """The rules' joint score of one combination of amounts (`COMBO_WEIGHTS`), and whether
    its arithmetic balances."""
    W = COMBO_WEIGHTS
    values = {r: (Decimal(c.value) if c is not None else None) for r, c in chosen.items()}
    score = 0.0
    for role, cand in chosen.items():
        if cand is None:
            continue
        weight = W["main_role"] if role in {"total", "subtotal", "tax"} else W["other_role"]
        score += weight * cand.score
        score += W["support"] * min(W["support_cap"], cand.features.get("support", 1.0) - 1)
        if role == "total":
            score += W["total_low"] * cand.features.get("y_rel", 0.0) + \
                W["total_bold"] * cand.features.get("bold", 0)
    total, subtotal, tax = values["total"], values["subtotal"], values["tax"]
    shipping, discount = values["shipping"] or Decimal(0), values["discount"] or Decimal(0)
    if total is None:
        return score + W["no_total"], False
    payments = payments or Payments()
    net = (subtotal + tax + shipping - abs(discount)) if subtotal is not None and \
        tax is not None else None
    before = [*payments.totals, *([net] if net is not None else [])]
    tipped = payments.tip_after(total, before) or payments.rounded_from(total, before)
    total_cand = chosen["total"]
    if total_cand is not None and not _weakly_labelled(total_cand):
        if payments.before_adjustment(total_cand, payments.total_options):
            score += W["before_adjustment"]
        elif payments.after_rounding(total_cand) and not payments.rounding_zero and \
                not tipped and total_cand.features.get("support", 1.0) < 2 and \
                _off_rounding(total, before, payments):
            return score + W["misread_after_rounding"], False
    if total_cand is not None and _weakly_labelled(total_cand):
        # No label says "total" (or only "Cash", "Card"): only arithmetic or a repeat may
        # vouch for it, else null.
        # A repeat does not vouch for an amount below the sum of the items (it is an item's).
        repeated = total_cand.features.get("support", 1.0) >= 2 and not (
            items_sum is not None and total < items_sum - CENT)
        vouched = repeated or (items_sum is not None and not payments.single_item
                               and close(items_sum, total)) or (
            net is not None and close(net, total)) or tipped or payments.change_from(total)
        if not vouched or total in payments.claimed:
            return score + W["unvouched_weak_total"], False
        if payments.changes and any(close(total, t) for t in payments.tendered) and \
                not payments.change_from(total) and not tipped:
            score += W["cash_tendered"]
    if tipped:
        score += W["after_tip"]
    tax_cand = chosen["tax"]
    vat_gross = tax_cand.features.get("vat_gross") if tax_cand is not None else None
    if tax_cand is not None and tax_cand.features.get("unlabelled") and not (
            net is not None and (close(net, total) or tipped)) and not (
            vat_gross is not None and close(Decimal(str(vat_gross)), total)):
        return score + W["unlabelled_tax"], False
    # Identical positions cannot be two different fields.
    boxes = [c.bbox for c in chosen.values() if c is not None]
    if len(boxes) != len(set(boxes)):
        return score + W["same_box"], False
    balanced = False
    if subtotal is not None and tax is not None:
        if close(subtotal + tax + shipping - abs(discount), total) or tipped:
            score += W["balanced"]
            balanced = True
        elif close(subtotal + shipping - abs(discount), total) and tax == 0:
            balanced = True
        else:
            score += W["unbalanced"]
    elif subtotal is not None:
        if close(subtotal + shipping - abs(discount), total):
            score += W["gross_subtotal"]
        elif subtotal > total:
            score += W["subtotal_over_total"]
    elif tax is not None and tax >= total:
        score += W["tax_over_total"]
    if tax is not None and total > 0 and tax > TAX_SHARE_MAX * total:
        score += W["tax_share"]
    if tax is not None and subtotal is not None and tax > subtotal:
        score += W["tax_over_subtotal"]
    if total_cand is not None and total_cand.features.get("subtotal_label") and not balanced:
        # a subtotal's label: the total only if the sums say so, perhaps rounded to a unit
        if net is None or total != total.to_integral_value() or abs(net - total) > HALF:
            return score + W["subtotal_label_unbalanced"], False
        score += W["subtotal_label_balanced"]
        balanced = True
    if items_sum is not None:
        if subtotal is not None and close(items_sum, subtotal):
            score += W["items_subtotal"]
        elif close(items_sum, total):
            score += W["items_total"] if subtotal is None or subtotal == total else \
                W["items_total_with_subtotal"]
    if total <= 0:
        score += W["total_not_positive"]
    return score, balanced


def _off_rounding(total: Decimal, before: list[Decimal], payments: Payments) -> bool:
    """A total after a rounding line that no amount before it rounds to."""
    before = [b for b in before if not close(b, total)]
    if not before:
        return False
    if payments.roundings:
        return True  # the adjustment is read, and rounded_from found no match
    return not any(abs(total - b) <= HALF for b in before)


def _confidence(role: str, cand: Candidate, balanced: bool, items_sum: Decimal | None) -> float:
    strength = cand.features.get("label_strength", 0.0)
    if cand.features.get("unlabelled"):
        base = 0.3
    else:
        base = 0.45 + 0.4 * min(1.0, cand.score) * (0.6 + 0.4 * strength)
    if role == "total" and cand.features.get("unvouched"):
        base = min(base, 0.5 if strength >= 0.9 else 0.35)  # only its label speaks for it
    if balanced and role in {"total", "subtotal", "tax"}:
        base = max(base, 0.97)
    elif items_sum is not None and close(items_sum, Decimal(cand.value)):
        base = max(base, 0.93)
    return round(min(base, 0.99), 3)


def _amount_warnings(result: ReconciledAmounts, chosen: dict[str, Candidate | None],
                     items_sum: Decimal | None) -> None:
    values = {r: (Decimal(c.value) if c is not None else None) for r, c in chosen.items()}
    total, subtotal, tax = values["total"], values["subtotal"], values["tax"]
    if total is not None and subtotal is not None and tax is not None and not result.reconciled:
        result.warnings.append(
            f"subtotal {subtotal} + tax {tax} does not equal total {total}")
    if items_sum is not None:
        target = subtotal if subtotal is not None else total
        if target is not None and not close(items_sum, target) and not (
                total is not None and close(items_sum, total)):
            result.warnings.append(
                f"line items add up to {items_sum}, not the "
                f"{'subtotal' if subtotal is not None else 'total'} {target}")


def check_lines(lines: Sequence[LineCheck]) -> list[str]:
    """Warnings for lines whose quantity × unit price is not their amount."""
    warnings: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.quantity is None or line.unit_price is None or line.amount is None:
            continue
        expected = line.quantity * line.unit_price
        tolerance = CENT + abs(line.quantity) * Decimal("0.005")
        if not close(expected, line.amount, tolerance) and not close(-expected, line.amount,
                                                                      tolerance):
            warnings.append(f"line {number}: {line.quantity} × {line.unit_price} = "
                            f"{expected.quantize(CENT)}, not {line.amount}")
    return warnings
