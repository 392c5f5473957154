"""Fixtures shared by the whole suite: settings in a temporary directory, real databases.

PostgreSQL and Redis are real servers. Without them the tests that need them skip with the
reason; under CI (`CI=true`) a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from billintake.bootstrap import Runtime
from billintake.settings import Settings, get_settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get("BILLINTAKE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Parallel runs on one machine (several work trees) each take their own Redis database.
REDIS_DB = int(os.environ.get("BILLINTAKE_TEST_REDIS_DB", "15"))


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, under CI, fail) when a real service the test needs is not there."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it")
    pytest.skip(f"{message}; these tests need a real {name} server")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", ocr_workers=1,
                    local_workers=1, ocr_dpi=200)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.from_settings(settings)
    yield rt
    rt.close()


@pytest.fixture
def cli_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The CLI's data directory (through the environment) and a runtime on the same files."""
    data = tmp_path / "data"
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(data))
    monkeypatch.setenv("BILLINTAKE_DATABASE_URL", "")
    get_settings.cache_clear()
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    yield rt
    rt.close()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session; dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    admin = PG_ADMIN_URL
    name = f"billintake_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on SQLite, then on PostgreSQL: for tests that must hold on both."""
    url = "" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database_url=url)
    rt = Runtime.from_settings(settings)
    yield rt
    if request.param == "postgresql":
        from billintake.storage.tables import metadata

        with rt.engine.begin() as conn:  # leave the shared test database empty again
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    rt.close()


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


@pytest.fixture
def sniffs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the files sniffed from now on, one entry per sniff, however `sniff` was
    imported: every sniff checks the size first, so the real `check_size` is wrapped to count."""
    from billintake.reading import sniff as sniff_module

    seen: list[int] = []
    real_check_size = sniff_module.check_size

    def counted(data: bytes, *, settings: Settings | None = None) -> None:
        seen.append(len(data))
        real_check_size(data, settings=settings)

    monkeypatch.setattr(sniff_module, "check_size", counted)
    return seen
