"""`parse_einvoice`: e-invoice XML bytes → ExtractedBill, checked against its schema."""

from __future__ import annotations

import logging

import facturx
from lxml import etree

from billintake.domain.errors import InvalidEInvoice
from billintake.domain.extracted import ExtractedBill
from billintake.settings import Settings

from .cii import CII_LAYOUT, ZUGFERD1_LAYOUT, guideline_id, parse_cii
from .detect import describe_root, flavour_of
from .safe_xml import DEFAULT_MAX_XML_BYTES, parse_xml
from .ubl import customization_id, parse_ubl

log = logging.getLogger(__name__)

# factur-x logs at ERROR when a document fails its XSD; here that is a warning on the bill.
logging.getLogger("factur-x").setLevel(logging.CRITICAL)


def _level(root: etree._Element, flavour: str) -> str | None:
    """The profile (minimum ... extended, basic/comfort for ZUGFeRD 1.0) per factur-x."""
    try:
        return str(facturx.get_level(root, flavour))
    except Exception:
        return None


def format_name(root: etree._Element, flavour: str, level: str | None) -> str:
    """A short name for the e-invoice's syntax and profile, e.g. `factur-x:en16931`."""
    if flavour == "zugferd":
        return f"zugferd-1.0:{level or 'unknown'}"
    if flavour == "factur-x":
        spec = (guideline_id(root, CII_LAYOUT) or "").lower()
        if "xrechnung" in spec:
            return "xrechnung-cii"
        return f"factur-x:{level or 'unknown'}"
    spec = (customization_id(root) or "").lower()
    kind = "invoice" if flavour == "ubl-2.1-invoice" else "creditnote"
    if "xrechnung" in spec:
        return f"xrechnung-ubl:{kind}"
    if "peppol" in spec:
        return f"peppol-bis-3:{kind}"
    return f"ubl-2.1:{kind}"


def schema_warnings(root: etree._Element, flavour: str, level: str | None) -> list[str]:
    """The document checked against its official XSD (shipped with factur-x)."""
    if flavour == "factur-x" and level not in facturx.facturx.FACTURX_LEVEL2xsd:
        what = guideline_id(root, CII_LAYOUT)
        unknown = (f"Unknown specification identifier (BT-24) {what!r}; checked against the "
                   "Factur-X EXTENDED schema.")
        return [unknown, *schema_warnings(root, flavour, "extended")]
    try:
        facturx.xml_check_xsd(root, flavor=flavour, level=level or "autodetect")
    except Exception as exc:
        message = " ".join(str(exc).split())
        marker = "Here is the error, which may give you an idea on the cause of the problem:"
        detail = message.split(marker, 1)[-1].strip(" .") if marker in message else message
        return [f"The XML does not follow its schema (XSD): {detail[:400]}"]
    return []


def parse_einvoice(xml: bytes, *, settings: Settings | None = None,
                   validate: bool = True) -> ExtractedBill:
    """Read an e-invoice exactly: every field at confidence 1.0 with its XPath as evidence.

    Schema and business-rule problems become warnings and set `needs_review`; XML that
    cannot be parsed, is hostile, or is no e-invoice raises InvalidEInvoice (or TooLarge).
    """
    max_bytes = settings.max_xml_bytes if settings else DEFAULT_MAX_XML_BYTES
    root = parse_xml(xml, max_bytes=max_bytes)
    flavour = flavour_of(root)
    if flavour is None:
        raise InvalidEInvoice(f"The XML is not an e-invoice: its root element is "
                              f"{describe_root(root)}.")
    level = _level(root, flavour)
    name = format_name(root, flavour, level)
    if flavour == "factur-x":
        bill = parse_cii(root, CII_LAYOUT, einvoice_format=name)
    elif flavour == "zugferd":
        bill = parse_cii(root, ZUGFERD1_LAYOUT, einvoice_format=name)
    else:
        bill = parse_ubl(root, einvoice_format=name)
    warnings = list(bill.warnings)
    if validate:
        warnings = schema_warnings(root, flavour, level) + warnings
    return bill.model_copy(update={"warnings": warnings, "needs_review": bool(warnings)})
