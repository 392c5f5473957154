"""The e-invoice side of the extraction stage: XML first, the page as cross-check or fallback.

`extract_einvoice_first` is what the extractor and the pipeline call with a way to read the
page (`visual`): it takes the XML beside the file (an email's `.xml` next to its PDF), else
the one inside it, else the file itself when it is XML; it cross-checks the XML against the
printed page; and when no usable XML is found it returns the visual result with warnings
that say why the attachment was not used.
"""

from __future__ import annotations

from collections.abc import Callable

from billintake.domain.errors import BillintakeError
from billintake.domain.extracted import ExtractedBill
from billintake.settings import Settings

from .crosscheck import cross_check
from .detect import PDF_MEDIA_TYPE, XML_MEDIA_TYPES, probe_einvoice
from .parse import parse_einvoice
from .safe_xml import DEFAULT_MAX_XML_BYTES

VisualExtraction = Callable[[], ExtractedBill]


def _with(bill: ExtractedBill, warnings: list[str], *, review: bool) -> ExtractedBill:
    if not warnings:
        return bill
    return bill.model_copy(update={
        "warnings": list(dict.fromkeys([*bill.warnings, *warnings])),
        "needs_review": bill.needs_review or review,
    })


def extract_einvoice_first(data: bytes, media_type: str, *,
                           visual: VisualExtraction | None = None,
                           companion_xml: bytes | None = None,
                           settings: Settings | None = None) -> ExtractedBill | None:
    """The bill from its e-invoice XML (cross-checked with the page), else from the page.

    Returns None only when there is no usable XML and no `visual` was given. A standalone
    XML file that cannot be parsed raises (InvalidEInvoice, TooLarge, UnsupportedMediaType).
    """
    max_bytes = settings.max_xml_bytes if settings else DEFAULT_MAX_XML_BYTES
    if media_type in XML_MEDIA_TYPES:
        probe = probe_einvoice(data, media_type, max_bytes=max_bytes)
        assert probe.found is not None
        return parse_einvoice(probe.found.xml, settings=settings)

    skipped: list[str] = []
    xml_bill: ExtractedBill | None = None
    if companion_xml is not None:
        try:
            xml_bill = parse_einvoice(companion_xml, settings=settings)
        except BillintakeError as exc:
            skipped.append(f"The XML sent beside this file could not be used: {exc.message}")
    if xml_bill is None:
        probe = probe_einvoice(data, media_type, max_bytes=max_bytes)
        skipped.extend(probe.warnings)
        if probe.found is not None:
            try:
                xml_bill = parse_einvoice(probe.found.xml, settings=settings)
            except BillintakeError as exc:
                skipped.append(f"The PDF's attachment {probe.found.name!r} could not be used: "
                               f"{exc.message} The bill was read from the page.")

    if xml_bill is None:
        if visual is None:
            return None
        return _with(visual(), skipped, review=False)

    if visual is None or media_type != PDF_MEDIA_TYPE:
        return xml_bill
    try:
        page_bill = visual()
    except BillintakeError as exc:
        return _with(xml_bill, [f"The printed page could not be read to cross-check the XML: "
                                f"{exc.message}"], review=False)
    checked = _with(xml_bill, cross_check(xml_bill, page_bill), review=True)
    if not xml_bill.line_items and page_bill.line_items:
        # MINIMUM and BASIC WL carry no lines: the page's fill the gap, at their own confidence
        checked = checked.model_copy(update={
            "line_items": page_bill.line_items,
            "warnings": [*checked.warnings, "The e-invoice XML carries no line items (its "
                         "profile has none); the line items were read from the printed page."],
        })
    return checked
