"""The funnel: a file is sniffed once, when it is received; its job runs with the media type
recorded then; a file that is no bill format is kept and recorded as failed with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import (
    digital_bill,
    einvoice,
    make_org,
    wait_final,
    with_xml_beside_pdf,
)

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.queue.local import LocalDispatcher
from billintake.reading.sniff import PNG, XML
from billintake.services.pipeline import retry_job, run_job
from billintake.services.receive import UNKNOWN_MEDIA_TYPE, accept_message, receive
from billintake.settings import Settings


@pytest.fixture
def org_id(runtime: Runtime) -> str:
    return make_org(runtime)[0].id


@pytest.mark.parametrize("kind", ["pdf", "xml", "pdf with xml beside"])
def test_a_file_is_sniffed_once_from_receive_to_its_booking(
        kind: str, runtime: Runtime, org_id: str, sniffs: list[int]) -> None:
    pdf, xml = einvoice("RE-2024-0301")
    data, beside = {"pdf": (digital_bill(1).data, None), "xml": (xml, None),
                    "pdf with xml beside": (pdf, xml)}[kind]
    received = receive(runtime, org_id, data, filename="bill", channel=Channel.FOLDER,
                       einvoice_xml=beside)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status in {JobStatus.PUSHED, JobStatus.NEEDS_REVIEW}, job.error
    assert sniffs == [len(data)]


def test_an_emailed_bill_is_sniffed_once_by_the_email_intake(tmp_path: Path,
                                                             sniffs: list[int]) -> None:
    """Each attachment is sniffed to pick the bills; its job keeps that type and reads no more."""
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             local_pool="thread"))
    dispatcher = LocalDispatcher(runtime)
    try:
        org_id = make_org(runtime)[0].id
        pdf, xml = einvoice("RE-2024-0302")
        result = accept_message(runtime, dispatcher, org_id, with_xml_beside_pdf(
            "bills+acme@billintake.localhost", pdf, xml))
        [job] = wait_final(runtime, org_id, [r.job.id for r in result.jobs])
        assert job.status is JobStatus.PUSHED, job.error
        assert sorted(sniffs) == sorted([len(pdf), len(xml)])
    finally:
        dispatcher.close()
        runtime.close()


def test_the_run_reads_with_the_media_type_recorded_at_receive(runtime: Runtime,
                                                               org_id: str) -> None:
    """A PDF recorded as a PNG is handed to the image reader: the run does not sniff again."""
    received = receive(runtime, org_id, digital_bill(2).data, filename="b.pdf",
                       channel=Channel.UPLOAD, media_type=PNG)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is JobStatus.FAILED and job.error_code == "unreadable_document"
    assert "image is corrupt" in (job.error or "")


def test_the_sniffed_media_type_is_recorded(runtime: Runtime, org_id: str) -> None:
    xml = einvoice()[1]
    received = receive(runtime, org_id, xml, filename="invoice.pdf", channel=Channel.FOLDER)
    with runtime.repository(org_id) as repo:
        assert repo.get_document(received.job.document_sha256).media_type == XML


def test_a_file_no_reader_takes_is_kept_and_failed_at_receive(runtime: Runtime,
                                                               org_id: str) -> None:
    page = b"<!doctype html><html><body>Invoice</body></html>"
    received = receive(runtime, org_id, page, filename="invoice.pdf", channel=Channel.FOLDER)
    assert not received.needs_dispatch
    assert received.job.status is JobStatus.FAILED
    assert received.job.error_code == "unsupported_media_type"
    assert "HTML" in (received.job.error or "")
    assert runtime.originals.read(received.job.document_sha256) == page
    with runtime.repository(org_id) as repo:
        assert repo.get_job(received.job.id).status is JobStatus.FAILED
        assert repo.get_document(received.job.document_sha256).media_type == UNKNOWN_MEDIA_TYPE

    retry_job(runtime, org_id, received.job.id)
    again = run_job(runtime, org_id, received.job.id)
    assert again.status is JobStatus.FAILED and again.error_code == "unsupported_media_type"
    assert f"type {UNKNOWN_MEDIA_TYPE} cannot be read" in (again.error or "")


def test_a_file_over_the_size_limit_fails_at_receive(tmp_path: Path) -> None:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             max_upload_bytes=1000))
    try:
        org_id = make_org(runtime)[0].id
        received = receive(runtime, org_id, digital_bill(3).data, filename="big.pdf",
                           channel=Channel.FOLDER)
        assert received.job.status is JobStatus.FAILED
        assert received.job.error_code == "too_large" and not received.needs_dispatch
    finally:
        runtime.close()
