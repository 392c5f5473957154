"""Where settings come from: the environment, then ./.env, then the user's config file; the
data directory is one absolute place wherever a command runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from billintake.settings import available_cores, config_files, get_settings


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in ("BILLINTAKE_DATA_DIR", "BILLINTAKE_DATABASE_URL", "BILLINTAKE_CONFIG",
                 "BILLINTAKE_SMTP_PORT", "BILLINTAKE_DEFAULT_ORG", "BILLINTAKE_SERVE_PROCESSES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_same_data_directory_from_any_directory(clean: Path) -> None:
    settings = get_settings()
    assert settings.data_dir == clean / "share" / "billintake"
    assert settings.resolved_database_url == \
        f"sqlite:///{clean / 'share' / 'billintake' / 'billintake.db'}"


def test_environment_then_dotenv_then_the_user_config_file(
        clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_file = clean / "config" / "billintake" / "billintake.env"
    assert config_files() == (user_file, Path(".env"))
    user_file.parent.mkdir(parents=True)
    user_file.write_text(f"BILLINTAKE_DATA_DIR={clean / 'books'}\nBILLINTAKE_SMTP_PORT=2600\n"
                         "BILLINTAKE_DEFAULT_ORG=acme\n")
    settings = get_settings()
    assert (settings.data_dir, settings.smtp_port, settings.default_org) == (
        clean / "books", 2600, "acme")

    Path(".env").write_text("BILLINTAKE_SMTP_PORT=2700\n")  # the current directory's wins
    get_settings.cache_clear()
    assert (get_settings().smtp_port, get_settings().data_dir) == (2700, clean / "books")

    monkeypatch.setenv("BILLINTAKE_SMTP_PORT", "2800")  # and the environment wins over both
    get_settings.cache_clear()
    assert get_settings().smtp_port == 2800

    named = clean / "elsewhere.env"
    named.write_text("BILLINTAKE_DEFAULT_ORG=beta\n")
    monkeypatch.setenv("BILLINTAKE_CONFIG", str(named))  # BILLINTAKE_CONFIG names the file
    get_settings.cache_clear()
    assert get_settings().default_org == "beta"


def test_a_relative_data_directory_is_made_absolute_once(clean: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", "data")
    settings = get_settings()
    assert settings.data_dir == clean / "work" / "data" and settings.data_dir.is_absolute()


def test_the_api_is_served_by_one_process_per_core_unless_set(
        clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert 1 <= available_cores() <= (os.cpu_count() or 1)
    assert get_settings().serve_processes is None
    assert get_settings().resolved_serve_processes == available_cores()
    monkeypatch.setenv("BILLINTAKE_SERVE_PROCESSES", "1")
    get_settings.cache_clear()
    assert get_settings().resolved_serve_processes == 1
