"""A candidate: one possible value of one field, where it was seen, and why it is plausible.

Finders (`header`, `vendor`, `finders/`) propose every plausible value with named features
(`features`, numbers the ranker reads) and reasons (words a person reads); nothing decides
here. `label` is the label text a candidate was found by, if any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BBox = tuple[float, float, float, float]


@dataclass
class Candidate:
    """One possible value of one field, where it was seen, and why it is plausible."""

    field: str
    value: Any
    text: str
    page: int
    bbox: BBox
    source: str = "text"
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    label: str | None = None
    reasons: list[str] = field(default_factory=list)
    line: int | None = None  # index of its line in the page model, when known
