"""The review service and its CLI: reasons, corrections, duplicates, list/approve/reject."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import digital_bill, einvoice, make_org
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.domain.errors import DuplicateBill, ValidationFailed
from billintake.domain.kinds import kind_of
from billintake.domain.model import BillKind, Channel, IngestJob, JobStatus, Vendor
from billintake.domain.outcome import JobOutcome, VendorMatchOutcome
from billintake.entrypoints.cli import app
from billintake.services import review
from billintake.services.books import BillService
from billintake.services.pipeline import ReviewPolicy, run_job
from billintake.services.receive import receive
from billintake.settings import Settings

D = Decimal


def ingest(runtime: Runtime, org_id: str, data: bytes, filename: str, *,
           einvoice_xml: bytes | None = None) -> IngestJob:
    received = receive(runtime, org_id, data, filename=filename, channel=Channel.FOLDER,
                       einvoice_xml=einvoice_xml)
    return run_job(runtime, org_id, received.job.id)


def test_the_stored_bill_is_the_whole_typed_bill(runtime: Runtime) -> None:
    org, _key = make_org(runtime, known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0201")[1], "re.xml")
    extracted = review.stored_bill(job)
    assert extracted.value("bill_number") == "RE-2024-0201"
    assert extracted.value("bill_date") == date(2024, 3, 5)
    assert extracted.value("total") == Decimal("939.51") and extracted.total is not None
    assert extracted.total.confidence == 1.0 and extracted.total.evidence is not None
    assert extracted.total.evidence.source == "xml" and extracted.total.evidence.path
    assert kind_of(extracted) is BillKind.BILL
    # what the JSON contract left out comes along too
    assert extracted.reconciled and extracted.source == "xml"
    assert extracted.value("vendor_email") and extracted.value("buyer_name")
    assert extracted.value("document_type") == "invoice"


def test_reasons_are_derived_when_the_pipeline_recorded_none(runtime: Runtime) -> None:
    """A job stored without reasons (e.g. by an older pipeline) still says why it waits."""
    org, _key = make_org(runtime, known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0202")[1], "re.xml")
    stored = review.stored_bill(job)
    assert stored.total is not None
    bill = stored.model_copy(update={
        "total": stored.total.model_copy(update={"confidence": 0.4}),
        "warnings": ["line items sum to 900.00, subtotal says 789.50"],
        "due_date": None, "currency": None})
    bare = job.model_copy(update={"outcome": JobOutcome(
        bill=bill, vendor_match=VendorMatchOutcome())})
    item = review.review_item(bare, ReviewPolicy(min_confidence=0.85, require_reconciled=True))
    assert item.reasons == [
        "not found on the bill: currency",
        "low confidence: total 0.40",
        "warning: line items sum to 900.00, subtotal says 789.50",
        "vendor is not known yet: confirm or create it",
    ]
    assert item.low_confidence == {"total": 0.4}
    recorded = review.review_item(job, ReviewPolicy(min_confidence=0.85,
                                                    require_reconciled=True))
    assert recorded.reasons == ["vendor is not known yet: confirm or create it"]
    nothing = job.model_copy(update={"outcome": None})
    assert review.review_item(nothing, ReviewPolicy(0.85, True)).reasons == [
        "nothing was extracted from this file"]


def test_corrections_name_the_bad_field() -> None:
    parsed = review.Corrections.parse({"total": 12.5, "due_date": None, "kind": "vendor_credit"})
    assert parsed.total == Decimal("12.5") and parsed.kind is BillKind.VENDOR_CREDIT
    assert parsed.changed() == {"total": "12.5", "due_date": None, "kind": "vendor_credit"}
    with pytest.raises(ValidationFailed) as error:
        review.Corrections.parse({"line_items": [{"description": "x", "amount": "abc"}]})
    assert error.value.field == "line_items.0.amount"
    with pytest.raises(ValidationFailed) as error:
        review.Corrections.parse({"bill_number": ""})
    assert error.value.field == "bill_number"


def test_kind_can_be_corrected_and_a_missing_field_is_named(runtime: Runtime) -> None:
    org, _key = make_org(runtime, known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0203")[1], "re.xml")
    with pytest.raises(ValidationFailed) as error:
        review.approve(runtime, org.id, job.id, {"bill_number": None})
    assert error.value.field == "bill_number"

    approval = review.approve(runtime, org.id, job.id, {"kind": "vendor_credit"})
    assert approval.bill.kind is BillKind.VENDOR_CREDIT
    assert approval.bill.total == Decimal("-939.51")


def test_a_duplicate_waits_then_is_refused_and_rejected(runtime: Runtime) -> None:
    """The same bill in a second file: approving it is refused (409 with the first bill);
    the reviewer rejects it instead."""
    org, _key = make_org(runtime, known_sellers=False)
    pdf, xml = einvoice("RE-2024-0204")
    first = ingest(runtime, org.id, xml, "re.xml")
    booked = review.approve(runtime, org.id, first.id)
    assert booked.job.status is JobStatus.PUSHED

    second = ingest(runtime, org.id, pdf, "scan.pdf", einvoice_xml=xml)
    assert second.status is JobStatus.NEEDS_REVIEW  # the vendor is known now: a duplicate
    [item] = review.waiting(runtime, org.id)
    assert item.to_dict()["duplicate_of"] == booked.bill.id
    with pytest.raises(DuplicateBill) as error:
        review.approve(runtime, org.id, second.id)
    assert error.value.existing_id == booked.bill.id

    rejected = review.reject(runtime, org.id, second.id, "duplicate of RE-2024-0204")
    assert rejected.status is JobStatus.FAILED
    assert rejected.error == "rejected by reviewer: duplicate of RE-2024-0204"
    with runtime.repository(org.id) as repo:
        assert [b.id for b in repo.list_bills()] == [booked.bill.id]


# A synthetic page bill that prints shipping, a discount, the vendor's IBAN and email.
DUNMORE = 30
IBAN, EMAIL = "CH094631099301668661", "invoices@dunmore.example"


@pytest.fixture
def strict_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """Thresholds no page bill passes: every one waits for a person."""
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             auto_approve_min_confidence=0.99))
    yield runtime
    runtime.close()


def test_shipping_iban_and_email_survive_review_into_the_books(strict_runtime: Runtime) -> None:
    """needs_review, then approved: what the page said reaches the books, not only the
    contract's fields."""
    runtime = strict_runtime
    org, _key = make_org(runtime, known_sellers=False)
    page = digital_bill(DUNMORE)
    job = ingest(runtime, org.id, page.data, page.name)
    assert job.status is JobStatus.NEEDS_REVIEW, job.outcome
    stored = review.stored_bill(job)
    assert (stored.value("shipping"), stored.value("discount")) == (D("4.95"), D("-5.00"))
    assert (stored.value("vendor_iban"), stored.value("vendor_email")) == (IBAN, EMAIL)
    assert stored.reconciled

    approval = review.approve(runtime, org.id, job.id)
    assert (approval.vendor.iban, approval.vendor.email) == (IBAN, EMAIL)  # created from it
    lines = {item.description: item.amount for item in approval.bill.line_items}
    assert (lines["Shipping"], lines["Discount"]) == (D("4.95"), D("-5.00"))
    assert approval.bill.total == stored.value("total")
    with runtime.repository(org.id) as repo:
        writer = BillService.open(repo, runtime.settings).writer
        booked = writer.get_bill(approval.bill.external_id or "")
        in_books = writer.find_vendor(iban=IBAN)
    assert booked.total == stored.value("total")
    assert [line.amount for line in booked.line_items] == [  # booked line by line
        item.amount for item in approval.bill.line_items]
    assert in_books is not None and in_books.email == EMAIL and in_books.id == booked.vendor_id
    done = approval.job.outcome
    assert done is not None and done.bill is not None
    assert done.bill.value("shipping") == D("4.95") and done.bill.value("vendor_iban") == IBAN


