"""The ingest job: stored first, statuses per stage, failures kept, retries, duplicates, review."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import einvoice, make_org

from billintake.bootstrap import Runtime
from billintake.domain.extracted import ExtractedBill, ExtractedLineItem, FieldValue
from billintake.domain.model import Bill, Channel, JobStatus, Vendor
from billintake.matching.vendors import VendorMatch
from billintake.services.pipeline import (
    DEFAULT_STAGES,
    Readout,
    ReviewPolicy,
    retry_job,
    review_reasons,
    run_job,
)
from billintake.services.receive import receive
from billintake.settings import Settings


@pytest.fixture
def org_id(runtime: Runtime) -> str:
    return make_org(runtime)[0].id


def test_original_is_stored_and_job_recorded_before_processing(runtime: Runtime,
                                                               org_id: str) -> None:
    _pdf, xml = einvoice()
    received = receive(runtime, org_id, xml, filename="re.xml", channel=Channel.UPLOAD,
                       hints={"note": "x"})
    assert not received.duplicate and received.needs_dispatch
    assert runtime.originals.read(received.job.document_sha256) == xml
    with runtime.repository(org_id) as repo:
        stored = repo.get_job(received.job.id)
        document = repo.get_document(received.job.document_sha256)
    assert stored.status is JobStatus.QUEUED and stored.attempts == 0
    assert stored.hints == {"note": "x"} and stored.channel is Channel.UPLOAD
    assert document.media_type == "application/xml" and document.size == len(xml)


def test_each_stage_runs_under_its_status(runtime: Runtime, org_id: str) -> None:
    """The job row says which stage is running (observed from inside the real stages)."""
    seen: list[JobStatus] = []
    received = receive(runtime, org_id, einvoice()[1], filename="re.xml",
                       channel=Channel.FOLDER)

    def status_now() -> JobStatus:
        with runtime.repository(org_id) as repo:
            return repo.get_job(received.job.id).status

    def read(data: bytes, media_type: str, xml: bytes | None, settings: Settings) -> Readout:
        seen.append(status_now())
        return DEFAULT_STAGES.read(data, media_type, xml, settings)

    def extract(readout: Readout, settings: Settings) -> ExtractedBill:
        seen.append(status_now())
        return DEFAULT_STAGES.extract(readout, settings)

    def match(extracted: ExtractedBill, vendors: list[Vendor], job: object,
              settings: Settings) -> VendorMatch:
        seen.append(status_now())
        return DEFAULT_STAGES.match(extracted, [], job, settings)  # type: ignore[arg-type]

    stages = replace(DEFAULT_STAGES, read=read, extract=extract, match=match)
    job = run_job(runtime, org_id, received.job.id, stages)
    assert seen == [JobStatus.READING, JobStatus.EXTRACTING, JobStatus.MATCHING]
    assert job.status is JobStatus.NEEDS_REVIEW
    assert job.outcome is not None and job.outcome.bill is not None
    assert job.outcome.bill.value("bill_number") == "RE-2024-0042"
    assert job.outcome.review_reasons == ["vendor is not known yet: confirm or create it"]


def test_failure_records_the_error_keeps_the_file_and_can_be_retried(runtime: Runtime,
                                                                     org_id: str) -> None:
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, no xref, no trailer"
    received = receive(runtime, org_id, broken, filename="broken.pdf", channel=Channel.UPLOAD)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is JobStatus.FAILED
    assert job.error_code == "unreadable_document" and job.error
    assert runtime.originals.read(job.document_sha256) == broken

    queued = retry_job(runtime, org_id, job.id)
    assert queued.status is JobStatus.QUEUED and queued.error is None
    again = run_job(runtime, org_id, job.id)
    assert again.status is JobStatus.FAILED and again.attempts == 2


def test_unsupported_content_fails_with_the_reason(runtime: Runtime, org_id: str) -> None:
    page = b"<!doctype html><html><body>Invoice</body></html>"
    received = receive(runtime, org_id, page, filename="invoice.pdf", channel=Channel.FOLDER)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is JobStatus.FAILED and job.error_code == "unsupported_media_type"
    assert "HTML" in (job.error or "")


def test_same_file_twice_links_to_the_first_job(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime
    org_id = make_org(runtime)[0].id
    xml = einvoice()[1]
    first = receive(runtime, org_id, xml, filename="a.xml", channel=Channel.UPLOAD)
    second = receive(runtime, org_id, xml, filename="copy-of-a.xml", channel=Channel.EMAIL)
    # the first job is not finished: it is dispatched again (taken only if nobody holds it)
    assert second.duplicate and second.needs_dispatch
    assert second.job.id == first.job.id
    with runtime.repository(org_id) as repo:
        assert [j.id for j in repo.list_jobs()] == [first.job.id]
    run_job(runtime, org_id, first.job.id)
    third = receive(runtime, org_id, xml, filename="again.xml", channel=Channel.UPLOAD)
    assert third.duplicate and not third.needs_dispatch  # finished: nothing more to do


def test_a_final_job_is_not_run_again(runtime: Runtime, org_id: str) -> None:
    received = receive(runtime, org_id, b"\x89PNG\r\n\x1a\nbroken", filename="x.png",
                       channel=Channel.UPLOAD)
    first = run_job(runtime, org_id, received.job.id)
    assert first.status is JobStatus.FAILED
    again = run_job(runtime, org_id, received.job.id)
    assert again.attempts == first.attempts == 1 and again.updated_at == first.updated_at


def test_xml_beside_the_pdf_is_the_bills_data(runtime: Runtime, org_id: str) -> None:
    pdf, xml = einvoice("RE-2024-0777")
    received = receive(runtime, org_id, pdf, filename="RE-2024-0777.pdf",
                       channel=Channel.EMAIL, einvoice_xml=xml)
    assert received.job.document_sha256 != received.job.hints["einvoice_sha256"]
    assert runtime.originals.read(received.job.hints["einvoice_sha256"]) == xml
    job = run_job(runtime, org_id, received.job.id,
                  replace(DEFAULT_STAGES, match=lambda e, v, j, s: VendorMatch(
                      vendor=None, score=0.0, method="none")))
    bill = job.outcome.bill if job.outcome else None
    assert bill is not None and bill.value("bill_number") == "RE-2024-0777"
    assert bill.total is not None and bill.total.confidence == 1.0
    assert job.status is JobStatus.NEEDS_REVIEW


def test_a_bill_already_booked_from_this_file_is_linked_not_booked_again(
        runtime: Runtime, org_id: str) -> None:
    """A job run a second time (a redelivered task) finds the bill its first run booked."""
    xml = einvoice()[1]
    received = receive(runtime, org_id, xml, filename="re.xml", channel=Channel.UPLOAD)
    with runtime.repository(org_id) as repo:
        vendor = next(v for v in repo.list_vendors() if v.name.startswith("Nordwind"))
        booked = repo.add_bill(Bill(organization_id=org_id, vendor_id=vendor.id,
                                    bill_number="RE-2024-0042", bill_date=date(2024, 3, 5),
                                    currency="EUR", total=Decimal("939.51"),
                                    document_sha256=received.job.document_sha256,
                                    external_id="booked-1", backend="ledger"))

    def must_not_push(*_args: object) -> str:
        raise AssertionError("pushed a second time")

    job = run_job(runtime, org_id, received.job.id, replace(DEFAULT_STAGES, push=must_not_push))
    assert job.status is JobStatus.PUSHED and job.bill_id == booked.id
    assert job.outcome and job.outcome.review_reasons == []
    match = job.outcome.vendor_match
    assert match is not None and match.vendor is not None and match.vendor.id == vendor.id


def _bill(confidence: float, *, reconciled: bool = True) -> ExtractedBill:
    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=confidence)

    return ExtractedBill(bill_number=fv("A-1"), vendor_name=fv("Acme"),
                         bill_date=fv(date(2024, 1, 2)), total=fv(Decimal("10.00")),
                         currency=fv("EUR"), reconciled=reconciled)


def test_review_reasons_follow_the_thresholds() -> None:
    vendor = Vendor(organization_id="o", name="Acme")
    matched = VendorMatch(vendor=vendor, score=100.0, method="exact_name")
    policy = ReviewPolicy(min_confidence=0.85, require_reconciled=True)
    assert review_reasons(_bill(0.97), matched, policy) == []
    assert "below the auto-approve threshold" in review_reasons(_bill(0.8), matched, policy)[0]
    # Each field above the threshold, but all four right together less likely than it
    # (0.9⁴ ≈ 0.66): the bill is booked whole, so it waits.
    assert "confidence 0.65 is below the auto-approve threshold 0.85" in \
        review_reasons(_bill(0.9), matched, policy)[0]
    assert "do not add up" in review_reasons(_bill(0.97, reconciled=False), matched,
                                             policy)[0]
    assert review_reasons(_bill(0.97, reconciled=False), matched,
                          ReviewPolicy(min_confidence=0.85, require_reconciled=False)) == []
    ambiguous = VendorMatch(vendor=None, score=92.0, method="fuzzy", ambiguous=True,
                            reason="'Acme' and 'Acme 2' are both close")
    assert review_reasons(_bill(0.97), ambiguous, policy) == [
        "vendor is ambiguous: 'Acme' and 'Acme 2' are both close"]
    missing = ExtractedBill(total=FieldValue(value=Decimal("1"), confidence=1.0),
                            reconciled=True)
    assert review_reasons(missing, matched, policy)[0].startswith(
        "not found on the bill: bill_number, vendor_name, bill_date, currency")
    # a till slip of a vendor whose approved bills never printed a number: its absence is
    # no reason to wait; any other field's is
    slip = _bill(0.97).model_copy(update={"bill_number": None})
    assert review_reasons(slip, matched, policy)[0] == "not found on the bill: bill_number"
    expected = slip.model_copy(update={"not_printed": ["bill_number"]})
    assert review_reasons(expected, matched, policy) == []
    assert review_reasons(expected.model_copy(update={"bill_date": None}), matched, policy) \
        [0] == "not found on the bill: bill_date"
    # a total alone is reconciled with nothing, unless the vendor never prints the parts
    alone = _bill(0.97, reconciled=False)
    assert "do not add up" in review_reasons(alone, matched, policy)[0]
    assert review_reasons(alone.model_copy(update={"not_printed": ["subtotal", "tax"]}),
                          matched, policy) == []
    def taxed(tax: str) -> ExtractedBill:
        return alone.model_copy(update={"not_printed": ["subtotal"], "tax": FieldValue(
            value=Decimal(tax), confidence=0.97)})

    assert "do not add up" in review_reasons(taxed("0.57"), matched, policy)[0]
    assert review_reasons(taxed("0.00"), matched, policy) == []  # a zero tax is no part


def test_a_bill_whose_amounts_contradict_never_passes_the_gate() -> None:
    """Fully confident, said to be reconciled, under the most lenient policy: a bill whose
    subtotal and tax do not make its total, or whose lines make neither, is not booked."""
    matched = VendorMatch(vendor=Vendor(organization_id="o", name="Acme"), score=100.0,
                          method="exact_name")
    lenient = ReviewPolicy(min_confidence=0.0, require_reconciled=False)
    one = FieldValue(value=Decimal("100.00"), confidence=1.0)
    bill = _bill(1.0).model_copy(update={
        "subtotal": one, "tax": FieldValue(value=Decimal("19.00"), confidence=1.0),
        "total": FieldValue(value=Decimal("120.00"), confidence=1.0)})
    reasons = review_reasons(bill, matched, lenient)
    assert reasons and "contradict" in reasons[0]
    agreeing = bill.model_copy(update={"total": FieldValue(value=Decimal("119.00"),
                                                           confidence=1.0)})
    assert review_reasons(agreeing, matched, lenient) == []
    lines = agreeing.model_copy(update={"line_items": [
        ExtractedLineItem(description="Work", amount=Decimal("90.00"))]})
    assert "contradict" in review_reasons(lines, matched, lenient)[0]
    lines_ok = agreeing.model_copy(update={"line_items": [
        ExtractedLineItem(description="Work", amount=Decimal("100.00"))]})
    assert review_reasons(lines_ok, matched, lenient) == []


def test_a_bill_passing_the_thresholds_is_pushed_once(any_db_runtime: Runtime) -> None:
    """An exact e-invoice from a known vendor is booked; running the job again books nothing
    (on SQLite and on PostgreSQL)."""
    runtime = any_db_runtime
    org_id = make_org(runtime)[0].id
    pdf, xml = einvoice("RE-2024-0042")
    received = receive(runtime, org_id, pdf, filename="RE-2024-0042.pdf", channel=Channel.EMAIL,
                       einvoice_xml=xml)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is JobStatus.PUSHED, job.outcome
    with runtime.repository(org_id) as repo:
        [bill] = repo.list_bills()
    assert bill.id == job.bill_id and bill.document_sha256 == job.document_sha256
    assert bill.external_id is not None and bill.total == Decimal("939.51")
    assert bill.bill_number == "RE-2024-0042" and bill.status.value == "open"

    with runtime.repository(org_id) as repo:  # as if a worker died before recording the push
        stuck = repo.get_job(job.id)
        stuck.status, stuck.bill_id = JobStatus.READY, None
        repo.update_job(stuck)
    again = run_job(runtime, org_id, job.id)
    assert again.status is JobStatus.PUSHED and again.bill_id == bill.id
    with runtime.repository(org_id) as repo:
        assert len(repo.list_bills()) == 1


def test_the_same_bill_in_another_file_waits_for_review(runtime: Runtime, org_id: str) -> None:
    pdf, xml = einvoice("RE-2024-0043")
    first = run_job(runtime, org_id, receive(runtime, org_id, xml, filename="a.xml",
                                             channel=Channel.UPLOAD).job.id)
    assert first.status is JobStatus.PUSHED
    other = receive(runtime, org_id, pdf, filename="scan-of-a.pdf", channel=Channel.FOLDER,
                    einvoice_xml=xml)
    second = run_job(runtime, org_id, other.job.id)
    assert second.status is JobStatus.NEEDS_REVIEW and second.bill_id is None
    assert second.outcome and second.outcome.duplicate_of == first.bill_id
    assert "already taken in" in second.outcome.review_reasons[0]


def test_the_organizations_own_name_on_a_bill_is_never_its_vendor(runtime: Runtime) -> None:
    from reportlab.pdfgen import canvas

    with runtime.directory() as directory:
        org, _key = directory.create_organization("Northwind Traders Ltd", "northwind")
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    lines = [(18, "NORTHWIND TRADERS LTD"), (10, "Contoso Supplies GmbH"),
             (10, "Hauptstrasse 5"), (10, "10115 Berlin"), (10, "Invoice No. RE-2026-0412"),
             (10, "Date 12.03.2026"), (10, "Total EUR 119,00")]
    for n, (size, text) in enumerate(lines):
        pdf.setFont("Helvetica-Bold" if size > 10 else "Helvetica", size)
        pdf.drawString(60, 780 - 24 * n, text)
    pdf.save()
    received = receive(runtime, org.id, buffer.getvalue(), filename="po-copy.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, org.id, received.job.id)
    assert job.outcome is not None and job.outcome.bill is not None
    assert job.outcome.bill.value("vendor_name") == "Contoso Supplies GmbH"


def test_the_senders_domain_helps_to_find_the_vendor(runtime: Runtime) -> None:
    """A bill whose name is unreadable still matches by the email it came from — unless a
    colleague forwarded it, then their address says nothing about the vendor."""
    from billintake.services.pipeline import JobInput, match_stage

    harbour = Vendor(organization_id="o", name="Harbour Print Ltd",
                     email="accounts@harbourprint.example")
    other = Vendor(organization_id="o", name="Polder Software B.V.")
    extracted = ExtractedBill(vendor_name=FieldValue(value="H4rb0ur Pr1nt", confidence=0.4))
    direct = JobInput(job_id="j", organization_id="o", filename="a.pdf", document_sha256="0",
                      hints={"email_sender": "billing@harbourprint.example"})
    found = match_stage(extracted, [harbour, other], direct, runtime.settings)
    assert found.vendor == harbour and found.method == "email_domain"

    forwarded = replace(direct, hints={"email_sender": "jane@acme.example",
                                       "forwarded_by": "jane@acme.example"})
    assert match_stage(extracted, [harbour, other], forwarded, runtime.settings).vendor is None


@pytest.mark.slow
def test_a_scanned_bill_goes_through_ocr(runtime: Runtime, org_id: str) -> None:
    from fixtures_gen.intake_fixtures import scanned_bill

    scan = scanned_bill(0)
    received = receive(runtime, org_id, scan.data, filename=scan.name, channel=Channel.UPLOAD)
    assert received.job.status is JobStatus.QUEUED
    job = run_job(runtime, org_id, received.job.id)
    assert job.status in {JobStatus.PUSHED, JobStatus.NEEDS_REVIEW}, job.error
    bill = job.outcome.bill if job.outcome else None
    assert bill is not None
    evidence = [field.evidence for field in bill.field_values().values() if field.evidence]
    assert evidence and {e.source for e in evidence} == {"ocr"}


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_file_from_several_processes_at_once_makes_one_job(
        pg_database: str, tmp_path: Path) -> None:
    """Several API processes receiving the same file at the same moment: one job for all."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    from fixtures_gen.intake_fixtures import receive_in_process

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database_url=pg_database)
    runtime = Runtime.from_settings(settings)
    org_id = make_org(runtime, "race")[0].id
    xml = einvoice("RE-RACE-1")[1]
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        start_at = time.time() + 4
        futures = [pool.submit(receive_in_process, settings.model_dump(), org_id, xml, start_at)
                   for _ in range(4)]
        job_ids = {future.result(timeout=60) for future in futures}
    with runtime.repository(org_id) as repo:
        jobs = [j for j in repo.list_jobs() if j.original_filename == "race.xml"]
    assert len(job_ids) == 1 and [j.id for j in jobs] == list(job_ids)
    runtime.close()


