"""The ranker: deterministic training, calibration checked on held-out folds, the decision."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from billintake_devkit import ranking
from billintake_devkit.corpora import LabelledDocument

from billintake.extraction import calibration, ranker
from billintake.extraction.candidate import Candidate
from billintake.extraction.decide import adds_up_to, decide
from billintake.reading.reader import read

from ._bills import Text, block, pdf_of, row


def _bill(n: int) -> tuple[LabelledDocument, object]:
    net = Decimal(100 + 37 * n)
    tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    texts = [
        Text(60, 50, f"Vendor {chr(65 + n)}{chr(75 + n)} GmbH", 18, bold=True),
        *block(60, 150, ["Bill to:", "Acme Ltd", "1 Main Street"]),
        *row(150, (350, "Invoice No.:"), (450, f"R-{2024 + n}-{n:03d}")),
        *row(165, (350, "Date:"), (450, f"{n + 1:02d}.03.2024")),
        *row(300, (60, "Service"), (450, f"{net:.2f}")),
        *row(340, (350, "Net:"), (450, f"{net:.2f}")),
        *row(355, (350, "VAT 19%:"), (450, f"{tax:.2f}")),
        *row(370, (350, "Total:"), (450, f"{net + tax:.2f}")),
    ]
    truth = {"bill_number": f"R-{2024 + n}-{n:03d}", "vendor_name": f"Vendor {chr(65 + n)}"
             f"{chr(75 + n)} GmbH", "bill_date": f"2024-03-{n + 1:02d}",
             "subtotal": f"{net:.2f}", "tax": f"{tax:.2f}", "total": f"{net + tax:.2f}"}
    doc = LabelledDocument(id=f"b{n}", source="drawn", group=f"g{n}", truth=truth)
    return doc, read(pdf_of(texts))


_EXAMPLES: list[ranking.Example] = []


def _examples() -> list[ranking.Example]:
    if not _EXAMPLES:
        _EXAMPLES.extend(ranking.collect_read([_bill(n) for n in range(6)]))  # type: ignore[misc]
    return _EXAMPLES


def test_training_twice_gives_identical_bytes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    examples = _examples()
    first = ranking.fit(examples, k=3, select=False)
    second = ranking.fit(examples, k=3, select=False)
    first.save(tmp_path / "a")
    second.save(tmp_path / "b")
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "total.txt" in files and "meta.json" in files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    loaded = ranker.Ranker.load(tmp_path / "a")
    cands = examples[0].proposed["total"]
    assert np.array_equal(loaded.scores("total", cands), first.scores("total", cands))
    names = examples[0].proposed["vendor_name"]
    assert loaded.listwise == first.listwise == {"vendor_name", "total"}
    assert np.array_equal(loaded.scores("vendor_name", names), first.scores("vendor_name", names))


def test_a_listwise_field_scores_each_value_by_its_share_of_the_document() -> None:
    """The vendor's and the total's models rank a document's candidates against each other:
    their scores are each value's probability, the candidates of one value pooled, the
    values' summing to one; each learns at its own truncation level."""
    examples = _examples()
    model = ranking.train_models(examples)
    assert model.listwise == {"vendor_name", "total"} and "bill_number" not in model.listwise
    for example in examples:
        for name in ("vendor_name", "total"):
            cands = example.proposed[name]
            scores = model.scores(name, cands)
            by_value = dict(zip((c.value for c in cands), scores, strict=True))
            assert sum(by_value.values()) == pytest.approx(1.0)
        cands = example.proposed["vendor_name"]
        best = cands[int(np.argmax(model.scores("vendor_name", cands)))]
        assert best.value == example.doc.truth["vendor_name"]
    for name, level in ranker.LISTWISE.items():
        assert f"[lambdarank_truncation_level: {level}]" in model.boosters[name].model_to_string()
    pooled = ranker.listwise_probabilities(np.array([0.0, 0.0, np.log(2.0)]), ["A", "B", "A"])
    assert pooled == pytest.approx([0.75, 0.25, 0.75])


def test_a_vendor_is_given_however_unsure_a_bill_number_is_not() -> None:
    """Every bill prints its seller, not every one a number: below `MIN_GIVEN` the best
    vendor is still given (with its low confidence), the bill number left empty."""
    examples = _examples()
    model = ranking.train_models(examples)
    # (every drawn bill's one number candidate is right: no model of its own to train, so the
    # vendor's stands in; what is checked is what the decision gives at this confidence)
    model.boosters["bill_number"] = model.boosters["vendor_name"]
    model.features["bill_number"] = model.features["vendor_name"]
    unsure = calibration.Calibration(xs=(0.0, 1.0), ys=(0.01, 0.01))
    model.calibrations = {"vendor_name": unsure, "bill_number": unsure}
    decision = decide(model, examples[0].proposed, None)
    vendor = decision.fields["vendor_name"]
    assert vendor is not None and vendor.confidence == pytest.approx(0.01)
    assert vendor.candidate.value == examples[0].doc.truth["vendor_name"]
    assert decision.fields["bill_number"] is None