@pytest.mark.parametrize(("known", "hints", "index"), [
    ({"iban": IBAN}, {}, DUNMORE),
    ({"email": EMAIL}, {}, DUNMORE),
    ({"email": "ar@ledgerline.example"}, {"email_sender": "ar@ledgerline.example"}, 11),
], ids=["iban", "email", "email-sender"])
def test_review_matches_the_vendor_as_the_pipeline_does(
        strict_runtime: Runtime, known: dict[str, str], hints: dict[str, str],
        index: int) -> None:
    """A corrected vendor name is matched again with the pipeline's evidence: the bill's IBAN
    and email (or the email sender's address) find the known vendor, none is created."""
    runtime = strict_runtime
    org, _key = make_org(runtime, known_sellers=False)
    with runtime.repository(org.id) as repo:
        vendor = repo.add_vendor(Vendor(organization_id=org.id, name="Quite Another Name AG",
                                        **known))
    page = digital_bill(index)
    received = receive(runtime, org.id, page.data, filename=page.name,
                       channel=Channel.EMAIL, hints=hints)
    job = run_job(runtime, org.id, received.job.id)
    assert job.status is JobStatus.NEEDS_REVIEW, job.outcome
    match = job.outcome.vendor_match if job.outcome else None
    assert match is not None and match.vendor is not None and match.vendor.id == vendor.id

    approval = review.approve(runtime, org.id, job.id, {"vendor_name": "Renamed Supplies"})
    assert approval.vendor.id == vendor.id
    assert "Renamed Supplies" in approval.vendor.aliases
    with runtime.repository(org.id) as repo:
        assert [v.id for v in repo.list_vendors()] == [vendor.id]


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_lists_approves_and_rejects(cli_runtime: Runtime) -> None:
    org, _key = make_org(cli_runtime, "cli", known_sellers=False)
    one = ingest(cli_runtime, org.id, einvoice("RE-2024-0301")[1], "one.xml")
    two = ingest(cli_runtime, org.id, einvoice("RE-2024-0302")[1], "two.xml")

    listed = runner.invoke(app, ["review", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {item["job_id"] for item in json.loads(listed.stdout)} == {one.id, two.id}
    table = runner.invoke(app, ["review", "list"])  # people get a table: short ids, reasons
    assert table.exit_code == 0, table.output
    assert "2 waiting for review" in table.stdout and one.id[:8] in table.stdout
    assert one.id not in table.stdout and "vendor is not known yet" in table.stdout
    assert "RE-2024-0301" in table.stdout and "939.51 EUR" in table.stdout

    plugged = runner.invoke(app, ["review", "approve", one.id, "--set", "total=950.00",
                                  "--org", "cli"])  # the lines would not make that total
    assert plugged.exit_code == 1 and "the lines add up to 789.50 EUR" in plugged.output
    approved = runner.invoke(app, ["review", "approve", one.id[:8], "--set",
                                   "due_date=2024-04-30", "--set", "po_number=PO-7", "--org",
                                   "cli", "--json"])  # a unique prefix names the job
    assert approved.exit_code == 0, approved.output
    result = json.loads(approved.stdout)
    assert result["status"] == "pushed" and result["bill"]["total"] == "939.51"
    assert result["bill"]["due_date"] == "2024-04-30"
    assert result["bill"]["po_number"] == "PO-7" and result["bill"]["external_id"]

    rejected = runner.invoke(app, ["review", "reject", two.id, "--reason", "test bill",
                                   "--json"])
    assert rejected.exit_code == 0, rejected.output
    assert json.loads(rejected.stdout)["error"] == "rejected by reviewer: test bill"
    assert json.loads(runner.invoke(app, ["review", "list", "--json"]).stdout) == []
    assert "nothing waits for review" in runner.invoke(app, ["review", "list"]).stdout


def test_cli_errors_are_clear_and_exit_non_zero(cli_runtime: Runtime) -> None:
    org, _key = make_org(cli_runtime, "cli", known_sellers=False)
    job = ingest(cli_runtime, org.id, einvoice("RE-2024-0303")[1], "re.xml")
    cases = [
        (["review", "approve", job.id, "--set", "due_date=2024-01-01"], "due_date"),
        (["review", "approve", job.id, "--set", "totl=1"], "totl"),
        (["review", "approve", job.id, "--set", "total"], "FIELD=VALUE"),
        (["review", "approve", "nope"], "job nope not found"),
        (["review", "reject", job.id, "--reason", " "], "reason"),
    ]
    for args, words in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert words in result.stderr and result.stderr.startswith("error: "), result.stderr
        # with --json, the error is the API's body: {"error": code, "detail": message}
        shaped = runner.invoke(app, [*args, "--json"])
        body = json.loads(shaped.stderr)
        assert shaped.exit_code == 1 and set(body) >= {"error", "detail"}, shaped.stderr
        assert words in body["detail"]
    ambiguous = runner.invoke(app, ["review", "approve", "abc"])
    assert ambiguous.exit_code == 1 and "at least 4 characters" in ambiguous.stderr
    runner.invoke(app, ["review", "approve", job.id])
    again = runner.invoke(app, ["review", "approve", job.id])
    assert again.exit_code == 1 and "already pushed" in again.stderr


def test_threshold_messages_never_contradict_themselves() -> None:
    from billintake.services.pipeline import below_threshold

    assert below_threshold(0.849, 0.85) == ("0.84", "0.85")
    assert below_threshold(0.8499, 0.85) == ("0.84", "0.85")
    assert below_threshold(0.5, 0.855) == ("0.500", "0.855")
    assert below_threshold(0.2, 0.9) == ("0.20", "0.90")
    for value in (0.8449, 0.845, 0.849, 0.84999, 0.849999999):
        shown, limit = below_threshold(value, 0.85)
        assert float(shown) < float(limit)


def test_a_vendor_created_later_clears_the_unknown_vendor_reason(runtime: Runtime) -> None:
    """The reasons are those of now: once the vendor exists, 'not known yet' is gone."""
    from fixtures_gen.intake_fixtures import einvoice_vendors

    from billintake.services import inbox

    org, _key = make_org(runtime, known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0203")[1], "re.xml")
    [before] = review.waiting(runtime, org.id)
    assert before.reasons == ["vendor is not known yet: confirm or create it"]
    with runtime.repository(org.id) as repo:
        for vendor in einvoice_vendors(org.id):
            repo.add_vendor(vendor)
    [after] = review.waiting(runtime, org.id)
    assert after.job.id == job.id
    assert len(after.reasons) == 1 and "is known now" in after.reasons[0]
    [row] = inbox.inbox(runtime, org.id)["rows"]
    assert "is known now" in row["why"] and "not known yet" not in row["why"]
