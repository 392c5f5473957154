"""A serving app takes received files in on its own intake threads, started with it (each with
its database connection open), not on the request thread pool or at the first upload."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import digital_bill, make_org

from billintake.bootstrap import Runtime
from billintake.entrypoints.api import routes_intake
from billintake.entrypoints.api.app import create_app
from billintake.settings import Settings

PREFIX = "billintake-intake"


class RecordingDispatcher:
    """Queues nothing; records the thread each job was handed over from."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        self.threads.append(threading.current_thread().name)

    def close(self) -> None:
        return None


def _intake_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(PREFIX)]


def test_a_serving_app_takes_files_in_on_intake_threads_started_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes_intake, "freeze_startup_objects", lambda: None)  # (test process)
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             intake_threads=8))  # more than a default pool
    _org, key = make_org(runtime, known_sellers=False)
    dispatcher = RecordingDispatcher()
    app = create_app(runtime=runtime)
    app.state.dispatcher = dispatcher
    app.state.serving = True
    opened_before = runtime.engine.pool.checkedin()
    try:
        with TestClient(app) as client:
            assert len(_intake_threads()) == 8  # before any upload
            # their connections opened, and kept by the pool
            assert runtime.engine.pool.checkedin() >= 8 > opened_before
            for index in (1, 2):
                bill = digital_bill(index)
                response = client.post("/bills/upload", headers={"Authorization": f"Bearer {key}"},
                                       files=[("files", (bill.name, bill.data, "application/pdf"))])
                assert response.status_code == 202, response.text
            assert len(dispatcher.threads) == 2
            assert all(name.startswith(PREFIX) for name in dispatcher.threads)
        assert _intake_threads() == []  # ended with the app
    finally:
        runtime.close()
