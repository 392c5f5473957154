"""A serving app sends itself two requests that change nothing before it serves, so that its
first uploads do not wait while FastAPI builds its routes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import Message

from billintake.bootstrap import Runtime
from billintake.entrypoints.api import routes_intake, warm_up
from billintake.entrypoints.api.app import create_app
from billintake.settings import Settings
from billintake.storage.tables import IngestJobRow


class NoQueue:
    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        raise AssertionError("the warm-up queued a job")

    def close(self) -> None:
        return None


def test_a_serving_app_warms_its_routes_up_at_its_start_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes_intake, "freeze_startup_objects", lambda: None)  # (test process)
    answers: list[int] = []

    async def record(message: Message) -> None:
        if message["type"] == "http.response.start":
            answers.append(message["status"])

    monkeypatch.setattr(warm_up, "_drop", record)
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             intake_threads=1))
    app = create_app(runtime=runtime)
    app.state.dispatcher = NoQueue()
    app.state.serving = True
    try:
        with TestClient(app) as client:
            assert answers == [404, 401]  # before the first request: no route, no key
            assert client.get("/healthz").status_code == 200
        with runtime.session() as session:
            assert session.scalar(select(func.count()).select_from(IngestJobRow)) == 0
    finally:
        runtime.close()
