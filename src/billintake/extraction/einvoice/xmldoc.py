"""A read-only view of a parsed e-invoice: prefixed look-ups, values and their XPaths."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from lxml import etree

from billintake.domain.extracted import Evidence, FieldValue

T = TypeVar("T")

NS_CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
NS_ZUGFERD1 = {
    "rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
}
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_UBL_COMMON = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

Node = etree._Element


class XmlDoc:
    """Look-ups relative to a context element, with XPaths in the standard's prefixes.

    `default_prefix` is the prefix used in look-ups for the root's own namespace (UBL's
    default namespace); paths reported as evidence leave it out (`/Invoice/cbc:ID`).
    """

    def __init__(self, root: Node, namespaces: dict[str, str], *,
                 default_prefix: str | None = None) -> None:
        self.root = root
        self.ns = dict(namespaces)
        self._prefix_of = {uri: prefix for prefix, uri in self.ns.items()}
        if default_prefix is not None:
            self._prefix_of[self.ns[default_prefix]] = ""
        self.warnings: list[str] = []

    # --- finding elements -------------------------------------------------------------
    def all(self, ctx: Node | None, path: str) -> list[Node]:
        if ctx is None:
            return []
        found = ctx.xpath(path, namespaces=self.ns)
        return [n for n in found if isinstance(n, etree._Element)]

    def first(self, ctx: Node | None, *paths: str) -> Node | None:
        """The first element the first of the paths that finds any finds."""
        for path in paths:
            found = self.all(ctx, path)
            if found:
                return found[0]
        return None

    @staticmethod
    def text_of(node: Node | None) -> str | None:
        if node is None:
            return None
        text = " ".join("".join(node.itertext()).split())
        return text or None

    def text(self, ctx: Node | None, path: str) -> str | None:
        return self.text_of(self.first(ctx, path))

    # --- evidence -----------------------------------------------------------------------
    def path_of(self, node: Node) -> str:
        """The element's absolute XPath in the standard's prefixes.

        For example `/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID` or
        `/Invoice/cac:InvoiceLine[2]`.
        """
        steps: list[str] = []
        current: Node | None = node
        while current is not None:
            qname = etree.QName(current)
            prefix = self._prefix_of.get(qname.namespace or "", None)
            name = qname.localname if not prefix else f"{prefix}:{qname.localname}"
            if prefix is None and qname.namespace:
                name = f"*[local-name()='{qname.localname}']"
            parent = current.getparent()
            if parent is not None:
                same = [c for c in parent if isinstance(c, etree._Element) and c.tag == current.tag]
                if len(same) > 1:
                    name += f"[{same.index(current) + 1}]"
            steps.append(name)
            current = parent
        return "/" + "/".join(reversed(steps))

    def evidence(self, node: Node) -> Evidence:
        raw = self.text_of(node)
        return Evidence(source="xml", path=self.path_of(node),
                        text=raw[:200] if raw else None)

    def field(self, value: T | None, node: Node | None) -> FieldValue[T] | None:
        """A found value with confidence 1.0 and its XML evidence (None stays None)."""
        if value is None or node is None:
            return None
        return FieldValue[Any](value=value, confidence=1.0, evidence=self.evidence(node))

    # --- typed values ---------------------------------------------------------------------
    def string_field(self, ctx: Node | None, path: str) -> FieldValue[str] | None:
        node = self.first(ctx, path)
        return self.field(self.text_of(node), node)

    def amount_field(self, ctx: Node | None, path: str) -> FieldValue[Decimal] | None:
        node = self.first(ctx, path)
        return self.field(self.amount_of(node), node)

    def amount_of(self, node: Node | None) -> Decimal | None:
        raw = self.text_of(node)
        if raw is None or node is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.warnings.append(f"{self.path_of(node)}: {raw!r} is not a number; ignored.")
            return None
        if not value.is_finite():
            self.warnings.append(f"{self.path_of(node)}: {raw!r} is not a finite number.")
            return None
        return value

    def date_of(self, node: Node | None) -> date | None:
        """A date in CII's format 102 (YYYYMMDD) or UBL's xs:date (YYYY-MM-DD)."""
        raw = self.text_of(node)
        if raw is None or node is None:
            return None
        fmt = node.get("format")
        digits = raw.replace("-", "")[:8] if fmt in (None, "102") else None
        try:
            if digits and len(digits) == 8 and digits.isdigit():
                value = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
                if value.year >= EARLIEST_YEAR:
                    return value
                self.warnings.append(f"{self.path_of(node)}: {raw!r} is a placeholder, not a "
                                     "date; ignored.")
                return None
        except ValueError:
            pass
        self.warnings.append(
            f"{self.path_of(node)}: {raw!r} is not a date in the expected format "
            f"({'YYYYMMDD, format 102' if fmt else 'YYYY-MM-DD'}); ignored."
        )
        return None


EARLIEST_YEAR = 1900  # before it, a date is a generator's placeholder (e.g. 0001-01-01)


def local_name(node: Node) -> str:
    return etree.QName(node).localname
