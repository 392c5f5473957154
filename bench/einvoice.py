"""E-invoice reading on the generated set: the XML path against the visual path, side by side.

    python bench/einvoice.py [OUT_DIR] [--regenerate] [--show]

Builds (or reuses) the generated e-invoices (`python -m billintake_devkit.einvoice_fixtures`) and
scores, per field, the XML path (`find_einvoice_xml` + `parse_einvoice`, what `extract`
does for these files) over every e-invoice, and the visual path (reader + Extractor) over the
same PDFs with their XML removed (`visual/*.pdf`). Field comparison follows
bench/extraction.py (numbers without punctuation, vendor names loosely, amounts to the cent);
line items: the same matching (amount + similar description), and for the XML path also
exact (description, quantity, unit price and amount all equal).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from billintake_devkit.einvoice_fixtures.build import build_all
from extraction import items_match, same

from billintake.domain.extracted import ExtractedBill
from billintake.extraction.einvoice import find_einvoice_xml, parse_einvoice

HEADER = ("bill_number", "vendor_name", "bill_date", "due_date", "currency", "subtotal", "tax",
          "total", "po_number", "vendor_tax_id", "document_type", "amount_due", "buyer_name",
          "vendor_iban", "vendor_email", "vendor_registration_id", "vendor_address",
          "payment_terms", "contract_reference", "preceding_invoice")
AMOUNTS = {"subtotal", "tax", "total", "amount_due"}


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _same(name: str, truth: Any, got: Any) -> bool:
    if name in AMOUNTS:
        return same("total", truth, got)
    if name in {"bill_number", "po_number", "vendor_tax_id", "vendor_name", "bill_date",
                "due_date", "currency"}:
        return same(name, truth, got)
    return " ".join(str(truth).split()) == " ".join(str(got).split())


def _items(bill: ExtractedBill) -> list[dict[str, Any]]:
    """The lines as the truth writes them: a credit note's amounts negative (ours are unsigned,
    the kind carries the sign)."""
    sign = -1 if bill.value("document_type") == "credit_note" else 1

    def signed(value: Decimal | None) -> Any:
        return _plain(None if value is None else sign * value)

    return [{"description": i.description, "quantity": _plain(i.quantity),
             "unit_price": signed(i.unit_price), "amount": signed(i.amount)}
            for i in bill.line_items]


class Tally:
    def __init__(self) -> None:
        self.right: dict[str, int] = {}
        self.n: dict[str, int] = {}
        self.items_truth = self.items_got = self.items_matched = self.items_exact = 0
        self.errors: list[str] = []
        self.misses: list[str] = []

    def add(self, record: dict[str, Any], bill: ExtractedBill | None) -> None:
        truth = record["truth"]
        for name in HEADER:
            if name not in truth:
                continue
            self.n[name] = self.n.get(name, 0) + 1
            got = None if bill is None else _plain(bill.value(name))
            if name in AMOUNTS and got is not None and bill is not None \
                    and bill.value("document_type") == "credit_note":
                got = format(-Decimal(got), "f")  # amounts are unsigned; the kind is the sign
            if got is not None and _same(name, truth[name], got):
                self.right[name] = self.right.get(name, 0) + 1
            else:
                self.misses.append(f"{record['id']}: {name} truth={truth[name]!r} got={got!r}")
        if "line_items" in truth:
            got_items = [] if bill is None else _items(bill)
            self.items_truth += len(truth["line_items"])
            self.items_got += len(got_items)
            self.items_matched += items_match(truth["line_items"], got_items)
            self.items_exact += sum(1 for t in truth["line_items"] if t in got_items)

    def accuracy(self, name: str) -> str:
        n = self.n.get(name, 0)
        return f"{100.0 * self.right.get(name, 0) / n:6.1f} ({n:>2})" if n else "     —     "

    def items(self) -> str:
        if not self.items_truth:
            return "—"
        recall = 100.0 * self.items_matched / self.items_truth
        precision = 100.0 * self.items_matched / self.items_got if self.items_got else 0.0
        return (f"recall {recall:.1f} %, precision {precision:.1f} %, exact "
                f"{100.0 * self.items_exact / self.items_truth:.1f} % "
                f"({self.items_truth} items)")


def run_xml(base: Path, records: list[dict[str, Any]]) -> Tally:
    tally = Tally()
    for record in records:
        data = (base / record["file"]).read_bytes()
        media = "application/pdf" if record["file"].endswith(".pdf") else "application/xml"
        found = find_einvoice_xml(data, media)
        if found is None:
            tally.errors.append(f"{record['id']}: no e-invoice found")
            tally.add(record, None)
            continue
        tally.add(record, parse_einvoice(found.xml))
    return tally


def run_visual(base: Path, records: list[dict[str, Any]]) -> Tally:
    from billintake.domain.errors import BillintakeError
    from billintake.extraction.extractor import Extractor
    from billintake.reading.reader import read

    extractor = Extractor()
    tally = Tally()
    for record in records:
        try:
            bill = extractor.extract_document(read((base / record["file"]).read_bytes()))
        except BillintakeError as exc:
            tally.errors.append(f"{record['id']}: {exc.message}")
            bill = None
        tally.add(record, bill)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("fixtures/einvoices"))
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--show", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if args.regenerate or not (args.out / "truth.jsonl").exists():
        build_all(args.out)

    def load(name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in
                (args.out / name).read_text(encoding="utf-8").splitlines() if line.strip()]

    xml_records, visual_records = load("truth.jsonl"), load("truth-visual.jsonl")
    xml, visual = run_xml(args.out, xml_records), run_visual(args.out, visual_records)
    xml_pdf = run_xml(args.out, [r for r in xml_records if r["file"].endswith(".pdf")])
    print(f"## e-invoices — {args.out} ({len(xml_records)} e-invoices, "
          f"{len(visual_records)} of them PDFs)")
    print("accuracy % (n)   XML, all       XML, PDFs      visual, same PDFs without XML")
    for name in HEADER:
        if xml.n.get(name):
            print(f"{name:<24}{xml.accuracy(name):>14} {xml_pdf.accuracy(name):>14} "
                  f"{visual.accuracy(name):>14}")
    print(f"line items, XML (all):     {xml.items()}")
    print(f"line items, XML (PDFs):    {xml_pdf.items()}")
    print(f"line items, visual (PDFs): {visual.items()}")
    for title, tally in (("XML", xml), ("visual", visual)):
        if tally.errors:
            print(f"{title} errors: " + "; ".join(tally.errors))
        if args.show and tally.misses:
            print(f"{title} misses:\n  " + "\n  ".join(tally.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
