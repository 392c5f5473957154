"""Reconciliation: arithmetic chooses among amount candidates, sets confidence, warns."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.header import Candidate
from billintake.extraction.reconcile import LineCheck, check_lines, reconcile_amounts


def cand(field: str, value: str, score: float, y: float = 0.8, label_strength: float = 1.0
         ) -> Candidate:
    return Candidate(field=field, value=Decimal(value), text=value, page=1,
                     bbox=(400.0, y * 842, 450.0, y * 842 + 10), score=score,
                     features={"label_strength": label_strength, "y_rel": y})


def test_arithmetic_picks_the_net_subtotal_over_a_mislabelled_gross_one() -> None:
    # "Subtotaal € 717,97" (gross) beside "Exclusief BTW € 593,36" (net), as on real bills
    candidates = {
        "subtotal": [cand("subtotal", "717.97", 0.95, 0.70), cand("subtotal", "593.36", 0.90,
                                                                   0.69)],
        "tax": [cand("tax", "124.61", 0.9, 0.72)],
        "total": [cand("total", "717.97", 0.95, 0.74)],
    }
    result = reconcile_amounts(candidates)
    assert result.reconciled
    assert result.choices["subtotal"].candidate.value == Decimal("593.36")
    assert result.choices["total"].candidate.value == Decimal("717.97")
    assert result.choices["total"].confidence >= 0.95


def test_right_total_among_several_amounts_section_subtotals_and_payments() -> None:
    candidates = {
        "subtotal": [cand("subtotal", "112.00", 0.95, 0.48), cand("subtotal", "150.90", 0.95,
                                                                   0.55),
                     cand("subtotal", "262.90", 0.95, 0.60)],
        "tax": [cand("tax", "16.94", 0.9, 0.62)],
        "total": [cand("total", "279.84", 0.95, 0.64),
                  cand("total", "0.00", 0.4, 0.66, label_strength=0.4),  # "Balance"
                  cand("total", "300.00", 0.4, 0.68, label_strength=0.4)],  # "Cash"
    }
    result = reconcile_amounts(candidates)
    chosen = {role: c.candidate.value for role, c in result.choices.items()}
    assert chosen["total"] == Decimal("279.84")
    assert chosen["subtotal"] == Decimal("262.90")
    assert chosen["tax"] == Decimal("16.94")


def test_shipping_and_discount_enter_the_equation() -> None:
    candidates = {
        "subtotal": [cand("subtotal", "1287.27", 0.9, 0.60)],
        "discount": [cand("discount", "-5.00", 0.9, 0.62)],
        "shipping": [cand("shipping", "4.95", 0.9, 0.64)],
        "tax": [cand("tax", "239.39", 0.88, 0.66), cand("tax", "1.91", 0.87, 0.68)],
        "total": [cand("total", "1528.52", 0.9, 0.70)],
    }
    result = reconcile_amounts(candidates)
    assert result.reconciled
    assert result.choices["tax"].candidate.value == Decimal("241.30")  # two VAT rates summed


def test_items_sum_supports_the_total_when_nothing_else_does() -> None:
    candidates = {"total": [cand("total", "82.71", 0.6, 0.7), cand("total", "90.00", 0.6, 0.75)]}
    result = reconcile_amounts(candidates, items_sum=Decimal("82.71"))
    assert result.choices["total"].candidate.value == Decimal("82.71")


def test_mismatch_is_a_warning_and_lowers_confidence() -> None:
    candidates = {
        "subtotal": [cand("subtotal", "100.00", 0.95, 0.6)],
        "tax": [cand("tax", "20.00", 0.95, 0.62)],
        "total": [cand("total", "125.00", 0.95, 0.64)],
    }
    result = reconcile_amounts(candidates)
    assert not result.reconciled
    assert any("does not equal total" in w for w in result.warnings)
    assert result.choices["total"].confidence < 0.95


def test_unlabelled_fallback_total_needs_support_and_has_low_confidence() -> None:
    fallback = [cand("total", "42.00", 0.2, 0.8, label_strength=0.0)]
    fallback[0].features["unlabelled"] = 1.0
    assert "total" not in reconcile_amounts({}, fallback).choices  # unknown, not a guess
    result = reconcile_amounts({}, fallback, items_sum=Decimal("42.00"))
    assert result.choices["total"].candidate.value == Decimal("42.00")
    assert result.choices["total"].confidence < 0.95 and not result.reconciled


def test_line_checks_warn_on_quantity_times_price_mismatch() -> None:
    warnings = check_lines([
        LineCheck(Decimal("2"), Decimal("10.00"), Decimal("20.00")),
        LineCheck(Decimal("3"), Decimal("1.99"), Decimal("5.97")),
        LineCheck(Decimal("2"), Decimal("10.00"), Decimal("25.00")),
        LineCheck(None, None, Decimal("4.00")),
    ])
    assert warnings == ["line 3: 2 × 10.00 = 20.00, not 25.00"]


def test_tip_makes_an_unlabelled_tax_add_up_to_the_grand_total() -> None:
    """Sub total + (tax whose label OCR lost) + gratuity = grand total: the amount paid wins
    over the amount due before the tip."""
    from decimal import Decimal

    from billintake.extraction.header import Candidate
    from billintake.extraction.reconcile import reconcile_amounts

    def cand(role: str, value: str, y: float, score: float, strength: float) -> Candidate:
        return Candidate(field=role, value=Decimal(value), text=value, page=1,
                         bbox=(100.0, y, 140.0, y + 8), score=score,
                         features={"label_strength": strength, "y_rel": y / 800})

    candidates = {
        "subtotal": [cand("subtotal", "96.06", 400, 0.77, 1.0)],
        "total": [cand("total", "102.78", 420, 0.65, 0.8),
                  cand("total", "114.78", 440, 0.82, 1.0)],
        "tip": [cand("tip", "12.00", 430, 0.9, 1.0)],
    }
    unlabelled_tax = cand("total", "6.72", 410, 0.3, 0.0)
    unlabelled_tax.features["unlabelled"] = 1.0
    result = reconcile_amounts(candidates, [unlabelled_tax], Decimal("96.06"))
    assert result.choices["total"].candidate.value == Decimal("114.78")
    assert result.choices["tax"].candidate.value == Decimal("6.72")


def test_rounding_adjustment_makes_the_rounded_total_the_amount_paid() -> None:
    """SROIE-style slip: TOTAL (RM) 391.07, ROUNDING ADJ -0.02, ROUNDED TOTAL 391.05; the
    GST summary repeats the net amount and the tax below."""
    candidates = {
        "subtotal": [cand("subtotal", "368.93", 0.9, 0.60), cand("subtotal", "368.93", 0.7, 0.9)],
        "tax": [cand("tax", "22.14", 0.9, 0.62), cand("tax", "22.14", 0.7, 0.91)],
        "total": [cand("total", "391.07", 0.9, 0.64), cand("total", "391.05", 0.9, 0.68),
                  cand("total", "391.05", 0.3, 0.70, label_strength=0.4)],  # "VISA"
        "rounding": [cand("rounding", "-0.02", 0.9, 0.66)],
    }
    result = reconcile_amounts(candidates, (), Decimal("368.93"))
    assert result.choices["total"].candidate.value == Decimal("391.05")
    assert result.choices["subtotal"].candidate.value == Decimal("368.93")
    assert result.reconciled


def test_without_a_rounding_line_the_unrounded_total_balances() -> None:
    candidates = {
        "subtotal": [cand("subtotal", "368.93", 0.9, 0.60)],
        "tax": [cand("tax", "22.14", 0.9, 0.62)],
        "total": [cand("total", "391.07", 0.9, 0.64), cand("total", "391.05", 0.9, 0.68)],
    }
    assert reconcile_amounts(candidates).choices["total"].candidate.value == Decimal("391.07")


def test_equal_cgst_and_sgst_lines_add_up_to_the_tax() -> None:
    """Indian bill: Sub Total 2028.04, CGST 50.70, SGST 50.70, Round Off, Grand Total 2129."""
    candidates = {
        "subtotal": [cand("subtotal", "2028.04", 0.9, 0.60)],
        "tax": [cand("tax", "50.70", 0.9, 0.62), cand("tax", "50.70", 0.9, 0.64)],
        "total": [cand("total", "2129.00", 0.9, 0.70)],
        "rounding": [cand("rounding", "-0.44", 0.9, 0.66)],
    }
    result = reconcile_amounts(candidates)
    assert result.choices["tax"].candidate.value == Decimal("101.40")
    assert result.choices["total"].candidate.value == Decimal("2129.00")
    assert result.reconciled


def _unlabelled(value: str, x: float, y: float) -> Candidate:
    return Candidate(field="total", value=Decimal(value), text=value, page=1,
                     bbox=(x, y, x + 30.0, y + 8.0), score=0.2,
                     features={"unlabelled": 1.0, "label_strength": 0.0, "y_rel": y / 842})


def test_a_slips_vat_table_gives_the_tax_no_label_names() -> None:
    """Kassenbon: SUMME 35,98, then "MwSt Netto MwSt Brutto / A 7% 33,63 2,35 35,98"."""
    candidates = {"total": [cand("total", "35.98", 0.9, 0.5)]}
    table = [_unlabelled("33.63", 80, 600), _unlabelled("2.35", 140, 601),
             _unlabelled("35.98", 200, 600), _unlabelled("50.00", 200, 500)]
    result = reconcile_amounts(candidates, table)
    assert result.choices["total"].candidate.value == Decimal("35.98")
    assert result.choices["tax"].candidate.value == Decimal("2.35")
    assert result.choices["subtotal"].candidate.value == Decimal("33.63")


def test_amounts_on_different_rows_or_a_labelled_tax_are_not_a_vat_table() -> None:
    candidates = {"total": [cand("total", "35.98", 0.9, 0.5)]}
    apart = [_unlabelled("33.63", 80, 600), _unlabelled("2.35", 140, 640)]
    assert "tax" not in reconcile_amounts(candidates, apart).choices
    labelled = {**candidates, "tax": [cand("tax", "2.30", 0.9, 0.45)]}
    same_row = [_unlabelled("33.63", 80, 600), _unlabelled("2.35", 140, 600)]
    assert reconcile_amounts(labelled, same_row).choices["tax"].candidate.value == \
        Decimal("2.30")


def test_a_vat_table_whose_total_line_was_misread_gives_the_gross_as_total() -> None:
    """"Total to pay" lost its amount; "A 20%  23.97  4.80  28.77" remains (net, VAT, gross)."""
    table = [_unlabelled("23.97", 80, 600), _unlabelled("4.80", 140, 600),
             _unlabelled("28.77", 200, 600), _unlabelled("3.96", 200, 300),
             _unlabelled("50.00", 200, 500)]
    result = reconcile_amounts({}, table, Decimal("23.97"))  # a misread item list
    assert result.choices["total"].candidate.value == Decimal("28.77")
    assert result.choices["tax"].candidate.value == Decimal("4.80")


def test_a_table_of_several_rates_gives_no_total_and_no_tax_of_one_rate() -> None:
    candidates = {"total": [cand("total", "33.30", 0.9, 0.5)]}
    table = [_unlabelled("10.00", 80, 600), _unlabelled("1.90", 140, 600),
             _unlabelled("11.90", 200, 600), _unlabelled("20.00", 80, 615),
             _unlabelled("1.40", 140, 615), _unlabelled("21.40", 200, 615)]
    result = reconcile_amounts(candidates, table)
    assert result.choices["total"].candidate.value == Decimal("33.30")
    assert "tax" not in result.choices
    unlabelled_only = reconcile_amounts({}, table)
    assert "tax" not in unlabelled_only.choices


def test_a_swiss_vat_line_gives_the_tax_beside_the_gross_but_not_the_change() -> None:
    """"MWST 8.1%  Total 26.97  2.02": the gross with its tax last on the row."""
    total = cand("total", "26.97", 0.9, 0.7)
    total.bbox = (80.0, 600.0, 110.0, 608.0)
    row_amounts = [_unlabelled("26.97", 80, 600), _unlabelled("2.02", 140, 600)]
    result = reconcile_amounts({"total": [total]}, row_amounts)
    assert result.choices["total"].candidate.value == Decimal("26.97")
    assert result.choices["tax"].candidate.value == Decimal("2.02")
    change = {"total": [total], "change": [cand("change", "2.02", 0.9, 0.72)]}
    assert "tax" not in reconcile_amounts(change, row_amounts).choices


def test_a_net_amount_that_is_subtotal_plus_tax_rounded_is_the_total() -> None:
    """Indian bill: Sub Total 417.13, CGST 10.43, SGST 10.43, Net Amount 438.00."""
    candidates = {
        "subtotal": [cand("subtotal", "417.13", 0.71, 0.55), cand("subtotal", "438.00", 0.71, 0.7)],
        "tax": [cand("tax", "10.43", 0.71, 0.6), cand("tax", "10.43", 0.71, 0.63)],
    }
    result = reconcile_amounts(candidates)
    assert result.choices["total"].candidate.value == Decimal("438.00")
    assert result.choices["subtotal"].candidate.value == Decimal("417.13")
    assert result.choices["tax"].candidate.value == Decimal("20.86")


def test_a_net_amount_that_does_not_add_up_stays_a_subtotal() -> None:
    """European invoice: Net amount 100.00, VAT 20.00, and no total line read."""
    candidates = {"subtotal": [cand("subtotal", "100.00", 0.9, 0.6)],
                  "tax": [cand("tax", "20.00", 0.9, 0.62)]}
    result = reconcile_amounts(candidates)
    assert "total" not in result.choices
    assert result.choices["subtotal"].candidate.value == Decimal("100.00")


def _ocr(c: Candidate) -> Candidate:
    c.source = "ocr"
    return c


def test_a_rounding_line_whose_value_is_misread_still_makes_the_rounded_total_paid() -> None:
    """TOTAL 162.97, ROUNDING ADJ -§.62 (unreadable), GRAND TOTAL 162.95: the line's
    position alone says the total above it is before rounding."""
    candidates = {
        "subtotal": [cand("subtotal", "153.75", 0.8, 0.48)],
        "tax": [cand("tax", "9.22", 0.7, 0.51)],
        "total": [cand("total", "162.97", 0.7, 0.53), cand("total", "162.95", 0.7, 0.59)],
    }
    result = reconcile_amounts(candidates, marks={"rounding": [(1, 0.56 * 842)]})
    assert result.choices["total"].candidate.value == Decimal("162.95")


def test_a_total_after_rounding_that_no_rounding_explains_is_left_out() -> None:
    """TOTAL 47.99, ROUNDING ADJ (misread), GRAND TOTAL 48.60 (a misread 48.00): neither is
    what was paid as read; null, not a wrong value."""
    candidates = {
        "total": [_ocr(cand("total", "47.99", 0.7, 0.61)), _ocr(cand("total", "48.60", 0.7,
                                                                        0.67))],
    }
    result = reconcile_amounts(candidates, (), Decimal("47.99"),
                               marks={"rounding": [(1, 0.64 * 842)]}, items_count=2)
    assert "total" not in result.choices


def test_an_ocr_total_the_printed_subtotal_and_tax_contradict_is_left_out() -> None:
    """Sub Total 1218.56, CGST 30.46, SGST 30.46, Round Off -0.48, Grand Total 1,279.60 (a
    misread 1,279.00): no rounding of the sums gives it."""
    candidates = {
        "subtotal": [cand("subtotal", "1218.56", 0.7, 0.60)],
        "tax": [cand("tax", "30.46", 0.7, 0.63), cand("tax", "30.46", 0.7, 0.67),
                cand("tax", "60.92", 0.7, 0.70)],
        "total": [_ocr(cand("total", "1279.60", 0.7, 0.77))],
        "rounding": [cand("rounding", "-0.48", 0.9, 0.74)],
    }
    result = reconcile_amounts(candidates, (), Decimal("1218.56"), items_count=3)
    assert "total" not in result.choices
    assert any("not supported" in w for w in result.warnings)


def test_an_unvouched_ocr_total_keeps_a_low_confidence() -> None:
    candidates = {"total": [_ocr(cand("total", "23.40", 0.9, 0.7))]}
    result = reconcile_amounts(candidates)
    assert result.choices["total"].candidate.value == Decimal("23.40")
    assert result.choices["total"].confidence <= 0.5


def test_one_items_amount_does_not_vouch_for_an_unlabelled_total() -> None:
    amount = cand("total", "39.16", 0.3, 0.4, label_strength=0.0)
    amount.features["unlabelled"] = 1.0
    result = reconcile_amounts({}, [amount], Decimal("39.16"), items_count=1)
    assert "total" not in result.choices


def test_the_amount_after_a_printed_tip_is_the_total() -> None:
    """SUMME 42.50, Trinkgeld (its amount misread), Gesamt 47.00: the amount before the tip
    is not what was paid."""
    candidates = {
        "total": [cand("total", "42.50", 0.9, 0.60), cand("total", "47.00", 0.6, 0.66)],
    }
    result = reconcile_amounts(candidates, marks={"tip": [(1, 0.63 * 842)]})
    assert result.choices["total"].candidate.value == Decimal("47.00")


def test_a_blank_tip_line_below_the_total_leaves_the_total() -> None:
    """TOTAL 38.20, then TIP ____ and TOTAL ____ for the pen: the printed total stands."""
    candidates = {"total": [cand("total", "38.20", 0.9, 0.60)]}
    result = reconcile_amounts(candidates, marks={"tip": [(1, 0.63 * 842)]})
    assert result.choices["total"].candidate.value == Decimal("38.20")


def test_rounding_by_one_cent_is_not_taken_for_no_rounding() -> None:
    """TOTAL INCL. GST 110.89, ROUNDING ADJ 0.01, ROUNDED TOTAL (misread), CASH 110.90."""
    candidates = {
        "subtotal": [cand("subtotal", "103.64", 0.9, 0.65)],
        "tax": [cand("tax", "7.25", 0.8, 0.69)],
        "total": [cand("total", "110.89", 0.8, 0.72), cand("total", "116.96", 0.8, 0.79),
                  cand("total", "110.90", 0.3, 0.82, label_strength=0.4)],
        "rounding": [cand("rounding", "0.01", 0.9, 0.75)],
        "change": [cand("change", "8.00", 0.9, 0.85)],
    }
    result = reconcile_amounts(candidates, (), Decimal("110.89"), items_count=4)
    assert result.choices["total"].candidate.value == Decimal("110.90")


def test_a_tax_misread_by_one_digit_does_not_cast_out_the_total() -> None:
    """SUBTOTAL 47.76, TAX 6.25 (a misread 0.25), Total 48.01: the tax is what was misread."""
    candidates = {
        "subtotal": [cand("subtotal", "47.76", 0.7, 0.62)],
        "tax": [cand("tax", "6.25", 0.7, 0.66)],
        "total": [_ocr(cand("total", "48.01", 0.7, 0.69))],
    }
    result = reconcile_amounts(candidates, (), Decimal("47.76"), items_count=2)
    assert result.choices["total"].candidate.value == Decimal("48.01")


def test_a_repeated_total_after_rounding_stands_though_the_amount_before_is_misread() -> None:
    """TOTAL INCL. GST 25.63 (a misread 25.03), ROUNDING ADJ 0.02, TOTAL AMOUNT 25.05,
    VISA 25.05."""
    candidates = {
        "total": [_ocr(cand("total", "25.63", 0.8, 0.56)), _ocr(cand("total", "25.05", 0.8, 0.63)),
                  _ocr(cand("total", "25.05", 0.3, 0.67, label_strength=0.4))],
        "rounding": [cand("rounding", "0.02", 0.9, 0.60)],
    }
    result = reconcile_amounts(candidates, (), Decimal("25.03"), items_count=2)
    assert result.choices["total"].candidate.value == Decimal("25.05")
