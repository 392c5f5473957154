"""Health: the database, the queue and the workers, and jobs that wait for a worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import free_port, make_org

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, IngestJob
from billintake.entrypoints.api.app import create_app
from billintake.services.health import assess, probe_local, service_health
from billintake.settings import Settings


def _queued_job(runtime: Runtime) -> None:
    org, _key = make_org(runtime, "acme", known_sellers=False)
    with runtime.repository(org.id) as repo:
        repo.add_job(IngestJob(organization_id=org.id, channel=Channel.UPLOAD,
                               document_sha256="0" * 64, original_filename="a.pdf"))


def test_the_in_process_service_is_healthy(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "ok", "queue": "ok", "workers": "ok"}
    assert body["checks"]["workers"]["count"] == runtime.settings.local_workers


def test_a_job_waiting_with_no_worker_is_a_warning(runtime: Runtime) -> None:
    assert assess(runtime, probe_local(None)).status == "warning"  # no pool, nothing waits
    _queued_job(runtime)
    health = assess(runtime, probe_local(None))
    workers = health.checks["workers"]
    assert health.status == "warning" and workers.status == "warning"
    assert workers.detail.startswith("1 jobs wait and no worker")
    assert workers.data["jobs_waiting"] == 1


@pytest.mark.redis
def test_celery_without_workers_warns_and_a_dead_redis_is_an_error(tmp_path: Path,
                                                                     redis_url: str) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", queue="celery",
                        redis_url=redis_url)
    runtime = Runtime.from_settings(settings)
    try:
        _queued_job(runtime)
        health = service_health(runtime, None)
        assert health.checks["queue"].status == "ok"
        assert health.checks["workers"].status == "warning"
        assert "billintake worker" in health.checks["workers"].detail

        dead = Runtime.from_settings(settings.model_copy(
            update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
        with TestClient(create_app(runtime=dead)) as client:
            response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "error" and body["checks"]["queue"]["status"] == "error"
        assert body["checks"]["database"]["status"] == "ok"
    finally:
        runtime.close()


def test_cli_status_says_jobs_wait_for_a_worker(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """No service answers and a job waits: the CLI says so (exit 1), as a table or JSON."""
    import json

    from typer.testing import CliRunner

    from billintake.entrypoints.cli import app
    from billintake.settings import get_settings

    data = tmp_path / "data"
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(data))
    monkeypatch.setenv("BILLINTAKE_DATABASE_URL", "")
    monkeypatch.setenv("BILLINTAKE_PORT", str(free_port()))  # nothing serves there
    get_settings.cache_clear()
    try:
        runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
        _queued_job(runtime)
        runtime.close()
        table = CliRunner().invoke(app, ["status"])
        assert table.exit_code == 1, table.output
        assert "1 jobs wait and no worker is running" in table.stdout
        assert "billintake up" in table.stdout and "warning" in table.stdout
        body = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)
        assert body["status"] == "warning" and body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["workers"]["jobs_waiting"] == 1
    finally:
        get_settings.cache_clear()
