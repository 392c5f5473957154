"""A received file holding several bills becomes one job per bill, each with its pages, all
linked to the one original; a file of one bill stays one job."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fixtures_gen.intake_fixtures import make_org
from fixtures_gen.split_fixtures import concatenate
from PIL import Image

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, JobStatus
from billintake.services.pipeline import run_job
from billintake.services.receive import receive
from billintake.services.split import (
    ORIGINAL_HINT,
    PAGES_HINT,
    SPLIT_OF_HINT,
    cut_pages,
    job_pages,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "split"
AZURE, THREE_PAGES = "AzureInterior.pdf", "zfcsharp-EN16931_steuerbefreite_Auslandslieferung_fx.pdf"


def _batch() -> bytes:
    return concatenate([(FIXTURES / name).read_bytes() for name in (AZURE, THREE_PAGES)])[0]


@pytest.fixture
def org_id(runtime: Runtime) -> str:
    return make_org(runtime)[0].id


def _page_count(data: bytes) -> int:
    return len(pdfium.PdfDocument(data))


def test_a_batch_of_two_bills_becomes_two_linked_jobs(runtime: Runtime, org_id: str) -> None:
    data = _batch()
    received = receive(runtime, org_id, data, filename="scan batch.pdf", channel=Channel.EMAIL)
    parent = run_job(runtime, org_id, received.job.id)
    assert parent.status.is_final and parent.status is not JobStatus.FAILED, parent.error
    assert job_pages(parent) == (1, 1)
    assert parent.outcome is not None and parent.outcome.bill is not None
    assert parent.outcome.bill.value("vendor_name")  # extracted from its own page
    with runtime.repository(org_id) as repo:
        jobs = repo.list_jobs()
    children = [job for job in jobs if job.hints.get(SPLIT_OF_HINT) == parent.id]
    assert len(children) == 1
    child = children[0]
    assert job_pages(child) == (2, 4) and child.channel is Channel.EMAIL
    assert child.hints[ORIGINAL_HINT] == parent.hints[ORIGINAL_HINT] == parent.document_sha256
    assert child.original_filename == "scan batch (pages 2-4).pdf"
    part = runtime.originals.read(child.document_sha256)
    assert _page_count(part) == 3
    done = run_job(runtime, org_id, child.id)
    assert done.status is not JobStatus.FAILED, done.error
    assert job_pages(done) == (2, 4)  # not split again
    with runtime.repository(org_id) as repo:
        assert len(repo.list_jobs()) == 2
    assert done.outcome is not None and done.outcome.bill is not None
    assert done.outcome.bill.value("total") is not None


def test_a_single_multi_page_bill_stays_one_job(runtime: Runtime, org_id: str) -> None:
    data = (FIXTURES / THREE_PAGES).read_bytes()
    received = receive(runtime, org_id, data, filename="long.pdf", channel=Channel.UPLOAD)
    job = run_job(runtime, org_id, received.job.id)
    assert job.status is not JobStatus.FAILED, job.error
    assert PAGES_HINT not in job.hints
    with runtime.repository(org_id) as repo:
        assert len(repo.list_jobs()) == 1


def test_cut_pages_keeps_the_chosen_pages_of_a_pdf_and_a_tiff() -> None:
    data = _batch()
    assert _page_count(cut_pages(data, "application/pdf", (2, 3))) == 2
    frames = [Image.new("L", (40, 40), color) for color in (0, 120, 255)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    part = Image.open(io.BytesIO(cut_pages(out.getvalue(), "image/tiff", (2, 3))))
    assert part.n_frames == 2 and part.getpixel((0, 0)) == 120


def test_each_bill_of_a_batch_gets_the_payment_code_on_its_own_pages() -> None:
    """A real bill, then a Swiss QR-bill: the second bill's payment is its code's, numbered on
    its own pages; the first bill gets no code that is not on its pages."""
    from billintake_devkit.payment_qr import SPC_QRR, bill_pdf

    from billintake.extraction.extractor import Extractor
    from billintake.services.split import find_bills

    qr_bill = bill_pdf(SPC_QRR, lines=[
        "Robert Schneider AG", "Rue du Lac 1268, 2501 Biel", "", "Invoice No: 2020-0615",
        "Invoice Date: 15.06.2020", "Total: CHF 1949.75"])
    batch, ranges = concatenate([(FIXTURES / AZURE).read_bytes(), qr_bill])
    found = find_bills(Extractor(use_model=False), batch, media_type="application/pdf")
    assert [bill.pages for bill in found] == ranges
    first, second = found[0].bill.payment, found[1].bill.payment
    assert first is None or first.qr is None
    assert second is not None and second.qr == "spc"
    assert second.value("iban") == "CH4431999123000889012"
    assert second.value("reference") == "210000000003139471430009017"
    assert second.iban is not None and second.iban.evidence is not None
    assert second.iban.evidence.page == 1  # its own first page, the file's page 2
