"""Vendor memory: fed by approvals, owned by one organization, used on the vendor's next bill,
forgotten, merged; and the CLI loop (`learn`, `extract --org`, `vendors memory|forget`).

The bills are generated: one vendor's bills on a layout of the generator's test split (never
trained on), its header printed the same way on each, as a real vendor's are.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billintake_devkit.synth.layout import InvoiceLayout
from billintake_devkit.synth.recurring import vendor_bills
from fixtures_gen.intake_fixtures import make_org
from typer.testing import CliRunner

from billintake.bootstrap import Runtime
from billintake.domain.memory import VendorMemory
from billintake.domain.model import Channel, JobStatus, Vendor
from billintake.entrypoints.cli import app
from billintake.extraction.contract import to_contract
from billintake.extraction.extractor import Extractor
from billintake.extraction.memory import (
    FEATURES,
    MemoryBook,
    MemoryModel,
    Recognition,
    decide_with_memory,
    feature_rows,
    learn,
)
from billintake.services import review
from billintake.services.books import BillInput, BillService
from billintake.services.learn import learn_file
from billintake.services.pipeline import run_job
from billintake.services.receive import receive
from billintake.services.vendor_memory import (
    forget,
    memory_book,
    merge_vendors,
    remember_passed,
)
from billintake.settings import Settings

FIELDS = ("bill_number", "vendor_name", "bill_date", "due_date", "currency", "subtotal",
          "tax", "total")
runner = CliRunner()


def _adds_up(truth: dict[str, Any]) -> bool:
    return all(k in truth for k in ("subtotal", "tax", "total")) and \
        Decimal(truth["subtotal"]) + Decimal(truth["tax"]) == Decimal(truth["total"])


def _series() -> list[Any]:
    """Three bills of the first generated vendor printing an invoice whose subtotal and one
    tax make its total (no shipping or discount)."""
    for vendor in range(40):
        bills = [b for b in vendor_bills(2718, "test", vendor, 8, receipt_fraction=0.0)
                 if isinstance(b.layout, InvoiceLayout) and _adds_up(b.truth)
                 and not b.labels.get("extra", {}).get("tax_parts")]
        if len(bills) >= 3:
            return bills[:3]
    raise AssertionError("no generated vendor prints subtotal and tax")


BILLS = _series()


def truth(index: int) -> dict[str, Any]:
    return {k: v for k, v in BILLS[index].truth.items() if k in FIELDS}


def header(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body.get(k) for k in FIELDS}


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    extractor = Extractor(Settings(_env_file=None))
    assert extractor.memory_model is not None, "models/memory is shipped"
    return extractor


def test_an_approval_teaches_the_vendors_memory(runtime: Runtime) -> None:
    org, _ = make_org(runtime, known_sellers=False)
    received = receive(runtime, org.id, BILLS[0].pdf_bytes, filename="b0.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, org.id, received.job.id)
    assert job.status is JobStatus.NEEDS_REVIEW  # a vendor not known yet
    approval = review.approve(runtime, org.id, job.id, {"total": truth(0)["total"]})
    with runtime.repository(org.id) as repo:
        memory = repo.get_vendor_memory(approval.vendor.id)
    assert memory is not None and memory.approvals == 1
    assert memory.names == [approval.vendor.name]
    assert {"bill_number", "bill_date", "total", "subtotal", "tax"} <= set(memory.fields)
    assert memory.field("total").spots[0].shape  # its print, remembered
    assert memory.currency == truth(0)["currency"] and len(memory.signature) >= 3


def test_memory_is_never_shared_between_organizations(runtime: Runtime) -> None:
    acme, _ = make_org(runtime, "acme", known_sellers=False)
    other, _ = make_org(runtime, "other", known_sellers=False)
    approval = learn_file(runtime, acme.id, BILLS[0].pdf_bytes, filename="b0.pdf",
                          truth=truth(0))
    with runtime.repository(other.id) as repo:
        assert memory_book(repo) is None and repo.list_vendor_memories() == []
        assert repo.get_vendor_memory(approval.vendor.id) is None
        with pytest.raises(Exception):  # noqa: B017 - another organization's vendor: NotFound
            repo.save_vendor_memory(VendorMemory(organization_id=other.id,
                                                 vendor_id=approval.vendor.id))
    with runtime.repository(acme.id) as repo:
        assert memory_book(repo) is not None
    # the other organization's bill from the same vendor is read as if nothing was learned
    received = receive(runtime, other.id, BILLS[1].pdf_bytes, filename="b1.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, other.id, received.job.id)
    assert job.outcome is not None and job.outcome.bill is not None
    plain = Extractor(runtime.settings).extract_bytes(BILLS[1].pdf_bytes)
    assert header(to_contract(job.outcome.bill, "b1")) == header(to_contract(plain, "b1"))


def test_a_remembered_place_the_arithmetic_contradicts_loses(extractor: Extractor) -> None:
    """The first bill is approved with its tax's value as the total (a slip): memory now says
    the total is printed where the tax is. Even with a memory model that trusts the printed
    phrase above all, the next bill's total is the one the arithmetic makes (subtotal + tax),
    not the remembered place whose value contradicts it."""
    _, proposed, page = extractor.observe(_pages(extractor, 0))
    slip = {**truth(0), "total": truth(0)["tax"]}
    memory = learn(VendorMemory(organization_id="o", vendor_id="v"), page, proposed, slip,
                   extractor.ranker)
    assert memory.field("total").spots[0].context == memory.field("tax").spots[0].context
    vendor = Vendor(id="v", organization_id="o", name=truth(0)["vendor_name"])
    trusting = MemoryModel(weights={group: [-4.0, *(8.0 if f == "mem_ctx" else 0.0
                                                    for f in FEATURES)]
                                    for group in ("amount", "date", "identifier")})

    _, proposed, page = extractor.observe(_pages(extractor, 1))
    cands = proposed["total"]
    probs = trusting.probabilities("total", feature_rows(
        page, "total", cands, memory.field("total"), extractor.ranker))
    favoured = cands[max(range(len(cands)), key=probs.__getitem__)]
    assert favoured.value == Decimal(truth(1)["tax"])  # memory alone would take it

    decision = decide_with_memory(trusting, extractor.ranker, page, proposed,
                                  Recognition(vendor, memory, "name", 1.0), None)
    chosen = decision.fields["total"]
    assert chosen is not None and chosen.candidate.value == Decimal(truth(1)["total"])
    assert decision.reconciled
    # and so with the shipped model, extracting the whole bill
    bill = extractor.extract_document(_pages(extractor, 1),
                                      memory=MemoryBook((vendor,), {"v": memory}))
    assert str(bill.value("total")) == truth(1)["total"] and bill.reconciled


def _pages(extractor: Extractor, index: int) -> Any:
    from billintake.reading.reader import read

    return read(BILLS[index].pdf_bytes, settings=extractor.settings)


@pytest.fixture
def cli_org(cli_runtime: Runtime, tmp_path: Path) -> Runtime:
    """The CLI's runtime with one organization, and the bills as files in `tmp_path`."""
    with cli_runtime.directory() as directory:
        directory.create_organization("Acme", "acme")
    for index, bill in enumerate(BILLS):
        (tmp_path / f"b{index}.pdf").write_bytes(bill.pdf_bytes)
    return cli_runtime


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_learn_then_extract_round_trip_and_forget(cli_org: Runtime, tmp_path: Path) -> None:
    files = [str(tmp_path / f"b{i}.pdf") for i in range(3)]
    plain = json.loads(_cli("extract", "--jsonl", files[2]))
    for index in (0, 1):
        learned = json.loads(_cli("learn", "--org", "acme", files[index], "--truth",
                                  json.dumps(truth(index))))
        assert learned["vendor"]["name"] == truth(0)["vendor_name"]
    assert learned["memory_approvals"] == 2  # the second bill found the vendor it created

    remembered = json.loads(_cli("extract", "--jsonl", "--org", "acme", files[2]))
    assert header(remembered) == {k: truth(2).get(k) for k in FIELDS}
    assert remembered["confidence"]["total"] >= 0.85
    explained = _cli("extract", "--explain", "--org", "acme", files[2])
    assert "vendor memory" in explained and "vendor recognised" in explained

    shown = json.loads(_cli("vendors", "memory", "--org", "acme", truth(0)["vendor_name"],
                            "--json"))
    assert shown["approvals"] == 2 and "total" in shown["fields"]

    _cli("vendors", "forget", "--org", "acme", truth(0)["vendor_name"])
    forgotten = json.loads(_cli("extract", "--jsonl", "--org", "acme", files[2]))
    assert forgotten == plain  # the memory-less result, exactly
    gone = runner.invoke(app, ["vendors", "memory", "--org", "acme", truth(0)["vendor_name"]])
    assert gone.exit_code == 1 and "nothing learned" in gone.output