def test_a_run_overtaken_by_a_newer_run_of_the_same_job_stops(runtime: Runtime,
                                                              org_id: str) -> None:
    """A task delivered again while its first worker is still busy: only the newer run books."""
    received = receive(runtime, org_id, einvoice("RE-2024-0044")[1], filename="o.xml",
                       channel=Channel.UPLOAD)
    newer: list[object] = []

    def read_then_get_overtaken(data: bytes, media_type: str, xml: bytes | None,
                                settings: Settings) -> Readout:
        if not newer:  # while the first run reads, the same job starts again and finishes
            with runtime.repository(org_id) as repo:
                job = repo.get_job(received.job.id)
                job.status = JobStatus.QUEUED
                repo.update_job(job)
            newer.append(run_job(runtime, org_id, received.job.id))
        return DEFAULT_STAGES.read(data, media_type, xml, settings)

    first = run_job(runtime, org_id, received.job.id,
                    replace(DEFAULT_STAGES, read=read_then_get_overtaken))
    [second] = newer
    assert second.status is JobStatus.PUSHED and second.attempts == 2  # type: ignore[attr-defined]
    assert first.status is JobStatus.PUSHED and first.attempts == 2  # the newer run's result
    with runtime.repository(org_id) as repo:
        assert len(repo.list_bills()) == 1


def test_a_bill_flagged_by_extraction_waits_for_review() -> None:
    vendor = Vendor(organization_id="o", name="Acme")
    matched = VendorMatch(vendor=vendor, score=100.0, method="exact_name")
    flagged = _bill(1.0).model_copy(update={"needs_review": True,
                                            "warnings": ["BR-CO-15: totals differ"]})
    assert review_reasons(flagged, matched, ReviewPolicy(0.85, True)) == [
        "flagged for review: BR-CO-15: totals differ"]
