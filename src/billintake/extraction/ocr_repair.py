"""OCR character repair for structured identifiers, driven by their structure.

OCR confuses glyphs that look alike: O/0, I/l/1, S/5, B/8, Z/2, G/6. An identifier whose
format is known says which kind of character belongs where — a VAT id is a country prefix and
a body of digits, a GSTIN has letters and digits at fixed positions, an IBAN's check digits
confirm or refute a reading — so a character of the wrong kind at a place where only one kind
fits can be read as its look-alike. Where the structure does not settle it, the value is left
as it was read: a wrong guess is worse than an honest misread.

Only values read by OCR go through here; a text layer's characters are what was printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .parsing import iban_is_valid
from .vocabulary.lookalikes import AS_DIGIT, AS_LETTER, SURE_IN_DIGITS

# VAT and tax-id bodies after the country prefix: d a digit, L a letter, X either, other
# characters literally (NL's "B"); Y a digit or a letter but I and O (the French key).
_VAT_BODIES: dict[str, tuple[str, ...]] = {
    "AT": ("Udddddddd",), "BE": ("dddddddddd", "ddddddddd"), "BG": ("ddddddddd", "dddddddddd"),
    "CY": ("ddddddddL",), "CZ": ("dddddddd", "ddddddddd", "dddddddddd"), "DE": ("ddddddddd",),
    "DK": ("dddddddd",), "EE": ("ddddddddd",), "EL": ("ddddddddd",), "GR": ("ddddddddd",),
    "ES": ("XdddddddX",), "FI": ("dddddddd",), "FR": ("YYddddddddd",),
    "GB": ("ddddddddd", "dddddddddddd", "GDddd", "HAddd"), "XI": ("ddddddddd",),
    "HR": ("ddddddddddd",), "HU": ("dddddddd",),
    "IE": ("dddddddL", "dddddddLL", "dXdddddL"), "IT": ("ddddddddddd",),
    "LT": ("ddddddddd", "dddddddddddd"), "LU": ("dddddddd",), "LV": ("ddddddddddd",),
    "MT": ("dddddddd",), "NL": ("dddddddddBdd",), "PL": ("dddddddddd",), "PT": ("ddddddddd",),
    "RO": tuple("d" * n for n in range(2, 11)), "SE": ("dddddddddd01",), "SI": ("dddddddd",),
    "SK": ("dddddddddd",), "NO": ("dddddddddMVA", "ddddddddd"),
}
_SWISS_RE = re.compile(r"(CHE[- ]?)(\w{3})\.(\w{3})\.(\w{3})(\s*(?:MWST|TVA|IVA)?)")
_GSTIN = "ddLLLLLddddLXZX"  # state, PAN (5 letters, 4 digits, 1 letter), entity, Z, check
_IBAN_LENGTHS = {"AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24,
                 "FI": 18, "FR": 27, "GB": 22, "IE": 22, "IT": 27, "LI": 21, "LU": 20,
                 "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24}
_INVOICE_PREFIXES = frozenset({
    "INV", "IN", "INVC", "BILL", "BL", "RE", "RG", "RN", "RECH", "FA", "FAC", "FACT", "FV",
    "FAKT", "NO", "NR", "CN", "CR", "SI", "PO", "ORD", "REF", "DOC", "ST", "STMT", "TX", "TR",
})


def repair_tax_id(value: str) -> str:
    """A tax or VAT id with look-alike characters set right where its format settles them."""
    compact = re.sub(r"[\s.]", "", value)
    upper = compact.upper()
    gstin = _fit(compact, _GSTIN) if len(compact) == len(_GSTIN) else None
    if gstin is not None:
        return gstin
    swiss = _SWISS_RE.fullmatch(value.strip())
    if swiss:
        groups = [_fit(swiss.group(i), "ddd") for i in (2, 3, 4)]
        if all(groups):
            return f"{swiss.group(1)}{groups[0]}.{groups[1]}.{groups[2]}{swiss.group(5)}"
        return value
    prefix = "".join(AS_LETTER.get(c, c) for c in upper[:2])
    bodies = _VAT_BODIES.get(prefix)
    if bodies and compact[:2].isalnum():
        fits = {fit for body in bodies if len(body) == len(upper) - 2
                and (fit := _fit(compact[2:], body)) is not None}
        if len(fits) == 1:
            repaired = prefix + fits.pop()
            return repaired if repaired != upper else value
        return value
    return _digits_in_numeric(value)


def repair_identifier(value: str, elsewhere: Iterable[str] = ()) -> str:
    """An invoice or PO number with a look-alike set right only where the evidence is clear:

    - another reading of the same number elsewhere on the page (a payment reference, a
      footer) that has a digit where this one has its look-alike, inside a run of digits;
    - a letter inside a run of digits that is O or l/I (a real reference hardly has them);
    - a known prefix ("INV", "RE", "FA"…) whose last letter is a look-alike followed by
      digits only ("INVO35372": "INV" + "035372").
    """
    repaired = _from_other_readings(value, elsewhere)
    repaired = _sure_digits(repaired)
    match = re.fullmatch(r"([A-Za-z]+)([A-Za-z])(\d{3,})", repaired)
    if match and match.group(1).upper() in _INVOICE_PREFIXES \
            and match.group(1).upper() + match.group(2).upper() not in _INVOICE_PREFIXES \
            and match.group(2) in SURE_IN_DIGITS:
        repaired = match.group(1) + SURE_IN_DIGITS[match.group(2)] + match.group(3)
    return repaired


def repair_iban(value: str) -> str | None:
    """An IBAN whose mod-97 check passes, after setting look-alikes right where digits
    belong (the check digits and, for most countries, a numeric account number); None when
    no reading passes the check."""
    compact = re.sub(r"\s", "", value).upper()
    if len(compact) < 15:
        return None
    country = "".join(AS_LETTER.get(c, c) for c in compact[:2])
    check = "".join(AS_DIGIT.get(c, c) for c in compact[2:4])
    rest = compact[4:]
    expected = _IBAN_LENGTHS.get(country)
    if expected is not None and len(compact) != expected:
        return None
    readings = [rest]
    numeric = "".join(AS_DIGIT.get(c, c) for c in rest)
    if numeric != rest:
        readings.append(numeric)
        # letters of a bank code at the start (GB: 4, NL: 4, IE: 4) may be real letters
        for head in (4, 6):
            readings.append(rest[:head] + "".join(AS_DIGIT.get(c, c) for c in rest[head:]))
    for reading in readings:
        candidate = country + check + reading
        if candidate.isalnum() and iban_is_valid(candidate):
            return candidate
    return None


# --- helpers ----------------------------------------------------------------------------------

def _fit(text: str, pattern: str) -> str | None:
    """`text` read to fit `pattern` (d digit, L letter, X either, Y either but I/O, else that
    very character), turning look-alikes into the kind each place needs; None when it cannot
    fit."""
    if len(text) != len(pattern):
        return None
    out = []
    for char, kind in zip(text, pattern, strict=True):
        if kind == "d":
            char = char if char.isdigit() else AS_DIGIT.get(char, "")
        elif kind == "L":
            char = char.upper() if char.isalpha() else AS_LETTER.get(char, "")
        elif kind == "X":
            char = char.upper() if char.isalnum() else ""
        elif kind == "Y":  # never I or O: those are a one and a zero
            char = SURE_IN_DIGITS.get(char, char.upper() if char.isalnum() else "")
        elif char.upper() != kind:
            char = kind if AS_LETTER.get(char) == kind or AS_DIGIT.get(char) == kind else ""
        else:
            char = kind
        if not char:
            return None
        out.append(char)
    return "".join(out)


def _digits_in_numeric(value: str) -> str:
    """A number that is digits and separators but for a look-alike or two: all digits.

    ("75-O494523" is a US EIN read with an O.) Only where digits make most of it."""
    core = re.sub(r"[\s\-./]", "", value)
    if len(core) < 6:
        return value
    letters = [c for c in core if not c.isdigit()]
    if not letters or len(letters) > 2 or any(c not in AS_DIGIT for c in letters):
        return value
    if sum(c.isdigit() for c in core) < 0.75 * len(core):
        return value
    return "".join(AS_DIGIT.get(c, c) if not c.isdigit() and c not in "-./ " else c
                   for c in value)


def _sure_digits(value: str) -> str:
    """O, Q, I, l or | standing between two digits: the digit it looks like."""
    chars = list(value)
    for i in range(1, len(chars) - 1):
        if chars[i] in SURE_IN_DIGITS and chars[i - 1].isdigit() and chars[i + 1].isdigit():
            chars[i] = SURE_IN_DIGITS[chars[i]]
    return "".join(chars)


def _shape(text: str) -> str:
    """The text with look-alikes folded together (what OCR cannot tell apart)."""
    return "".join(AS_DIGIT.get(c, c.upper()) for c in text)


def _from_other_readings(value: str, elsewhere: Iterable[str]) -> str:
    """Where the same number is printed again and read with a digit in a place where this
    reading has a look-alike letter next to digits, that digit."""
    shape = _shape(value)
    best = value
    for other in elsewhere:
        other = other.strip(".,;:()[]#|")
        if other == value or len(other) != len(value) or _shape(other) != shape:
            continue
        chars = list(best)
        for i, (mine, theirs) in enumerate(zip(best, other, strict=True)):
            if mine != theirs and theirs.isdigit() and not mine.isdigit() and _next_to_digit(
                    other, i):
                chars[i] = theirs
        best = "".join(chars)
    return best


def _next_to_digit(text: str, index: int) -> bool:
    return (index > 0 and text[index - 1].isdigit()) or (
        index + 1 < len(text) and text[index + 1].isdigit())