def test_learn_refuses_a_field_the_contract_has_not(cli_org: Runtime, tmp_path: Path) -> None:
    result = runner.invoke(app, ["learn", "--org", "acme", str(tmp_path / "b0.pdf"),
                                 "--truth", '{"colour": "red"}'])
    assert result.exit_code == 1 and "colour" in result.output
    bad = runner.invoke(app, ["learn", "--org", "acme", str(tmp_path / "b0.pdf"),
                              "--truth", "{not json"])
    assert bad.exit_code == 1 and "not JSON" in bad.output


def test_a_merge_carries_bills_names_and_memory(runtime: Runtime) -> None:
    org, _ = make_org(runtime, known_sellers=False)
    approval = learn_file(runtime, org.id, BILLS[0].pdf_bytes, filename="b0.pdf",
                          truth=truth(0))
    with runtime.repository(org.id) as repo:
        twin = repo.add_vendor(Vendor(organization_id=org.id, name="Twin Trading",
                                      iban="DE89370400440532013000"))
        repo.save_vendor_memory(VendorMemory(organization_id=org.id, vendor_id=twin.id,
                                             approvals=3, line_accounts={"widgets": "6100"}))
        service = BillService.open(repo, runtime.settings)
        service.create_bill(BillInput(vendor_id=twin.id, bill_number="T-1",
                                      bill_date="2024-01-02", currency="EUR", total="10.00"))
    with runtime.repository(org.id) as repo:
        merged = merge_vendors(repo, approval.vendor.id, twin.id)
        memory = repo.get_vendor_memory(merged.id)
        assert "Twin Trading" in merged.aliases
        assert "DE89370400440532013000" in merged.known_accounts()
        assert [b.bill_number for b in repo.list_bills(vendor_id=merged.id)
                if b.bill_number == "T-1"] == ["T-1"]
        assert memory is not None and memory.approvals == 4
        assert memory.line_accounts["widgets"] == "6100" and "total" in memory.fields
        assert repo.get_vendor_memory(twin.id) is None
        assert [v.id for v in repo.list_vendors()] == [merged.id]
    with runtime.repository(org.id) as repo:
        assert forget(repo, merged.id) and memory_book(repo) is None


