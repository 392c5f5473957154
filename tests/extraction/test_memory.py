"""Vendor memory in extraction: which remembered name a page prints, and when a known
vendor's lines are the misread part of its bill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billintake.domain.memory import VendorMemory
from billintake.domain.model import Vendor
from billintake.extraction.calibration import Calibration
from billintake.extraction.memory import (
    MemoryModel,
    Recognition,
    lines_contradict,
    name_confidence,
    printed_name,
    printed_order,
)
from billintake.extraction.page import PageModel
from billintake.reading.reader import read

from ._bills import Text, block, pdf_of, row


def _page(vendor: str, printed_date: str = "") -> PageModel:
    texts = [Text(60, 50, vendor, 16, bold=True),
             *block(60, 80, ["Lot 12, Jalan Besar", "43300 Seri Kembangan"]),
             *row(150, (60, "Receipt No:"), (300, "CS00412")),
             *row(170, (60, "Date:"), (300, printed_date or "-")),
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


def test_a_known_vendors_sum_counts_a_charge_the_rules_left_out() -> None:
    """A generated vendor (test-split layout) whose second bill adds "Delivery 4.95" to its
    subtotal with no tax: the rules take no shipping, the memory's sum counts it, and the
    bill is reconciled with the charge as its shipping."""
    from billintake_devkit.learning import approved_values
    from billintake_devkit.synth.recurring import vendor_bills

    from billintake.domain.memory import VendorMemory
    from billintake.domain.model import Vendor
    from billintake.extraction.extractor import Extractor
    from billintake.extraction.memory import MemoryBook, learn
    from billintake.settings import Settings

    first, second = vendor_bills(9090, "test", 18, 2)
    assert "Delivery" in pdf_text(second.pdf_bytes) and "tax" not in second.truth
    extractor = Extractor(Settings(_env_file=None))
    plain = extractor.extract_bytes(second.pdf_bytes)
    assert plain.value("shipping") is None  # the rules' reading
    bill, proposed, page = extractor.observe(read(first.pdf_bytes))
    memory = learn(VendorMemory(organization_id="o", vendor_id="v"), page, proposed,
                   approved_values(first.truth, bill), extractor.ranker)
    vendor = Vendor(id="v", organization_id="o", name=first.truth["vendor_name"])
    known = extractor.extract_document(read(second.pdf_bytes),
                                       memory=MemoryBook((vendor,), {"v": memory}))
    assert [str(known.value(n)) for n in ("total", "subtotal")] == \
        [second.truth["total"], second.truth["subtotal"]]
    assert known.value("shipping") == Decimal("4.95") and known.value("tax") is None
    assert known.reconciled and known.arithmetic_disagreement() is None


def pdf_text(data: bytes) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_an_approved_date_teaches_the_order_the_page_alone_leaves_open() -> None:
    page = _page("AEON CO. (M) BHD", "09/03/2018 18:54")
    assert page.dayfirst is None  # nothing on the page says which comes first
    assert printed_order(page, date(2018, 3, 9)) == "dmy"
    assert printed_order(page, date(2018, 9, 3)) == "mdy"
    assert printed_order(page, date(2018, 3, 10)) is None  # not printed
    assert printed_order(_page("AEON CO. (M) BHD", "05/05/2018"), date(2018, 5, 5)) is None
    # and a page model built in that order reads the date that way only (the page alone
    # proposes both readings)
    ordered = {s.value for s in PageModel.build(page.doc, dayfirst=True).spans_of("date")}
    assert date(2018, 3, 9) in ordered and date(2018, 9, 3) not in ordered
    assert {date(2018, 3, 9), date(2018, 9, 3)} <= {s.value for s in page.spans_of("date")}


def test_a_name_the_page_prints_exactly_has_its_own_calibration() -> None:
    """A vendor recognised by its header lines whose remembered name the page prints exactly
    is judged on the bills so recognised; a model without that calibration uses the
    method's."""
    seen = Recognition(Vendor(organization_id="o", name="Tri Shaas"),
                       VendorMemory(organization_id="o", vendor_id="v"), "signature", 0.7)
    method = Calibration((0.0, 1.0), (0.6, 0.6))
    model = MemoryModel(calibrations={"vendor_name:signature": method})
    assert name_confidence(model, seen, exact=True) == name_confidence(model, seen, False)
    model.calibrations["vendor_name:signature:printed"] = Calibration((0.0, 1.0), (0.97, 0.97))
    assert name_confidence(model, seen, exact=True) == 0.97
    assert name_confidence(model, seen, exact=False) == 0.6


def _slip(number: str | None, net: str, tax: str, total: str) -> list[Text]:
    """A till slip whose GST summary ends in "TOTAL:" with the net below the total: with the
    change of 0.00 above it, the net is "made" by the amounts above, so the page's own
    arithmetic seems to contest the real total (`finders.amounts` total_made_below)."""
    return [Text(60, 40, "TEO HENG STATIONERY & BOOKS", 14, bold=True),
            *block(60, 62, ["Lot 12, Jalan Besar", "43000 Kajang, Selangor"]),
            *(row(110, (60, "RECEIPT NO. :"), (200, number)) if number else []),
            *row(125, (60, "DATE :"), (200, "17/01/2018")),
            *row(160, (60, "LAMINATING FILM"), (300, net)),
            *row(190, (60, "SUB-TOTAL (EX) :"), (300, net)),
            *row(205, (60, "TOTAL TAX :"), (300, tax)),
            *row(220, (60, "TOTAL :"), (300, total)),
            *row(235, (60, "CASH :"), (300, total)),
            *row(250, (60, "CHANGE :"), (300, "0.00")),
            *row(275, (60, "GST SUMMARY"), (200, "AMOUNT"), (300, "TAX")),
            *row(290, (60, "SR 6%"), (200, net), (300, tax)),
            *row(305, (60, "TOTAL:"), (200, net), (300, tax))]


