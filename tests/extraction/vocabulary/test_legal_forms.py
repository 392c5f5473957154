"""Legal forms: one list, read as extraction finds them and as matching strips them."""

from __future__ import annotations

import re

import pytest

from billintake.extraction.vocabulary.legal_forms import (
    LEGAL_FORM_PATTERN,
    LEGAL_FORM_PHRASES,
    LEGAL_FORM_WORDS,
    LEGAL_FORMS,
    MISREAD_FORMS,
)

FORM_RE = re.compile(rf"(?<![\w])({LEGAL_FORM_PATTERN})(?![\w])", re.IGNORECASE)


@pytest.mark.parametrize("printed", [
    "GmbH", "G.m.b.H.", "S.A.R.L.", "SARL", "Sarl", "B.V.", "BV", "Pvt. Ltd.", "Pvt Ltd",
    "Pty Ltd", "Sdn. Bhd.", "A/S", "e.K.", "e. K.", "Sp. z o.o.", "Private Limited", "Inc.",
])
def test_a_form_is_found_dotted_or_not(printed: str) -> None:
    match = FORM_RE.search(f"Acme {printed}")
    assert match is not None and match.group(1) == printed


def test_the_longest_form_wins() -> None:
    match = FORM_RE.search("Acme S.A.S.")
    assert match is not None and match.group(1) == "S.A.S."
    assert FORM_RE.search("Acme Industries") is None  # "Inc" only as a word of its own


def test_every_form_is_a_word_or_a_phrase_of_matching() -> None:
    for form in LEGAL_FORMS:
        tokens = tuple(re.sub(r"[^0-9a-z]+", " ", form.lower()).split())
        assert (len(tokens) == 1 and tokens[0] in LEGAL_FORM_WORDS) or tokens in \
            LEGAL_FORM_PHRASES, form
    assert {"bv", "sarl", "gmbh", "llc"} <= LEGAL_FORM_WORDS  # dotted letters, also undotted
    lengths = [len(phrase) for phrase in LEGAL_FORM_PHRASES]
    assert lengths == sorted(lengths, reverse=True)


def test_the_forms_set_right_after_a_misread_are_legal_forms() -> None:
    words = LEGAL_FORM_WORDS | {word for phrase in LEGAL_FORM_PHRASES for word in phrase}
    assert {form.lower() for form in MISREAD_FORMS} <= words  # "PVT" of "Pvt. Ltd."
