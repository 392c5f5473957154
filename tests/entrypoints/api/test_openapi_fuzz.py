"""Schemathesis, driven by the app's own OpenAPI schema, in-process (ASGI), bounded in time.

Every operation gets generated requests (valid and invalid); no response may be a server
error, and every response's status, content type and body must be the ones the schema
documents. The app runs on SQLite in a temporary directory with a real API key; Rutter's base
URL points nowhere, so a connection switched to Rutter fails fast (502), never on the network.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billintake.bootstrap import Runtime
from billintake.entrypoints.api.app import create_app
from billintake.settings import Settings

EXAMPLES = int(os.environ.get("BILLINTAKE_FUZZ_EXAMPLES", "10"))  # per operation and mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    runtime = Runtime.from_settings(Settings(
        _env_file=None, data_dir=data_dir, local_pool="thread", local_workers=1,
        rutter_base_url="http://127.0.0.1:9/rutter", max_upload_bytes=200_000,
        max_upload_request_bytes=400_000, max_email_bytes=400_000))
    with runtime.directory() as directory:
        _org, key = directory.create_organization("Fuzz Ltd", "fuzz")
    yield create_app(runtime=runtime), key
    runtime.close()


def test_no_server_error_and_every_response_as_documented(
        fuzzed_app: tuple[Any, str]) -> None:
    app, key = fuzzed_app
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = 0
    for loaded in api.get_all_operations():
        operation = loaded.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            error = _fuzz(operation, mode, key)
            if error:
                failures[f"{operation.label} ({mode.value})"] = error
    assert operations >= 30
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def _fuzz(operation: Any, mode: GenerationMode, key: str) -> str | None:
    """The operation's first failure in this mode (valid or invalid requests), or None."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def fuzz(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

    try:
        fuzz()
    except Unsatisfiable:  # nothing to make invalid (no parameters, or only free strings)
        return None
    except BaseException as exc:  # failures of every operation are reported together
        if isinstance(exc, KeyboardInterrupt):
            raise
        return str(exc)[:1500]
    return None
