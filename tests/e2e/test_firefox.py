"""The review workspace in Firefox (Debian's ESR, headless, over WebDriver BiDi): sign in,
drop a bill on the inbox, open it when it waits, see its page image and the total's box,
correct the bill number, approve, see it booked — with no JavaScript error on the way.
The full walk-through with screenshots runs in Chromium (test_review_workspace.py)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import digital_bill, free_port, make_org, running_app

from billintake.bootstrap import Runtime
from billintake.domain.model import JobStatus
from billintake.services import people
from billintake.settings import Settings

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from firefox_bidi import FIREFOX, firefox

    if not os.path.exists(FIREFOX):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{FIREFOX} is missing (apt-get install firefox-esr)")
        pytest.skip(f"{FIREFOX} is not installed (apt-get install firefox-esr)")
    with firefox(tmp_path / "profile", free_port()) as fox:
        yield fox


def test_a_bill_is_reviewed_and_booked_in_firefox(browser: object, tmp_path: Path) -> None:
    from firefox_bidi import Firefox

    assert isinstance(browser, Firefox)
    fox = browser
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        local_workers=1, ocr_workers=1, auto_approve_min_confidence=0.99)
    runtime = Runtime.from_settings(settings)
    bill = digital_bill(1)
    org, _key = make_org(runtime, "acme", [bill.vendor_name], known_sellers=False)
    people.add_user(runtime, org.id, "ann@acme.example", PASSWORD)
    try:
        with running_app(runtime) as url:
            fox.goto(url + "/")
            fox.wait_for("location.pathname === '/login'")
            fox.fill("input[name=email]", "ann@acme.example")
            fox.fill("input[name=password]", PASSWORD)
            fox.click("button[type=submit]")
            fox.wait_for("document.querySelector('#inbox') !== null")

            payload = json.dumps([bill.name, base64.b64encode(bill.data).decode()])
            fox.run(f"""(() => {{
                const [name, b64] = {payload};
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const data = new DataTransfer();
                data.items.add(new File([bytes], name, {{type: "application/pdf"}}));
                const zone = document.querySelector("#drop-zone");
                for (const type of ["dragenter", "drop"]) {{
                    zone.dispatchEvent(new DragEvent(type, {{dataTransfer: data, bubbles: true}}));
                }}
            }})()""")
            job_id = fox.wait_for(
                "document.querySelector('#inbox-rows tr[data-status=needs_review]')"
                "?.dataset.jobId", timeout=90)

            fox.goto(f"{url}/bill/{job_id}")
            fox.wait_for("document.querySelector('img[data-page=\"1\"]')?.naturalWidth > 0")
            fox.hover("input[name=total]")  # the row lights its box
            assert fox.wait_for("document.querySelector('[data-box=\"total\"]')"
                                "?.classList.contains('active')")
            fox.fill("input[name=bill_number]", "FX-2024-1")
            fox.click("button[name=approve]")
            booked_id = fox.wait_for("document.querySelector('#booked-id')?.textContent",
                                     timeout=30)
            assert fox.script_errors() == []
        with runtime.repository(org.id) as repo:
            job = repo.get_job(job_id)
            assert job.status is JobStatus.PUSHED and job.bill_id
            booked = repo.get_bill(job.bill_id)
        assert booked.bill_number == "FX-2024-1" and booked.external_id == booked_id
    finally:
        runtime.close()
