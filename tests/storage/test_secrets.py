"""Secrets at rest: accounting credentials are stored encrypted, the key is private (0600),
rotation re-encrypts everything; the service's data files and folders are its user's only."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.entrypoints.cli import app
from billintake.settings import Settings, get_settings
from billintake.storage.secrets import SecretBox, SecretKeyError, new_key
from billintake.storage.tables import AccountingConnectionRow

TOKEN = "tok-live-0123456789-very-secret"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _stored(runtime: Runtime) -> list[object]:
    with runtime.engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.select(AccountingConnectionRow.secrets))]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(data))
    monkeypatch.setenv("BILLINTAKE_DATABASE_URL", "")
    monkeypatch.delenv("BILLINTAKE_SECRET_KEYS", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def _connect(runtime: Runtime) -> str:
    with runtime.directory() as directory:
        org, _key = directory.create_organization("Secret Books", "secret")
    with runtime.repository(org.id) as repo:
        repo.set_connection("rutter", {"currency": "EUR"}, {"access_token": TOKEN})
    return org.id


def test_credentials_are_stored_encrypted_with_a_private_key(data_dir: Path) -> None:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data_dir))
    org = _connect(runtime)
    assert TOKEN not in str(_stored(runtime))
    assert TOKEN.encode() not in (data_dir / "billintake.db").read_bytes()
    with runtime.repository(org) as repo:
        assert repo.get_connection()["secrets"] == {"access_token": TOKEN}  # type: ignore[index]
    assert _mode(data_dir / "secret.key") == 0o600
    runtime.close()
    other = Runtime.from_settings(Settings(_env_file=None, data_dir=data_dir,
                                           secret_keys=new_key()))  # the wrong key
    with other.repository(org) as repo, pytest.raises(SecretKeyError):
        repo.get_connection()
    other.close()


def test_data_files_and_folders_are_the_services_only(data_dir: Path) -> None:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data_dir))
    sha = runtime.originals.put(b"%PDF-1.4 private")
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "billintake.db") == 0o600
    assert _mode(runtime.settings.resolved_originals_dir) == 0o700
    assert _mode(runtime.originals.path(sha)) == 0o400
    runtime.close()


def test_rotation_re_encrypts_every_secret_and_retires_the_old_key(data_dir: Path) -> None:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data_dir))
    org = _connect(runtime)
    with runtime.engine.begin() as conn:  # a connection stored in plain text, before
        conn.execute(sa.insert(AccountingConnectionRow).values(
            id="legacy", organization_id=org, backend="rutter", config={},
            secrets={"client_secret": "plain-old"}, is_default=False))
    old_key = (data_dir / "secret.key").read_text().strip()
    runtime.close()

    result = CliRunner().invoke(app, ["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    assert "2 connections" in result.output

    new = (data_dir / "secret.key").read_text().split()
    assert len(new) == 1 and new[0] != old_key and _mode(data_dir / "secret.key") == 0o600
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data_dir))
    stored = _stored(runtime)
    assert "plain-old" not in str(stored) and TOKEN not in str(stored)
    with runtime.repository(org) as repo:
        assert repo.get_connection()["secrets"] == {"access_token": TOKEN}  # type: ignore[index]
        assert repo.get_connection("legacy")["secrets"] == {  # type: ignore[index]
            "client_secret": "plain-old"}
    with pytest.raises(SecretKeyError):  # the old key opens nothing any more
        SecretBox([old_key]).open(stored[0])  # type: ignore[arg-type]
    runtime.close()
