"""The trained ranker: per field, how likely each candidate is the field's true value.

One LightGBM model per field over the candidates' named features (the order of
`finders.context.feature_names`), trained deterministically (`deterministic=True`, a fixed
seed, one thread) on candidates labelled by truth: binary (each candidate judged alone) or,
for the fields in `LISTWISE`, ranking each document's candidates against each other; and,
per field, a calibration from the chosen candidate's signals (its score, the runner-up's,
agreement with the rules, OCR certainty, the arithmetic) to the probability that it is
right, fitted on out-of-fold choices (`calibration.py`). Shipped as text in `models/ranker/`
(`<field>.txt`, `meta.json`), rebuilt by `make model` (`scripts/train_ranker.py`).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .calibration import Calibration, Signals
from .candidate import Candidate

log = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "models" / "ranker"
SEED = 7
PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.08, "num_leaves": 15, "min_data_in_leaf": 5,
    # every tree sees every feature: with 0.8 a feature added (or merely computed) for one
    # kind of document reshuffled the columns each tree drew and moved another kind's choices
    # (receipts' totals ±7 of 526); cross-validated, 1.0 halves the wrong among fields given
    # ≥ 0.95 on the receipts and lets no wrong bill through the gate on any real set
    "feature_fraction": 1.0, "bagging_fraction": 1.0, "lambda_l2": 1.0,
    "deterministic": True, "force_row_wise": True, "num_threads": 1, "seed": SEED,
    "verbosity": -1,
}
ROUNDS = 120
# The fields whose model ranks a document's candidates against each other (LightGBM's
# lambdarank), each with its truncation level: the pairs it learns from are those with one of
# the document's best that many candidates. Its scores become each value's probability by a
# softmax over the document's candidates, pooled over candidates of one value
# (`Ranker.scores`). The vendor's candidates are variants of each other (a brand, the company
# below it, both joined, the branch after them): what decides is which variant beats the others
# on this page, not how name-like each looks alone, and only the pairs with the true name teach
# that (level 1). Cross-validated (bench/realsets.py --cv, 3 splits), receipts' vendor
# (sroie-lines) 94.2 % (binary) → 95.0 % (level 3; 94.3 on one split) → 95.7 % (level 1; each
# split ≥ 95.4). The total, chosen jointly with subtotal and tax, ranks its candidates at level
# 3: receipts' total 96.7 → 97.3 % (sroie-lines), 97.1 → 97.5 % (sroie), the invoices' as
# before (at level 1 two invoices' totals went wrong). Bill number and date stay binary: ranked
# listwise they chose the same.
LISTWISE: dict[str, int] = {"vendor_name": 1, "total": 3}
LISTWISE_PARAMS: dict[str, Any] = {"objective": "lambdarank"}


def kind_of(cand: Candidate) -> str:
    """The kind of document a candidate comes from, as calibrations are kept: OCR or text."""
    return "ocr" if cand.features.get("doc_ocr", 0.0) > 0.5 else "text"


def matrix(cands: Sequence[Candidate], names: Sequence[str]) -> np.ndarray:
    """Candidates as rows of their named features (absent ones are 0)."""
    if not cands:
        return np.zeros((0, len(names)), dtype=np.float64)
    return np.array([[cand.features.get(name, 0.0) for name in names] for cand in cands],
                    dtype=np.float64)


def train(rows: np.ndarray, targets: np.ndarray, names: Sequence[str],
          groups: Sequence[int] | None = None, truncation: int = 1) -> Any:
    """One field's model, deterministic: same rows, same bytes. With `groups` (how many rows
    each document has, in order) the model ranks a document's candidates (`LISTWISE_PARAMS`),
    learning from the pairs with one of its `truncation` best."""
    import lightgbm as lgb

    data = lgb.Dataset(rows, label=targets, feature_name=list(names), free_raw_data=False,
                       group=None if groups is None else list(groups), params={"verbosity": -1})
    params = PARAMS if groups is None else {**PARAMS, **LISTWISE_PARAMS,
                                            "lambdarank_truncation_level": truncation}
    return lgb.train(params, data, num_boost_round=ROUNDS)


def listwise_probabilities(raw: np.ndarray, values: Sequence[object]) -> np.ndarray:
    """A listwise model's scores of one document's candidates as probabilities: the softmax
    over the candidates, each candidate given the sum over the candidates of its value (one
    value found on two lines is one answer)."""
    if raw.size == 0:
        return raw
    weights = np.exp(raw - raw.max())
    weights /= weights.sum()
    pooled: dict[object, float] = {}
    for value, weight in zip(values, weights, strict=True):
        pooled[value] = pooled.get(value, 0.0) + float(weight)
    return np.asarray([min(1.0, pooled[value]) for value in values], dtype=np.float64)


@dataclass
class Ranker:
    """The per-field models with their feature names and calibrations."""

    boosters: dict[str, Any] = field(default_factory=dict)
    features: dict[str, list[str]] = field(default_factory=dict)
    calibrations: dict[str, Calibration] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    listwise: frozenset[str] = frozenset()  # the fields whose model ranks (`LISTWISE`)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.boosters)

    def decides(self, name: str, kind: str) -> bool:
        """Whether the ranker chooses this field on documents of this kind (where, out of
        fold, it beat the rules); without that record, wherever it has a model."""
        decides = self.info.get("decides")
        if decides is None:
            return name in self.boosters
        return name in self.boosters and name in decides.get(kind, [])

    def scores(self, name: str, cands: Sequence[Candidate]) -> np.ndarray:
        if not cands:
            return np.zeros(0)
        rows = matrix(cands, self.features[name])
        raw = np.asarray(self.boosters[name].predict(rows, num_threads=1), dtype=np.float64)
        if name in self.listwise:
            return listwise_probabilities(raw, [cand.value for cand in cands])
        return raw

    def why(self, name: str, best: Candidate, runner_up: Candidate | None, top: int = 3
            ) -> list[str]:
        """The features that most favour `best` over `runner_up` (LightGBM's per-feature
        contributions to the score, best minus runner-up), for a person to read."""
        cands = [best] if runner_up is None else [best, runner_up]
        contrib = np.asarray(self.boosters[name].predict(
            matrix(cands, self.features[name]), pred_contrib=True, num_threads=1))
        diff = contrib[0, :-1] - (contrib[1, :-1] if runner_up is not None else 0.0)
        order = np.argsort(-diff, kind="stable")[:top]
        return [f"{self.features[name][i]}={best.features.get(self.features[name][i], 0.0):g} "
                f"({diff[i]:+.2f})" for i in order if diff[i] > 0]

    def confidence(self, name: str, signals: Signals | float, kind: str | None = None
                   ) -> float:
        """P(right) of a chosen candidate with these signals (or bare score), by the
        calibration of the field on documents of this kind ("ocr" or "text") when there is
        one, else of the field."""
        calibration = self.calibrations.get(f"{name}:{kind}") or self.calibrations.get(name)
        if calibration is not None:
            return calibration.apply(signals)
        return float(signals.score if isinstance(signals, Signals) else signals)

    def rules_confidence(self, name: str, signals: Signals | float, kind: str) -> float:
        """P(right) of the rules' own choice of a field the ranker leaves to them (the
        signals' score is the rules' confidence)."""
        if f"rules:{name}" not in self.calibrations:
            return float(signals.score if isinstance(signals, Signals) else signals)
        return self.confidence(f"rules:{name}", signals, kind)

    def top(self, name: str, cands: Sequence[Candidate]) -> Candidate | None:
        """The candidate the field's model scores best, when it has a model (for a field the
        rules decide: whether the ranker would have agreed)."""
        if name not in self.boosters or not cands:
            return None
        return cands[int(np.argmax(self.scores(name, cands)))]

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.txt"):
            if stale.stem not in self.boosters:
                stale.unlink()
        for name, booster in self.boosters.items():
            (path / f"{name}.txt").write_text(booster.model_to_string(), encoding="utf-8")
        meta = {"fields": list(self.boosters), "features": self.features,
                "calibrations": {k: v.to_json() for k, v in self.calibrations.items()},
                "info": self.info, "listwise": sorted(self.listwise)}
        (path / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Ranker:
        import lightgbm as lgb

        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        boosters = {name: lgb.Booster(model_str=(path / f"{name}.txt").read_text(
            encoding="utf-8")) for name in meta["fields"]}
        return cls(boosters=boosters, features=meta["features"],
                   calibrations={k: Calibration.from_json(v)
                                 for k, v in meta["calibrations"].items()},
                   info=meta.get("info", {}), listwise=frozenset(meta.get("listwise", [])))


def load_shipped(path: Path | None = None) -> Ranker | None:
    """The shipped ranker (once per process), or None when none is shipped."""
    return _load_shipped((path or DEFAULT_DIR).resolve())


@functools.cache
def _load_shipped(path: Path) -> Ranker | None:
    try:
        return Ranker.load(path) if (path / "meta.json").is_file() else None
    except Exception:  # a broken model must not stop extraction: the rules still stand
        log.exception("the ranker at %s could not be loaded; rules only", path)
        return None
