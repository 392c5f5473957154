"""Repairs of OCR'd words that any engine needs: words run together split, look-alike
characters in numbers and capitals put right, specks told from words."""

from __future__ import annotations

import re

from billintake.extraction.vocabulary.lookalikes import IN_NUMBERS

# Two words printed with hardly a gap come back as one: a time or number run into a
# capitalised word ("08:46Receipt"), a word run into an amount ("bar0.67").
# A date run into its time ("25/01/20181:22:56", "27/06/1810:08") is cut after the date's
# year (four digits where they make a year and leave a time, else two).
_GLUED_RE = re.compile(r"(?P<a>[0-9][0-9:./\-]*[0-9])(?P<b>[A-Z][a-z]{2,}[:.]?)|"
                       r"(?P<c>[A-Za-z]*[a-z]{2})(?P<d>\d{1,3}(?:[.,]\d{3})*[.,]\d{2})|"
                       r"(?P<e>\d{1,2}([./-])\d{1,2}\6(?:(?:19|20)\d{2}|\d{2}))"
                       r"(?P<f>\d{1,2}:\d{2}(?::\d{2})?(?:[AaPp][Mm])?)")


_NUMERIC_SHAPES = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}|"  # dates
    r"\d{1,2}:\d{2}(?::\d{2})?|"  # times
    r"-?\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}-?")  # amounts


def as_number(text: str) -> str:
    """A word shaped like a date, time or amount but for a look-alike or two of a digit
    ("2O25-02-10", "@4.10.2025", "1S.90"), with those digits; any other word as it is."""
    if not any(c.isdigit() for c in text):
        return text
    core = text.rstrip(".,;:")
    odd = [c for c in core if not c.isdigit() and c not in "./-:,' "]
    if not odd or len(odd) > 2 or sum(c.isdigit() for c in core) < 3:
        return text
    repaired = core.translate(IN_NUMBERS)
    if repaired == core or not _NUMERIC_SHAPES.fullmatch(repaired):
        return text
    return repaired + text[len(core):]


_BAR_FOR_I = re.compile(r"(?:(?<=^)|(?<=[A-Z]))\|(?=[A-Z]{2}|[A-Z](?:$|[^a-z]))")
_ONE_FOR_L = re.compile(r"(?<=[a-z])1(?=[a-z])")


def as_letters(text: str) -> str:
    """A capital I read as a bar inside or at the start of a word in capitals ("|NV/2024",
    "M|LK"); a bar before a capitalised word ("|Total") may be a rule's and stays. A small
    l read as a one between small letters ("Ja1an")."""
    if "1" in text:
        text = _ONE_FOR_L.sub("l", text)
    return _BAR_FOR_I.sub("I", text) if "|" in text and len(text) > 2 else text


def unglued(text: str) -> list[str]:
    """An OCR word split where two words ran together, else the word as it is. A label's
    colon run into its value (":27/05/2018") stands apart."""
    if len(text) > 2 and text[0] in ":;" and text[1].isdigit():
        return [text[0], *unglued(text[1:])]
    match = _GLUED_RE.fullmatch(text)
    if match is None:
        return [text]
    if match.group("a"):
        return [match.group("a"), match.group("b")]
    if match.group("e"):
        return [match.group("e"), match.group("f")]
    return [match.group("c"), match.group("d")]


def is_noise_word(text: str, confidence: float) -> bool:
    """Specks and dashed rules read as punctuation or as short runs like "ee", "ww"."""
    if confidence >= 40:
        return False
    if not any(c.isalnum() for c in text):
        return True
    return len(text) <= 3 and not any(c.isdigit() for c in text)
