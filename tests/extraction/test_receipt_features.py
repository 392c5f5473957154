"""The page model's and finders' features for till slips: negative lines in the arithmetic,
the place of an amount in the totals block, both readings of an ambiguous date, and what
marks a shop's name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billintake.extraction.calibration import Calibration, Signals
from billintake.extraction.finders import amounts, dates, names
from billintake.extraction.page import PageModel
from billintake.reading.reader import read

from ._bills import Text, pdf_of, row

D = Decimal


def _slip() -> PageModel:
    """A slip whose returned goods are a negative part: the amount paid is not the largest."""
    texts: list[Text] = [
        Text(60, 40, "GOOD BAKERIES (KL) SDN BHD (139386-X)", 12),
        Text(60, 56, "LOT 3, JALAN PELABUR 23/1"),
        Text(60, 80, "DATE: 07/03/2018"),
        *row(120, (60, "WHITE BREAD"), (300, "39.01")),
        *row(140, (60, "TOTAL 0% SUPPLIES:"), (300, "39.01")),
        *row(160, (60, "RETURNED BUNS"), (300, "-18.80")),
        *row(180, (60, "TOTAL 6% SUPPLIES:"), (300, "-18.80")),
        *row(200, (60, "TOTAL PAYABLE:"), (300, "20.21")),
        *row(220, (60, "CASH"), (300, "50.00")),
        *row(240, (60, "CHANGE"), (300, "29.79")),
    ]
    return PageModel.build(read(pdf_of(texts)))


def _total(page: PageModel, value: str, index: int = -1) -> dict[str, float]:
    found = [c for c in amounts.candidates(page, "total") if c.value == D(value)]
    return found[index].features


def test_negative_amounts_are_in_the_page_model_but_never_proposed() -> None:
    page = _slip()
    assert D("-18.80") in {s.value for s in page.spans_of("amount")}
    assert all(c.value > 0 for c in amounts.candidates(page, "total"))


def test_the_amount_paid_is_the_net_of_a_negative_part_and_the_last_total() -> None:
    page = _slip()
    paid, partial = _total(page, "20.21"), _total(page, "39.01")
    assert paid["net_of_negative"] == 1.0 and paid["sum_of_two_above"] == 1.0
    assert paid["total_rows_below"] == 0.0 and paid["cash_rows_below"] >= 1.0
    assert partial["total_rows_below"] >= 1.0 and partial["net_of_negative"] == 0.0
    assert partial["last_of_value"] == 1.0 and _total(page, "39.01", 0)["last_of_value"] == 0.0
    # the page's own arithmetic contests the partial total, not the amount paid
    assert partial["total_made_below"] == 1.0 and paid["total_made_below"] == 0.0


def test_a_total_made_by_all_the_amounts_right_above_it_is_marked() -> None:
    texts: list[Text] = [
        Text(60, 40, "THREE STOOGES BISTRO", 12),
        *row(100, (60, "HH TIGER 12 GLASSES"), (300, "295.00")),
        *row(120, (60, "SUB TOTAL"), (300, "295.00")),
        *row(140, (60, "SERVICE CHARGE 10%"), (300, "29.50")),
        *row(160, (60, "GST 6%"), (300, "19.47")),
        *row(180, (60, "ROUNDING ADJ"), (300, "-0.02")),
        *row(200, (60, "NET TOTAL"), (300, "343.95")),
        *row(240, (60, "GST SUMMARY SR 6%"), (200, "324.50"), (300, "19.47")),
    ]
    page = PageModel.build(read(pdf_of(texts)))
    assert _total(page, "343.95")["run_sum_above"] == 1.0  # 295.00 + 29.50 + 19.47 - 0.02
    assert _total(page, "324.50")["run_sum_above"] == 0.0  # (a sum of two, not of the rows)
    assert _total(page, "295.00", 0)["run_sum_above"] == 0.0
    # a slip's cash rounding it does not print: 47.80 + 2.87 + 2.86 = 53.53, paid 53.55
    texts = [*row(100, (60, "GROSS AMT :"), (300, "47.80")),
             *row(120, (60, "SVR TAX :"), (300, "2.87")),
             *row(140, (60, "GST (6%) :"), (300, "2.86")),
             *row(160, (60, "NET AMT :"), (300, "53.55"))]
    assert _total(PageModel.build(read(pdf_of(texts))), "53.55")["run_sum_above"] == 1.0


def test_an_ocr_label_word_misread_by_one_letter_is_read_as_printed() -> None:
    from billintake.extraction.finders.amounts import _mended_label

    assert _mended_label("Chonge:") == "change:" and _mended_label("Totai") == "total"
    assert _mended_label("Service Charge") == "Service Charge"  # a word of its own class
    assert _mended_label("Tatel Peyubte") == "Tatel Peyubte"  # two letters off: as read


def test_an_ambiguous_date_is_proposed_in_both_readings_when_the_order_is_open() -> None:
    page = _slip()
    assert page.dayfirst is None
    found = {c.value: c.features for c in dates.candidates(page, "bill_date")}
    assert set(found) == {date(2018, 3, 7), date(2018, 7, 3)}
    assert found[date(2018, 3, 7)]["day_first_reading"] == 1.0
    assert found[date(2018, 7, 3)]["day_first_reading"] == 0.0
    assert all(f["order_open"] == 1.0 for f in found.values())


def test_a_settled_order_reads_an_ambiguous_date_once() -> None:
    texts = [Text(60, 40, "Datum: 07.03.2018"), Text(60, 60, "Lieferung 14.03.2018")]
    page = PageModel.build(read(pdf_of(texts)))
    found = [c for c in dates.candidates(page, "bill_date") if c.line == 0]
    assert [c.value for c in found] == [date(2018, 3, 7)]
    assert found[0].features["order_open"] == 0.0


def test_a_shops_name_is_marked_by_its_legal_form_and_company_number() -> None:
    texts = [Text(60, 40, "POPULAR BOOK", 12), Text(60, 54, "CO. (M) SDN BHD", 12),
             Text(60, 68, "(113825-W)"), Text(60, 82, "OWNED BY: CHEF LEE SDN BHD")]
    page = PageModel.build(read(pdf_of(texts)))
    found = {c.value: c.features for c in names.candidates(page)}
    whole = found["POPULAR BOOK CO. (M) SDN BHD"]
    assert whole["ends_legal"] == 1.0 and whole["starts_legal"] == 0.0
    assert "CO. (M) SDN BHD" not in found  # the rest of the name begun above
    assert whole["company_number_near"] == 1.0 and whole["name_rank"] == 0.0
    assert found["CHEF LEE SDN BHD"]["after_label"] == 1.0
    # the text with its label in it is no name, nor any lines joined across a label
    assert not any("OWNED BY" in name for name in found)
    # a name cut short where the line below only goes on with it is no name
    assert "POPULAR BOOK" not in found
    # the shop's name and the company running it are rivals; a name's own lines are not
    assert whole["rival_legal"] == 1.0
    alone = PageModel.build(read(pdf_of(texts[:3])))
    assert all(c.features["rival_legal"] == 0.0 for c in names.candidates(alone)
               if c.value.endswith("SDN BHD"))


def test_a_total_printed_below_the_chosen_one_is_a_signal_of_doubt() -> None:
    old = Calibration.from_json({"xs": [0.0, 1.0], "ys": [0.0, 1.0],
                                 "signals": {n: 0.0 for n in Signals.NAMES[:-2]}, "bias": 0.0})
    assert old.weights[-1] == 0.0  # a model fitted before the signal existed still loads
    assert Signals(score=0.9, total_below=True).vector()[-2] == 1.0
    assert Signals(score=0.9, rival=True).vector()[-1] == 1.0


def test_a_date_glued_to_letters_is_marked_as_part_of_a_code() -> None:
    texts = [Text(60, 40, "RC11-23-42 - 12/144"), Text(60, 50, "K12-03-18"),
             Text(60, 60, "15-03-18 15:41")]
    page = PageModel.build(read(pdf_of(texts)))
    found = {c.text: c.features for c in dates.candidates(page, "bill_date")}
    assert "11-23-42" not in found  # after a code's capitals: not read as a date at all
    assert found["12-03-18"]["letter_before"] == 1.0
    assert found["15-03-18"]["letter_before"] == 0.0


def test_a_date_only_the_other_order_reads_is_no_date_of_the_document() -> None:
    texts = [Text(60, 40, "CK 11-22-31 - 10/400"), Text(60, 60, "19-09-17 15:39"),
             Text(60, 80, "DATE 25/09/2017")]
    page = PageModel.build(read(pdf_of(texts)))
    assert page.dayfirst is True
    found = {c.text for c in dates.candidates(page, "bill_date")}
    assert found == {"19-09-17", "25/09/2017"}


def test_a_name_cut_inside_a_parenthesis_gives_way_to_the_lines_that_finish_it() -> None:
    texts = [Text(60, 40, "AIK HUAT HARDWARE", 12), Text(60, 54, "ENTERPRISE (SETIA", 12),
             Text(60, 68, "ALAM) SDN BHD", 12), Text(60, 100, "LAVENDER", 12),
             Text(60, 114, "LAVENDER BAKERY S/B", 12)]
    page = PageModel.build(read(pdf_of(texts)))
    found = {c.value: c.features for c in names.candidates(page)}
    assert "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD" in found
    assert "AIK HUAT HARDWARE ENTERPRISE (SETIA" not in found
    assert "AIK HUAT HARDWARE" not in found  # cut short: the line below only goes on with it
    assert found["LAVENDER LAVENDER BAKERY S/B"]["lines_repeat"] == 1.0
    assert found["LAVENDER BAKERY S/B"].get("lines_repeat", 0.0) == 0.0
    assert "ENTERPRISE (SETIA ALAM) SDN BHD" not in found and "ALAM) SDN BHD" not in found
    assert found["LAVENDER LAVENDER BAKERY S/B"]["tail_complete"] == 1.0
    assert found["AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"]["tail_complete"] == 0.0


def test_a_place_in_brackets_or_bare_words_of_trade_below_a_name_finish_it() -> None:
    texts = [Text(60, 40, "PASAR RAYA MEGA MAJU", 12), Text(60, 54, "(SEMENYIH) SDN BHD", 12),
             Text(60, 68, "(767840-W)"), Text(60, 100, "LIAN CHI PU TIAN VEGETARIAN", 12),
             Text(60, 114, "RESTAURANT SDN BHD", 12), Text(60, 128, "(1095514-X)"),
             Text(60, 160, "GOLDEN ROTI SDN BHD", 12), Text(60, 174, "(GST ID NO: 001147)")]
    page = PageModel.build(read(pdf_of(texts)))
    found = {c.value for c in names.candidates(page)}
    assert "PASAR RAYA MEGA MAJU (SEMENYIH) SDN BHD" in found
    assert "(SEMENYIH) SDN BHD" not in found and "PASAR RAYA MEGA MAJU" not in found
    assert "LIAN CHI PU TIAN VEGETARIAN RESTAURANT SDN BHD" in found
    assert "RESTAURANT SDN BHD" not in found
    assert "GOLDEN ROTI SDN BHD" in found  # a bracketed label and number is no part of it


def test_a_label_line_is_no_name_but_a_company_number_below_cuts_nothing_short() -> None:
    texts = [Text(60, 40, "SANYU STATIONERY SHOP", 12), Text(60, 54, "Owned By:"),
             Text(60, 68, "SANYU SUPPLY SDN BHD"), Text(60, 100, "MR. D.I.Y. (M) SDN BHD", 12),
             Text(60, 114, "(CO. REG : 860671-D)", 12)]
    page = PageModel.build(read(pdf_of(texts)))
    found = {c.value for c in names.candidates(page)}
    assert "SANYU STATIONERY SHOP" in found and "SANYU SUPPLY SDN BHD" in found
    assert not any(name.startswith("Owned By") for name in found)
    assert "MR. D.I.Y. (M) SDN BHD" in found
