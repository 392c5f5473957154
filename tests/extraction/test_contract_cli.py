"""The JSON contract: keys and order, `billintake extract --jsonl` with an unreadable file."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures_gen.credit_notes import CreditNote, credit_note_pdf
from typer.testing import CliRunner

from billintake.entrypoints.cli import app

from ._bills import Text, block, pdf_of, row

KEYS = ["file", "bill_number", "vendor_name", "bill_date", "due_date", "currency", "subtotal",
        "tax", "total", "line_items", "po_number", "vendor_tax_id", "confidence", "evidence",
        "warnings", "document_type", "payment"]


def _bill(number: str, total: str) -> bytes:
    return pdf_of([
        *block(40, 40, ["Acme Supplies Ltd", "1 Mill Lane", "Leeds LS1 1AA"], bold_first=True),
        *row(120, (40, "Invoice No:"), (130, number)),
        *row(134, (40, "Invoice Date:"), (130, "2026-03-14")),
        *row(300, (380, "Total"), (500, f"£{total}")),
        Text(40, 400, "Thank you"),
    ])


def test_jsonl_keeps_input_order_and_survives_an_unreadable_file(tmp_path: Path) -> None:
    first, broken, second = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "c.pdf"
    first.write_bytes(_bill("A-1", "10.50"))
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    second.write_bytes(_bill("C-3", "1234.5"))
    missing = tmp_path / "missing.pdf"
    result = CliRunner().invoke(app, ["extract", str(first), str(broken), str(missing),
                                      str(second), "--jsonl", "--no-model"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [line["file"] for line in lines] == [str(first), str(broken), str(missing),
                                                str(second)]
    good, bad, absent, other = lines
    assert list(good) == [*KEYS, "pages"] and good["pages"] == [1, 1]
    assert set(bad) == {"file", "error"} and bad["error"]
    assert set(absent) == {"file", "error"}
    assert good["bill_number"] == "A-1" and good["total"] == "10.50"
    assert good["bill_date"] == "2026-03-14" and good["currency"] == "GBP"
    assert other["total"] == "1234.50"
    assert good["subtotal"] is None  # unknown is null
    assert set(good["confidence"]) >= {"bill_number", "total", "bill_date", "vendor_name"}
    assert all(0.0 <= v <= 1.0 for v in good["confidence"].values())
    total_evidence = good["evidence"]["total"]
    assert total_evidence["page"] == 1 and total_evidence["source"] == "text"
    assert len(total_evidence["bbox"]) == 4


def test_all_good_files_exit_zero_and_json_pretty_prints_one(tmp_path: Path) -> None:
    path = tmp_path / "bill.pdf"
    path.write_bytes(_bill("B-2", "99.99"))
    result = CliRunner().invoke(app, ["extract", str(path), "--json", "--no-model"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == KEYS and body["total"] == "99.99"
    assert "\n  " in result.stdout


def test_a_credit_note_gives_its_amounts_as_printed_with_its_type(tmp_path: Path) -> None:
    note = CreditNote()
    credit, invoice = tmp_path / "cn.pdf", tmp_path / "inv.pdf"
    credit.write_bytes(credit_note_pdf(note))
    invoice.write_bytes(_bill("A-1", "10.50"))
    result = CliRunner().invoke(app, ["extract", str(credit), str(invoice), "--jsonl",
                                      "--no-model"])
    assert result.exit_code == 0, result.output
    cn, inv = (json.loads(line) for line in result.stdout.splitlines())
    assert cn["document_type"] == "credit_note" and inv["document_type"] == "invoice"
    assert (cn["subtotal"], cn["tax"], cn["total"]) == (
        str(note.subtotal), str(note.tax), str(note.total))
    assert [item["amount"] for item in cn["line_items"]] == [
        str(q * p) for _d, q, p in note.lines]


def test_each_file_is_sniffed_once(tmp_path: Path, sniffs: list[int]) -> None:
    """The extractor passes the type it sniffed to the page reader, which does not sniff again."""
    bill = tmp_path / "a.pdf"
    bill.write_bytes(_bill("A-1", "10.50"))
    result = CliRunner().invoke(app, ["extract", str(bill), "--json", "--no-model"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bill_number"] == "A-1"
    assert sniffs == [bill.stat().st_size]


def test_explain_prints_each_field_where_and_by_which_label(tmp_path: Path) -> None:
    bill = tmp_path / "a.pdf"
    bill.write_bytes(_bill("A-17", "10.50"))
    result = CliRunner().invoke(app, ["extract", str(bill), "--explain"])
    assert result.exit_code == 0, result.stdout
    out = result.stdout
    assert "bill_number: A-17" in out and "total: 10.50" in out
    number = out.split("bill_number: A-17", 1)[1].split("\n  bill_date", 1)[0]
    assert "page 1 box" in number and "label 'invoice no'" in number
    assert not out.lstrip().startswith("{")  # for a person, not the JSON contract


def test_jsonl_prints_one_line_per_bill_in_a_file_of_several(tmp_path: Path) -> None:
    from fixtures_gen.split_fixtures import concatenate

    both = tmp_path / "batch.pdf"
    both.write_bytes(concatenate([_bill("A-1", "10.50"), _bill("B-22", "99.00")])[0])
    result = CliRunner().invoke(app, ["extract", str(both), "--jsonl", "--no-model"])
    assert result.exit_code == 0, result.stdout
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [(b["pages"], b["bill_number"], b["total"]) for b in lines] == [
        ([1, 1], "A-1", "10.50"), ([2, 2], "B-22", "99.00")]
    assert all(list(b) == [*KEYS, "pages"] for b in lines)
    assert lines[1]["evidence"]["total"]["page"] == 2  # counted in the whole file
