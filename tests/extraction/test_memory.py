"""Vendor memory in extraction: which remembered name a page prints, and when a known
vendor's lines are the misread part of its bill."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.memory import lines_contradict, printed_name
from billintake.extraction.page import PageModel
from billintake.reading.reader import read

from ._bills import Text, block, pdf_of, row


def _page(vendor: str) -> PageModel:
    texts = [Text(60, 50, vendor, 16, bold=True),
             *block(60, 80, ["Lot 12, Jalan Besar", "43300 Seri Kembangan"]),
             *row(150, (60, "Receipt No:"), (300, "CS00412")),
             *row(300, (60, "Total:"), (300, "71.90"))]
    return PageModel.build(read(pdf_of(texts)))


def test_the_name_the_page_prints_exactly_is_taken_before_a_newer_variant() -> None:
    page = _page("MR. D.I.Y. (M) SDN BHD")
    # the newest approval named a sister company; the page prints the older name
    assert printed_name(page, ["MR. D.I.Y. SDN BHD", "MR.D.I.Y(M)SDN BHD"]) == \
        ("MR.D.I.Y(M)SDN BHD", True)
    # only the variant is remembered: printed nearly, not exactly (a person looks)
    assert printed_name(page, ["MR. D.I.Y. SDN BHD"]) == ("MR. D.I.Y. SDN BHD", False)
    assert printed_name(page, ["Tesco Stores Ltd"]) is None


def test_lines_contradict_only_three_amounts_that_agree() -> None:
    agree = {"total": Decimal("148.40"), "subtotal": Decimal("140.00"), "tax": Decimal("8.40")}
    assert lines_contradict(agree, Decimal("296.80"))  # the lines read twice
    assert not lines_contradict(agree, Decimal("140.00"))  # the lines make the subtotal
    assert not lines_contradict(agree, Decimal("148.40"))  # or the total
    assert not lines_contradict(agree, None)
    off = {**agree, "total": Decimal("150.00")}  # the amounts themselves disagree
    assert not lines_contradict(off, Decimal("296.80"))
    assert not lines_contradict({**agree, "tax": None}, Decimal("296.80"))
    # shipping less discounts count in the amounts' agreement
    shipped = {**agree, "total": Decimal("153.40")}
    assert lines_contradict(shipped, Decimal("296.80"), Decimal("5.00"))
