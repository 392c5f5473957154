"""How extraction compares printed words: labels, column headings, word features."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

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


def one_letter_off(read: str, words: Iterable[str]) -> Iterator[tuple[str, tuple[str, str]]]:
    """The words as long as `read` that differ from it in one letter, each with that letter
    as (read, printed), in the order of `words`: what OCR's misread of one glyph leaves."""
    for word in words:
        if len(word) == len(read):
            diffs = [(a, b) for a, b in zip(read, word, strict=True) if a != b]
            if len(diffs) == 1:
                yield word, diffs[0]