def test_ranker_chooses_the_labelled_values_of_unseen_bills() -> None:
    examples = _examples()
    models = ranking.cross_fit(examples, k=3, select=False)
    for example in examples:
        model = models[ranking.fold_of(example.doc.group, 3)]
        decision = decide(model, example.proposed, None)
        chosen = decision.fields["total"]
        assert chosen is not None
        assert chosen.candidate.value == Decimal(example.doc.truth["total"])
        assert decision.reconciled


def test_calibration_on_held_out_folds() -> None:
    """Fitted on some folds, the map's confidences match the share right on another."""
    rng = np.random.default_rng(3)
    scores = rng.uniform(0, 1, 4000)
    right = rng.uniform(0, 1, 4000) < scores ** 2  # true P(right) = score²
    fold = np.arange(4000) % 4
    confidences, outcomes = [], []
    for k in range(4):
        fitted = calibration.fit(scores[fold != k].tolist(), right[fold != k].tolist())
        confidences.extend(fitted.apply(s) for s in scores[fold == k])
        outcomes.extend(right[fold == k].tolist())
    assert calibration.ece(confidences, outcomes) <= 0.05
    raw = calibration.ece(scores.tolist(), right.tolist())
    assert raw > 0.1  # the raw scores were not calibrated: the fit did the work


def test_amounts_that_do_not_add_up_are_not_reconciled() -> None:
    def cand(name: str, value: str) -> Candidate:
        return Candidate(field=name, value=Decimal(value), text=value, page=1, bbox=(0, 0, 1, 1))

    assert adds_up_to({"total": cand("total", "119.00"), "subtotal": cand("subtotal", "100.00"),
                       "tax": cand("tax", "19.00")}, None)
    assert not adds_up_to({"total": cand("total", "120.00"),
                           "subtotal": cand("subtotal", "100.00"), "tax": cand("tax", "19.00")},
                          None)
    assert not adds_up_to({"total": cand("total", "119.00")}, None)
    assert adds_up_to({"total": cand("total", "119.00")}, Decimal("119.00"))


def test_the_ranker_decides_only_where_it_beat_the_rules_out_of_fold() -> None:
    oof = {name: [] for name in ranking.FIELDS}
    rules = {name: [] for name in ranking.FIELDS}
    oof["bill_number"] = [(0.9, True, "text")] * 8 + [(0.9, False, "text")] * 2
    rules["bill_number"] = [(0.9, True, "text")] * 9 + [(0.9, False, "text")]
    oof["total"] = [(0.9, True, "ocr")] * 9 + [(0.9, False, "ocr")]
    rules["total"] = [(0.9, True, "ocr")] * 7 + [(0.9, False, "ocr")] * 3
    chosen = ranking.selected_groups(oof, rules)
    assert "bill_number" not in chosen["text"]
    assert "amounts" in chosen["ocr"] and "amounts" not in chosen["text"]


def test_examples_cache_is_keyed_by_the_documents_read(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A changed read (here: the document's lines) is collected again, an unchanged one is
    reused from the cache."""
    from billintake.settings import Settings

    collected: list[int] = []

    def fake_collect(docs, settings, cache, extractor=None):  # type: ignore[no-untyped-def]
        collected.append(len(docs))
        return [ranking.Example(doc, {}) for doc in docs]

    monkeypatch.setattr(ranking, "collect", fake_collect)
    line = {"text": "Total 10.00", "bbox": [0, 0, 50, 10]}
    doc = LabelledDocument(id="a", source="s", group="g", truth={"total": "10.00"},
                           lines=(line,))
    cache = tmp_path / "reads"
    settings = Settings()
    ranking.collect_cached([doc], settings, cache, "set")
    ranking.collect_cached([doc], settings, cache, "set")
    assert collected == [1]
    changed = LabelledDocument(id="a", source="s", group="g", truth={"total": "10.00"},
                               lines=({**line, "text": "Total 11.00"},))
    examples = ranking.collect_cached([changed], settings, cache, "set")
    assert collected == [1, 1]
    assert examples[0].doc.lines[0]["text"] == "Total 11.00"


def test_a_salt_deals_the_groups_into_other_folds_and_keeps_the_default_split() -> None:
    groups = [f"vendor-{i}" for i in range(40)]
    plain = [ranking.fold_of(g, 5) for g in groups]
    assert plain == [ranking.fold_of(g, 5, "") for g in groups]  # the shipped split
    salted = [ranking.fold_of(g, 5, "a") for g in groups]
    assert salted == [ranking.fold_of(g, 5, "a") for g in groups]  # stable
    assert salted != plain and set(salted) == set(range(5))
