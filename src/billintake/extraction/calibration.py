"""Confidence = the probability that a field is right, fitted on out-of-fold choices.

A choice is judged on its `Signals`, not on the chooser's score alone: the score, the best
score of another value (a close runner-up is a doubt), whether the two choosers (the ranker
and the rules) took the same value, whether the page was read by OCR and how sure the OCR was
of the value's words, whether the bill's amounts add up, whether a total made of the amounts
above it is printed below a chosen amount, and whether its finder names a rival of it.
`fit` takes, for each held-out document, the signals of a field's choice and whether it was
right, and fits in two steps:

1. a logistic regression of right on the signals (sklearn, at training time only), which
   weighs them against each other: one number per choice, already near P(right);
2. an isotonic (monotone) map from that number to the share right, whose blocks each state
   the lower end of their Wilson interval (`Z`): a block of few choices claims less than its
   share, so "≥ 0.95" is said only where many choices earned it.

At run time both steps are plain arithmetic over stored numbers (a dot product, then a
piecewise linear interpolation). A kind of document whose record has no wrong choice cannot be
fitted on its own; `floored` keeps the field's calibration for it, but never below the lower
bound that record earned (`record_bound`). `ece` measures how far confidences are from the
share right (ten bins, weighted by size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

# A calibrated probability is never stated as certain: at most this, at least its complement.
CEILING = 0.995
# How sure the stated probability of a block of the fit is to be no higher than its truth
# (one-sided, ~84 %): one standard error of the Wilson interval. On the real sets out of
# fold (bench/realsets.py --cv) z = 1 kept wrong fields among those given ≥ 0.95 within
# 0.5 % where z = 0 (the plain isotonic share) did not; z = 2 cost calibration (ECE) for no
# fewer wrong ones.
Z = 1.0
# Scores are taken as log-odds, clipped here (a score of exactly 0 or 1 is not infinite).
LOGIT_LIMIT = 7.0
# The logistic regression's inverse regularisation strength (sklearn's C): a few hundred
# choices per field, a handful of signals; weights stay moderate.
REGULARISATION = 1.0
# Fewer outcomes than this: the score alone is mapped (no regression over the signals).
MIN_FOR_SIGNALS = 20
# A record of fewer choices than this, all right, sets no floor (`floored`).
MIN_RECORD = 10


def logit(p: float) -> float:
    p = min(max(float(p), 1e-6), 1 - 1e-6)
    return max(-LOGIT_LIMIT, min(LOGIT_LIMIT, math.log(p / (1 - p))))


@dataclass(frozen=True)
class Signals:
    """What a field's choice is judged on (see the module's docstring)."""

    score: float  # the chooser's score of the chosen value, 0..1
    runner_up: float = 0.0  # the best score of another value, 0 when there is none
    agrees: bool = True  # the other chooser (rules or ranker) took the same value
    ocr: bool = False  # the page was read by OCR
    word_confidence: float = 1.0  # the OCR's mean confidence in the value's line (1: text)
    reconciled: bool = False  # the bill's amounts add up
    # a total of another value is printed below the chosen amount and made by the amounts
    # above it (`finders.amounts`: "TOTAL 0% SUPPLIES" above "TOTAL PAYABLE")
    total_below: bool = False
    # the field's finder names a rival of the chosen value: an amount a few cents off it (a
    # total and its cash rounding: which of the two a bill is booked with is a convention).
    # (The vendor's rival, another company name with a legal form at the top, is a feature of
    # the ranker only: as a signal it shifted the invoices' vendor calibration the wrong way.)
    rival: bool = False

    NAMES = ("score", "runner_up", "disagrees", "ocr", "word_doubt", "unreconciled",
             "total_below", "rival")

    def vector(self) -> list[float]:
        """The signals as the regression reads them (names in `NAMES`)."""
        return [logit(self.score), logit(self.runner_up) if self.runner_up > 0 else
                -LOGIT_LIMIT, float(not self.agrees), float(self.ocr),
                float(self.ocr) * (1.0 - min(1.0, max(0.0, self.word_confidence))),
                float(not self.reconciled), float(self.total_below), float(self.rival)]


@dataclass(frozen=True)
class Calibration:
    """Signals → P(right): a linear combination (`weights`, `bias`; none: the score's own
    log-odds), then a monotone map over knots (`xs`, `ys`), never below `floor` (see
    `floored`)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    weights: tuple[float, ...] = ()
    bias: float = 0.0
    floor: float = 0.0

    def combined(self, signals: Signals | float) -> float:
        """The first step: the regression's probability (or the bare score)."""
        if not isinstance(signals, Signals):
            signals = Signals(score=float(signals))
        if not self.weights:
            return float(signals.score)
        z = self.bias + float(np.dot(self.weights, signals.vector()))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def apply(self, signals: Signals | float) -> float:
        value = self.combined(signals)
        if self.xs:
            value = float(np.interp(value, self.xs, self.ys))
        value = max(value, self.floor)
        return round(min(CEILING, max(1.0 - CEILING, value)), 4)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"xs": [round(x, 6) for x in self.xs],
                               "ys": [round(y, 6) for y in self.ys]}
        if self.weights:
            out["signals"] = dict(zip(Signals.NAMES, (round(w, 6) for w in self.weights),
                                      strict=True))
            out["bias"] = round(self.bias, 6)
        if self.floor:
            out["floor"] = round(self.floor, 6)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        # a signal a model was fitted without weighs nothing
        weights = tuple(float(data["signals"].get(name, 0.0)) for name in Signals.NAMES) \
            if "signals" in data else ()
        return cls(tuple(float(x) for x in data["xs"]), tuple(float(y) for y in data["ys"]),
                   weights, float(data.get("bias", 0.0)), float(data.get("floor", 0.0)))


