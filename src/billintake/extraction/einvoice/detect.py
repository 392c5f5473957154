"""Finding an e-invoice by content: standalone XML, or an XML attached to a PDF.

A PDF's attachments are listed with pypdf (what factur-x itself uses); each one that holds
XML is parsed safely and recognised by its root element and namespace, whatever its name
(`factur-x.xml`, `ZUGFeRD-invoice.xml`, `xrechnung.xml`, ...). Attachments that are not an
e-invoice, or are broken, are skipped with a reason the caller can show.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from billintake.domain.errors import BillintakeError, InvalidEInvoice, UnsupportedMediaType

from .safe_xml import DEFAULT_MAX_XML_BYTES, parse_xml
from .xmldoc import NS_CII, NS_ZUGFERD1, UBL_CREDIT_NOTE_NS, UBL_INVOICE_NS

log = logging.getLogger(__name__)

# (namespace, root element) → factur-x's flavour name.
FLAVOURS: dict[tuple[str, str], str] = {
    (NS_CII["rsm"], "CrossIndustryInvoice"): "factur-x",
    (NS_ZUGFERD1["rsm"], "CrossIndustryDocument"): "zugferd",
    (UBL_INVOICE_NS, "Invoice"): "ubl-2.1-invoice",
    (UBL_CREDIT_NOTE_NS, "CreditNote"): "ubl-2.1-creditnote",
}
# Names producers use; tried first, but any attachment holding XML is looked at.
KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
PDF_MEDIA_TYPE = "application/pdf"
XML_MEDIA_TYPES = ("application/xml", "text/xml")


@dataclass(frozen=True)
class EmbeddedXml:
    """An e-invoice XML found in a file: its bytes, attachment name and flavour."""

    xml: bytes
    flavour: str  # factur-x's names: factur-x (CII 2.x), zugferd (1.0), ubl-2.1-invoice, ...
    name: str | None = None  # the PDF attachment's name; None for a standalone XML file


@dataclass
class Probe:
    """What looking for an e-invoice found, and why candidates were passed over."""

    found: EmbeddedXml | None = None
    warnings: list[str] = field(default_factory=list)


def flavour_of(root: etree._Element) -> str | None:
    """The e-invoice flavour from the root element's namespace and name, else None."""
    qname = etree.QName(root)
    return FLAVOURS.get((qname.namespace or "", qname.localname))


def describe_root(root: etree._Element) -> str:
    qname = etree.QName(root)
    return f"<{qname.localname}>" + (f" in namespace {qname.namespace}" if qname.namespace
                                    else " without a namespace")


def looks_like_xml(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return head.startswith(b"<") or head.startswith(b"\x00<")


def _standalone(data: bytes, max_bytes: int) -> EmbeddedXml:
    root = parse_xml(data, max_bytes=max_bytes)
    flavour = flavour_of(root)
    if flavour is None:
        raise UnsupportedMediaType(
            f"This XML file is not an e-invoice: its root element is {describe_root(root)}. "
            "Accepted are UN/CEFACT CII (Factur-X, ZUGFeRD, XRechnung) and UBL 2.1 "
            "Invoice or CreditNote (Peppol BIS Billing 3.0, XRechnung)."
        )
    return EmbeddedXml(xml=data, flavour=flavour)


def _attachments(data: bytes) -> list[tuple[str, bytes]]:
    reader = PdfReader(io.BytesIO(data))
    found: list[tuple[str, bytes]] = []
    for attachment in reader.attachment_list:
        content = attachment.content
        if content:
            found.append((attachment.name or "(unnamed)", content))
    return found


def probe_pdf(data: bytes, *, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> Probe:
    """The first attached e-invoice XML in a PDF, plus reasons others were skipped."""
    probe = Probe()
    try:
        attachments = _attachments(data)
    except Exception as exc:  # pypdf raises many kinds on damaged or encrypted files
        log.info("could not list PDF attachments: %s", exc)
        if b"/EmbeddedFile" in data:
            probe.warnings.append(f"The PDF's attachments could not be read ({exc}); "
                                  "the bill was read from the page.")
        return probe
    ordered = sorted(attachments, key=lambda a: a[0].lower() not in KNOWN_NAMES)
    for name, content in ordered:
        if not (name.lower().endswith(".xml") or looks_like_xml(content)):
            continue
        try:
            root = parse_xml(content, max_bytes=max_bytes, what=f"attachment {name!r}")
        except BillintakeError as exc:
            probe.warnings.append(f"{exc.message} The bill was read from the page instead.")
            continue
        flavour = flavour_of(root)
        if flavour is None:
            probe.warnings.append(
                f"The PDF's attachment {name!r} is not an e-invoice (its root element is "
                f"{describe_root(root)}); the bill was read from the page.")
            continue
        probe.found = EmbeddedXml(xml=content, flavour=flavour, name=name)
        probe.warnings.clear()
        break
    return probe


def probe_einvoice(data: bytes, media_type: str, *,
                   max_bytes: int = DEFAULT_MAX_XML_BYTES) -> Probe:
    """Look for an e-invoice in a PDF or a standalone XML file.

    A standalone XML that is hostile, broken or not an e-invoice raises (InvalidEInvoice,
    TooLarge, UnsupportedMediaType); a PDF never does: its warnings say what was skipped.
    """
    if media_type in XML_MEDIA_TYPES:
        return Probe(found=_standalone(data, max_bytes))
    if media_type == PDF_MEDIA_TYPE:
        return probe_pdf(data, max_bytes=max_bytes)
    return Probe()


def find_einvoice_xml(data: bytes, media_type: str, *,
                      max_bytes: int = DEFAULT_MAX_XML_BYTES) -> EmbeddedXml | None:
    """The e-invoice XML carried by `data` (a PDF attachment or the file itself), or None."""
    return probe_einvoice(data, media_type, max_bytes=max_bytes).found


def _is_einvoice(content: bytes) -> bool:
    try:
        return flavour_of(parse_xml(content, max_bytes=len(content) + 1)) is not None
    except BillintakeError:
        return False


def strip_embedded_xml(pdf: bytes) -> bytes:
    """The same PDF without its e-invoice attachments (other attachments stay)."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    root = writer.root_object
    removed: list[object] = []
    names = root.get("/Names")
    embedded = names.get_object().get("/EmbeddedFiles") if names is not None else None

    def prune(node: DictionaryObject) -> None:
        entries = node.get("/Names")
        if entries is not None:
            kept = ArrayObject()
            entries = entries.get_object()
            for i in range(0, len(entries) - 1, 2):
                spec = entries[i + 1].get_object()
                stream = spec.get("/EF", {}).get("/F") if hasattr(spec, "get") else None
                content = stream.get_object().get_data() if stream is not None else b""
                if content and _is_einvoice(content):
                    removed.append(spec)
                    continue
                kept.extend([entries[i], entries[i + 1]])
            node[NameObject("/Names")] = kept
        for kid in node.get("/Kids", []) or []:
            prune(kid.get_object())

    if embedded is not None:
        prune(embedded.get_object())
    af = root.get("/AF")
    if af is not None and removed:
        root[NameObject("/AF")] = ArrayObject(
            ref for ref in af.get_object() if ref.get_object() not in removed)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["EmbeddedXml", "InvalidEInvoice", "Probe", "find_einvoice_xml", "flavour_of",
           "probe_einvoice", "strip_embedded_xml"]
