"""How extraction compares printed words: labels, column headings, word features."""

from __future__ import annotations

import re

from billintake.domain.text import strip_accents

_COMPACT_RE = re.compile(r"[^0-9a-zäöüßéèêàâçëïôûœ#°]")
_WORD_KEY_RE = re.compile(r"[^0-9a-zäöüßéèêàâçëïôûœ#%°]")


def compact(text: str) -> str:
    """Lower case without accents, spaces or punctuation (keeps # and °): how labels compare."""
    text = strip_accents(text.lower().replace("º", "°").replace("°", "\0")).replace("\0", "°")
    return _COMPACT_RE.sub("", text)


def fold(text: str) -> str:
    """Lower case without accents or a trailing colon, spaces kept: how column labels and
    totals lines compare."""
    return strip_accents(text.lower()).strip().rstrip(":").strip()


def word_key(text: str) -> str:
    """Lower case without spaces or punctuation, accents and % kept: a word as the scorer
    hashes and counts it."""
    return _WORD_KEY_RE.sub("", text.lower())
