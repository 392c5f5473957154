"""The accounting commands end to end: add a bill from JSON, push, pay, connect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.entrypoints.cli import app
from billintake.settings import Settings, get_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(data))
    monkeypatch.setenv("BILLINTAKE_DATABASE_URL", "")
    get_settings.cache_clear()
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    with runtime.directory() as directory:
        directory.create_organization("CLI Books", "cli")
    runtime.close()
    yield data
    get_settings.cache_clear()


def run(*args: str) -> dict | list:  # type: ignore[type-arg]
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_bill_from_json_pushed_and_paid(data_dir: Path, tmp_path: Path) -> None:
    bill_file = tmp_path / "bill.json"
    bill_file.write_text(json.dumps({"vendor_name": "Initech LLC", "bill_number": "77",
                                     "bill_date": "2024-02-01", "currency": "USD",
                                     "total": "250.00"}))
    bill = run("bills", "add", str(bill_file), "--push", "--org", "cli")
    assert bill["status"] == "open" and bill["external_id"]
    paid = run("bills", "pay", bill["id"], "50", "USD", "--date", "2024-02-10")
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
    result = runner.invoke(app, ["connect"])
    assert "tok-hidden" not in result.output
    assert json.loads(result.stdout)["backend"] == "rutter"
