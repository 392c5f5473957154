"""`billintake examples DIR --out FILE.jsonl`: one line per e-invoice PDF, a summary, and a
note for every file it cannot use, without stopping."""

from __future__ import annotations

import json
from pathlib import Path

from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import specs
from billintake_devkit.einvoice_fixtures.pdf import embed_facturx, render_pdf
from typer.testing import CliRunner

from billintake.entrypoints.cli import app

SPEC = specs()["en16931"]


def test_a_folder_becomes_json_lines_and_a_summary(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "march").mkdir(parents=True)
    (folder / "march" / "fx.pdf").write_bytes(
        embed_facturx(render_pdf(SPEC), cii.cii_xml(SPEC, "en16931"), "en16931"))
    (folder / "plain.pdf").write_bytes(render_pdf(SPEC))
    (folder / "broken.PDF").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "standalone.xml").write_bytes(cii.cii_xml(SPEC, "en16931"))
    (folder / "notes.txt").write_text("not a bill")
    out = tmp_path / "examples.jsonl"

    result = CliRunner().invoke(app, ["examples", str(folder), "--out", str(out)])

    assert result.exit_code == 0, result.output
    [line] = out.read_text(encoding="utf-8").splitlines()
    example = json.loads(line)
    assert example["file"] == "march/fx.pdf"
    assert example["fields"]["bill_number"]["locations"][0]["text"] == SPEC.number
    assert "plain.pdf: skipped: The PDF carries no e-invoice XML" in result.stderr
    assert "broken.PDF: error:" in result.stderr
    assert "standalone.xml: skipped: a standalone XML e-invoice has no printed page" \
        in result.stderr
    assert "notes.txt" not in result.output
    summary = result.stdout
    assert f"1 e-invoice(s) written to {out}; 2 skipped, 1 failed." in summary
    rows = {row.split()[0]: row.split()[1:] for row in summary.splitlines()[2:]}
    assert rows["bill_number"] == ["1", "1", "0", "100%"]
    assert rows["tax"] == ["0", "1", "1", "0%"]  # printed per VAT rate only
    assert rows["line_items"] == ["4", "4", "0", "100%"]


def test_usage_errors_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["examples", str(tmp_path / "nowhere"), "--out",
                                      str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr
    result = CliRunner().invoke(app, ["examples", str(tmp_path), "--out",
                                      str(tmp_path / "missing" / "x.jsonl")])
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
