"""`billintake read`: lines for people, words with boxes as JSON, errors as messages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from billintake.entrypoints.cli import app
from tests.fixtures_gen import reading_fixtures as fx

runner = CliRunner()


def test_prints_lines_in_reading_order(tmp_path: Path, digital_pdf: bytes) -> None:
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(digital_pdf)
    result = runner.invoke(app, ["read", str(bill)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "--- page 1 (text, 595×421 pt) ---"
    assert lines[1:3] == ["ACME Office Supplies GmbH", "Hauptstrasse 12"]
    assert f"Total due EUR {fx.TOTAL}" in lines


def test_json_has_words_with_boxes(tmp_path: Path, digital_pdf: bytes) -> None:
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(digital_pdf)
    result = runner.invoke(app, ["read", str(bill), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    total = next(w for w in body["pages"][0]["words"] if w["text"] == fx.TOTAL)
    assert total["source"] == "text" and total["bold"] is True
    assert 0 < total["x0"] < total["x1"] <= body["pages"][0]["width"]
    assert 0 < total["top"] < total["bottom"] <= body["pages"][0]["height"]


def test_bad_input_is_a_message_and_exit_code_1(tmp_path: Path) -> None:
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(fx.encrypted_pdf("secret"))
    result = runner.invoke(app, ["read", str(bill)])
    assert result.exit_code == 1
    assert "password protected" in result.output
    assert "Traceback" not in result.output


def test_unknown_language_is_refused(tmp_path: Path, digital_pdf: bytes) -> None:
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(digital_pdf)
    result = runner.invoke(app, ["read", str(bill), "--lang", "klingon"])
    assert result.exit_code == 1
    assert "not installed: klingon" in result.output


def test_the_file_is_sniffed_once(tmp_path: Path, digital_pdf: bytes,
                                  sniffs: list[int]) -> None:
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(digital_pdf)
    assert runner.invoke(app, ["read", str(bill)]).exit_code == 0
    assert sniffs == [len(digital_pdf)]
