"""The review service and its CLI: reasons, corrections, duplicates, list/approve/reject."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import einvoice, make_org
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.domain.errors import DuplicateBill, ValidationFailed
from billintake.domain.model import BillKind, Channel, IngestJob, JobStatus
from billintake.entrypoints.cli import app
from billintake.services import review
from billintake.services.pipeline import ReviewPolicy, run_job
from billintake.services.receive import receive
from billintake.settings import Settings, get_settings


def ingest(runtime: Runtime, org_id: str, data: bytes, filename: str, *,
           einvoice_xml: bytes | None = None) -> IngestJob:
    received = receive(runtime, org_id, data, filename=filename, channel=Channel.FOLDER,
                       einvoice_xml=einvoice_xml)
    return run_job(runtime, org_id, received.job.id)


def test_the_stored_bill_comes_back_typed(runtime: Runtime) -> None:
    org, _key = make_org(runtime, known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0201")[1], "re.xml")
    extracted = review.stored_bill(job)
    assert extracted.value("bill_number") == "RE-2024-0201"
    assert extracted.value("bill_date") == date(2024, 3, 5)
    assert extracted.value("total") == Decimal("939.51") and extracted.total is not None
    assert extracted.total.confidence == 1.0
    assert review.kind_of(extracted) is BillKind.BILL
    assert [item.description for item in extracted.line_items] == [
        item["description"] for item in job.extracted["bill"]["line_items"]]  # type: ignore[index]


def test_reasons_are_derived_when_the_pipeline_recorded_none(runtime: Runtime) -> None:
    """A job stored without reasons (e.g. by an older pipeline) still says why it waits."""
    org, _key = make_org(runtime, known_sellers=False)
    job = ingest(runtime, org.id, einvoice("RE-2024-0202")[1], "re.xml")
    contract = dict(job.extracted["bill"])  # type: ignore[index]
    contract["confidence"] = {**contract["confidence"], "total": 0.4}
    contract["warnings"] = ["line items sum to 900.00, subtotal says 789.50"]
    contract["due_date"] = None
    contract["currency"] = None
    bare = job.model_copy(update={"extracted": {"bill": contract,
                                                "vendor_match": {"vendor": None}}})
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


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The CLI's data directory (through the environment) and a runtime on the same files."""
    data = tmp_path / "data"
    monkeypatch.setenv("BILLINTAKE_DATA_DIR", str(data))
    monkeypatch.setenv("BILLINTAKE_DATABASE_URL", "")
    get_settings.cache_clear()
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    yield runtime
    runtime.close()
    get_settings.cache_clear()


def test_cli_lists_approves_and_rejects(cli_runtime: Runtime) -> None:
    org, _key = make_org(cli_runtime, "cli", known_sellers=False)
    one = ingest(cli_runtime, org.id, einvoice("RE-2024-0301")[1], "one.xml")
    two = ingest(cli_runtime, org.id, einvoice("RE-2024-0302")[1], "two.xml")

    listed = runner.invoke(app, ["review", "list"])
    assert listed.exit_code == 0, listed.output
    assert {item["job_id"] for item in json.loads(listed.stdout)} == {one.id, two.id}

    approved = runner.invoke(app, ["review", "approve", one.id, "--set", "total=950.00",
                                   "--set", "po_number=PO-7", "--org", "cli"])
    assert approved.exit_code == 0, approved.output
    result = json.loads(approved.stdout)
    assert result["status"] == "pushed" and result["bill"]["total"] == "950.00"
    assert result["bill"]["po_number"] == "PO-7" and result["bill"]["external_id"]

    rejected = runner.invoke(app, ["review", "reject", two.id, "--reason", "test bill"])
    assert rejected.exit_code == 0, rejected.output
    assert json.loads(rejected.stdout)["error"] == "rejected by reviewer: test bill"
    assert json.loads(runner.invoke(app, ["review", "list"]).stdout) == []


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
    runner.invoke(app, ["review", "approve", job.id])
    again = runner.invoke(app, ["review", "approve", job.id])
    assert again.exit_code == 1 and "already pushed" in again.stderr
