"""The upload page in a real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures_gen.intake_fixtures import einvoice, make_org, running_app

from billintake.bootstrap import Runtime
from billintake.settings import Settings

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, str, Runtime]]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        max_upload_bytes=200_000)
    runtime = Runtime.from_settings(settings)
    _org, key = make_org(runtime, known_sellers=False)
    with running_app(runtime) as url:
        yield url, key, runtime
    runtime.close()


def test_pick_files_see_progress_status_and_extracted_fields(
        browser: Any, site: tuple[str, str, Runtime], tmp_path: Path) -> None:
    url, key, _runtime = site
    bill = tmp_path / "RE-2024-0900.xml"
    bill.write_bytes(einvoice("RE-2024-0900")[1])
    junk = tmp_path / "holiday.html"
    junk.write_text("<html><body>not a bill</body></html>")

    page = browser.new_page()
    page.goto(url + "/")
    page.fill("#api-key", key)
    page.dispatch_event("#api-key", "change")
    page.set_input_files("#file-input", [str(bill), str(junk)])

    rows = page.locator("#uploads > li")
    good = rows.filter(has_text="RE-2024-0900.xml")
    bad = rows.filter(has_text="holiday.html")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#uploads > li')].every("
        "li => ['needs_review', 'pushed', 'failed', 'rejected'].includes(li.dataset.status))",
        timeout=30_000)
    assert good.locator(".status").inner_text() == "needs review"
    assert good.locator("progress").get_attribute("value") == "100"
    assert good.locator("dd[data-field=bill_number]").inner_text() == "RE-2024-0900"
    assert good.locator("dd[data-field=total]").inner_text() == "939.51"
    assert "vendor is not known" in good.locator(".reasons").inner_text()
    assert bad.locator(".status").inner_text() == "rejected"
    assert "HTML" in bad.locator(".error").inner_text()
    page.screenshot(path=str(tmp_path / "page.png"))
    page.close()


def test_drag_and_drop_uploads(browser: Any, site: tuple[str, str, Runtime]) -> None:
    url, key, runtime = site
    xml = einvoice("RE-2024-0901")[1].decode()
    page = browser.new_page()
    page.goto(url + "/")
    page.fill("#api-key", key)
    drop = page.evaluate_handle(
        """(xml) => {
            const data = new DataTransfer();
            data.items.add(new File([xml], "dropped.xml", {type: "application/xml"}));
            return data;
        }""", xml)
    page.dispatch_event("#drop-zone", "dragenter", {"dataTransfer": drop})
    assert "over" in (page.get_attribute("#drop-zone", "class") or "")
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": drop})
    row = page.locator("#uploads > li", has_text="dropped.xml")
    row.locator("dd[data-field=bill_number]").wait_for(timeout=30_000)
    assert row.locator("dd[data-field=bill_number]").inner_text() == "RE-2024-0901"
    with runtime.directory() as directory:
        [org] = directory.list_organizations()
    with runtime.repository(org.id) as repo:
        assert [j.original_filename for j in repo.list_jobs()] == ["dropped.xml"]
    page.close()
