"""Look-alike characters: one table, and views of it that agree with it."""

from __future__ import annotations

from billintake.extraction.vocabulary.lookalikes import (
    AS_DIGIT,
    AS_LETTER,
    IN_CAPITALS,
    IN_NUMBERS,
    IN_WORDS,
    SURE_IN_DIGITS,
)


def test_the_views_are_parts_of_the_table() -> None:
    assert SURE_IN_DIGITS.items() <= AS_DIGIT.items()
    assert {chr(k): v for k, v in IN_NUMBERS.items()}.items() <= AS_DIGIT.items()
    for digit, letter in AS_LETTER.items():  # each digit's letter reads back as that digit
        assert AS_DIGIT[letter] == digit


def test_each_view_reads_what_it_is_for() -> None:
    assert "2O25-O2-1O".translate(IN_NUMBERS) == "2025-02-10"
    assert "1S.90".translate(IN_NUMBERS) == "15.90"
    assert "T0ta1".lower().translate(IN_WORDS) == "total"
    assert ("O", "D") in IN_CAPITALS  # "LTO" is LTD
    assert all(read != printed for read, printed in IN_CAPITALS)
