"""Confidence = the probability that a field is right, fitted on out-of-fold ranker scores.

`fit` takes, for each held-out document, the score of the candidate the ranker chose and
whether it was right, and fits an isotonic (monotone) map from score to the share right
(sklearn's IsotonicRegression, at training time only); at run time the map is a piecewise
linear interpolation over its stored knots. `ece` measures how far confidences are from the
share right (ten bins, weighted by size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# A calibrated probability is never stated as certain: at most this, at least its complement.
CEILING = 0.995
# How sure the stated probability of a block of the fit is to be no higher than its truth
# (one-sided, ~84 %): one standard error of the Wilson interval.
Z = 1.0


@dataclass(frozen=True)
class Calibration:
    """A monotone map from a ranker score to P(right), as knots."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def apply(self, score: float) -> float:
        if not self.xs:
            return float(score)
        value = float(np.interp(score, self.xs, self.ys))
        return round(min(CEILING, max(1.0 - CEILING, value)), 4)

    def to_json(self) -> dict[str, Any]:
        return {"xs": [round(x, 6) for x in self.xs], "ys": [round(y, 6) for y in self.ys]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        return cls(tuple(float(x) for x in data["xs"]), tuple(float(y) for y in data["ys"]))


def fit(scores: Sequence[float], right: Sequence[bool]) -> Calibration:
    """Isotonic fit of right (0/1) on score; identity when there is nothing to fit."""
    if len(scores) < 2 or len(set(right)) < 2:
        share = float(np.mean(right)) if len(right) else 0.5
        return Calibration((0.0, 1.0), (share, share))
    from sklearn.isotonic import IsotonicRegression

    x = np.asarray(scores, dtype=np.float64)
    y = np.asarray(right, dtype=np.float64)
    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    model.fit(x, y)
    fitted = model.predict(x)
    # Each block of the fit (equal fitted values) is a share right over its n outcomes; a
    # small block's share is uncertain, so its stated probability is its lower bound.
    bound = {value: wilson_lower(float(y[fitted == value].mean()), int((fitted == value).sum()))
             for value in np.unique(fitted)}
    xs = tuple(float(v) for v in model.X_thresholds_)
    ys = np.maximum.accumulate([bound.get(v, v) for v in model.predict(np.asarray(xs))])
    return Calibration(xs, tuple(float(v) for v in ys))


def wilson_lower(share: float, n: int, z: float = Z) -> float:
    """The lower end of the Wilson score interval of a share observed over n outcomes."""
    if n == 0:
        return 0.0
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
