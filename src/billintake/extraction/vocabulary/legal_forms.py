"""Legal forms of companies ("GmbH", "S.A.R.L.", "Pty. Ltd."), written once as bills print them.

Vendor extraction looks for them in a line (`LEGAL_FORM_PATTERN`); vendor matching strips them
from the end of a name (`LEGAL_FORM_WORDS`, `LEGAL_FORM_PHRASES`). A dot in a form is optional
where it is printed ("B.V." also reads "BV"), and so is a space after a dot ("Pvt.Ltd.").
"""

from __future__ import annotations

import re

LEGAL_FORMS: tuple[str, ...] = (
    # German-speaking countries
    "G.m.b.H.", "mbH", "A.G.", "K.G.", "OHG", "e. K.", "UG", "GbR", "SE", "eG", "e.V.", "KGaA",
    # French-speaking countries
    "S.A.R.L.", "S.A.S.U.", "S.A.S.", "S.A.", "EURL", "SCI", "SNC",
    # the Netherlands and Belgium
    "B.V.", "N.V.", "V.O.F.", "C.V.",
    # English-speaking countries, India, Singapore, Malaysia
    "Ltd.", "L.T.D.", "Limited", "L.L.C.", "Inc.", "Incorporated", "Corp.", "Corporation", "Co.",
    "Company", "P.L.C.", "LLP", "LP", "PLLC", "PC", "Pvt. Ltd.", "Private Limited", "Pty. Ltd.",
    "Pty", "Pte. Ltd.", "Pte", "Sdn. Bhd.", "Bhd.", "Berhad", "S/B",
    # Italy, Spain
    "S.p.A.", "S.r.l.", "S.a.p.a.", "S.L.", "S.L.U.",
    # the Nordic countries
    "Oy", "Oyj", "AB", "AS", "A/S", "ASA", "ApS",
    # Poland
    "Sp. z o.o.",
)

# Capitalised forms whose one-letter OCR misreads are set right at the end of a name ("LTO" is
# LTD): forms of three letters or more that bills print in capitals.
MISREAD_FORMS: tuple[str, ...] = (
    "SARL", "GMBH", "LTD", "LLC", "INC", "BHD", "PTE", "PVT", "SAS", "EURL",
)
# Of a form of two words, the first as the second names it: a misread first word before a
# form's second word is set right too ("SON BHD" is SDN BHD).
PAIRED_FORMS: dict[str, tuple[str, ...]] = {"BHD": ("SDN",), "LTD": ("PVT", "PTY", "PTE")}


def _tokens(text: str) -> tuple[str, ...]:
    """A form's words as vendor matching compares them: lower case, letters and digits only."""
    return tuple(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _pattern(form: str) -> str:
    """A form as a regular expression: dots optional, a space after a dot too."""
    parts = re.split(r"(\. |\.)", form.lower())
    return "".join({". ": r"\.?\s?", ".": r"\.?"}.get(part, re.escape(part).replace("\\ ", " "))
                   for part in parts)


def _words_and_phrases() -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    words: set[str] = set()
    phrases: list[tuple[str, ...]] = []
    for form in LEGAL_FORMS:
        tokens = _tokens(form)
        if len(tokens) == 1:
            words.add(tokens[0])
            continue
        phrases.append(tokens)
        if all(len(token) == 1 for token in tokens):  # "B.V." is also printed "BV"
            words.add("".join(tokens))
    return frozenset(words), tuple(sorted(phrases, key=len, reverse=True))


# Single-word forms and their undotted spellings ("bv", "sarl"), and forms of several words or
# dotted letters ("b v", "pty ltd"), longest first.
LEGAL_FORM_WORDS, LEGAL_FORM_PHRASES = _words_and_phrases()
# The forms as one alternation (no group), longest first so "S.A.S." is not read as "S.A.".
LEGAL_FORM_PATTERN = "|".join(_pattern(form) for form in sorted(LEGAL_FORMS, key=len,
                                                                    reverse=True))
