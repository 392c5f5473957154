"""Inbound-mail webhooks in each service's shape: a good signature (or credentials) makes
jobs for the organization the recipient names; a forged one is refused and makes none."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from fixtures_gen.intake_fixtures import einvoice, make_org, plain_message

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel
from billintake.entrypoints.api.app import create_app
from billintake.settings import Settings

DOMAIN = "bills.example.com"
TO = f"bills+acme@{DOMAIN}"
MAILGUN_KEY = "key-mailgun-signing"
SENDGRID_KEY = ec.generate_private_key(ec.SECP256R1())
SENDGRID_PUBLIC = base64.b64encode(SENDGRID_KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[tuple[TestClient, Runtime, str]]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", local_pool="thread",
                        intake_domain=DOMAIN, mailgun_signing_key=MAILGUN_KEY,
                        postmark_webhook_user="postmark", postmark_webhook_password="pm-secret",
                        sendgrid_public_key=SENDGRID_PUBLIC)
    runtime = Runtime.from_settings(settings)
    org, _key = make_org(runtime, "acme")
    with TestClient(create_app(runtime=runtime)) as client:
        yield client, runtime, org.id
    runtime.close()


def _jobs(runtime: Runtime, organization_id: str) -> list[object]:
    with runtime.repository(organization_id) as repo:
        return list(repo.list_jobs())


def _mailgun_signed(key: str, when: int | None = None) -> dict[str, str]:
    timestamp, token = str(when or int(time.time())), "t" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()}


def test_mailgun_parsed_fields_and_raw_mime(hooks: tuple[TestClient, Runtime, str]) -> None:
    client, runtime, organization_id = hooks
    pdf, _xml = einvoice("RE-2024-0701")
    fields = {"recipient": TO, "sender": "billing@nordwind.example", "subject": "Rechnung",
              "body-plain": "anbei", "attachment-count": "1", **_mailgun_signed(MAILGUN_KEY)}
    response = client.post("/inbound/mailgun", data=fields,
                           files={"attachment-1": ("RE-0701.pdf", pdf, "application/pdf")})
    assert response.status_code == 202, response.text
    assert len(response.json()["jobs"]) == 1

    raw = plain_message(TO, einvoice("RE-2024-0702")[0], filename="RE-0702.pdf")
    mime = client.post("/inbound/mailgun/mime", data={
        "recipient": TO, "body-mime": raw.decode(), **_mailgun_signed(MAILGUN_KEY)})
    assert mime.status_code == 202, mime.text
    jobs = _jobs(runtime, organization_id)
    assert len(jobs) == 2 and {j.channel for j in jobs} == {Channel.EMAIL}  # type: ignore[attr-defined]
    assert sorted(j.original_filename for j in jobs) == [  # type: ignore[attr-defined]
        "RE-0701.pdf", "RE-0702.pdf"]

    forged = client.post("/inbound/mailgun", data={**fields, **_mailgun_signed("key-wrong")},
                         files={"attachment-1": ("x.pdf", pdf, "application/pdf")})
    assert forged.status_code == 401 and forged.json()["error"] == "unauthorized"
    stale = client.post("/inbound/mailgun", data={
        **fields, **_mailgun_signed(MAILGUN_KEY, int(time.time()) - 3600)},
        files={"attachment-1": ("x.pdf", pdf, "application/pdf")})
    assert stale.status_code == 401 and "too old" in stale.json()["detail"]
    assert len(_jobs(runtime, organization_id)) == 2


def test_postmark_json_behind_basic_auth(hooks: tuple[TestClient, Runtime, str]) -> None:
    client, runtime, organization_id = hooks
    pdf, _xml = einvoice("RE-2024-0703")
    payload = {"From": "billing@nordwind.example", "To": TO, "OriginalRecipient": TO,
               "ToFull": [{"Email": TO, "Name": ""}], "Subject": "Invoice RE-0703",
               "TextBody": "attached", "MessageID": "a8c1040e-db1c-4e18-ac79-bc5f64c7ce2c",
               "Attachments": [{"Name": "RE-0703.pdf", "ContentType": "application/pdf",
                                "Content": base64.b64encode(pdf).decode(),
                                "ContentLength": len(pdf)}]}
    good = client.post("/inbound/postmark", json=payload, auth=("postmark", "pm-secret"))
    assert good.status_code == 202, good.text
    [job] = _jobs(runtime, organization_id)
    assert job.original_filename == "RE-0703.pdf"  # type: ignore[attr-defined]
    for auth in (("postmark", "guess"), None):
        forged = client.post("/inbound/postmark", json=payload, auth=auth)
        assert forged.status_code == 401
    elsewhere = client.post("/inbound/postmark", auth=("postmark", "pm-secret"),
                            json={**payload, "OriginalRecipient": "bills+nobody@elsewhere.example",
                                  "ToFull": [], "To": "someone@elsewhere.example"})
    assert elsewhere.status_code == 406
    assert len(_jobs(runtime, organization_id)) == 1


def _sendgrid_post(client: TestClient, fields: dict[str, str], files: dict[str, tuple],
                   key: ec.EllipticCurvePrivateKey) -> object:
    request = client.build_request("POST", "/inbound/sendgrid", data=fields, files=files)
    body = request.read()
    timestamp = str(int(time.time()))
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    request.headers["X-Twilio-Email-Event-Webhook-Signature"] = base64.b64encode(
        signature).decode()
    request.headers["X-Twilio-Email-Event-Webhook-Timestamp"] = timestamp
    return client.send(request)


def test_sendgrid_inbound_parse_signed_by_its_policy(
        hooks: tuple[TestClient, Runtime, str]) -> None:
    client, runtime, organization_id = hooks
    pdf, _xml = einvoice("RE-2024-0704")
    fields = {"from": "Billing <billing@nordwind.example>", "to": TO, "subject": "RE-0704",
              "text": "attached", "attachments": "1",
              "envelope": json.dumps({"to": [TO], "from": "billing@nordwind.example"}),
              "attachment-info": json.dumps({"attachment1": {"filename": "RE-0704.pdf",
                                                             "type": "application/pdf"}})}
    files = {"attachment1": ("RE-0704.pdf", pdf, "application/pdf")}
    good = _sendgrid_post(client, fields, files, SENDGRID_KEY)
    assert good.status_code == 202, good.text  # type: ignore[attr-defined]
    raw = plain_message(TO, einvoice("RE-2024-0705")[0], filename="RE-0705.pdf")
    as_raw = _sendgrid_post(client, {"email": raw.decode(), "to": TO}, {}, SENDGRID_KEY)
    assert as_raw.status_code == 202  # type: ignore[attr-defined]
    assert sorted(j.original_filename for j in _jobs(runtime, organization_id)) == [  # type: ignore[attr-defined]
        "RE-0704.pdf", "RE-0705.pdf"]

    forged = _sendgrid_post(client, fields, files, ec.generate_private_key(ec.SECP256R1()))
    assert forged.status_code == 401  # type: ignore[attr-defined]
    unsigned = client.post("/inbound/sendgrid", data=fields, files=files)
    assert unsigned.status_code == 401
    assert len(_jobs(runtime, organization_id)) == 2


@pytest.mark.parametrize("count", ["lots", "1000000000000"])
def test_an_attachment_count_that_lies_is_refused_or_bounded(
        hooks: tuple[TestClient, Runtime, str], count: str) -> None:
    """Not a number: 422 with the reason; a huge one: only the files sent are looked for."""
    client, runtime, organization_id = hooks
    pdf, _xml = einvoice("RE-2024-0711")
    fields = {"recipient": TO, "sender": "billing@nordwind.example", "subject": "Rechnung",
              "attachment-count": count, **_mailgun_signed(MAILGUN_KEY)}
    response = client.post("/inbound/mailgun", data=fields,
                           files={"attachment-1": ("RE-0711.pdf", pdf, "application/pdf")})
    if count.isdigit():
        assert response.status_code == 202, response.text
        assert len(_jobs(runtime, organization_id)) == 1
    else:
        assert response.status_code == 422, response.text
        assert "not a number" in response.json()["detail"]
        assert _jobs(runtime, organization_id) == []
