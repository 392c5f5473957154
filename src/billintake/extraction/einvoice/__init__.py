"""E-invoices: Factur-X / ZUGFeRD (1.0, 2.x) / XRechnung CII and UBL 2.1 (Peppol BIS 3.0).

Found by content (a PDF attachment or a standalone XML file), parsed safely, mapped to the
same `ExtractedBill` the visual path produces, with every field at confidence 1.0 and its
XPath as evidence. Amounts are as the XML gives them: a credit note's are positive, and its
`document_type` says it is one.
"""

from __future__ import annotations

from .crosscheck import cross_check
from .detect import EmbeddedXml, Probe, find_einvoice_xml, probe_einvoice, strip_embedded_xml
from .flow import extract_einvoice_first
from .parse import parse_einvoice

__all__ = [
    "EmbeddedXml",
    "Probe",
    "cross_check",
    "extract_einvoice_first",
    "find_einvoice_xml",
    "parse_einvoice",
    "probe_einvoice",
    "strip_embedded_xml",
]
