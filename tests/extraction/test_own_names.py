"""The organization's own name, printed on a bill as the buyer's, is never its vendor."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.extractor import Extractor
from billintake.extraction.memory import MemoryBook

from ._bills import Text, block, pdf_of, row

BUYER = "NORTHWIND TRADERS LTD"


def _bill() -> bytes:
    """A purchase copy headed with the buyer's name; the seller's block comes below it."""
    texts: list[Text] = [
        Text(60, 40, BUYER, 18, bold=True),
        *block(60, 90, ["Contoso Supplies GmbH", "Hauptstraße 5", "10115 Berlin"]),
        *row(160, (60, "Invoice No."), (200, "RE-2026-0412")),
        *row(174, (60, "Date"), (200, "12.03.2026")),
        *row(220, (60, "Printer paper A4"), (400, "100,00")),
        *row(240, (60, "VAT 19 %"), (400, "19,00")),
        *row(260, (60, "Total EUR"), (400, "119,00")),
    ]
    return pdf_of(texts)


def test_the_organizations_own_name_is_never_the_vendor() -> None:
    extractor = Extractor()
    data = _bill()
    alone = extractor.extract_bytes(data)
    assert alone.value("vendor_name") == BUYER  # the biggest name on top, read as the vendor
    own = MemoryBook(own_names=("Northwind Traders Limited",))
    bill = extractor.extract_bytes(data, memory=own)
    assert bill.value("vendor_name") == "Contoso Supplies GmbH"
    assert bill.value("total") == Decimal("119.00")


def test_a_header_line_on_the_bills_of_two_vendors_is_the_organizations_print() -> None:
    from billintake.domain.memory import VendorMemory
    from billintake.domain.model import Vendor

    def memory(vendor: str, *lines: str) -> VendorMemory:
        return VendorMemory(organization_id="o", vendor_id=vendor, approvals=1,
                            names=[vendor.upper()], signature=list(lines))

    vendors = tuple(Vendor(id=v, organization_id="o", name=v.upper())
                    for v in ("indah gift", "yongfatt", "dominos"))
    book = MemoryBook(vendors, {
        "indah gift": memory("indah gift", "tan woon yann", "indah gift", "tax invoice"),
        "yongfatt": memory("yongfatt", "tan woon yann", "yongfatt", "tax invoice", "dominos"),
        "dominos": memory("dominos", "dominos", "permas jaya")}, own_names=(BUYER,))
    refused = book.not_vendor_names
    assert BUYER in refused and "tanwoonyann" in refused and "taxinvoice" in refused
    assert "dominos" not in refused  # shared, but a vendor's own name
    assert "indahgift" not in refused and "permasjaya" not in refused  # one vendor's print
    alone = MemoryBook(vendors[:1], {"indah gift": memory("indah gift", "tan woon yann")})
    assert alone.not_vendor_names == ()
