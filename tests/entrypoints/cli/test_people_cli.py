"""`billintake user add|list|remove` and `billintake key list|create|revoke`."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.entrypoints.api.app import create_app
from billintake.entrypoints.cli import app
from billintake.services import people

runner = CliRunner()


@pytest.fixture
def cli_runtime(cli_runtime: Runtime) -> Runtime:
    """The shared CLI runtime, with two organizations."""
    with cli_runtime.directory() as directory:
        directory.create_organization("Acme", "acme")
        directory.create_organization("Other", "other")
    return cli_runtime


def test_users_are_added_listed_and_removed(cli_runtime: Runtime) -> None:
    added = runner.invoke(app, ["user", "add", "--org", "acme", "Ann@Acme.example",
                                "--password-stdin"], input="correct horse battery\n")
    assert added.exit_code == 0, added.output
    assert "user ann@acme.example added" in added.output
    assert people.sign_in(cli_runtime, "ann@acme.example", "correct horse battery").token
    prompted = runner.invoke(app, ["user", "add", "--org", "acme", "bob@acme.example"],
                             input="another long password\nanother long password\n")
    assert prompted.exit_code == 0, prompted.output
    listed = runner.invoke(app, ["user", "list", "--org", "acme", "--json"])
    assert [user["email"] for user in json.loads(listed.stdout)] == [
        "ann@acme.example", "bob@acme.example"]
    table = runner.invoke(app, ["user", "list", "--org", "acme"]).output
    assert "ann@acme.example" in table and "never" in table and "│" in table
    assert json.loads(runner.invoke(app, ["user", "list", "--org", "other", "--json"]).stdout) \
        == []

    short = runner.invoke(app, ["user", "add", "--org", "acme", "c@acme.example",
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    taken = runner.invoke(app, ["user", "add", "--org", "other", "ann@acme.example",
                                "--password-stdin"], input="correct horse battery\n")
    assert taken.exit_code == 1 and "exists already" in taken.output

    removed = runner.invoke(app, ["user", "remove", "--org", "acme", "ann@acme.example"])
    assert removed.exit_code == 0 and "removed" in removed.output
    again = runner.invoke(app, ["user", "remove", "--org", "acme", "ann@acme.example"])
    assert again.exit_code == 1 and "no user" in again.output


def test_keys_are_listed_and_a_revoked_key_stops_working(cli_runtime: Runtime) -> None:
    created = runner.invoke(app, ["key", "create", "--org", "acme"])
    key = created.output.strip()
    assert created.exit_code == 0 and key.startswith("bik_")
    client = TestClient(create_app(runtime=cli_runtime))
    assert client.get("/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    listed = runner.invoke(app, ["key", "list", "--org", "acme", "--json"])
    rows = json.loads(listed.stdout)
    assert len(rows) == 2 and all(row["state"] == "active" for row in rows)
    assert key not in listed.output  # never the key itself
    assert key not in runner.invoke(app, ["key", "list", "--org", "acme"]).output
    [key_id] = [row["id"] for row in rows if key.startswith(row["prefix"])]

    assert runner.invoke(app, ["key", "revoke", "--org", "other", key_id]).exit_code == 1
    revoked = runner.invoke(app, ["key", "revoke", "--org", "acme", key_id])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    states = [row["state"] for row in
              json.loads(runner.invoke(app, ["key", "list", "--org", "acme", "--json"]).stdout)]
    assert sorted(states) == ["active", "revoked"]
