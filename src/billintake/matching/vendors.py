"""Resolve the vendor of a bill: by identifiers first, then by name, then by similarity.

Order: tax (VAT) id, IBAN, email address, email domain (not for free-mail domains), exact
normalised name, known alias, then fuzzy similarity (rapidfuzz) against names and aliases.
The result carries the best candidate, its score (0..100), the runner-up and whether the
decision is ambiguous (a person should choose), so the caller can match, create or flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from billintake.domain.model import Vendor
from billintake.domain.outcome import VendorMatchOutcome, VendorRef
from billintake.domain.text import normalize_identifier, strip_accents, transliterate
from billintake.extraction.vocabulary.free_mail import FREE_MAIL_DOMAINS
from billintake.extraction.vocabulary.legal_forms import LEGAL_FORM_PHRASES, LEGAL_FORM_WORDS

MatchMethod = Literal[
    "tax_id", "iban", "email", "email_domain", "exact_name", "alias", "fuzzy", "none"
]


def normalize_name(name: str) -> str:
    """Lower-case, ASCII, no punctuation, no legal-form suffixes: "ACME Corp." -> "acme"."""
    text = strip_accents(transliterate(name)).casefold().replace("&", " and ")
    tokens = re.sub(r"[^0-9a-z]+", " ", text).split()
    tokens = _strip_legal_forms(tokens)
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    return " ".join(tokens)


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    """Drop legal forms at the end (repeatedly: "Foo GmbH & Co. KG"), keeping at least one word."""
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for phrase in LEGAL_FORM_PHRASES:
            n = len(phrase)
            if len(tokens) > n and tuple(tokens[-n:]) == phrase:
                tokens = tokens[:-n]
                changed = True
                break
        if not changed and tokens[-1] in LEGAL_FORM_WORDS:
            tokens = tokens[:-1]
            changed = True
        if not changed and tokens[-1] == "and" and len(tokens) > 1:  # "Foo & Co" -> "foo and"
            tokens = tokens[:-1]
            changed = True
    return tokens


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().casefold().rstrip(".") or None


@dataclass(frozen=True)
class VendorCandidate:
    """What a bill says about its vendor."""

    name: str | None = None
    tax_id: str | None = None
    email: str | None = None
    iban: str | None = None


@dataclass(frozen=True)
class VendorMatch:
    """The outcome: `vendor` is set only for a confident, unambiguous match."""

    vendor: Vendor | None
    score: float
    method: MatchMethod
    candidate: Vendor | None = None  # best candidate, even when not accepted
    runner_up: Vendor | None = None
    runner_up_score: float = 0.0
    ambiguous: bool = False
    reason: str = ""

    @property
    def match(self) -> Vendor | None:
        """The accepted vendor (same as `vendor`)."""
        return self.vendor

    @property
    def matched(self) -> bool:
        return self.vendor is not None

    @property
    def should_create(self) -> bool:
        """No vendor matched and nothing is close enough to need a person's judgement."""
        return self.vendor is None and not self.ambiguous

    def outcome(self) -> VendorMatchOutcome:
        """The match as the job stores it: vendors by id and name, with the evidence."""
        def ref(vendor: Vendor | None) -> VendorRef | None:
            return None if vendor is None else VendorRef(id=vendor.id, name=vendor.name)

        return VendorMatchOutcome(vendor=ref(self.vendor), candidate=ref(self.candidate),
                                  runner_up=ref(self.runner_up), score=self.score,
                                  method=self.method, ambiguous=self.ambiguous,
                                  reason=self.reason)


def _by_identifier(candidate: VendorCandidate, vendors: list[Vendor]) -> VendorMatch | None:
    checks: list[tuple[MatchMethod, str | None, object]] = [
        ("tax_id", normalize_identifier(candidate.tax_id),
         lambda v: normalize_identifier(v.tax_id)),
        ("iban", normalize_identifier(candidate.iban),
         lambda v: _known_iban(v, normalize_identifier(candidate.iban))),
        ("email", candidate.email.strip().casefold() if candidate.email else None,
         lambda v: v.email.strip().casefold() if v.email else None),
    ]
    domain = email_domain(candidate.email)
    if domain and domain not in FREE_MAIL_DOMAINS:
        checks.append(("email_domain", domain, lambda v: email_domain(v.email)))
    for method, wanted, key in checks:
        if not wanted:
            continue
        hits = [v for v in vendors if key(v) == wanted]  # type: ignore[operator]
        if len(hits) == 1:
            return VendorMatch(vendor=hits[0], candidate=hits[0], score=100.0, method=method,
                               reason=f"same {method.replace('_', ' ')}")
        if len(hits) > 1:
            return VendorMatch(vendor=None, candidate=hits[0], score=100.0, method=method,
                               runner_up=hits[1], runner_up_score=100.0, ambiguous=True,
                               reason=f"{len(hits)} vendors share this {method.replace('_', ' ')}")
    return None


def _known_iban(vendor: Vendor, wanted: str | None) -> str | None:
    """`wanted` when it is one of the vendor's known bank accounts, else its current IBAN."""
    known = [normalize_identifier(iban) for iban in vendor.known_accounts()]
    return wanted if wanted in known else normalize_identifier(vendor.iban)


