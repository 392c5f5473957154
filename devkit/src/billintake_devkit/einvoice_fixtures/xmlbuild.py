"""A tiny helper to write namespaced XML with lxml."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree


class Builder:
    def __init__(self, namespaces: dict[str | None, str]) -> None:
        self.ns = namespaces

    def qname(self, name: str) -> str:
        prefix, _, local = name.rpartition(":")
        return f"{{{self.ns[prefix or None]}}}{local}"

    def root(self, name: str) -> etree._Element:
        return etree.Element(self.qname(name), nsmap=self.ns)

    def add(self, parent: etree._Element, tag: str, text: object = None, /,
            **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, self.qname(tag))
        if text is not None:
            el.text = text if isinstance(text, str) else fmt(text)
        for key, value in attrs.items():
            el.set(key, value)
        return el


def fmt(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
