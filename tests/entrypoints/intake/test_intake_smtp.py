"""A real SMTP conversation (smtplib) with the listener on a free port."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import (
    einvoice,
    free_port,
    make_org,
    nested_message,
    no_attachment_message,
    oversized_message,
    wait_final,
    with_xml_beside_pdf,
)

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.entrypoints.intake.smtp import start_smtp
from billintake.queue.local import LocalDispatcher
from billintake.settings import Settings

DOMAIN = "billintake.localhost"
LIMIT = 400_000


@pytest.fixture
def smtp_runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        intake_domain=DOMAIN, max_email_bytes=LIMIT)
    runtime = Runtime.from_settings(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def listener(smtp_runtime: Runtime) -> Iterator[tuple[str, int]]:
    dispatcher = LocalDispatcher(smtp_runtime)
    port = free_port()
    controller = start_smtp(smtp_runtime, dispatcher, host="127.0.0.1", port=port)
    yield "127.0.0.1", port
    controller.stop()
    dispatcher.close()


def test_mail_to_the_intake_address_becomes_one_job_per_bill(
        smtp_runtime: Runtime, listener: tuple[str, int]) -> None:
    org, _key = make_org(smtp_runtime, "acme", known_sellers=False)
    pdf, xml = einvoice("RE-2024-0300")
    to = f"bills+acme@{DOMAIN}"
    with smtplib.SMTP(*listener, timeout=30) as client:
        refused = client.sendmail("rechnung@nordwind-buero.example", [to],
                                  with_xml_beside_pdf(to, pdf, xml))
    assert refused == {}
    with smtp_runtime.repository(org.id) as repo:
        [job] = repo.list_jobs()
    assert job.channel is Channel.EMAIL and job.original_filename == "RE-2024-0042.pdf"
    assert smtp_runtime.originals.read(job.document_sha256) == pdf
    assert job.hints["sender_domain"] == "nordwind-buero.example"
    assert job.hints["email_subject"] == "Rechnung RE-2024-0042"
    [done] = wait_final(smtp_runtime, org.id, [job.id])
    assert done.status is JobStatus.NEEDS_REVIEW
    assert done.outcome and done.outcome.bill  # the XML's number, below
    assert done.outcome.bill.value("bill_number") == "RE-2024-0300"


def test_unknown_recipients_are_refused_at_rcpt(smtp_runtime: Runtime,
                                                listener: tuple[str, int]) -> None:
    make_org(smtp_runtime, "acme")
    with smtplib.SMTP(*listener, timeout=30) as client:
        client.ehlo()
        client.mail("x@vendor.example")
        assert client.rcpt(f"bills+nobody@{DOMAIN}")[0] == 550
        assert client.rcpt("bills+acme@elsewhere.example")[0] == 550
        assert client.rcpt(f"bills+acme@{DOMAIN}")[0] == 250


def test_message_without_attachment_is_recorded_with_the_reason(
        smtp_runtime: Runtime, listener: tuple[str, int]) -> None:
    org, _key = make_org(smtp_runtime, "acme")
    to = f"bills+acme@{DOMAIN}"
    with smtplib.SMTP(*listener, timeout=30) as client:
        client.sendmail("someone@vendor.example", [to], no_attachment_message(to))
    with smtp_runtime.repository(org.id) as repo:
        [job] = repo.list_jobs()
    assert job.status is JobStatus.FAILED and job.error_code == "no_usable_attachment"
    assert job.original_filename.endswith(".eml")
    assert b"not received payment" in smtp_runtime.originals.read(job.document_sha256)


def test_oversized_message_is_refused(smtp_runtime: Runtime, listener: tuple[str, int]) -> None:
    org, _key = make_org(smtp_runtime, "acme")
    to = f"bills+acme@{DOMAIN}"
    with smtplib.SMTP(*listener, timeout=30) as client, \
            pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused,
                           smtplib.SMTPServerDisconnected)) as refused:
        client.sendmail("big@vendor.example", [to], oversized_message(to, LIMIT + 1000))
    if isinstance(refused.value, smtplib.SMTPResponseException):
        assert refused.value.smtp_code == 552
    with smtp_runtime.repository(org.id) as repo:
        assert repo.list_jobs() == []


def test_mime_nested_too_deep_is_refused_for_good_and_recorded(
        smtp_runtime: Runtime, listener: tuple[str, int]) -> None:
    org, _key = make_org(smtp_runtime, "acme")
    to = f"bills+acme@{DOMAIN}"
    raw = nested_message(to, 1000)
    with smtplib.SMTP(*listener, timeout=30) as client, \
            pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail("someone@vendor.example", [to], raw)
    assert refused.value.smtp_code == 554  # permanent: the sender does not retry forever
    assert b"nested 1000 deep" in refused.value.smtp_error
    with smtp_runtime.repository(org.id) as repo:
        [job] = repo.list_jobs()
    assert job.status is JobStatus.FAILED and job.error_code == "malformed_message"
    assert smtp_runtime.originals.read(job.document_sha256) == raw
