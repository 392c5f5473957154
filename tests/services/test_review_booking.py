"""How a reviewer books a bill: the expense account and tax rate of its lines, a new vendor,
and the checks that need an explicit confirmation (a possible duplicate, new bank details);
the review view and the inbox that show it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures_gen.intake_fixtures import digital_bill, make_org

from billintake.bootstrap import Runtime
from billintake.domain.errors import ConfirmationNeeded, Conflict, ValidationFailed
from billintake.domain.model import Channel, IngestJob, JobStatus, Vendor
from billintake.services import inbox, review
from billintake.services.books import BillService
from billintake.services.pipeline import run_job
from billintake.services.receive import receive
from billintake.services.review_view import review_view
from billintake.settings import Settings

DUNMORE, IBAN = 30, "CH094631099301668661"  # a page bill printing its vendor's IBAN


@pytest.fixture
def strict_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """Thresholds no page bill passes: every one waits for a person."""
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             auto_approve_min_confidence=0.99))
    yield runtime
    runtime.close()


def ingest(runtime: Runtime, org_id: str, index: int) -> IngestJob:
    bill = digital_bill(index)
    received = receive(runtime, org_id, bill.data, filename=bill.name, channel=Channel.UPLOAD)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is JobStatus.NEEDS_REVIEW, job.outcome
    return job


def accounts(runtime: Runtime, org_id: str) -> dict[str, str]:
    with runtime.repository(org_id) as repo:
        return {a.code: a.id for a in BillService.open(repo, runtime.settings).list_accounts()}


def decide(runtime: Runtime, org_id: str, job_id: str, **body: object) -> review.Approval:
    corrections, booking = review.parse_decision(body)
    return review.approve(runtime, org_id, job_id, corrections, booking)


def test_the_chosen_expense_account_and_tax_rate_go_on_every_line(
        strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    org, _key = make_org(runtime, "acme", [digital_bill(1).vendor_name], known_sellers=False)
    job = ingest(runtime, org.id, 1)
    office = accounts(runtime, org.id)["6100"]
    approval = decide(runtime, org.id, job.id, account_id=office, tax_rate="19")
    assert approval.bill.line_items and {line.account_id for line in approval.bill.line_items} \
        == {office}
    assert {line.tax_rate for line in approval.bill.line_items} == {Decimal(19)}
    view = review_view(runtime, org.id, job.id)
    assert view["state"] == "booked" and view["bill"]["external_id"]
    assert view["review"]["corrections"] == {"account_id": office, "tax_rate": "19"}


def test_lines_that_do_not_add_up_are_booked_as_one_line_on_the_account(
        strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    org, _key = make_org(runtime, "acme", [digital_bill(1).vendor_name], known_sellers=False)
    job = ingest(runtime, org.id, 1)
    rent = accounts(runtime, org.id)["6600"]
    approval = decide(runtime, org.id, job.id, account_id=rent,
                      line_items=[{"description": "Something", "amount": "1.00"}])
    [line] = approval.bill.line_items
    assert line.account_id == rent
    assert line.amount == approval.bill.total - (approval.bill.tax or 0)


def test_only_an_expense_account_of_the_books_is_taken(strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    org, _key = make_org(runtime, "acme", [digital_bill(1).vendor_name], known_sellers=False)
    job = ingest(runtime, org.id, 1)
    with pytest.raises(ValidationFailed) as error:
        decide(runtime, org.id, job.id, account_id=accounts(runtime, org.id)["1000"])
    assert error.value.field == "account_id"
    with pytest.raises(ValidationFailed):
        review.parse_decision({"tax_rate": "150"})


def test_changed_bank_details_are_booked_only_when_confirmed(strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    name = digital_bill(DUNMORE).vendor_name
    org, _key = make_org(runtime, "acme", known_sellers=False)
    with runtime.repository(org.id) as repo:
        vendor = repo.add_vendor(Vendor(organization_id=org.id, name=name,
                                        iban="DE89370400440532013000"))
    job = ingest(runtime, org.id, DUNMORE)
    view = review_view(runtime, org.id, job.id)
    assert [c["code"] for c in view["confirm"]] == ["bank_details_changed"]
    with pytest.raises(ConfirmationNeeded) as error:
        decide(runtime, org.id, job.id, vendor_id=vendor.id)
    assert error.value.to_dict()["confirm"][0]["code"] == "bank_details_changed"
    assert IBAN in error.value.message
    with runtime.repository(org.id) as repo:
        assert repo.list_bills() == []  # nothing kept
    approval = decide(runtime, org.id, job.id, vendor_id=vendor.id,
                      confirm=["bank_details_changed"])
    assert approval.vendor.iban == IBAN  # the confirmed details are the vendor's now


def test_a_possible_duplicate_is_booked_only_when_confirmed(strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    first = digital_bill(1)
    org, _key = make_org(runtime, "acme", [first.vendor_name], known_sellers=False)
    booked = decide(runtime, org.id, ingest(runtime, org.id, 1).id)
    second = ingest(runtime, org.id, 2)  # another file, corrected to the same vendor and number
    same = {"vendor_id": booked.vendor.id, "bill_number": booked.bill.bill_number}
    with pytest.raises(ConfirmationNeeded) as error:
        decide(runtime, org.id, second.id, **same)
    assert booked.bill.id in error.value.message
    approval = decide(runtime, org.id, second.id, **same, confirm=["possible_duplicate"])
    assert approval.bill.bill_number == booked.bill.bill_number
    assert approval.bill.total != booked.bill.total


def test_a_new_vendor_is_created_as_named_unless_it_exists(strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    org, _key = make_org(runtime, "acme", known_sellers=False)
    job = ingest(runtime, org.id, 1)
    approval = decide(runtime, org.id, job.id, create_vendor=True,
                      vendor_name="Willowmere Maintenance GmbH")
    assert approval.vendor.name == "Willowmere Maintenance GmbH"
    other = ingest(runtime, org.id, 2)
    with pytest.raises(Conflict):
        decide(runtime, org.id, other.id, create_vendor=True,
               vendor_name="Willowmere Maintenance GmbH")


def test_the_view_ranks_vendors_and_the_inbox_shows_where_each_bill_stands(
        strict_runtime: Runtime) -> None:
    runtime = strict_runtime
    name = digital_bill(1).vendor_name
    org, _key = make_org(runtime, "acme", [name, "Willowbrook Supplies"], known_sellers=False)
    first, second = ingest(runtime, org.id, 1), ingest(runtime, org.id, 2)
    view = review_view(runtime, org.id, first.id)
    choices = view["vendor"]["choices"]
    assert choices[0]["name"] == name and choices[0]["score"] == 100.0
    assert choices[1]["score"] < 100.0 and choices[1]["reason"].startswith("name ")
    assert view["fields"]["total"]["evidence"]["page"] == 1
    assert len(view["fields"]["total"]["evidence"]["bbox"]) == 4
    assert {a["code"] for a in view["books"]["expense_accounts"]} >= {"6000", "6100"}
    assert {t["rate"] for t in view["tax_codes"]} >= {"19", "0"}
    assert view["neighbours"]["waiting"] == 2

    decide(runtime, org.id, first.id)
    review.reject(runtime, org.id, second.id, "not ours")
    page = inbox.inbox(runtime, org.id)
    assert page["counts"]["booked"] == 1 and page["counts"]["failed"] == 1
    assert {row["status"] for row in page["rows"]} == {"booked", "failed"}
    failed = inbox.inbox(runtime, org.id, status="failed")["rows"]
    assert [row["why"] for row in failed] == ["rejected by reviewer: not ours"]
    found = inbox.inbox(runtime, org.id, query=name.split()[0].lower())["rows"]
    assert [row["job_id"] for row in found] == [first.id]
    assert found[0]["booked_id"] and found[0]["vendor"] == name
