"""Characters OCR confuses because they look alike: O/0, I/l/1, S/5, B/8, Z/2, G/6.

One table of letters (and signs) read where a digit was printed, and the views of it that
each repair trusts: where only a digit can stand (an identifier's digits, a date, an amount),
between two digits, in a word (a digit read where a letter was printed), and at the end of a
capitalised legal form.
"""

from __future__ import annotations

# A letter or sign read where the digit was printed.
AS_DIGIT: dict[str, str] = {
    "O": "0", "o": "0", "Q": "0", "D": "0", "@": "0",
    "I": "1", "l": "1", "i": "1", "|": "1", "!": "1",
    "Z": "2", "z": "2", "A": "4", "S": "5", "s": "5", "G": "6", "b": "6", "T": "7", "B": "8",
    "g": "9", "q": "9",
}
# A digit read where the capital letter was printed (the first capital that looks like it).
AS_LETTER: dict[str, str] = {
    "0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B",
}
# Between two digits only these stand for a digit with next to no doubt (an "O" or an "l"
# inside a run of digits); S/B/Z/G may be real letters in a reference like "12B45".
SURE_IN_DIGITS: dict[str, str] = {c: AS_DIGIT[c] for c in "OoQIl|"}
# In a word shaped like a date, time or amount ("2O25-02-10", "1S.90"): the look-alikes of
# digits that OCR puts there; lower-case s, b, g and capitals like A, G, T stay letters.
IN_NUMBERS = str.maketrans({c: AS_DIGIT[c] for c in "OoDQ@lI|!SBZ"})
# A digit or sign read where a lower-case letter was printed ("T0tal", "5ubtotal").
IN_WORDS = str.maketrans({"@": "o", "0": "o", "1": "l", "|": "l", "$": "s", "5": "s"})
# (read, printed) capitals at the end of a legal form ("LTO" for LTD, "BH0" for BHD); not I/L:
# "SARI", "LIC" are words and names of their own.
IN_CAPITALS: frozenset[tuple[str, str]] = frozenset({
    ("O", "D"), ("0", "D"), ("0", "O"), ("8", "B"), ("M", "H"), ("N", "H"), ("C", "G"),
    ("5", "S"), ("D", "B"),
})
