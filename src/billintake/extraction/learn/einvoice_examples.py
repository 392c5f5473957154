"""E-invoices teach the visual path: each XML value located on the printed page.

A Factur-X / ZUGFeRD / XRechnung PDF carries its own truth. Its XML is parsed exactly; its
pages are read as they print (text layer, else OCR; the attachment plays no part in reading),
and every XML value is looked for on them. The result labels the words where each field is
printed, for training the visual path. A value that is not found is listed as not found, never
guessed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import pypdfium2 as pdfium
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from billintake.domain.errors import (
    PasswordProtected,
    UnreadableDocument,
    UnsupportedMediaType,
)
from billintake.domain.extracted import ExtractedBill, ExtractedLineItem
from billintake.extraction.einvoice import parse_einvoice, probe_einvoice
from billintake.extraction.learn.locate import ItemHit, Locator, Span
from billintake.reading.document import ReadDocument, rounded_box
from billintake.reading.reader import read
from billintake.reading.sniff import PDF, sniff
from billintake.settings import Settings, get_settings

FieldKind = Literal["amount", "date", "identifier", "name", "currency"]

# The ExtractedBill fields that are looked for on the page, and how each is recognised.
FIELD_KINDS: dict[str, FieldKind] = {
    "bill_number": "identifier",
    "bill_date": "date",
    "due_date": "date",
    "vendor_name": "name",
    "buyer_name": "name",
    "currency": "currency",
    "subtotal": "amount",
    "tax": "amount",
    "total": "amount",
    "amount_due": "amount",
    "discount": "amount",
    "shipping": "amount",
    "vendor_iban": "identifier",
    "vendor_tax_id": "identifier",
    "buyer_tax_id": "identifier",
    "vendor_registration_id": "identifier",
    "buyer_registration_id": "identifier",
    "po_number": "identifier",
    "contract_reference": "identifier",
    "preceding_invoice": "identifier",
    "vendor_email": "identifier",
    "buyer_email": "identifier",
}
LINE_ITEMS = "line_items"

Number = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str,
                                            when_used="json")]


class NoEinvoiceXml(UnsupportedMediaType, code="no_einvoice_xml"):
    """The PDF carries no e-invoice XML, so there is no truth to learn from."""


class Location(BaseModel):
    """Where a value is printed: page (1-based), box in PDF points (origin top-left), the
    words' text and how many words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    page: int
    bbox: tuple[float, float, float, float]
    text: str
    words: int

    @classmethod
    def of(cls, span: Span) -> Location:
        return cls(page=span.page, bbox=rounded_box(span.bbox), text=span.text,
                   words=len(span.words))


class AmountField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["amount"] = "amount"
    value: Number
    locations: list[Location] = Field(default_factory=list)


class DateField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["date"] = "date"
    value: date
    locations: list[Location] = Field(default_factory=list)


class TextField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["identifier", "name", "currency"]
    value: str
    locations: list[Location] = Field(default_factory=list)


LocatedField = Annotated[AmountField | DateField | TextField, Field(discriminator="kind")]


class LocatedLineItem(BaseModel):
    """One XML line and, when its description and amount are found on one row, where:
    `location` spans both, `parts` holds each of description, amount, quantity, unit_price
    that is printed there."""

    model_config = ConfigDict(extra="forbid")

    index: int  # 1-based, in XML order
    description: str
    quantity: Number | None = None
    unit_price: Number | None = None
    amount: Number | None = None
    location: Location | None = None
    parts: dict[str, Location] = Field(default_factory=dict)