def fit(signals: Sequence[Signals | float], right: Sequence[bool], *, z: float = Z
        ) -> Calibration:
    """The two-step fit of right (0/1) on the choices' signals (a bare float is a score);
    a constant when there is nothing to fit."""
    if len(signals) < 2 or len(set(right)) < 2:
        share = float(np.mean(right)) if len(right) else 0.5
        return Calibration((0.0, 1.0), (share, share))
    given = [s if isinstance(s, Signals) else Signals(score=float(s)) for s in signals]
    y = np.asarray(right, dtype=np.float64)
    weights: tuple[float, ...] = ()
    bias = 0.0
    if len(given) >= MIN_FOR_SIGNALS and any(isinstance(s, Signals) for s in signals):
        from sklearn.linear_model import LogisticRegression

        rows = np.asarray([s.vector() for s in given], dtype=np.float64)
        model = LogisticRegression(C=REGULARISATION, max_iter=1000)
        model.fit(rows, y)
        weights = tuple(float(w) for w in model.coef_[0])
        bias = float(model.intercept_[0])
    first = Calibration((), (), weights, bias)
    x = np.asarray([first.combined(s) for s in given], dtype=np.float64)
    xs, ys = _isotonic(x, y, z)
    return Calibration(xs, ys, weights, bias)


def record_bound(n: int, z: float = Z) -> float:
    """What n choices, all right, earn: the lower end of the Wilson interval of a share of 1."""
    return wilson_lower(1.0, n, z)


def floored(base: Calibration, signals: Sequence[Signals | float], *, z: float = Z
            ) -> Calibration | None:
    """`base` for a kind of document whose choices (their `signals`) were all right: never
    below `record_bound` of their number, whatever their signals say (signals weighed on
    another kind's choices, where they foretold mistakes this kind did not make). None for a
    record of fewer than `MIN_RECORD` choices, or one the map already states above it."""
    if len(signals) < MIN_RECORD:
        return None
    bound = record_bound(len(signals), z)
    if min(base.apply(s) for s in signals) >= bound:
        return None
    return replace(base, floor=round(bound, 6))


def _isotonic(x: np.ndarray, y: np.ndarray, z: float) -> tuple[tuple[float, ...],
                                                                 tuple[float, ...]]:
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    model.fit(x, y)
    fitted = model.predict(x)
    # Each block of the fit (equal fitted values) is a share right over its n outcomes; a
    # small block's share is uncertain, so its stated probability is its lower bound.
    bound = {value: wilson_lower(float(y[fitted == value].mean()), int((fitted == value).sum()),
                                 z)
             for value in np.unique(fitted)}
    xs = tuple(float(v) for v in model.X_thresholds_)
    ys = np.maximum.accumulate([bound.get(v, v) for v in model.predict(np.asarray(xs))])
    return xs, tuple(float(v) for v in ys)


def wilson_lower(share: float, n: int, z: float = Z) -> float:
    """The lower end of the Wilson score interval of a share observed over n outcomes."""
    if n == 0:
        return 0.0
    if z <= 0:
        return share
    centre = share + z * z / (2 * n)
    spread = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return float(max(0.0, (centre - spread) / (1 + z * z / n)))


def ece(confidences: Sequence[float], right: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error over equal-width bins."""
    if not confidences:
        return 0.0
    conf = np.asarray(confidences, dtype=np.float64)
    hit = np.asarray(right, dtype=np.float64)
    index = np.minimum(bins - 1, (conf * bins).astype(int))
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(conf) * abs(conf[mask].mean() - hit[mask].mean())
    return float(total)
