"""The web page says when the service cannot work: with the queue (Redis) down, a signed-in
person sees a banner naming it, in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures_gen.intake_fixtures import free_port, make_org, running_app
from test_review_workspace import PASSWORD, browser, sign_in

from billintake.bootstrap import Runtime
from billintake.services import people
from billintake.settings import Settings

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the module's browser fixture, shared


@pytest.fixture
def dead_queue_site(tmp_path: Path) -> Iterator[str]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", queue="celery",
                        redis_url=f"redis://127.0.0.1:{free_port()}/0")
    runtime = Runtime.from_settings(settings)
    org, _key = make_org(runtime, "acme", known_sellers=False)
    people.add_user(runtime, org.id, "ann@acme.example", PASSWORD)
    with running_app(runtime) as url:
        yield url
    runtime.close()


def test_a_banner_says_the_queue_is_down(browser: Any, dead_queue_site: str) -> None:
    page = browser.new_page()
    try:
        sign_in(page, dead_queue_site, "ann@acme.example")
        banner = page.wait_for_selector("#service-status:not([hidden])", timeout=15000)
        assert banner is not None
        text = banner.inner_text()
        assert "queue" in text and "Redis" in text
        assert banner.get_attribute("data-level") == "error"
    finally:
        page.close()
