"""The trained candidate scorer: its features, training, persistence and the shipped model."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from billintake_devkit.synth import generate

from billintake.extraction import model, nlp, scorer
from billintake.extraction.extractor import Extractor
from billintake.extraction.header import Candidate
from billintake.reading.document import Line, Page, ReadDocument, Word

ROOT = Path(__file__).resolve().parents[2]


def _train_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_model", ROOT / "scripts/train_model.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def word(text: str, x0: float, top: float, size: float = 10.0, bold: bool = False) -> Word:
    return Word(text=text, x0=x0, top=top, x1=x0 + 5.5 * len(text), bottom=top + size,
                font_size=size, bold=bold)


def line(*words: Word) -> Line:
    return Line(words=list(words))


@pytest.fixture(scope="module")
def bill_doc() -> ReadDocument:
    """A bill with its invoice number beside its label and a customer number elsewhere."""
    lines = [
        line(word("ACME", 50, 40, size=20, bold=True)),
        line(word("Invoice", 350, 100), word("No:", 391, 100), word("A-17", 450, 100)),
        line(word("Customer", 350, 115), word("No:", 400, 115), word("C-99", 450, 115)),
        line(word("Subtotal", 350, 600), word("100.00", 480, 600)),
        line(word("VAT", 350, 615), word("19.00", 480, 615)),
        line(word("Total", 350, 630, bold=True), word("119.00", 480, 630, bold=True)),
    ]
    page = Page(number=1, width=595, height=842, lines=lines,
                words=[w for ln in lines for w in ln.words])
    return ReadDocument(media_type="application/pdf", pages=[page])


def candidate(field: str, value: object, text: str, bbox: tuple[float, float, float, float],
              score: float = 0.5) -> Candidate:
    return Candidate(field=field, value=value, text=text, page=1, bbox=bbox, score=score)


def feature(rows: np.ndarray, row: int, name: str) -> float:
    return float(rows[row, scorer.FEATURE_NAMES.index(name)])


def test_features_see_the_label_left_of_a_value_and_its_type(bill_doc: ReadDocument) -> None:
    cands = [candidate("bill_number", "A-17", "A-17", (450, 100, 472, 110)),
             candidate("bill_number", "C-99", "C-99", (450, 115, 472, 125))]
    rows = scorer.featurize("bill_number", cands, scorer.document_view(bill_doc, model.load()))
    assert rows.shape == (2, scorer.N_FEATURES)
    assert feature(rows, 0, "left_bill_number") == 1.0
    assert feature(rows, 0, "left_is_field") == 1.0
    assert feature(rows, 1, "left_customer_number") == 1.0
    assert feature(rows, 1, "left_is_field") == 0.0
    assert feature(rows, 0, "type_IDENTIFIER") == 1.0
    assert feature(rows, 0, "right_half") == 1.0


def test_amount_features_know_the_sum_and_the_largest(bill_doc: ReadDocument) -> None:
    cands = [candidate("total", Decimal("119.00"), "119.00", (480, 630, 513, 640)),
             candidate("total", Decimal("100.00"), "100.00", (480, 600, 513, 610))]
    rows = scorer.featurize("total", cands, scorer.document_view(bill_doc, model.load()))
    assert feature(rows, 0, "value_is_sum") == 1.0  # 119.00 = 100.00 + 19.00
    assert feature(rows, 0, "value_is_largest_amount") == 1.0
    assert feature(rows, 1, "value_is_addend") == 1.0
    assert feature(rows, 0, "bold") == 1.0 and feature(rows, 1, "bold") == 0.0
    assert feature(rows, 0, "type_MONEY") == 1.0


def test_date_features_order_the_dates(bill_doc: ReadDocument) -> None:
    cands = [candidate("due_date", date(2024, 4, 1), "01.04.2024", (0, 0, 1, 1)),
             candidate("due_date", date(2024, 3, 1), "01.03.2024", (0, 0, 1, 1))]
    rows = scorer.featurize("due_date", cands, scorer.document_view(bill_doc, model.load()))
    assert feature(rows, 0, "date_is_latest") == 1.0
    assert feature(rows, 1, "date_is_earliest") == 1.0


def test_logistic_fit_learns_a_separable_signal_deterministically() -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(400, scorer.N_FEATURES)).astype(np.float32)
    rows[:, scorer.FEATURE_NAMES.index("bias")] = 1.0
    signal = scorer.FEATURE_NAMES.index("left_is_field")
    targets = (rows[:, signal] > 0.3).astype(np.float32)
    first = scorer.fit_logistic(rows, targets)
    second = scorer.fit_logistic(rows, targets)
    assert np.array_equal(first.weights, second.weights)
    predicted = first.probabilities(rows) > 0.5
    assert (predicted == targets.astype(bool)).mean() > 0.95


def test_a_saved_scorer_loads_back_identical_and_byte_stable(tmp_path: Path,
                                                             bill_doc: ReadDocument) -> None:
    rows = np.eye(scorer.N_FEATURES, dtype=np.float32)[:40]
    rows[:, 0] = 1.0
    fitted = scorer.fit_logistic(rows, (np.arange(40) % 2).astype(np.float32), steps=50)
    saved = scorer.FieldScorer({"bill_number": fitted}, {"seed": 1})
    saved.to_disk(tmp_path / "a")
    saved.to_disk(tmp_path / "b")
    for name in ("weights.npy", "meta.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    loaded = scorer.FieldScorer.from_disk(tmp_path / "a")
    saved.pipeline = loaded.pipeline = model.load()  # the rules its features come from
    cands = [candidate("bill_number", "A-17", "A-17", (450, 100, 472, 110))]
    assert loaded.score("bill_number", cands, bill_doc) == saved.score(
        "bill_number", cands, bill_doc)
    # a field the scorer was not trained for keeps the rules' scores
    assert loaded.score("po_number", cands, bill_doc) == [0.5]


def test_a_scorer_trained_on_other_features_is_ignored_not_fatal(tmp_path: Path) -> None:
    scorer.FieldScorer({}).to_disk(tmp_path)
    meta = (tmp_path / "meta.json").read_text().replace('"bias"', '"old_feature"')
    (tmp_path / "meta.json").write_text(meta)
    assert scorer.FieldScorer.from_disk(tmp_path).models == {}


@pytest.mark.slow
def test_training_on_generated_bills_plugs_into_the_extractor(
        tmp_path: Path) -> None:
    train = _train_script()
    data = train.collect(seed=4242, count=40, scans=0, workers=1)
    models, report = train.train(data, keep_all=True)
    assert {"bill_number", "bill_date", "total", "vendor_name"} <= set(models)
    assert report["total"]["bills"] >= 30
    pipeline = nlp.build_rules_pipeline()
    component = pipeline.add_pipe("field_scorer")
    component.scorer = scorer.FieldScorer(models)
    pipeline.to_disk(tmp_path / "model")

    trained = model.load_scorer(model_dir=tmp_path / "model")
    assert trained is not None and set(trained.fields) == set(models)
    extractor = Extractor(scorer=trained)
    bills = list(generate(777, "test", 8, scan_fraction=0.0))
    right = 0
    for bill in bills:
        got = extractor.extract_bytes(bill.pdf_bytes)
        right += int(str(got.value("total")) == bill.truth["total"])
    assert right >= 6  # on test layouts the scorer never trained on
