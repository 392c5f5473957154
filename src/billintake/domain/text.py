"""Text as every stage compares it: accents folded, umlauts spelt out, identifiers bare."""

from __future__ import annotations

import unicodedata

# Letters that German and Nordic names spell two ways ("Müller" / "Mueller").
_TRANSLITERATE = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa",
    "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "Æ": "Ae", "Ø": "Oe", "Å": "Aa",
})


def transliterate(text: str) -> str:
    """German and Nordic letters spelt out: "Müller" -> "Mueller", "Ærø" -> "Aeroe"."""
    return text.translate(_TRANSLITERATE)


def strip_accents(text: str) -> str:
    """The text without combining accents ("Société" -> "Societe"); "ß", "œ" stay."""
    if text.isascii():  # NFKD leaves ASCII as it is, and it has no combining marks
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def to_ascii(text: str) -> str:
    """The text in ASCII: accents dropped, and every letter without an ASCII base too."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def normalize_identifier(value: str | None) -> str | None:
    """A tax id or IBAN as upper-case letters and digits only; None when nothing is left."""
    if not value:
        return None
    return "".join(ch for ch in value.upper() if ch.isalnum()) or None