def test_the_books_defaults_are_remembered_and_proposed(tmp_path: Path) -> None:
    """The expense account a reviewer chose becomes the vendor's; a line's account is
    remembered by its description and booked so on the vendor's next bill."""
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data",
                                             auto_approve_min_confidence=0.999))
    try:
        org, _ = make_org(runtime, known_sellers=False)
        with runtime.repository(org.id) as repo:
            accounts = {a.code: a.id for a in BillService.open(repo, runtime.settings)
                        .list_accounts()}
        first = learn_file(runtime, org.id, BILLS[0].pdf_bytes, filename="b0.pdf",
                           truth=truth(0),
                           booking=review.Booking(account_id=accounts["6100"]))
        assert first.vendor.expense_accounts and \
            set(first.vendor.expense_accounts.values()) == {accounts["6100"]}
        with runtime.repository(org.id) as repo:
            memory = repo.get_vendor_memory(first.vendor.id)
        assert memory is not None and memory.line_accounts
        assert set(memory.line_accounts.values()) == {accounts["6100"]}
    finally:
        runtime.close()


def test_a_lines_remembered_account_is_proposed_by_its_description() -> None:
    from billintake.services.books import LineInput
    from billintake.services.vendor_memory import BookedAs, with_booking, with_remembered_booking

    memory = with_booking(VendorMemory(organization_id="o", vendor_id="v"), BookedAs(
        lines=(("Printer paper A4, 5 boxes", "acc-paper"), ("Toner", None)),
        tax_rate=Decimal(19)))
    draft = BillInput(vendor_id="v", bill_number="1", bill_date="2024-05-01", currency="EUR",
                      total="119.00", tax="19.00", line_items=[
                          LineInput(description="Printer paper A4, 12 boxes", amount="60.00"),
                          LineInput(description="Stapler", amount="40.00",
                                    account_id="acc-own")])
    booked = with_remembered_booking(draft, memory)
    assert [line.account_id for line in booked.line_items] == ["acc-paper", "acc-own"]
    assert {line.tax_rate for line in booked.line_items} == {Decimal(19)}  # 19 % of 100
    assert with_remembered_booking(draft, None) == draft


