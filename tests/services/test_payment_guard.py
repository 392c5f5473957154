"""The payment guard: a bill whose IBAN is none of its vendor's known bank accounts waits for
review with that reason, even when everything else passes; confirming it in review makes it
one of the vendor's accounts, so the vendor's next bill to it is booked without a person."""

from __future__ import annotations

import pytest
from billintake_devkit.payment_qr import SPC_QRR, bill_pdf
from fixtures_gen.intake_fixtures import einvoice, make_org

from billintake.bootstrap import Runtime
from billintake.domain.errors import ConfirmationNeeded
from billintake.domain.extracted import Evidence, ExtractedBill, FieldValue, PaymentData
from billintake.domain.model import Channel, JobStatus, Vendor
from billintake.matching.vendors import VendorMatch
from billintake.services import review
from billintake.services.pipeline import (
    BANK_DETAILS_CHANGED,
    ReviewPolicy,
    review_reasons,
    run_job,
    unknown_accounts,
)
from billintake.services.receive import receive
from billintake.services.review_view import review_view

XML_IBAN = "DE02120300000000202051"  # the account the generated e-invoices name
OLD_IBAN = "DE89370400440532013000"


def _nordwind(runtime: Runtime, org_id: str) -> Vendor:
    with runtime.repository(org_id) as repo:
        return next(v for v in repo.list_vendors() if v.name.startswith("Nordwind"))


def _set_accounts(runtime: Runtime, org_id: str, iban: str | None, others: list[str]) -> None:
    with runtime.repository(org_id) as repo:
        vendor = _nordwind(runtime, org_id)
        repo.update_vendor(vendor.model_copy(update={"iban": iban, "bank_accounts": others}))


def _run(runtime: Runtime, org_id: str, number: str):  # type: ignore[no-untyped-def]
    pdf, xml = einvoice(number)
    received = receive(runtime, org_id, pdf, filename=f"{number}.pdf", channel=Channel.EMAIL,
                       einvoice_xml=xml)
    return run_job(runtime, org_id, received.job.id)


def test_a_new_account_holds_an_otherwise_perfect_bill_until_confirmed(runtime: Runtime) -> None:
    org_id = make_org(runtime)[0].id
    _set_accounts(runtime, org_id, OLD_IBAN, [])
    job = _run(runtime, org_id, "RE-2024-0101")
    assert job.status is JobStatus.NEEDS_REVIEW
    assert job.outcome is not None
    [reason] = job.outcome.review_reasons  # the only thing wrong with this exact e-invoice
    assert reason.startswith(BANK_DETAILS_CHANGED) and XML_IBAN in reason and OLD_IBAN in reason

    view = review_view(runtime, org_id, job.id)
    assert [c["code"] for c in view["confirm"]] == ["bank_details_changed"]
    assert view["payment"]["iban"]["value"] == XML_IBAN
    assert view["payment"]["iban"]["evidence"]["source"] == "xml"
    with pytest.raises(ConfirmationNeeded) as error:
        review.approve(runtime, org_id, job.id)
    assert [c["code"] for c in error.value.to_dict()["confirm"]] == ["bank_details_changed"]
    approval = review.approve(runtime, org_id, job.id,
                              booking=review.Booking(confirm=["bank_details_changed"]))
    assert approval.job.status is JobStatus.PUSHED
    assert approval.vendor.known_accounts() == [XML_IBAN, OLD_IBAN]  # added, the old kept

    assert _run(runtime, org_id, "RE-2024-0102").status is JobStatus.PUSHED


def test_any_known_account_passes_and_a_vendor_without_one_is_not_held(
        runtime: Runtime) -> None:
    org_id = make_org(runtime)[0].id
    _set_accounts(runtime, org_id, OLD_IBAN, ["de02 1203 0000 0000 2020 51"])
    assert _run(runtime, org_id, "RE-2024-0201").status is JobStatus.PUSHED
    _set_accounts(runtime, org_id, None, [])  # nothing on file: nothing to differ from
    assert _run(runtime, org_id, "RE-2024-0202").status is JobStatus.PUSHED


def _qr(iban: str) -> PaymentData:
    return PaymentData(iban=FieldValue[str](value=iban, confidence=0.99,
                                            evidence=Evidence(source="qr", page=1)), qr="spc")


def test_the_payment_codes_iban_and_the_printed_one_are_both_guarded() -> None:
    vendor = Vendor(organization_id="o", name="Robert Schneider AG", iban=OLD_IBAN,
                    bank_accounts=["CH4431999123000889012"])
    paid_known = ExtractedBill(payment=_qr("CH4431999123000889012"))
    assert unknown_accounts(paid_known, vendor) == []
    printed_other = paid_known.model_copy(update={"vendor_iban": FieldValue[str](
        value="CH58 0079 1123 0008 8901 2", confidence=0.9)})
    assert unknown_accounts(printed_other, vendor) == ["CH5800791123000889012"]
    qr_other = ExtractedBill(payment=_qr("CH5800791123000889012"))
    policy = ReviewPolicy(min_confidence=0.0, require_reconciled=False)
    match = VendorMatch(vendor=vendor, score=100.0, method="tax_id")
    reasons = review_reasons(qr_other, match, policy)
    assert any(r.startswith(BANK_DETAILS_CHANGED) and "CH5800791123000889012" in r
               for r in reasons)
    assert not any(r.startswith(BANK_DETAILS_CHANGED)
                   for r in review_reasons(paid_known, match, policy))


def test_with_account_keeps_the_former_account() -> None:
    vendor = Vendor(organization_id="o", name="V", iban=OLD_IBAN)
    moved = vendor.with_account(XML_IBAN)
    assert moved.iban == XML_IBAN and moved.known_accounts() == [XML_IBAN, OLD_IBAN]
    assert moved.with_account(OLD_IBAN).known_accounts() == [OLD_IBAN, XML_IBAN]


def test_a_payment_codes_new_account_stops_the_bill_in_the_pipeline(runtime: Runtime) -> None:
    org_id = make_org(runtime, known_sellers=False)[0].id
    with runtime.repository(org_id) as repo:
        repo.add_vendor(Vendor(organization_id=org_id, name="Robert Schneider AG",
                               iban="CH5800791123000889012"))
    lines = ["Robert Schneider AG", "Rue du Lac 1268, 2501 Biel", "",
             "Invoice No: 2020-0615", "Invoice Date: 15.06.2020", "Total: CHF 1949.75"]
    received = receive(runtime, org_id, bill_pdf(SPC_QRR, lines=lines), filename="qr.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is JobStatus.NEEDS_REVIEW and job.outcome is not None
    assert job.outcome.vendor_match is not None and job.outcome.vendor_match.vendor is not None
    assert any(r.startswith(BANK_DETAILS_CHANGED) and "CH4431999123000889012" in r
               for r in job.outcome.review_reasons)
