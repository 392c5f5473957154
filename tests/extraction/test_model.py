"""The shipped pipeline: loaded once per process, offline; the rules alone without a model."""

from __future__ import annotations

import json

import pytest

from billintake.extraction import model, nlp
from billintake.extraction.labels import read_lexicon
from tests.extraction.spans import field_labels, found


def test_the_pipeline_round_trips_through_disk(rules, tmp_path) -> None:
    rules.to_disk(tmp_path / "model")
    loaded = model.load(tmp_path / "model")
    assert loaded.pipe_names == rules.pipe_names
    text = "Invoice No: INV-2024-0012 Total € 1.234,56"
    assert found(loaded, text) == found(rules, text)
    assert field_labels(loaded, text) == field_labels(rules, text) == [
        ("Invoice No:", {"bill_number"}), ("Total €", {"total"})]  # as the header reads it
    # the lexicon is saved with the model, row for row
    saved = tmp_path / "model" / "field_labels" / "labels.jsonl"
    assert read_lexicon(saved) == read_lexicon()
    assert model.load(tmp_path / "model") is loaded  # loaded once per process


def test_without_a_shipped_model_the_rules_still_work(tmp_path) -> None:
    pipeline = model.load(tmp_path / "nothing-here")
    assert "entity_ruler" in pipeline.pipe_names and "field_labels" in pipeline.pipe_names
    assert ("MONEY", "", "12.00") in found(pipeline, "Total 12.00")
    assert field_labels(pipeline, "Total 12.00") == [("Total", {"total"})]


def test_the_shipped_pipeline_loads_offline_and_is_small() -> None:
    model_dir = model.DEFAULT_MODEL_DIR
    if not (model_dir / "config.cfg").is_file():
        pytest.fail("models/billintake_fields is missing: run scripts/build_pipeline.py")
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    assert size < 5 * 1024 * 1024
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["billintake"]["patterns_sha256"] == nlp.patterns_fingerprint(), (
        "the patterns changed: rebuild the model with scripts/build_pipeline.py")
    # the label lexicon the model carries is the file's, row for row
    assert read_lexicon(model_dir / "field_labels" / "labels.jsonl") == read_lexicon(), (
        "the label lexicon changed: rebuild the model with scripts/build_pipeline.py")
    pipeline = model.load(model_dir)
    assert pipeline.pipe_names == ["entity_ruler", "identifier_check", "fallback_ruler",
                                   "field_labels"]
    doc = pipeline("Rechnungsnummer: RE-2024-17")
    assert [e.label_ for e in doc.ents] == ["IDENTIFIER"]
    assert [(s.text, s.label_) for s in doc.spans["field_labels"]] == [
        ("Rechnungsnummer:", "bill_number")]
