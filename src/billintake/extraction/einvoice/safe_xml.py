"""Parsing untrusted XML safely: no DTD, no entities, no network, a size limit.

E-invoices never carry a DTD, so any document type declaration is refused outright: that
closes entity-expansion bombs ("billion laughs") and external-entity references (XXE, a
file read or a network fetch) before anything is expanded or loaded.
"""

from __future__ import annotations

from lxml import etree

from billintake.domain.errors import InvalidEInvoice, TooLarge

DEFAULT_MAX_XML_BYTES = 10 * 1024 * 1024


_DOCTYPE_REFUSED = (
    "The {what} contains a document type declaration (<!DOCTYPE ...>). E-invoices never "
    "have one; it was refused unread because it can hide an entity-expansion bomb or a "
    "reference to an external file."
)
_DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def _declares_doctype(data: bytes) -> bool:
    """Whether a DOCTYPE appears anywhere (checked before the parser sees a byte)."""
    return any(mark in data for mark in _DOCTYPE_MARKS)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,  # never expand an entity, internal or external
        load_dtd=False,  # never read an external DTD
        no_network=True,  # never fetch anything
        dtd_validation=False,
        huge_tree=False,  # keep libxml2's own depth and size guards
        remove_pis=True,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_XML_BYTES,
              what: str = "e-invoice XML") -> etree._Element:
    """The root element of `data`, or a clear error; never expands or fetches anything."""
    if len(data) > max_bytes:
        raise TooLarge(f"The {what} is {len(data):,} bytes, over the limit of "
                       f"{max_bytes:,} bytes (BILLINTAKE_MAX_XML_BYTES).")
    if not data.strip():
        raise InvalidEInvoice(f"The {what} is empty.")
    if _declares_doctype(data):
        raise InvalidEInvoice(_DOCTYPE_REFUSED.format(what=what))
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        raise InvalidEInvoice(f"The {what} is not well-formed XML: {exc}.") from exc
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise InvalidEInvoice(f"The {what} cannot be read as XML: {exc}.") from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidEInvoice(_DOCTYPE_REFUSED.format(what=what))
    root = tree.getroot()
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise InvalidEInvoice(f"The {what} references an entity (&{node.name};), refused.")
    return root
