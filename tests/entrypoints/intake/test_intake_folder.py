"""Folder intake over a real directory: once (the CLI, too) and in watch mode."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import digital_bill, einvoice, make_org, ubl_einvoice
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.domain.model import JobStatus
from billintake.entrypoints.cli import app
from billintake.entrypoints.intake.folder import FolderIntake
from billintake.queue.local import LocalDispatcher
from billintake.settings import Settings

BROKEN_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> truncated"


@pytest.fixture
def folder_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                    local_workers=2)


@pytest.fixture
def folder_runtime(folder_settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(folder_settings)
    yield runtime
    runtime.close()


def _fill(inbox: Path) -> dict[str, bytes]:
    files = {"a-rechnung.xml": einvoice("RE-2024-0501")[1],
             "b-bill.pdf": digital_bill(3).data,
             "c-broken.pdf": BROKEN_PDF, "d-peppol.xml": ubl_einvoice(),
             ".hidden.pdf": b"ignored", "notes.txt": b"ignored"}
    inbox.mkdir(exist_ok=True)
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return files


def test_batch_moves_files_by_outcome_and_a_second_run_books_nothing_twice(
        folder_runtime: Runtime, tmp_path: Path) -> None:
    org, _key = make_org(folder_runtime, known_sellers=False)
    inbox = tmp_path / "inbox"
    files = _fill(inbox)
    dispatcher = LocalDispatcher(folder_runtime)
    intake = FolderIntake(folder_runtime, dispatcher, org.id, inbox)
    summary = intake.run_batch(timeout_s=60)

    by_name = {o.source.name: o for o in summary.outcomes}
    assert sorted(by_name) == ["a-rechnung.xml", "b-bill.pdf", "c-broken.pdf", "d-peppol.xml"]
    assert by_name["a-rechnung.xml"].status is JobStatus.NEEDS_REVIEW
    peppol = by_name["d-peppol.xml"].job.outcome
    assert peppol and peppol.bill and peppol.bill.value("bill_number") == "INV-UBL-1"
    assert by_name["c-broken.pdf"].status is JobStatus.FAILED and summary.failed == 1
    assert (inbox / "done" / "a-rechnung.xml").read_bytes() == files["a-rechnung.xml"]
    assert (inbox / "done" / "b-bill.pdf").exists()
    assert (inbox / "failed" / "c-broken.pdf").read_bytes() == BROKEN_PDF
    note = (inbox / "failed" / "c-broken.pdf.error.txt").read_text()
    assert note.startswith("unreadable_document: ") and by_name["c-broken.pdf"].job.id in note
    assert (inbox / ".hidden.pdf").exists() and (inbox / "notes.txt").exists()

    # the same files again: linked to their first jobs, no new job, files still cleared away
    for name in ("a-rechnung.xml", "b-bill.pdf"):
        (inbox / name).write_bytes(files[name])
    again = intake.run_batch(timeout_s=60)
    assert again.duplicates == 2 and {o.job.id for o in again.outcomes} <= {
        o.job.id for o in summary.outcomes}
    assert (inbox / "done" / "a-rechnung-2.xml").exists()
    with folder_runtime.repository(org.id) as repo:
        assert len(repo.list_jobs()) == 4
    dispatcher.close()


def test_cli_ingest_prints_a_summary_and_fails_when_a_file_failed(
        folder_settings: Settings, folder_runtime: Runtime, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    make_org(folder_runtime, known_sellers=False)
    inbox = tmp_path / "inbox"
    _fill(inbox)
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(folder_settings.data_dir))
    monkeypatch.setenv("BILLINTAKE_LOCAL_POOL", "thread")
    from billintake.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["ingest", str(inbox)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "ingest summary" in result.output
    lines = {line.split("│")[1].strip(): line.split("│")[2].strip()
             for line in result.output.splitlines() if line.count("│") == 3}
    assert lines == {"pushed": "0", "needs review": "3", "failed": "1"}
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == [
        "c-broken.pdf", "c-broken.pdf.error.txt"]


def test_watch_takes_files_once_fully_written(folder_runtime: Runtime, tmp_path: Path) -> None:
    org, _key = make_org(folder_runtime, known_sellers=False)
    inbox = tmp_path / "watched"
    inbox.mkdir()
    (inbox / "early.xml").write_bytes(einvoice("RE-2024-0601")[1])  # there before watching
    dispatcher = LocalDispatcher(folder_runtime)
    intake = FolderIntake(folder_runtime, dispatcher, org.id, inbox, poll_s=0.1)
    stop = threading.Event()
    results: list[object] = []
    watcher = threading.Thread(target=lambda: results.append(intake.watch(stop, settle_s=0.8)))
    watcher.start()
    try:
        slow = einvoice("RE-2024-0602")[1]
        with (inbox / "slow.xml").open("wb") as handle:  # written in pieces, 0.3 s apart
            for start in range(0, len(slow), len(slow) // 4 + 1):
                handle.write(slow[start:start + len(slow) // 4 + 1])
                handle.flush()
                time.sleep(0.3)
        (inbox / "later.pdf").write_bytes(BROKEN_PDF)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            moved = {p.name for p in (inbox / "done").iterdir()} | {
                p.name for p in (inbox / "failed").iterdir()}
            if {"early.xml", "slow.xml", "later.pdf"} <= moved:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        watcher.join(timeout=30)
        dispatcher.close()
    assert (inbox / "done" / "slow.xml").read_bytes() == slow
    assert (inbox / "failed" / "later.pdf.error.txt").exists()
    with folder_runtime.repository(org.id) as repo:
        jobs = {j.original_filename: j for j in repo.list_jobs()}
    assert set(jobs) == {"early.xml", "slow.xml", "later.pdf"}  # one job each, never a part
    assert folder_runtime.originals.read(jobs["slow.xml"].document_sha256) == slow
    assert jobs["later.pdf"].status is JobStatus.FAILED
