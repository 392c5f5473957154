"""Upload and inbound email through the running app (uvicorn on a free port, real HTTP)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures_gen.intake_fixtures import (
    digital_bill,
    einvoice,
    forwarded_message,
    make_org,
    nested_message,
    no_attachment_message,
    oversized_message,
    running_app,
    wait_final,
)

from billintake.bootstrap import Runtime
from billintake.domain.model import JobStatus
from billintake.queue.local import LocalDispatcher
from billintake.services.pipeline import Readout, Stages, read_stage
from billintake.settings import Settings

LIMIT = 300_000


@pytest.fixture
def app_runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        local_workers=2, max_upload_bytes=LIMIT, max_email_bytes=LIMIT * 2,
                        max_upload_request_bytes=LIMIT * 2, max_upload_files=4)
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def server(app_runtime: Runtime) -> Iterator[str]:
    with running_app(app_runtime) as url:
        yield url


@pytest.fixture
def org(app_runtime: Runtime) -> tuple[str, dict[str, str]]:
    org, key = make_org(app_runtime, known_sellers=False)  # every bill waits for review
    return org.id, {"Authorization": f"Bearer {key}"}


def _job_count(runtime: Runtime, org_id: str) -> int:
    with runtime.repository(org_id) as repo:
        return len(repo.list_jobs())


def test_upload_many_files_gives_jobs_that_finish(server: str, app_runtime: Runtime,
                                                  org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    _pdf, xml = einvoice()
    bill = digital_bill(3)
    files = [("files", ("RE-2024-0042.xml", xml, "application/xml")),
             ("files", (bill.name, bill.data, "application/pdf"))]
    response = httpx.post(f"{server}/bills/upload", files=files, headers=auth, timeout=30)
    assert response.status_code == 202, response.text
    jobs = response.json()["jobs"]
    assert [j["filename"] for j in jobs] == ["RE-2024-0042.xml", bill.name]
    assert all(j["status"] == "queued" and j["channel"] == "upload" for j in jobs)

    wait_final(app_runtime, org_id, [j["id"] for j in jobs])
    first = httpx.get(f"{server}/jobs/{jobs[0]['id']}", headers=auth).json()
    assert first["status"] == "needs_review"
    assert first["review_reasons"] == ["vendor is not known yet: confirm or create it"]
    assert first["extracted"]["bill_number"] == "RE-2024-0042"
    assert first["extracted"]["total"] == "939.51"
    listed = httpx.get(f"{server}/jobs", headers=auth).json()["jobs"]
    assert {j["id"] for j in listed} == {j["id"] for j in jobs}
    only_failed = httpx.get(f"{server}/jobs", params={"status": "failed"}, headers=auth).json()
    assert all(j["status"] == "failed" for j in only_failed["jobs"])


def test_the_same_file_uploaded_twice_links_to_the_first_job(
        server: str, app_runtime: Runtime, org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    xml = einvoice("RE-2024-0100")[1]
    one = httpx.post(f"{server}/bills/upload", headers=auth,
                     files={"files": ("a.xml", xml, "application/xml")}).json()["jobs"][0]
    two = httpx.post(f"{server}/bills/upload", headers=auth,
                     files={"files": ("b.xml", xml, "application/xml")}).json()["jobs"][0]
    assert two["id"] == one["id"] and two["duplicate"] and not one["duplicate"]
    assert _job_count(app_runtime, org_id) == 1


def test_too_large_is_413_while_streaming(server: str, app_runtime: Runtime,
                                          org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    big = b"%PDF-1.4\n" + b"0" * (LIMIT + 1)
    response = httpx.post(f"{server}/bills/upload", headers=auth,
                          files={"files": ("big.pdf", big, "application/pdf")})
    assert response.status_code == 413 and response.json()["error"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: only the streaming count can stop it
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="files"; filename="c.pdf"\r\n'
        yield b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        for _ in range(40):
            yield b"1" * 16_384
        yield b"\r\n--xyz--\r\n"

    chunked = httpx.post(f"{server}/bills/upload", content=chunks(),
                         headers={**auth, "Content-Type": "multipart/form-data; boundary=xyz"})
    assert chunked.status_code == 413
    assert _job_count(app_runtime, org_id) == 0


def test_the_request_wide_budget_is_413_with_the_reason_and_nothing_is_taken(
        server: str, app_runtime: Runtime, org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    each = b"%PDF-1.4\n" + b"0" * (LIMIT - 100)  # every file under its own limit
    over_bytes = [("files", (f"{i}.pdf", each, "application/pdf")) for i in range(3)]
    response = httpx.post(f"{server}/bills/upload", headers=auth, files=over_bytes)
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert "all its files together" in response.json()["detail"]
    xml = einvoice()[1]
    over_count = [("files", (f"{i}.xml", xml, "application/xml")) for i in range(5)]
    response = httpx.post(f"{server}/bills/upload", headers=auth, files=over_count)
    assert response.status_code == 413 and "at most 4" in response.json()["detail"]
    assert _job_count(app_runtime, org_id) == 0
    spool = app_runtime.settings.data_dir / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []  # nothing left on disk


def test_unsupported_type_is_415_and_nothing_is_taken(
        server: str, app_runtime: Runtime, org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    files = [("files", ("ok.xml", einvoice()[1], "application/xml")),
             ("files", ("page.pdf", b"<html><body>hi</body></html>", "application/pdf"))]
    response = httpx.post(f"{server}/bills/upload", headers=auth, files=files)
    assert response.status_code == 415
    assert "page.pdf" in response.json()["detail"] and "HTML" in response.json()["detail"]
    assert _job_count(app_runtime, org_id) == 0


def test_an_uploaded_file_is_sniffed_once_and_its_claimed_type_ignored(
        server: str, app_runtime: Runtime, org: tuple[str, dict[str, str]],
        sniffs: list[int]) -> None:
    """The route sniffs to refuse bad files; the job keeps that type and never sniffs again."""
    org_id, auth = org
    bill = digital_bill(4)
    response = httpx.post(f"{server}/bills/upload", headers=auth, timeout=30,
                          files={"files": (bill.name, bill.data, "image/png")})
    assert response.status_code == 202, response.text
    [job] = wait_final(app_runtime, org_id, [response.json()["jobs"][0]["id"]])
    assert job.status is JobStatus.NEEDS_REVIEW, job.error
    assert sniffs == [len(bill.data)]
    with app_runtime.repository(org_id) as repo:
        assert repo.get_document(job.document_sha256).media_type == "application/pdf"


def test_upload_needs_an_api_key(server: str) -> None:
    response = httpx.post(f"{server}/bills/upload",
                          files={"files": ("a.xml", einvoice()[1], "application/xml")})
    assert response.status_code == 401
    assert httpx.get(f"{server}/jobs").status_code == 401


def test_jobs_of_another_organization_are_404(server: str, app_runtime: Runtime,
                                              org: tuple[str, dict[str, str]]) -> None:
    _org_id, auth = org
    job = httpx.post(f"{server}/bills/upload", headers=auth,
                     files={"files": ("a.xml", einvoice()[1], "application/xml")}
                     ).json()["jobs"][0]
    _other, other_key = make_org(app_runtime, "other")
    response = httpx.get(f"{server}/jobs/{job['id']}",
                         headers={"Authorization": f"Bearer {other_key}"})
    assert response.status_code == 404


def test_inbound_email_webhook(server: str, app_runtime: Runtime,
                               org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    to = "bills+acme@billintake.localhost"
    pdf, _xml = einvoice("RE-2024-0200")
    response = httpx.post(f"{server}/inbound/email", content=forwarded_message(to, pdf),
                          headers={**auth, "Content-Type": "message/rfc822"})
    assert response.status_code == 202, response.text
    [job] = response.json()["jobs"]
    assert job["channel"] == "email" and job["filename"] == "rechnung.pdf"
    assert job["hints"]["sender_domain"] == "nordwind-buero.example"

    empty = httpx.post(f"{server}/inbound/email", content=no_attachment_message(to),
                       headers=auth).json()
    [recorded] = empty["jobs"]
    assert recorded["status"] == "failed" and recorded["error_code"] == "no_usable_attachment"
    assert "no attachment" in recorded["error"]

    too_big = httpx.post(f"{server}/inbound/email", headers=auth,
                         content=oversized_message(to, LIMIT * 3))
    assert too_big.status_code == 413
    [final] = wait_final(app_runtime, org_id, [job["id"]])
    assert final.status in {JobStatus.PUSHED, JobStatus.NEEDS_REVIEW, JobStatus.FAILED}


def test_inbound_email_nested_too_deep_is_422_with_the_reason_and_recorded(
        server: str, app_runtime: Runtime, org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    response = httpx.post(f"{server}/inbound/email", headers=auth,
                          content=nested_message("bills+acme@billintake.localhost", 1000))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "malformed_message" and "nested 1000 deep" in body["detail"]
    with app_runtime.repository(org_id) as repo:
        job = repo.get_job(body["job_id"])
    assert job.status is JobStatus.FAILED and job.error == body["detail"]


def test_a_failed_job_can_be_retried_over_http(server: str, app_runtime: Runtime,
                                               org: tuple[str, dict[str, str]]) -> None:
    org_id, auth = org
    broken = b"%PDF-1.4\n% nothing after the header"
    [job] = httpx.post(f"{server}/bills/upload", headers=auth,
                       files={"files": ("broken.pdf", broken, "application/pdf")}
                       ).json()["jobs"]
    [failed] = wait_final(app_runtime, org_id, [job["id"]])
    assert failed.status is JobStatus.FAILED and failed.error
    shown = httpx.get(f"{server}/jobs/{job['id']}", headers=auth).json()
    assert shown["status"] == "failed" and shown["error"] == failed.error
    assert shown["error_code"] == failed.error_code

    retried = httpx.post(f"{server}/jobs/{job['id']}/retry", headers=auth)
    assert retried.status_code == 202 and retried.json()["status"] == "queued"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        [again] = wait_final(app_runtime, org_id, [job["id"]])
        if again.attempts == 2:
            break
        time.sleep(0.1)
    assert again.status is JobStatus.FAILED and again.attempts == 2

    xml = einvoice("RE-2024-0400")[1]
    [review] = httpx.post(f"{server}/bills/upload", headers=auth,
                          files={"files": ("r.xml", xml, "application/xml")}).json()["jobs"]
    wait_final(app_runtime, org_id, [review["id"]])
    assert httpx.post(f"{server}/jobs/{review['id']}/retry", headers=auth).status_code == 409


def test_uploads_are_taken_while_every_worker_is_busy(app_runtime: Runtime,
                                                      org: tuple[str, dict[str, str]]) -> None:
    """Storing and queueing a file never waits for a worker: with the only worker held in
    the middle of a job, further uploads still answer 202 with their queued jobs."""
    org_id, auth = org
    reading, release = threading.Event(), threading.Event()

    def held_read(data: bytes, media_type: str, companion: bytes | None,
                  settings: Settings) -> Readout:
        reading.set()
        release.wait(60)
        return read_stage(data, media_type, companion, settings)

    dispatcher = LocalDispatcher(app_runtime, mode="thread", workers=1,
                                 stages=Stages(read=held_read))
    try:
        with running_app(app_runtime, dispatcher) as url:
            def upload(index: int) -> dict[str, str]:
                bill = digital_bill(index)
                response = httpx.post(f"{url}/bills/upload", headers=auth, timeout=30,
                                      files={"files": (bill.name, bill.data, "application/pdf")})
                assert response.status_code == 202, response.text
                return response.json()["jobs"][0]

            first = upload(40)
            assert reading.wait(30), "the worker never started the first job"
            later = [upload(index) for index in (41, 42, 43)]
            assert all(job["status"] == "queued" for job in later)
            with app_runtime.repository(org_id) as repo:  # the worker is still on the first
                assert repo.get_job(first["id"]).status is JobStatus.READING
            release.set()
            finished = wait_final(app_runtime, org_id, [first["id"]] + [j["id"] for j in later])
            assert all(job.status is JobStatus.NEEDS_REVIEW for job in finished)
    finally:
        release.set()
        dispatcher.close()