def test_a_contest_the_vendors_approved_bills_showed_false_no_longer_holds_its_total() -> None:
    from billintake_devkit.learning import approved_values

    from billintake.extraction.extractor import Extractor
    from billintake.extraction.memory import MemoryBook, learn
    from billintake.settings import Settings

    extractor = Extractor(Settings(_env_file=None))
    first = read(pdf_of(_slip("CS1801/26821", "26.00", "1.56", "27.56")))
    second = read(pdf_of(_slip("CS1801/26717", "52.00", "3.12", "55.12")))
    bill, proposed, page = extractor.observe(first)
    truth = {"vendor_name": "TEO HENG STATIONERY & BOOKS", "bill_number": "CS1801/26821",
             "bill_date": "2018-01-17", "subtotal": "26.00", "tax": "1.56", "total": "27.56"}
    memory = learn(VendorMemory(organization_id="o", vendor_id="v"), page, proposed,
                   approved_values(truth, bill), extractor.ranker)
    assert memory.field("total").spots[0].contested  # the approved total was contested
    vendor = Vendor(id="v", organization_id="o", name=truth["vendor_name"])

    def known(remembered: VendorMemory):  # type: ignore[no-untyped-def]
        return extractor.extract_document(second, memory=MemoryBook((vendor,), {"v": remembered}))

    learned = known(memory)
    assert learned.value("total") == Decimal("55.12") and learned.reconciled
    assert learned.total is not None and learned.total.confidence >= 0.85
    # the same memory without the lesson: the contest still holds the total for a person
    spots = [s.model_copy(update={"contested": False}) for s in memory.field("total").spots]
    unlearned = memory.model_copy(update={"fields": {
        **memory.fields, "total": memory.field("total").model_copy(update={"spots": spots})}})
    plain = known(unlearned)
    assert plain.value("total") == Decimal("55.12") and not plain.reconciled


def test_a_number_the_vendors_approved_bills_never_printed_is_not_missed() -> None:
    from billintake_devkit.learning import approved_values

    from billintake.extraction.extractor import Extractor
    from billintake.extraction.memory import MemoryBook, learn
    from billintake.settings import Settings

    extractor = Extractor(Settings(_env_file=None))
    truth = {"vendor_name": "TEO HENG STATIONERY & BOOKS", "bill_date": "2018-01-17",
             "bill_number": None, "total": "27.56"}
    vendor = Vendor(id="v", organization_id="o", name=truth["vendor_name"])
    second = read(pdf_of(_slip(None, "52.00", "3.12", "55.12")))
    # (the first bill printed none, or printed one that the second lacks)
    for number, expected in ((None, ["bill_number"]), ("CS1801/26821", [])):
        bill, proposed, page = extractor.observe(read(pdf_of(
            _slip(number, "26.00", "1.56", "27.56"))))
        memory = learn(VendorMemory(organization_id="o", vendor_id="v"), page, proposed,
                       {**approved_values(truth, bill), "bill_number": number},
                       extractor.ranker)
        known = extractor.extract_document(second, memory=MemoryBook((vendor,), {"v": memory}))
        assert known.not_printed == expected
    assert extractor.extract_document(second).not_printed == []  # no memory, no expectation


def _total_only(number: str, total: str, cash: str, change: str) -> list[Text]:
    return [Text(60, 40, "99 SPEED MART S/B", 14, bold=True),
            *block(60, 62, ["Lot 12, Jalan Angsa", "41150 Klang, Selangor"]),
            *row(110, (60, "INVOICE NO :"), (200, number)),
            *row(125, (60, "DATE :"), (200, "20/02/2018")),
            *row(190, (60, "TOTAL SALES (INCLUSIVE GST) RM"), (300, total)),
            *row(205, (60, "CASH RM"), (300, cash)),
            *row(220, (60, "CHANGE RM"), (300, change))]


def test_a_total_alone_stands_where_the_vendor_never_prints_its_parts() -> None:
    from billintake_devkit.learning import approved_values

    from billintake.extraction.extractor import Extractor
    from billintake.extraction.memory import UNRECONCILED_CAP, MemoryBook, learn
    from billintake.settings import Settings

    extractor = Extractor(Settings(_env_file=None))
    vendor = Vendor(id="v", organization_id="o", name="99 SPEED MART S/B")
    second = read(pdf_of(_total_only("18314/102/T0422", "23.40", "50.00", "26.60")))
    truth = {"vendor_name": "99 SPEED MART S/B", "bill_number": "18297/102/T0173",
             "bill_date": "2018-02-20", "total": "9.90", "subtotal": None}
    for tax, expected in ((None, ["subtotal", "tax"]), ("0.56", ["subtotal"])):
        bill, proposed, page = extractor.observe(read(pdf_of(
            _total_only("18297/102/T0173", "9.90", "10.00", "0.10"))))
        memory = learn(VendorMemory(organization_id="o", vendor_id="v"), page, proposed,
                       {**approved_values(truth, bill), "tax": tax}, extractor.ranker)
        known = extractor.extract_document(second, memory=MemoryBook((vendor,), {"v": memory}))
        assert known.value("total") == Decimal("23.40") and known.not_printed == expected
        assert not known.reconciled
        assert known.total is not None
        if tax is None:  # nothing to add up: the memory's confidence stands
            assert known.nothing_to_reconcile() and known.total.confidence > UNRECONCILED_CAP
        else:  # the vendor's bills print a tax this one lacks: a person looks
            assert not known.nothing_to_reconcile()
            assert known.total.confidence <= UNRECONCILED_CAP