class EinvoiceExample(BaseModel):
    """One e-invoice PDF as a labelled example (one line of `billintake examples`)."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    sha256: str
    einvoice_format: str | None = None
    fields: dict[str, LocatedField] = Field(default_factory=dict)
    line_items: list[LocatedLineItem] = Field(default_factory=list)
    not_found: list[str] = Field(default_factory=list)


def examples_from_pdf(data: bytes, settings: Settings | None = None, *,
                      file: str | None = None) -> EinvoiceExample:
    """The labelled example of one e-invoice PDF.

    Raises NoEinvoiceXml when the PDF carries no e-invoice, UnsupportedMediaType when the file
    is no PDF, and the reader's and parser's errors (unreadable PDF, broken XML) as they come.
    """
    settings = settings or get_settings()
    media_type = sniff(data, settings=settings)
    if media_type != PDF:
        raise UnsupportedMediaType(f"This is not a PDF (it reads as {media_type}); examples "
                                   "are made from e-invoice PDFs.")
    probe = probe_einvoice(data, PDF, max_bytes=settings.max_xml_bytes)
    if probe.found is None:
        _check_opens(data)
        reasons = " ".join(probe.warnings)
        raise NoEinvoiceXml("The PDF carries no e-invoice XML (Factur-X, ZUGFeRD, "
                            f"XRechnung){': ' + reasons if reasons else '.'}")
    bill = parse_einvoice(probe.found.xml, settings=settings, validate=False)
    document = read(data, media_type=PDF, settings=settings)
    return label(bill, document, sha256=hashlib.sha256(data).hexdigest(), file=file)


def _check_opens(data: bytes) -> None:
    """Raise UnreadableDocument for a PDF that cannot be opened at all (not "no XML")."""
    try:
        pdfium.PdfDocument(data, password="").close()
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PasswordProtected("The PDF is password protected; remove the password and "
                                    "run again.") from exc
        raise UnreadableDocument("The PDF is truncated or corrupt and cannot be opened.") \
            from exc


def label(bill: ExtractedBill, document: ReadDocument, *, sha256: str,
          file: str | None = None) -> EinvoiceExample:
    """Locate each of the bill's values (its truth) on the read document."""
    locator = Locator(document, currency=bill.value("currency"))
    fields: dict[str, AmountField | DateField | TextField] = {}
    for name, kind in FIELD_KINDS.items():
        value = bill.value(name)
        if value is not None and value != "":
            fields[name] = _locate(locator, kind, value)
    items = [_locate_item(locator, index, item)
             for index, item in enumerate(bill.line_items, start=1)]
    return EinvoiceExample(
        file=file, sha256=sha256, einvoice_format=bill.einvoice_format, fields=fields,
        line_items=items, not_found=[name for name, f in fields.items() if not f.locations])


def _locate(locator: Locator, kind: FieldKind,
            value: Decimal | date | str) -> AmountField | DateField | TextField:
    if kind == "amount" and isinstance(value, Decimal):
        return AmountField(value=value, locations=_locations(locator.amount(value)))
    if kind == "date" and isinstance(value, date):
        return DateField(value=value, locations=_locations(locator.date(value)))
    text = str(value)
    spans = {"identifier": locator.identifier, "name": locator.name,
             "currency": locator.currency}[kind](text)
    return TextField(kind=kind, value=text, locations=_locations(spans))


def _locate_item(locator: Locator, index: int, item: ExtractedLineItem) -> LocatedLineItem:
    hit = locator.line_item(item.description, item.amount, quantity=item.quantity,
                            unit_price=item.unit_price)
    parts = {} if hit is None else {
        part: Location.of(span) for part, span in (
            ("description", hit.description), ("amount", hit.amount),
            ("quantity", hit.quantity), ("unit_price", hit.unit_price)) if span is not None}
    return LocatedLineItem(index=index, description=item.description,
                           quantity=item.quantity, unit_price=item.unit_price,
                           amount=item.amount, parts=parts,
                           location=None if hit is None else _item_location(hit))


def _item_location(hit: ItemHit) -> Location:
    words = hit.description.words + (hit.amount.words if hit.amount else ())
    return Location.of(Span(hit.description.page, words))


def _locations(spans: list[Span]) -> list[Location]:
    return [Location.of(span) for span in spans]


class Tally:
    """How many documents had each field, and on how many it was located."""

    def __init__(self) -> None:
        self.documents = 0
        self.present: Counter[str] = Counter()
        self.located: Counter[str] = Counter()

    def add(self, example: EinvoiceExample) -> None:
        self.documents += 1
        for name, field in example.fields.items():
            self.present[name] += 1
            self.located[name] += bool(field.locations)
        for item in example.line_items:
            self.present[LINE_ITEMS] += 1
            self.located[LINE_ITEMS] += item.location is not None

    def rows(self) -> list[tuple[str, int, int]]:
        """(field, located, present) in the order of FIELD_KINDS, line items last."""
        order = [*FIELD_KINDS, LINE_ITEMS]
        return [(name, self.located[name], self.present[name])
                for name in order if self.present[name]]
