"""The accounting commands end to end: add a bill from JSON, push, pay, connect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.entrypoints.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(cli_runtime: Runtime) -> Path:
    """The CLI's data directory, with one organization."""
    with cli_runtime.directory() as directory:
        directory.create_organization("CLI Books", "cli")
    return cli_runtime.settings.data_dir


def run(*args: str) -> dict | list:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_bill_from_json_pushed_and_paid(data_dir: Path, tmp_path: Path) -> None:
    bill_file = tmp_path / "bill.json"
    bill_file.write_text(json.dumps({"vendor_name": "Initech LLC", "bill_number": "77",
                                     "bill_date": "2024-02-01", "currency": "USD",
                                     "total": "250.00"}))
    bill = run("bills", "add", str(bill_file), "--push", "--org", "cli")
    assert bill["status"] == "open" and bill["external_id"]
    paid = run("bills", "pay", bill["id"][:6], "50", "USD", "--date", "2024-02-10")
    assert paid["bill"]["status"] == "partially_paid"
    assert paid["bill"]["open_balance"] == "200.00"
    assert [v["name"] for v in run("vendors", "list")] == ["Initech LLC"]
    assert any(a["account_class"] == "bank" for a in run("accounts"))

    refused = runner.invoke(app, ["bills", "pay", bill["id"], "500", "USD"])
    assert refused.exit_code == 1
    assert "open balance" in refused.output

    again = runner.invoke(app, ["bills", "add", str(bill_file)])
    assert again.exit_code == 1
    assert bill["id"] in again.output  # the duplicate names the existing bill


def test_connect_shows_no_secrets(data_dir: Path) -> None:
    shown = run("connect", "rutter", "--secret", "access_token=tok-hidden",
                "--option", "currency=EUR")
    assert shown == {"backend": "rutter", "options": {"currency": "EUR"},
                     "secrets_set": ["access_token"]}
    result = runner.invoke(app, ["connect", "--json"])
    assert "tok-hidden" not in result.output
    assert json.loads(result.stdout)["backend"] == "rutter"
    table = runner.invoke(app, ["connect"]).stdout
    assert "rutter" in table and "access_token" in table and "tok-hidden" not in table


def test_tables_by_default_and_values_checked_with_the_expected_form(data_dir: Path,
                                                                     tmp_path: Path) -> None:
    bill_file = tmp_path / "bill.json"
    bill_file.write_text(json.dumps({"vendor_name": "Initech LLC", "bill_number": "78",
                                     "bill_date": "2024-02-01", "due_date": "2024-03-01",
                                     "currency": "USD", "total": "1250.00"}))
    bill = run("bills", "add", str(bill_file), "--push")
    table = runner.invoke(app, ["bills", "list"])
    assert table.exit_code == 0 and "Initech LLC" in table.stdout
    assert "1250.00 USD" in table.stdout and bill["id"][:8] in table.stdout
    assert bill["id"] not in table.stdout  # short ids in tables
    assert [b["id"] for b in run("bills", "list")] == [bill["id"]]

    bad_amount = runner.invoke(app, ["bills", "pay", bill["id"], "1.250,00", "USD"])
    assert bad_amount.exit_code == 2 and "expected digits with a point" in bad_amount.output
    bad_date = runner.invoke(app, ["bills", "pay", bill["id"], "10", "USD", "--date",
                                   "01/02/2024"])
    assert bad_date.exit_code == 2 and "expected YYYY-MM-DD" in bad_date.output
    unknown = runner.invoke(app, ["bills", "show", "zzzzzz", "--json"])
    assert unknown.exit_code == 1
    assert json.loads(unknown.stderr) == {"error": "not_found", "detail": "bill zzzzzz not found",
                                          "field": "id"}