def test_an_einvoice_teaches_its_known_vendors_memory(runtime: Runtime) -> None:
    from fixtures_gen.intake_fixtures import einvoice

    org, _ = make_org(runtime)  # knows the e-invoice sellers
    pdf, xml = einvoice("RE-2024-0777")
    received = receive(runtime, org.id, pdf, filename="re.pdf", channel=Channel.EMAIL,
                       einvoice_xml=xml)
    job = run_job(runtime, org.id, received.job.id)
    assert job.outcome is not None and job.outcome.bill is not None
    assert job.status is JobStatus.PUSHED and job.outcome.vendor_match is not None
    assert job.outcome.bill.source == "xml"
    vendor = job.outcome.vendor_match.vendor
    assert vendor is not None
    with runtime.repository(org.id) as repo:
        memory = repo.get_vendor_memory(vendor.id)
    assert memory is not None and memory.approvals == 1
    assert memory.field("total").spots and memory.field("bill_number").spots
    assert memory.bill_number_shape == "AA-9999-9999"


def test_a_bill_booked_straight_through_teaches_only_when_its_amounts_reconcile(
        runtime: Runtime) -> None:
    org, _ = make_org(runtime, known_sellers=False)
    for index in (0, 1):
        approval = learn_file(runtime, org.id, BILLS[index].pdf_bytes,
                              filename=f"b{index}.pdf", truth=truth(index))
    received = receive(runtime, org.id, BILLS[2].pdf_bytes, filename="b2.pdf",
                       channel=Channel.UPLOAD)
    job = run_job(runtime, org.id, received.job.id)
    assert job.status is JobStatus.PUSHED  # a known vendor's third bill, all fields sure
    assert job.outcome is not None and job.outcome.bill is not None
    assert job.outcome.bill.reconciled
    with runtime.repository(org.id) as repo:
        memory = repo.get_vendor_memory(approval.vendor.id)
        assert memory is not None and memory.approvals == 3  # booked: taught as approved
        assert memory.field("total").spots[0].context
        # the same bill, its amounts not reconciled, teaches nothing
        unsure = job.outcome.bill.model_copy(update={"reconciled": False})
        assert remember_passed(repo, Extractor(runtime.settings), approval.vendor, unsure,
                               _pages(Extractor(runtime.settings), 2)) is None
        assert repo.get_vendor_memory(approval.vendor.id).approvals == 3


def _slip(number: int, total: str, cash: str, change: str) -> bytes:
    """A till slip that prints no receipt number: a total, cash and change."""
    from tests.extraction._bills import Text, block, pdf_of, row

    return pdf_of([Text(60, 40, "KEDAI RUNCIT AH SENG", 14, bold=True),
                   *block(60, 62, ["Lot 12, Jalan Angsa", "41150 Klang, Selangor"]),
                   *row(110, (60, "DATE :"), (200, f"{number + 10:02d}/02/2018")),
                   *row(150, (60, "TOTAL SALES (INCLUSIVE GST) RM"), (300, total)),
                   *row(165, (60, "CASH RM"), (300, cash)),
                   *row(180, (60, "CHANGE RM"), (300, change))])


def test_a_known_shops_slip_without_a_number_is_booked_straight_through(
        runtime: Runtime) -> None:
    org, _ = make_org(runtime, known_sellers=False)
    slips = [("9.90", "10.00", "0.10"), ("23.40", "50.00", "26.60"), ("15.90", "20.00", "4.10")]
    for index, (total, cash, change) in enumerate(slips[:2]):
        learn_file(runtime, org.id, _slip(index, total, cash, change), filename=f"s{index}.pdf",
                   truth={"vendor_name": "KEDAI RUNCIT AH SENG", "bill_number": None,
                          "bill_date": f"2018-02-{index + 10:02d}", "currency": "MYR",
                          "subtotal": None, "tax": None, "total": total})
    data = _slip(2, *slips[2])
    received = receive(runtime, org.id, data, filename="s2.pdf", channel=Channel.UPLOAD)
    job = run_job(runtime, org.id, received.job.id)
    assert job.outcome is not None and job.outcome.bill is not None
    assert job.outcome.review_reasons == [] and job.status is JobStatus.PUSHED
    assert job.outcome.bill.not_printed == ["bill_number", "subtotal", "tax"]
    with runtime.repository(org.id) as repo:
        bill = repo.get_bill(job.bill_id)
    assert bill.total == Decimal("15.90")
    assert bill.bill_number == f"20180212-{received.job.document_sha256[:8]}"
