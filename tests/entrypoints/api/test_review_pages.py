"""A reviewer moves where the bills of a scanner batch begin and end, over HTTP: a boundary
moved, two bills merged, one split at a page. Each affected bill is read again from exactly
its new pages (its fields as extraction gives them for those pages), nothing is lost (the
original kept, superseded results recorded with who made the change)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import make_org, wait_final
from fixtures_gen.split_fixtures import batch_of_two

from billintake.bootstrap import Runtime
from billintake.domain.extracted import ExtractedBill
from billintake.domain.model import (
    MERGED_INTO_HINT,
    ORIGINAL_HINT,
    SPLIT_OF_HINT,
    Channel,
    IngestJob,
    JobStatus,
)
from billintake.entrypoints.api.app import create_app
from billintake.services.pipeline import extract_stage, read_stage, run_job
from billintake.services.receive import receive
from billintake.services.split import cut_pages, job_pages
from billintake.settings import Settings

PDF = "application/pdf"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                        local_pool="thread", local_workers=1))
    yield rt
    rt.close()


@pytest.fixture
def batch(runtime: Runtime) -> tuple[TestClient, str, IngestJob, IngestJob]:
    """A batch of two bills (pages 1-1 and 2-4) of unknown vendors: both wait for review."""
    org, key = make_org(runtime, known_sellers=False)
    received = receive(runtime, org.id, batch_of_two(), filename="scan.pdf",
                       channel=Channel.UPLOAD)
    first = run_job(runtime, org.id, received.job.id)
    with runtime.repository(org.id) as repo:
        [second] = [j for j in repo.list_jobs() if j.hints.get(SPLIT_OF_HINT) == first.id]
    second = run_job(runtime, org.id, second.id)
    assert (job_pages(first), job_pages(second)) == ((1, 1), (2, 4))
    assert first.status is second.status is JobStatus.NEEDS_REVIEW
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    return client, org.id, first, second


def extracted_on(runtime: Runtime, pages: tuple[int, int]) -> dict[str, Any]:
    """The bill extraction reads on those pages of the batch alone."""
    part = cut_pages(batch_of_two(), PDF, pages)
    bill = extract_stage(read_stage(part, PDF, None, runtime.settings), runtime.settings)
    return bill.model_dump(mode="json")


def change(client: TestClient, runtime: Runtime, org_id: str, job_id: str,
           body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/review/{job_id}/pages", json=body)
    assert response.status_code == 202, response.text
    answer = response.json()
    wait_final(runtime, org_id, answer["queued"], timeout_s=120)
    return answer["change"]  # type: ignore[no-any-return]


def job(runtime: Runtime, org_id: str, job_id: str) -> IngestJob:
    with runtime.repository(org_id) as repo:
        return repo.get_job(job_id)


def bill_of(found: IngestJob) -> dict[str, Any]:
    assert found.outcome is not None and found.outcome.bill is not None, found.error
    return found.outcome.bill.model_dump(mode="json")


def file_pages(runtime: Runtime, found: IngestJob) -> int:
    return len(pdfium.PdfDocument(runtime.originals.read(found.document_sha256)))


def test_move_merge_and_split_read_each_bill_from_its_new_pages(
        batch: tuple[TestClient, str, IngestJob, IngestJob], runtime: Runtime) -> None:
    client, org_id, first, second = batch
    original = first.document_sha256
    second_bill = bill_of(second)

    # the second bill starts a page later: the first takes page 2
    moved = change(client, runtime, org_id, second.id, {"starts_at": 3})
    assert moved["action"] == "move" and moved["by"].startswith("API key bik_")
    assert [(b["job_id"], b["pages"]) for b in moved["before"]] == [
        (first.id, [1, 1]), (second.id, [2, 4])]
    assert [(b["job_id"], b["pages"]) for b in moved["after"]] == [
        (first.id, [1, 2]), (second.id, [3, 4])]
    a, b = job(runtime, org_id, first.id), job(runtime, org_id, second.id)
    assert (job_pages(a), job_pages(b)) == ((1, 2), (3, 4))
    assert a.status is b.status is JobStatus.NEEDS_REVIEW
    assert a.document_sha256 == original  # the first bill's job keeps the original
    assert b.document_sha256 != second.document_sha256 and file_pages(runtime, b) == 2
    assert runtime.originals.read(second.document_sha256)  # the former cut is kept
    assert bill_of(a) == extracted_on(runtime, (1, 2))
    assert bill_of(b) == extracted_on(runtime, (3, 4))
    assert len(client.get(f"/jobs/{first.id}/pages").json()["pages"]) == 2  # its pages only
    assert len(client.get(f"/jobs/{second.id}/pages").json()["pages"]) == 2

    # one bill of both
    merged = change(client, runtime, org_id, first.id, {"merge": "next"})
    assert [(x["job_id"], x["pages"]) for x in merged["after"]] == [(first.id, [1, 4])]
    a, b = job(runtime, org_id, first.id), job(runtime, org_id, second.id)
    assert job_pages(a) == (1, 4) and bill_of(a) == extracted_on(runtime, (1, 4))
    assert b.status is JobStatus.FAILED and b.error_code == "merged"
    assert b.hints[MERGED_INTO_HINT] == first.id and first.id in (b.error or "")

    # split again where the scanner batch had its boundary: the second bill is back
    split = change(client, runtime, org_id, first.id, {"split_at": 2})
    [(_, kept), (new_id, new_pages)] = [(x["job_id"], x["pages"]) for x in split["after"]]
    assert kept == [1, 1] and new_pages == [2, 4] and new_id not in (first.id, second.id)
    new = job(runtime, org_id, new_id)
    assert new.hints[SPLIT_OF_HINT] == first.id and new.hints[ORIGINAL_HINT] == original
    assert new.original_filename == "scan (pages 2-4).pdf" and new.channel is Channel.UPLOAD
    assert bill_of(new) == second_bill
    assert bill_of(job(runtime, org_id, first.id)) == bill_of(first)

    view = client.get(f"/review/{first.id}").json()["split"]
    assert view["pages"] == [1, 1] and view["page_count"] == 4
    assert [(x["job_id"], x["pages"]) for x in view["bills"]] == [
        (first.id, [1, 1]), (new_id, [2, 4])]
    assert view["previous"] is None and view["next"]["job_id"] == new_id
    assert [c["action"] for c in view["changes"]] == ["move", "merge", "split"]
    with runtime.repository(org_id) as repo:  # the superseded results, kept
        [recorded, *_] = repo.page_changes(original)
    superseded = {b.job_id: b.outcome for b in recorded.before}
    assert superseded[second.id] is not None and isinstance(superseded[second.id].bill,
                                                            ExtractedBill)
    assert superseded[second.id].bill.model_dump(mode="json") == second_bill


def test_a_file_read_as_one_bill_can_be_split(runtime: Runtime) -> None:
    org, key = make_org(runtime, known_sellers=False)
    data = batch_of_two()
    received = receive(runtime, org.id, data, filename="two.pdf", channel=Channel.UPLOAD,
                       hints={"pages": "1-4"})  # not split when read
    whole = run_job(runtime, org.id, received.job.id)
    assert whole.status is JobStatus.NEEDS_REVIEW
    with runtime.repository(org.id) as repo:  # as a file the splitter saw one bill in
        whole.hints = {}
        repo.update_job(whole)
        assert len(repo.list_jobs()) == 1
    client = TestClient(create_app(runtime=runtime))
    client.headers["Authorization"] = f"Bearer {key}"
    split = change(client, runtime, org.id, whole.id, {"split_at": 2})
    [(_, kept), (new_id, new_pages)] = [(x["job_id"], x["pages"]) for x in split["after"]]
    assert (kept, new_pages) == ([1, 1], [2, 4])
    assert bill_of(job(runtime, org.id, whole.id)) == extracted_on(runtime, (1, 1))
    assert bill_of(job(runtime, org.id, new_id)) == extracted_on(runtime, (2, 4))


@pytest.mark.parametrize(("on", "body", "status", "says"), [
    ("second", {"starts_at": 1}, 422, "after the previous bill's first page"),
    ("second", {"starts_at": 5}, 422, "at most this bill's last page 4"),
    ("first", {"starts_at": 1}, 409, "first bill of the file"),
    ("second", {"ends_at": 3}, 409, "last bill of the file"),
    ("first", {"split_at": 2}, 422, "split_at: page 2 must be after"),
    ("second", {"split_at": 2, "merge": "previous"}, 422, "exactly one of"),
    ("second", {}, 422, "exactly one of"),
    ("second", {"merge": "sideways"}, 422, "merge"),
])
def test_pages_that_do_not_fit_are_refused_and_nothing_changes(
        batch: tuple[TestClient, str, IngestJob, IngestJob], runtime: Runtime, on: str,
        body: dict[str, Any], status: int, says: str) -> None:
    client, org_id, first, second = batch
    target = first if on == "first" else second
    response = client.post(f"/review/{target.id}/pages", json=body)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]
    assert job_pages(job(runtime, org_id, first.id)) == (1, 1)
    assert job(runtime, org_id, second.id).document_sha256 == second.document_sha256
    with runtime.repository(org_id) as repo:
        assert repo.page_changes(first.document_sha256) == []


def test_a_booked_bill_keeps_its_pages(
        batch: tuple[TestClient, str, IngestJob, IngestJob], runtime: Runtime) -> None:
    client, org_id, first, second = batch
    with runtime.repository(org_id) as repo:
        booked = repo.get_job(first.id)
        booked.status, booked.bill_id = JobStatus.PUSHED, "b" * 32
        repo.update_job(booked)
    response = client.post(f"/review/{second.id}/pages", json={"starts_at": 3})
    assert response.status_code == 409 and "booked already" in response.json()["detail"]
    assert job_pages(job(runtime, org_id, second.id)) == (2, 4)


def test_the_command_line_moves_a_boundary_and_reads_the_bills_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from billintake.entrypoints.cli import app
    from billintake.settings import get_settings

    data = tmp_path / "cli-data"
    for name, value in (("DATA_DIR", str(data)), ("DATABASE_URL", ""),
                        ("LOCAL_POOL", "thread"), ("LOCAL_WORKERS", "1")):
        monkeypatch.setenv(f"BILLINTAKE_{name}", value)
    get_settings.cache_clear()
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    try:
        org, _key = make_org(runtime, "cli", known_sellers=False)
        received = receive(runtime, org.id, batch_of_two(), filename="scan.pdf",
                           channel=Channel.FOLDER)
        first = run_job(runtime, org.id, received.job.id)
        with runtime.repository(org.id) as repo:
            [second] = [j for j in repo.list_jobs() if j.id != first.id]
        run_job(runtime, org.id, second.id)
        runner = CliRunner()
        bad = runner.invoke(app, ["review", "pages", second.id, "--starts-at", "9"])
        assert bad.exit_code == 1 and "at most this bill's last page 4" in bad.output
        moved = runner.invoke(app, ["review", "pages", second.id[:8], "--starts-at", "3",
                                    "--json"])
        assert moved.exit_code == 0, moved.output
        change = json.loads(moved.stdout)["change"]
        assert change["by"].startswith("command line (")
        assert [b["pages"] for b in change["after"]] == [[1, 2], [3, 4]]
        a, b = job(runtime, org.id, first.id), job(runtime, org.id, second.id)
        assert a.status is b.status is JobStatus.NEEDS_REVIEW  # read again before it ended
        assert bill_of(b) == extracted_on(runtime, (3, 4))
    finally:
        runtime.close()
        get_settings.cache_clear()
