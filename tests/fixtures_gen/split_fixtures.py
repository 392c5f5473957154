"""Files of several bills: PDFs put one after another, with each one's page range."""

from __future__ import annotations

import io
import time
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from billintake.bootstrap import Runtime
from billintake.domain.model import IngestJob
from billintake.services.split import SPLIT_OF_HINT


def concatenate(parts: list[bytes]) -> tuple[bytes, list[tuple[int, int]]]:
    """The PDFs one after another, and each one's page range."""
    writer, ranges, page = PdfWriter(), [], 1
    for data in parts:
        reader = PdfReader(io.BytesIO(data))
        for p in reader.pages:
            writer.add_page(p)
        ranges.append((page, page + len(reader.pages) - 1))
        page += len(reader.pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), ranges


SPLIT_FIXTURES = Path(__file__).parents[1] / "fixtures" / "split"
ONE_PAGE, THREE_PAGES = ("AzureInterior.pdf",
                         "zfcsharp-EN16931_steuerbefreite_Auslandslieferung_fx.pdf")


def batch_of_two() -> bytes:
    """A real one-page bill, then a real three-page one: pages 1-1 and 2-4."""
    return concatenate([(SPLIT_FIXTURES / name).read_bytes()
                        for name in (ONE_PAGE, THREE_PAGES)])[0]


def batch_jobs_final(runtime: Runtime, org_id: str, parent_id: str,
                     timeout_s: float = 150) -> list[IngestJob]:
    """A batch's jobs, once its job made the other bills' jobs and every one is final."""
    deadline = time.monotonic() + timeout_s
    while True:
        with runtime.repository(org_id) as repo:
            jobs = repo.list_jobs()
        children = [job for job in jobs if job.hints.get(SPLIT_OF_HINT) == parent_id]
        if children and all(job.status.is_final for job in jobs):
            return jobs
        if time.monotonic() > deadline:
            raise TimeoutError([(j.id, j.status.value) for j in jobs])
        time.sleep(0.2)
