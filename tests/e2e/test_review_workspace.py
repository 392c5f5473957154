"""The review workspace in a real headless Chromium (Debian's, driven by Playwright), against
the running service: sign in, upload three bills by drag and drop, open one in review, see its
page and the total's box, correct it, choose vendor and expense account, approve with Enter,
see it booked, record its payment, sign out; another organization's person gets 404 for the
bill, its page image and its original. `BILLINTAKE_SCREENSHOTS=DIR` keeps a screenshot of
each step."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures_gen.intake_fixtures import digital_bill, make_org, running_app

from billintake.bootstrap import Runtime
from billintake.domain.model import JobStatus
from billintake.services import people
from billintake.settings import Settings

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery staple"
SHOTS = os.environ.get("BILLINTAKE_SCREENSHOTS")


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


class Site:
    def __init__(self, url: str, runtime: Runtime, org_id: str, other_org_id: str) -> None:
        self.url, self.runtime, self.org_id, self.other_org_id = url, runtime, org_id, other_org_id


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """Two organizations with a person each; strict thresholds, so every bill waits."""
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        local_workers=2, ocr_workers=1, auto_approve_min_confidence=0.99)
    runtime = Runtime.from_settings(settings)
    first = digital_bill(1)
    org, _key = make_org(runtime, "acme", [first.vendor_name, "Willowbrook Supplies"],
                         known_sellers=False)
    other, _key = make_org(runtime, "other", known_sellers=False)
    people.add_user(runtime, org.id, "ann@acme.example", PASSWORD)
    people.add_user(runtime, other.id, "bob@other.example", PASSWORD)
    with running_app(runtime) as url:
        yield Site(url, runtime, org.id, other.id)
    runtime.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def sign_in(page: Any, url: str, email: str) -> None:
    page.goto(url + "/")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#inbox")


def drop_files(page: Any, files: list[tuple[str, bytes]]) -> None:
    """Drop files on the inbox as a person drags them from their desktop."""
    payload = [(name, base64.b64encode(data).decode()) for name, data in files]
    drop = page.evaluate_handle(
        """(files) => {
            const data = new DataTransfer();
            for (const [name, b64] of files) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                data.items.add(new File([bytes], name, {type: "application/pdf"}));
            }
            return data;
        }""", payload)
    page.dispatch_event("#drop-zone", "dragenter", {"dataTransfer": drop})
    assert "over" in (page.get_attribute("#drop-zone", "class") or "")
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": drop})


def test_a_bookkeeper_reviews_books_and_pays_a_bill(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site.url) or r.url.startswith(
        ("data:", "blob:")) else outside.append(r.url))

    # sign in
    page.goto(site.url + "/")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("input[name=email]", "ann@acme.example")
    page.fill("input[name=password]", "wrong password!")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "wrong email or password" in page.inner_text("#login-error")
    shot(page, "01-sign-in")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#inbox")

    # upload three bills by drag and drop; the inbox follows them until they wait
    bills = [digital_bill(index) for index in (1, 2, 3)]
    drop_files(page, [(bill.name, bill.data) for bill in bills])
    page.wait_for_function(
        "() => document.querySelectorAll('#inbox-rows tr[data-status=needs_review]').length === 3",
        timeout=90_000)
    shot(page, "02-inbox")
    assert page.locator("#inbox-rows tr").count() == 3
    page.fill("input[name=q]", bills[0].vendor_name.split()[0])
    page.wait_for_function("() => document.querySelectorAll('#inbox-rows tr').length === 1")
    page.fill("input[name=q]", "")
    page.wait_for_function("() => document.querySelectorAll('#inbox-rows tr').length === 3")

    # open the first bill that needs review: its page image, the total's box
    row = page.locator("#inbox-rows tr", has_text=bills[0].vendor_name)
    job_id = row.get_attribute("data-job-id")
    row.locator("td.vendor a").click()
    page.wait_for_url(f"**/bill/{job_id}")
    image = page.locator('img[data-page="1"]')
    image.wait_for()
    page.wait_for_function(
        "() => document.querySelector('img[data-page=\"1\"]').naturalWidth > 0")
    page.focus("input[name=total]")
    total_box = page.locator('[data-box="total"]')
    assert "active" in (total_box.get_attribute("class") or "")
    assert total_box.is_visible()
    box, img = total_box.bounding_box(), image.bounding_box()
    assert box and img and img["x"] < box["x"] < img["x"] + img["width"]
    shot(page, "03-bill-total-box")

    # clicking a word fills the focused field; then the number is corrected by hand
    page.fill("input[name=po_number]", "")
    page.focus("input[name=po_number]")
    word = page.evaluate("() => [...document.querySelectorAll('.word')]"
                         ".map((w) => w.dataset.word).find((w) => /^[0-9]{6}$/.test(w))")
    page.click(f'.word[data-word="{word}"]')
    assert page.input_value("input[name=po_number]") == word
    page.fill("input[name=bill_number]", "A70693-R")
    page.fill("input[name=total]", "12,34x")
    assert page.get_attribute("input[name=total]", "aria-invalid") == "true"
    page.fill("input[name=total]", page.locator("input[name=total]").get_attribute("value") or "")
    assert page.locator("#arithmetic li.ok").count() >= 1

    # J and K move between the bills in review (newest first)
    away, back = ("j", "k") if page.locator("a[rel=next][href]").count() else ("k", "j")
    page.keyboard.press("Escape")
    page.keyboard.press(away)
    page.wait_for_url(lambda url: job_id not in url)
    page.locator('img[data-page="1"]').wait_for()
    page.keyboard.press(back)
    page.wait_for_url(f"**/bill/{job_id}")
    page.locator('img[data-page="1"]').wait_for()
    page.fill("input[name=bill_number]", "A70693-R")

    # choose the vendor (with its score) and the expense account; Enter approves
    with site.runtime.repository(site.org_id) as repo:
        vendor = next(v for v in repo.list_vendors() if v.name == bills[0].vendor_name)
    options = page.locator("select[name=vendor_id] option").all_inner_texts()
    assert any(o.startswith(bills[0].vendor_name) and "100" in o for o in options), options
    assert any(o.startswith("Willowbrook Supplies") for o in options), options
    page.select_option("select[name=vendor_id]", vendor.id)
    page.select_option("select[name=account_id]", label="6100 Office supplies")
    shot(page, "04-corrected")
    page.focus("input[name=bill_number]")
    page.keyboard.press("Enter")

    # booked, with its id in the books; then paid from the same view
    page.locator("#booked-id").wait_for(timeout=30_000)
    assert page.locator('input[name="bill_number"]').input_value() == "A70693-R"
    booked_id = page.inner_text("#booked-id")
    shot(page, "05-booked")
    with site.runtime.repository(site.org_id) as repo:
        job = repo.get_job(job_id or "")
        assert job.status is JobStatus.PUSHED and job.bill_id
        bill = repo.get_bill(job.bill_id)
    assert bill.external_id == booked_id and bill.bill_number == "A70693-R"
    assert bill.vendor_id == vendor.id
    assert {line.account_id for line in bill.line_items} == {_expense_account_id(site, "6100")}
    page.click("button[name=pay]")
    page.locator(".booked .badge[data-status=paid]").wait_for(timeout=30_000)
    assert page.locator("#payments tbody tr").count() == 1
    shot(page, "06-paid")
    with site.runtime.repository(site.org_id) as repo:
        [payment] = repo.list_payments(bill.id)
        assert payment.amount == bill.total and repo.get_bill(bill.id).status.value == "paid"

    # sign out: the pages ask for signing in again
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login"))
    shot(page, "07-signed-out")
    page.goto(f"{site.url}/bill/{job_id}")
    page.wait_for_url(re.compile(r"/login\?next="))
    assert outside == []  # nothing from a CDN or anywhere else
    context.close()

    # another organization's person: 404 for the bill, its page image and its original
    other = browser.new_context()
    page = other.new_page()
    sign_in(page, site.url, "bob@other.example")
    assert page.locator("#inbox-rows tr").count() == 0
    response = page.goto(f"{site.url}/bill/{job_id}")
    assert response is not None and response.status == 404
    shot(page, "08-other-organization")
    for path in (f"/review/{job_id}", f"/jobs/{job_id}/pages/1/image",
                 f"/jobs/{job_id}/original", f"/jobs/{job_id}/pages"):
        assert page.request.get(site.url + path).status == 404, path
    other.close()


def _expense_account_id(site: Site, code: str) -> str:
    from billintake.services.books import BillService

    with site.runtime.repository(site.org_id) as repo:
        accounts = BillService.open(repo, site.runtime.settings).list_accounts()
    return next(a.id for a in accounts if a.code == code)


def test_the_api_docs_work_offline(browser: Any, site: Site) -> None:
    """Swagger UI's files come from the service; the page makes no request elsewhere."""
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site.url) or r.url.startswith(
        "data:") else outside.append(r.url))
    page.goto(site.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "billintake" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock-summary-path", has_text="/review/{job_id}/approve").count()
    shot(page, "09-api-docs")
    assert outside == []
    page.close()


def test_a_reviewer_moves_the_boundary_between_two_bills_of_a_batch(browser: Any,
                                                                     site: Site) -> None:
    """A scanner batch split into pages 1-1 and 2-4: on the second bill's view the reviewer
    sees its pages and its neighbour, moves its start to page 3, and sees it read again."""
    from fixtures_gen.split_fixtures import batch_of_two

    from billintake.domain.model import Channel
    from billintake.services.pipeline import run_job
    from billintake.services.receive import receive

    runtime, org_id = site.runtime, site.org_id
    received = receive(runtime, org_id, batch_of_two(), filename="scan.pdf",
                       channel=Channel.UPLOAD)
    first = run_job(runtime, org_id, received.job.id)
    with runtime.repository(org_id) as repo:
        [second] = [j for j in repo.list_jobs() if j.hints.get("split_of") == first.id]
    run_job(runtime, org_id, second.id)

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    sign_in(page, site.url, "ann@acme.example")
    page.goto(f"{site.url}/bill/{second.id}")
    summary = page.wait_for_selector("#bill-pages summary")
    assert summary.inner_text() == "Pages 2–4 of scan.pdf (4 pages, 2 bills)"
    assert page.inner_text(f"[data-bill-pages='{first.id}'] a") == "pages 1–1"
    assert len(page.query_selector_all(".page-wrap")) == 3
    page.fill("#split-starts_at", "3")
    page.click("form[data-change=starts_at] button")
    page.wait_for_function(
        "() => document.querySelector('.bill-layout')?.dataset.state === 'needs_review'"
        " && document.querySelector('#bill-pages summary')?.textContent.startsWith("
        "'Pages 3–4')", timeout=90_000)
    assert len(page.query_selector_all(".page-wrap")) == 2  # its own pages, read again
    assert "move" in page.inner_text(".split-changes") and "ann@acme.example" in \
        page.inner_text(".split-changes")
    shot(page, "20-boundary-moved")
    context.close()
