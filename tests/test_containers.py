"""The container files: every setting they set is one the code reads, the image has a health
check and runs everything, compose has the service, a worker, PostgreSQL and Redis with the SMTP
port published; and an installed package (not this source tree) finds its trained model
through the setting the image sets."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from billintake.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {f"BILLINTAKE_{name.upper()}" for name in Settings.model_fields}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def test_the_image_sets_only_settings_the_code_reads_and_checks_its_health() -> None:
    env = dockerfile_env()
    assert set(env) <= SETTINGS, set(env) - SETTINGS
    assert env["BILLINTAKE_MODELS_DIR"] == "/app/models"
    instructions = dict(dockerfile())
    assert "COPY" in instructions and any(
        i == "COPY" and a.split()[0] == "models" for i, a in dockerfile())
    assert "/healthz" in instructions["HEALTHCHECK"]
    assert "billintake up" in instructions["CMD"]
    assert set(instructions["EXPOSE"].split()) == {"8000", "2525"}
    assert env["BILLINTAKE_SMTP_PORT"] == "2525"


def test_compose_runs_the_service_a_worker_postgres_and_redis() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"service", "worker", "postgres", "redis"}
    service, worker = services["service"], services["worker"]
    # the workers scale as their own service: the server starts none of its own
    assert "billintake up --no-worker" in " ".join(service["command"])
    assert worker["command"] == ["billintake", "worker"]
    assert {"8000:8000", "2525:2525"} <= set(service["ports"])
    assert set(service["depends_on"]) == {"postgres", "redis"}
    for part in (service, worker):
        env = part["environment"]
        assert set(env) <= SETTINGS, set(env) - SETTINGS
        assert env["BILLINTAKE_QUEUE"] == "celery"
        assert env["BILLINTAKE_DATABASE_URL"].startswith("postgresql://")
        assert env["BILLINTAKE_REDIS_URL"] == "redis://redis:6379/0"
        assert "data:/data" in part["volumes"]  # originals shared by service and worker
    database = services["postgres"]["environment"]
    assert (f"postgresql://{database['POSTGRES_USER']}:{database['POSTGRES_PASSWORD']}@postgres"
            f":5432/{database['POSTGRES_DB']}") == service["environment"]["BILLINTAKE_DATABASE_URL"]
    assert worker["healthcheck"] == {"disable": True}  # it serves no /healthz


PROBE = """
import json, billintake
from billintake.extraction import model
from billintake.settings import get_settings
settings = get_settings()
pipeline = model.load(settings.resolved_model_dir)
print(json.dumps({"package": billintake.__file__,
                  "ranker_dir": str(settings.resolved_ranker_dir),
                  "shipped": settings.resolved_model_dir is not None
                             and (settings.resolved_model_dir / "config.cfg").is_file(),
                  "pipes": pipeline.pipe_names}))
"""


@pytest.mark.slow
def test_an_installed_package_finds_its_model_through_the_images_setting(
        tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "wheel"), str(ROOT)], check=True, timeout=300)
    wheel = next((tmp_path / "wheel").glob("billintake-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, timeout=300)
    # the image's layout: the model copied beside the app, named by the image's setting
    app = tmp_path / "app"
    shutil.copytree(ROOT / "models", app / "models")
    image_env = dockerfile_env()
    base = {k: v for k, v in os.environ.items() if not k.startswith("BILLINTAKE_")}
    base.update(PYTHONPATH=str(target), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))

    def probe(extra: dict[str, str]) -> dict[str, object]:
        done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env={**base, **extra},
                              capture_output=True, text=True, timeout=300, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    found = probe({"BILLINTAKE_MODELS_DIR": image_env["BILLINTAKE_MODELS_DIR"].replace(
        "/app", str(app))})
    assert str(found["package"]).startswith(str(target))  # the installed copy, not src/
    assert found["shipped"] is True and "field_labels" in found["pipes"]
    assert found["ranker_dir"] == str(app / "models" / "ranker")  # the same one setting
    # without the setting an installed package has no model of its own: the rules are
    # built from the pattern files it carries
    bare = probe({})
    assert bare["shipped"] is False and "field_labels" in bare["pipes"]