def _conflicting_tax_id(candidate: VendorCandidate, vendor: Vendor) -> bool:
    mine, theirs = normalize_identifier(candidate.tax_id), normalize_identifier(vendor.tax_id)
    return bool(mine and theirs and mine != theirs)


def similarity(a: str, b: str) -> float:
    """0..100 similarity of two normalised names (order of words does not matter)."""
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def match_vendor(
    candidate: VendorCandidate,
    vendors: list[Vendor],
    *,
    threshold: float = 88.0,
    margin: float = 5.0,
) -> VendorMatch:
    """Find `candidate` among `vendors`.

    A match needs a score of at least `threshold` and a runner-up more than `margin` below it.
    A best score within `margin` under the threshold, two candidates within `margin` of each
    other, or a same-name vendor with a different tax id is *ambiguous* (review, do not create).
    """
    by_id = _by_identifier(candidate, vendors)
    if by_id is not None:
        return by_id
    if not candidate.name or not vendors:
        return VendorMatch(vendor=None, score=0.0, method="none", reason="nothing to compare")
    wanted = normalize_name(candidate.name)
    scored: list[tuple[float, MatchMethod, Vendor]] = []
    for vendor in vendors:
        if normalize_name(vendor.name) == wanted:
            scored.append((100.0, "exact_name", vendor))
            continue
        if any(normalize_name(alias) == wanted for alias in vendor.aliases):
            scored.append((100.0, "alias", vendor))
            continue
        names = [vendor.name, *vendor.aliases]
        best = max(similarity(wanted, normalize_name(n)) for n in names)
        scored.append((best, "fuzzy", vendor))
    scored.sort(key=lambda item: (-item[0], item[2].name))
    top_score, method, top = scored[0]
    runner_score, runner = (scored[1][0], scored[1][2]) if len(scored) > 1 else (0.0, None)
    common = {"score": round(top_score, 1), "candidate": top, "runner_up": runner,
              "runner_up_score": round(runner_score, 1)}
    if top_score >= threshold:
        if runner is not None and runner_score >= top_score - margin:
            return VendorMatch(vendor=None, method=method, ambiguous=True,
                               reason=f"{top.name!r} and {runner.name!r} are both close",
                               **common)  # type: ignore[arg-type]
        if _conflicting_tax_id(candidate, top):
            return VendorMatch(vendor=None, method=method, ambiguous=True,
                               reason=f"name matches {top.name!r} but the tax id differs",
                               **common)  # type: ignore[arg-type]
        return VendorMatch(vendor=top, method=method, reason=f"{method} match",
                           **common)  # type: ignore[arg-type]
    if top_score >= threshold - margin:
        return VendorMatch(vendor=None, method="fuzzy", ambiguous=True,
                           reason=f"close to {top.name!r} but below the threshold",
                           **common)  # type: ignore[arg-type]
    return VendorMatch(vendor=None, method="none", reason="no vendor is close",
                       **common)  # type: ignore[arg-type]


def should_store_alias(candidate_name: str | None, vendor: Vendor) -> bool:
    """After a confirmed match: whether the extracted name is new for this vendor."""
    if not candidate_name:
        return False
    known = {vendor.name.strip().casefold(), *(a.strip().casefold() for a in vendor.aliases)}
    return candidate_name.strip().casefold() not in known


@dataclass(frozen=True)
class RankedVendor:
    """One vendor scored against a bill: how close (0..100), by what, and why."""

    vendor: Vendor
    score: float
    method: MatchMethod
    reason: str


def rank_vendors(candidate: VendorCandidate, vendors: list[Vendor]) -> list[RankedVendor]:
    """Every vendor scored against the candidate, best first, for a person choosing one: a
    shared identifier (tax id, IBAN, email, email domain) scores 100, else the name's
    similarity (exact or alias 100, else fuzzy), as `match_vendor` compares them."""
    wanted = normalize_name(candidate.name) if candidate.name else ""
    ranked: list[RankedVendor] = []
    for vendor in vendors:
        same = _by_identifier(candidate, [vendor])
        if same is not None and same.vendor is not None:
            ranked.append(RankedVendor(vendor, 100.0, same.method, same.reason))
            continue
        if not wanted:
            ranked.append(RankedVendor(vendor, 0.0, "none", "the bill names no vendor"))
            continue
        if normalize_name(vendor.name) == wanted:
            ranked.append(RankedVendor(vendor, 100.0, "exact_name", "same name"))
        elif any(normalize_name(alias) == wanted for alias in vendor.aliases):
            ranked.append(RankedVendor(vendor, 100.0, "alias", "a name it was known by"))
        else:
            score = round(max(similarity(wanted, normalize_name(n))
                              for n in [vendor.name, *vendor.aliases]), 1)
            ranked.append(RankedVendor(vendor, score, "fuzzy", f"name {score:.0f}% similar"))
        if _conflicting_tax_id(candidate, vendor):
            last = ranked.pop()
            ranked.append(RankedVendor(vendor, last.score, last.method,
                                       last.reason + "; but the tax id differs"))
    ranked.sort(key=lambda r: (-r.score, r.vendor.name.casefold()))
    return ranked
