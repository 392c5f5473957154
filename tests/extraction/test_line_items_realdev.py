"""Line items read from the printed page of real Factur-X / ZUGFeRD invoices whose XML was
removed (`../shared/realdev/facturx-visual`, or `BILLINTAKE_REALDEV_DIR`), against the lines of
that XML. Skips when the folder is absent."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz import fuzz

from billintake.extraction.line_items import TOTALS_HEADS, extract_line_items
from billintake.extraction.vocabulary.normalize import fold
from billintake.reading.reader import read

REALDEV = Path(os.environ.get("BILLINTAKE_REALDEV_DIR")
               or Path(__file__).resolve().parents[3] / "shared" / "realdev") / "facturx-visual"
RECORDS = ([json.loads(line) for line in (REALDEV / "truth.jsonl").read_text().splitlines()
            if line.strip()] if (REALDEV / "truth.jsonl").exists() else [])

pytestmark = [pytest.mark.skipif(not RECORDS, reason=f"no realdev e-invoices in {REALDEV}"),
              pytest.mark.slow]


def _matched(truth: list[dict[str, Any]], got: list[tuple[str, Decimal | None]]) -> int:
    """One-to-one matches: equal amount and a description that agrees (as bench/realsets.py)."""
    free = list(got)
    found = 0
    for want in truth:
        for item in free:
            if item[1] == Decimal(want["amount"]) and fuzz.partial_ratio(
                    want["description"].lower()[:40], item[0].lower()[:40]) >= 80:
                free.remove(item)
                found += 1
                break
    return found


def test_line_items_of_real_e_invoices_read_from_the_page() -> None:
    truth_n = got_n = matched = 0
    for record in RECORDS:
        truth = record["truth"].get("line_items")
        if truth is None:
            continue
        items = extract_line_items(read((REALDEV / record["file"]).read_bytes())).items
        got = [(i.description, i.amount) for i in items]
        # the totals block (Positionssumme, Bruttosumme, Zahlbetrag, VAT lines) is no item
        # (an item may be named so: "Summe 01 Bauabschnitt 1" is a line of the XML)
        named_like_totals = [g for g in got if fold(g[0]).split(" ")[0] in TOTALS_HEADS]
        assert _matched(truth, named_like_totals) == len(named_like_totals), record["id"]
        truth_n, got_n, matched = truth_n + len(truth), got_n + len(got), \
            matched + _matched(truth, got)
    precision, recall = matched / got_n, matched / truth_n
    assert 2 * precision * recall / (precision + recall) >= 0.9, (precision, recall)
