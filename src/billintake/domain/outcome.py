"""What became of a job's file, stored on the job: the typed bill, the vendor match and review.

One value from extraction to the books: the whole `ExtractedBill` (every field with its
confidence and evidence, amounts as printed), the vendor match with what decided it, why a
person must look, and what the person decided. The JSON contract is made from it only at the
edges (API responses, `billintake extract --jsonl`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .extracted import ExtractedBill


class VendorRef(BaseModel):
    """A vendor as a match names it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str


class VendorMatchOutcome(BaseModel):
    """How the bill's vendor was matched: `vendor` only when confident and unambiguous, else
    the best `candidate` and `runner_up` for a person to choose from, with the evidence."""

    model_config = ConfigDict(extra="forbid")

    vendor: VendorRef | None = None
    candidate: VendorRef | None = None
    runner_up: VendorRef | None = None
    score: float = 0.0
    method: str = "none"  # tax_id, iban, email, email_domain, exact_name, alias, fuzzy, none
    ambiguous: bool = False
    reason: str = ""


class ReviewDecision(BaseModel):
    """What a reviewer decided: approved (with the corrections given) or rejected (why)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approved", "rejected"]
    at: datetime
    vendor_id: str | None = None
    corrections: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None


class JobOutcome(BaseModel):
    """The job's result so far; `bill` is what review corrects and what the books receive."""

    model_config = ConfigDict(extra="forbid")

    bill: ExtractedBill | None = None
    vendor_match: VendorMatchOutcome | None = None
    review_reasons: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None  # the id of the bill this file repeats
    review: ReviewDecision | None = None
