"""Every channel at once into one service; afterwards every received file is a bill, a job
waiting for review, or a failed job with its reason — none missing, none booked twice."""

from __future__ import annotations

import hashlib
import smtplib
from pathlib import Path

import httpx
from fixtures_gen.intake_fixtures import (
    digital_bill,
    einvoice,
    forwarded_message,
    free_port,
    make_org,
    no_attachment_message,
    plain_message,
    running_app,
    several_attachments,
    wait_final,
    with_xml_beside_pdf,
)

from billintake.bootstrap import Runtime
from billintake.domain.model import JobStatus
from billintake.entrypoints.intake.folder import FolderIntake
from billintake.entrypoints.intake.smtp import start_smtp
from billintake.queue.local import LocalDispatcher
from billintake.settings import Settings

BROKEN = b"%PDF-1.5\n% cut off in transit"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_every_received_file_ends_as_bill_review_or_failure(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        local_workers=2)
    runtime = Runtime.from_settings(settings)
    org, key = make_org(runtime, vendor_names=[digital_bill(n).vendor_name for n in range(3)])
    auth = {"Authorization": f"Bearer {key}"}
    to = f"bills+acme@{settings.intake_domain}"
    received: set[str] = set()  # sha256 of every original the service accepted

    e1, e2, e3, e4 = (einvoice(f"RE-E2E-{n}") for n in range(4))
    with running_app(runtime) as url:
        # upload: several files, one of them twice, one broken
        files = [("files", ("e1.xml", e1[1], "application/xml")),
                 ("files", ("d0.pdf", digital_bill(0).data, "application/pdf")),
                 ("files", ("broken.pdf", BROKEN, "application/pdf"))]
        assert httpx.post(f"{url}/bills/upload", files=files, headers=auth).status_code == 202
        again = httpx.post(f"{url}/bills/upload", headers=auth,
                           files={"files": ("e1-again.xml", e1[1], "application/xml")})
        assert again.json()["jobs"][0]["duplicate"]
        received |= {sha(e1[1]), sha(digital_bill(0).data), sha(BROKEN)}

        # email webhook: a forwarded bill
        pdf_fwd = digital_bill(1).data
        assert httpx.post(f"{url}/inbound/email", headers=auth,
                          content=forwarded_message(to, pdf_fwd)).status_code == 202
        received.add(sha(pdf_fwd))

        # SMTP: XML beside its PDF, several attachments, and a message with nothing usable
        dispatcher = LocalDispatcher(runtime)
        port = free_port()
        controller = start_smtp(runtime, dispatcher, host="127.0.0.1", port=port)
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.sendmail("rechnung@nordwind-buero.example", [to],
                                with_xml_beside_pdf(to, e2[0], e2[1]))
                client.sendmail("ap@supplier.example", [to], several_attachments(
                    to, [("d2.pdf", digital_bill(2).data, "application/pdf"),
                         ("d3.pdf", digital_bill(3).data, "application/pdf")]))
                client.sendmail("ap@supplier.example", [to], several_attachments(
                    to, [("e3.xml", e3[1], "application/xml")]))
                client.sendmail("billing@harbourprint.example", [to],
                                plain_message(to, e1[1], filename="dup.xml"))
                nothing = no_attachment_message(to)
                client.sendmail("someone@vendor.example", [to], nothing)
        finally:
            controller.stop()
        received |= {sha(e2[0]), sha(e3[1]), sha(digital_bill(2).data),
                     sha(digital_bill(3).data)}

        # folder: a batch with a new bill and one already received by upload
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        (inbox / "e4.xml").write_bytes(e4[1])
        (inbox / "d0-copy.pdf").write_bytes(digital_bill(0).data)
        summary = FolderIntake(runtime, dispatcher, org.id, inbox).run_batch(timeout_s=120)
        assert summary.duplicates == 1
        received.add(sha(e4[1]))
        dispatcher.close()

        with runtime.repository(org.id) as repo:
            jobs = repo.list_jobs(limit=1000)
        wait_final(runtime, org.id, [j.id for j in jobs], timeout_s=120)
        with runtime.repository(org.id) as repo:
            jobs = repo.list_jobs(limit=1000)
            bills = repo.list_bills(limit=1000)

    by_document = {j.document_sha256: j for j in jobs}
    assert len(by_document) == len(jobs), "one job per distinct file"
    # the message without an attachment is kept as a failed job, its raw message the original
    no_bill = [j for j in jobs if j.error_code == "no_usable_attachment"]
    assert len(no_bill) == 1 and runtime.originals.exists(no_bill[0].document_sha256)
    assert received <= set(by_document), "a received file has no job"
    assert len(jobs) == len(received) + 1

    bill_by_id = {b.id: b for b in bills}
    for job in jobs:
        assert runtime.originals.exists(job.document_sha256)
        if job.status is JobStatus.PUSHED:
            bill = bill_by_id[job.bill_id]  # type: ignore[index]
            assert bill.document_sha256 == job.document_sha256 and bill.external_id
        elif job.status is JobStatus.NEEDS_REVIEW:
            assert job.outcome and job.outcome.review_reasons, job
        else:
            assert job.status is JobStatus.FAILED and job.error and job.error_code, job
    assert len(bills) == sum(j.status is JobStatus.PUSHED for j in jobs)
    assert by_document[sha(BROKEN)].status is JobStatus.FAILED
    for pushed in (e1[1], e2[0], e3[1], e4[1]):  # exact e-invoices from known vendors
        assert by_document[sha(pushed)].status is JobStatus.PUSHED
    runtime.close()
