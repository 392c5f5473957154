"""The amounts: their finder's features, and their joint choice under the arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from billintake_devkit import ranking

from billintake.extraction.calibration import Signals
from billintake.extraction.candidate import Candidate
from billintake.extraction.decide import (
    arithmetic_kind,
    best_combination,
    combinations,
    decide,
)
from billintake.extraction.finders import amounts
from billintake.extraction.page import PageModel
from billintake.extraction.parsing import find_amounts
from billintake.extraction.ranker import Ranker
from billintake.reading.reader import read

from ._bills import Text, pdf_of, row

D = Decimal


def cand(name: str, value: str, score: float = 0.5) -> Candidate:
    return Candidate(field=name, value=D(value), text=value, page=1, bbox=(0, 0, 1, 1),
                     score=score, features={"p": score})


class _Fixed(Ranker):
    """A ranker whose score of a candidate is its feature "p", and whose confidence is that
    score: the decision alone is under test."""

    def scores(self, name: str, cands: Sequence[Candidate]) -> np.ndarray:
        return np.asarray([c.features["p"] for c in cands], dtype=np.float64)

    def confidence(self, name: str, signals: Signals | float, kind: str | None = None
                   ) -> float:
        return float(signals.score if isinstance(signals, Signals) else signals)


def _fixed(priors: dict[str, float] | None = None) -> Ranker:
    model = _Fixed(boosters={n: None for n in ("total", "subtotal", "tax")})
    if priors is not None:
        model.info["arithmetic_prior"] = {"text": priors}
    return model


def test_arithmetic_kinds() -> None:
    def kind(total: str, sub: str | None, tax: str | None) -> str | None:
        chosen = {"total": cand("total", total),
                  "subtotal": None if sub is None else cand("subtotal", sub),
                  "tax": None if tax is None else cand("tax", tax)}
        return arithmetic_kind(chosen, None)

    assert kind("119.00", "100.00", "19.00") == "vat"  # 19 % of the subtotal
    assert kind("103.33", "100.00", "3.33") == "sum"  # adds up, no VAT rate
    assert kind("120.00", "100.00", "19.00") is None
    assert kind("119.00", None, None) is None
    # a till slip's total rounded to 5 cents for cash agrees with the sum it rounds
    assert kind("7.70", "7.28", "0.44") == "vat"
    assert kind("7.69", "7.28", "0.44") is None  # 3 cents off, but no 5-cent total
    # "TOTAL INCL. GST@6% 28.00 ... GST @6% INCLUDED IN TOTAL 1.58": 28.00 * 6 / 106
    assert kind("28.00", None, "1.58") == "included"
    assert kind("28.00", None, "1.68") is None  # 6 % of the total, not of its net


def test_a_vat_sum_outweighs_a_likelier_total_that_adds_up_to_nothing() -> None:
    """Net 100 + VAT 20 printed under "TOTAL TTC" 120; "NET A PAYER" 100 after a prepayment
    of 20 looks likelier to the ranker, but only 120 makes the arithmetic agree."""
    order = {"total": [cand("total", "100.00", 0.9), cand("total", "120.00", 0.05)],
             "subtotal": [cand("subtotal", "100.00", 0.9)],
             "tax": [cand("tax", "20.00", 0.9)]}
    combos = combinations(order, None)
    strong = best_combination(combos, {"vat": 1000.0, "sum": 20.0, "floor": 1e-6})
    assert strong is not None and strong[1] == "vat"
    assert strong[0]["total"] is not None and strong[0]["total"].value == D("120.00")
    weak = best_combination(combos, {"vat": 1.0, "sum": 1.0, "floor": 1e-6})
    assert weak is not None and weak[0]["total"] is not None
    assert weak[0]["total"].value == D("100.00")


def test_the_floor_lets_the_arithmetic_vouch_for_a_candidate_the_ranker_all_but_excludes(
) -> None:
    order = {"total": [cand("total", "151.84", 0.99)],
             "subtotal": [cand("subtotal", "127.60", 0.3)],
             "tax": [cand("tax", "24.24", 1e-5)]}
    combos = combinations(order, None)
    low = best_combination(combos, {"vat": 1000.0, "sum": 20.0, "floor": 1e-6})
    assert low is not None and low[0]["tax"] is None
    floored = best_combination(combos, {"vat": 1000.0, "sum": 20.0, "floor": 0.01})
    assert floored is not None and floored[0]["tax"] is not None
    assert floored[0]["tax"].value == D("24.24")


def test_a_bill_whose_amounts_disagree_never_passes_the_gate() -> None:
    proposed = {"total": [cand("total", "130.00", 0.99)],
                "subtotal": [cand("subtotal", "100.00", 0.99)],
                "tax": [cand("tax", "19.00", 0.99)]}
    decision = decide(_fixed(), proposed, None)
    assert not decision.reconciled  # the gate holds it (tests/extraction/test_confidence.py)
    agreeing = {**proposed, "total": [cand("total", "119.00", 0.99)]}
    agreed = decide(_fixed({"vat": 1000.0, "sum": 20.0, "floor": 1e-6}), agreeing, None)
    assert agreed.reconciled
    assert agreed.fields["total"] is not None and agreed.fields["total"].confidence > 0.95
    disagreeing = decision.fields["total"]
    assert disagreeing is None or \
        disagreeing.confidence <= agreed.fields["total"].confidence


def test_priors_are_chosen_per_document_kind() -> None:
    key_small, key_large = (20.0, 1.0, 1.0, 1e-6), (1e5, 1.0, 1.0, 1e-6)
    outcomes = [("ocr", {key_small: 1, key_large: 0})] * 3 + \
        [("text", {key_small: 1, key_large: 3})] * 2
    chosen = ranking.choose_priors(outcomes)
    assert chosen["ocr"]["vat"] == 20.0 and chosen["text"]["vat"] == 1e5


def test_amounts_are_read_after_a_glued_currency_prefix() -> None:
    assert find_amounts("TOTAL RM39.00") == [(D("39.00"), "RM39.00")]
    assert find_amounts("FORM 3.00") == [(D("3.00"), "3.00")]


def _page() -> PageModel:
    texts: list[Text] = [
        Text(60, 50, "Muster GmbH", 14, bold=True),
        *row(300, (60, "Art"), (200, "Basisbetrag"), (300, "Steuersatz"), (420, "Steuerbetrag")),
        *row(315, (60, "Umsatzsteuer (S)"), (200, "127,60"), (300, "19"), (420, "24,24")),
        *row(360, (60, "Positionssumme"), (420, "127,60")),
        *row(375, (60, "Gesamtbetrag der Abschläge"), (420, "0,00")),
        *row(390, (60, "Steuerbetrag in EUR"), (420, "24,24")),
        *row(405, (60, "Bruttosumme"), (420, "151,84")),
        *row(420, (60, "Erhaltene Anzahlungen"), (420, "50,00")),
        *row(435, (60, "Zahlbetrag"), (420, "101,84")),
    ]
    return PageModel.build(read(pdf_of(texts)))


def test_amount_features_read_the_row_label_and_the_column_header() -> None:
    page = _page()
    tax = amounts.candidates(page, "tax")
    by_line = {(c.value, c.bbox[1] // 10): c for c in tax}
    in_table = next(c for (v, _), c in by_line.items() if v == D("24.24")
                    and c.features.get("col_tax"))
    assert in_table.features["row_amounts"] == 2 and in_table.features["row_amount_pos"] == 0
    labelled = [c for c in tax if c.value == D("24.24") and c.features.get("lab_tax")]
    assert labelled and all(c.features["vat_of_other_sum"] == 1 for c in labelled)
    assert any(c.value == 0 for c in tax)  # a zero tax is a tax candidate...
    assert not any(c.value == 0 for c in amounts.candidates(page, "total"))  # ...not a total
    total = amounts.candidates(page, "total")
    gross = next(c for c in total if c.value == D("151.84"))
    assert gross.features["vat_sum_of_two"] == 1 and gross.features["lab_gross"] == 1
    prepaid = next(c for c in total if c.value == D("50.00"))
    assert prepaid.features["lab_prepaid"] == 1 and not prepaid.features.get("lab_gross")
    due = next(c for c in total if c.value == D("101.84"))
    assert due.features["lab_due"] == 1


def test_vat_triples_are_base_tax_and_gross() -> None:
    values = sorted([D("151.84"), D("127.60"), D("24.24"), D("19"), D("3.00")], reverse=True)
    assert amounts.vat_triples(values) == [(D("127.60"), D("24.24"), D("151.84"))]


def test_a_total_the_pages_arithmetic_contradicts_is_not_reconciled() -> None:
    """A partial total ("TOTAL 0% SUPPLIES") that a total made of the amounts above it
    ("TOTAL PAYABLE") follows: even when subtotal + tax make it, the bill is held."""
    partial = cand("total", "119.00", 0.99)
    partial.features["total_made_below"] = 1.0
    proposed = {"total": [partial], "subtotal": [cand("subtotal", "100.00", 0.99)],
                "tax": [cand("tax", "19.00", 0.99)]}
    priors = {"vat": 1000.0, "sum": 20.0, "floor": 1e-6}
    assert not decide(_fixed(priors), proposed, None).reconciled
    partial.features["total_made_below"] = 0.0
    assert decide(_fixed(priors), proposed, None).reconciled


def test_amounts_that_agree_vouch_for_no_total_the_page_contradicts() -> None:
    """The partial total that the items' sum makes loses to the total printed below it,
    made of the amounts above it, which the ranker prefers."""
    partial = cand("total", "27.45", 0.3)
    partial.features["total_made_below"] = 1.0
    order = {"total": [cand("total", "50.60", 0.9), partial], "subtotal": [], "tax": []}
    chosen = best_combination(combinations(order, D("27.45")), {"items": 1000.0})
    assert chosen is not None and chosen[0]["total"] is not None
    assert chosen[0]["total"].value == D("50.60")
    partial.features["total_made_below"] = 0.0
    chosen = best_combination(combinations(order, D("27.45")), {"items": 1000.0})
    assert chosen is not None and chosen[0]["total"] is not None
    assert chosen[0]["total"].value == D("27.45")


def taxed(value: str, line: int) -> Candidate:
    """A tax candidate with a tax label, on its own line."""
    found = cand("tax", value, 0.1)
    found.features["lab_tax"] = 1.0
    found.line = line
    return found


def test_charges_count_where_no_tax_is_printed_and_in_two_tax_lines() -> None:
    """Subtotal 100 and delivery 4.95 make the total 104.95 with no tax printed; with a
    discount of 15, two tax lines (30 and 10) make the tax only with the discount counted."""
    shipped = {"total": cand("total", "104.95"), "subtotal": cand("subtotal", "100.00"),
               "tax": None}
    assert arithmetic_kind(shipped, None, D("4.95")) is not None
    assert arithmetic_kind(shipped, None) is None  # without the charge it adds up to nothing
    # net 3581.76, discount 5.00, freight 4.95: the total 3581.71 is below the subtotal
    discounted = {"total": [cand("total", "3581.71", 0.9)],
                  "subtotal": [cand("subtotal", "3581.76", 0.9)], "tax": []}
    assert any(chosen["total"] is not None and chosen["subtotal"] is not None and kind
               for chosen, kind, _ in combinations(discounted, None, D("-0.05")))
    assert not any(chosen["total"] is not None and chosen["subtotal"] is not None
                   for chosen, _, _ in combinations(discounted, None))

    order = {"total": [cand("total", "145.00", 0.9)],
             "subtotal": [cand("subtotal", "120.00", 0.9)],
             "tax": [taxed("30.00", 1), taxed("10.00", 2), taxed("7.00", 3)]}

    def summed(extra: Decimal) -> set[Decimal]:
        return {c.value for chosen, _, _ in combinations(order, None, extra)
                if (c := chosen["tax"]) is not None and c.reasons == ["the sum of two tax lines"]}

    assert summed(D("-15.00")) == {D("40.00")}  # 120 - 15 + 40 = 145
    assert summed(D(0)) == set()  # 120 + 25: no two lines make 25


def _label_row_page() -> PageModel:
    """"TOTAL HT | TOTAL TVA | TOTAL TTC" over "100,00 | 4,90 | 104,90" (two VAT rates: 4.90
    is no rate's share of 100), prose beside both rows, and "NET A PAYER 104,90" below."""
    texts = [
        Text(60, 100, "Tout retard de paiement engendre une penalite calculee sur la base"),
        Text(360, 100, "TOTAL HT"), Text(430, 100, "TOTAL TVA"), Text(500, 100, "TOTAL TTC"),
        Text(60, 116, "Les reglements recus avant la date ne donnent pas lieu a escompte"),
        Text(370, 116, "100,00"), Text(440, 116, "4,90"), Text(505, 116, "104,90"),
        Text(360, 150, "NET A PAYER"), Text(480, 150, "104,90 EUR"),
    ]
    return PageModel.build(read(pdf_of(texts)))


def test_a_subtotal_and_tax_printed_beside_the_total_agree_as_a_row_whatever_their_scores(
) -> None:
    page = _label_row_page()
    found = {name: amounts.candidates(page, name) for name in ("total", "subtotal", "tax")}
    for cands in found.values():
        for c in cands:
            c.features["p"] = 0.001  # a layout the ranker never saw: it all but rules them out
    for c in found["total"]:
        c.features["p"] = 0.99 if c.value == D("104.90") else 0.001
    tax = next(c for c in found["tax"] if c.value == D("4.90"))
    assert tax.features["sum_with_row_next"] == 1 and tax.features["col_tax"] == 1
    decision = decide(_fixed({"vat": 1000.0, "sum": 100.0, "floor": 1e-6}), found, None)
    chosen = {n: c.candidate.value if c is not None else None
              for n, c in decision.fields.items()}
    assert chosen == {"total": D("104.90"), "subtotal": D("100.00"), "tax": D("4.90")}
    assert decision.reconciled
    # without the row ("sum" agreement only), the ranker's doubt leaves subtotal and tax out
    order = _ranked(found)
    plain = best_combination(combinations(order, None, rows=False),
                             {"vat": 1000.0, "sum": 100.0, "floor": 1e-6})
    assert plain is not None and plain[0]["tax"] is None
    assert any(kind == "row" for _, kind, _ in combinations(order, None))


def test_amounts_stacked_in_a_column_are_no_printed_row() -> None:
    """Subtotal, tax and total one under the other (a totals block) agree by their sum, not as
    a row: their labels, not their places, speak for them."""
    texts = [Text(360, 100, "Net"), Text(480, 100, "100,00"),
             Text(360, 116, "VAT"), Text(480, 116, "4,90"),
             Text(360, 132, "Total"), Text(480, 132, "104,90")]
    page = PageModel.build(read(pdf_of(texts)))
    found = {name: amounts.candidates(page, name) for name in ("total", "subtotal", "tax")}
    for cands in found.values():
        for c in cands:
            c.features["p"] = 0.5
    assert not any(kind == "row" for _, kind, _ in combinations(_ranked(found), None))


def _ranked(found: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
    """The candidates best first by their fixed score (as `decide.ranked` orders them)."""
    for cands in found.values():
        for c in cands:
            c.score = c.features["p"]
    return {n: sorted(cands, key=lambda c: -c.score) for n, cands in found.items()}


def test_three_tax_lines_make_the_tax() -> None:
    """A bill of three VAT rates (20 %, 10 %, 5.5 %) prints three tax lines: their sum, and
    no pair of them, completes the subtotal to the total; lines apart from the tax's do not
    count (one line's two amounts are not two rates)."""
    order = {"total": [cand("total", "5736.91", 0.9)],
             "subtotal": [cand("subtotal", "5283.98", 0.9)],
             "tax": [taxed("174.95", 1), taxed("78.83", 2), taxed("199.15", 3)]}
    sums = {(c.value, kind) for chosen, kind, _ in combinations(order, None)
            if (c := chosen["tax"]) is not None and chosen["subtotal"] is not None
            and c.reasons == ["the sum of three tax lines"]}
    assert sums == {(D("452.93"), "sum")}
    best = best_combination(combinations(order, None), {"sum": 20.0})
    assert best is not None and best[0]["tax"] is not None
    assert best[0]["tax"].value == D("452.93")
    order["tax"][2].line = 2  # two of them on one line: no longer three tax lines
    reasons = [c.reasons for chosen, _, _ in combinations(order, None)
               if (c := chosen["tax"]) is not None]
    assert ["the sum of three tax lines"] not in reasons


def test_two_nets_printed_per_rate_make_the_subtotal() -> None:
    """A slip prints its net per VAT rate ("TOTAL 6% SUPPLIES (EXCL. GST) 30.24", "TOTAL 0%
    SUPPLIES 19.83"), the tax (6 % of the first) and the total: the two nets make the
    subtotal. Nets whose labels name no rate, or whose tax is no rate's share of them, do
    not."""
    def net(value: str, line: int, rated: bool = True) -> Candidate:
        found = cand("subtotal", value, 0.6)
        found.features["lab_rate"] = float(rated)
        found.line = line
        return found

    def summed(nets: list[Candidate], tax: str) -> set[Decimal]:
        order = {"total": [cand("total", "51.88", 0.9)], "subtotal": nets,
                 "tax": [cand("tax", tax, 0.3)]}
        return {c.value for chosen, _, _ in combinations(order, None)
                if (c := chosen["subtotal"]) is not None
                and c.reasons == ["the sum of two nets printed per VAT rate"]}

    assert summed([net("30.24", 1), net("19.83", 2)], "1.81") == {D("50.07")}
    order = {"total": [cand("total", "51.88", 0.9)],
             "subtotal": [net("30.24", 1), net("19.83", 2)], "tax": [cand("tax", "1.81", 0.3)]}
    kinds = {kind for chosen, kind, _ in combinations(order, None)
             if (c := chosen["subtotal"]) is not None and c.value == D("50.07")
             and chosen["tax"] is not None}
    assert kinds == {"vat"}  # the tax is 6 % of the first net
    assert summed([net("30.24", 1), net("19.83", 2, rated=False)], "1.81") == set()
    assert summed([net("30.24", 1), net("19.83", 1)], "1.81") == set()  # one line
    # 49.11 + 2.77 = 51.88 too, but 2.77 is no VAT rate's share of 30.24, 18.87 or 49.11
    assert summed([net("30.24", 1), net("18.87", 2)], "2.77") == set()
