"""Amounts, dates and currencies as bills print them, in English, German, French and Dutch.

Every parser returns None for text it cannot read with certainty: a wrong value is worse than
no value, so ambiguous input is refused rather than guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from billintake.domain.currency import ISO_4217

from .vocabulary.currencies import ABBREVIATIONS, CURRENCY_SYMBOLS, SIGNS

DecimalMark = Literal[".", ","]

# --- currencies -------------------------------------------------------------------------------

DOLLAR_COUNTRY_HINTS: dict[str, str] = {
    "canada": "CAD", "australia": "AUD", "new zealand": "NZD", "singapore": "SGD",
    "hong kong": "HKD", "gst/hst": "CAD", "abn": "AUD", "pte ltd": "SGD", "pte. ltd": "SGD",
    "malaysia": "MYR", "sdn bhd": "MYR",
}
IBAN_CURRENCY: dict[str, str] = {
    **dict.fromkeys(("DE", "FR", "NL", "BE", "AT", "IT", "ES", "PT", "FI", "IE", "LU", "SK",
                     "SI", "EE", "LV", "LT", "GR", "CY", "MT", "HR"), "EUR"),
    "CH": "CHF", "LI": "CHF", "GB": "GBP", "SE": "SEK", "DK": "DKK", "NO": "NOK", "PL": "PLN",
    "CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN",
}

_SYMBOL_RE = re.compile(f"[{SIGNS}]")
_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
_ABBREV_RE = re.compile(rf"(?<![A-Za-z])({ABBREVIATIONS})(?=[\s\d()]|$)", re.IGNORECASE)
_IBAN_RE = re.compile(r"\b([A-Z]{2})\d{2}\s?[A-Z0-9]{4}")
# Codes that are also ordinary words or labels on bills; accepted only beside a number.
# ("BHD" is also the "Berhad" of a Malaysian company name, "SDN BHD").
_AMBIGUOUS_CODES = frozenset({"ALL", "CUP", "TOP", "MOP", "PEN", "BAM", "CAD", "SOS", "FJD",
                              "BHD"})
# An ambiguous code counts only right beside an amount on the same line ("BHD 12.500").
_BESIDE_AMOUNT_RE = r"(?:\d[ \u00a0]?{code}|{code}[ \u00a0]?[\d(-])"


def currency_of_text(text: str) -> str | None:
    """The currency a single amount's text names (symbol, code or abbreviation), if any."""
    match = next((m for m in _ABBREV_RE.finditer(text) if _abbreviation(m)), None)
    if match:
        return CURRENCY_SYMBOLS.get(match.group(1).lower())
    for code in _CODE_RE.findall(text):
        if code in ISO_4217:
            return code
    symbol = _SYMBOL_RE.search(text)
    if symbol:
        return CURRENCY_SYMBOLS.get(symbol.group(0), "USD" if symbol.group(0) == "$" else None)
    return None


def _abbreviation(match: re.Match[str]) -> bool:
    """Ringgit only as printed, "RM" in capitals ("Rm 12" is a hotel room)."""
    return match.group(1).lower() != "rm" or match.group(1) == "RM"


def detect_currency(text: str, *, amount_texts: Iterable[str] = ()) -> tuple[str | None, float]:
    """The document's currency and a confidence, from symbols, ISO codes and context.

    Amount texts (the strings amounts were parsed from) weigh more than codes elsewhere.
    Returns (None, 0.0) when nothing names a currency.
    """
    votes: Counter[str] = Counter()
    for amount_text in amount_texts:
        code = currency_of_text(amount_text)
        if code == "USD" and re.search(r"(?<![A-Za-z])\$", amount_text):
            code = _dollar_currency(text)  # a bare "$" is the dollar of the bill's country
        if code:
            votes[code] += 3
    for match in _ABBREV_RE.finditer(text):
        code = CURRENCY_SYMBOLS.get(match.group(1).lower()) if _abbreviation(match) else None
        if code:
            votes[code] += 2
    for symbol_match in _SYMBOL_RE.finditer(text):
        symbol = symbol_match.group(0)
        around = text[max(0, symbol_match.start() - 1): symbol_match.end() + 1]
        if len(around) == 3 and around[0].isalpha() and around[2].isalpha():
            continue  # inside a word: OCR noise ("¥EEK"), not a currency sign
        if symbol_match.end() < len(text) and text[symbol_match.end()].isalpha() and \
                symbol != "$" and text[symbol_match.end():symbol_match.end() + 3].isupper():
            continue  # glued to capitals ("¥EEKEK" from a masked card number)
        if _in_card_mask(text, symbol_match.start(), symbol_match.end()):
            continue  # "¥***1234", "****€€€€ 1234": a masked card number's stars misread
        if re.match(r"\s?\d+(?:[.,]\d+)?\s?%", text[symbol_match.end():]):
            continue  # "€6.00%": a rate's "@" misread, not money
        code = CURRENCY_SYMBOLS.get(symbol)
        if symbol == "$":
            code = _dollar_currency(text)
        if code:
            votes[code] += 2
    for match in _CODE_RE.finditer(text):
        code = match.group(1)
        if code not in ISO_4217:
            continue
        if code in _AMBIGUOUS_CODES:
            near = text[max(0, match.start() - 2): match.end() + 2]
            if not re.search(_BESIDE_AMOUNT_RE.format(code=code), near):
                continue
        votes[code] += 2
    if not votes:
        # A bank account's country is a weak hint, used only when nothing else speaks.
        for country in _IBAN_RE.findall(text):
            if country in IBAN_CURRENCY and re.search(r"IBAN", text, re.IGNORECASE):
                votes[IBAN_CURRENCY[country]] += 1
        if votes:
            code, _ = votes.most_common(1)[0]
            return code, 0.5
        return country_currency(text)
    ranked = votes.most_common(2)
    best, best_votes = ranked[0]
    share = best_votes / sum(votes.values())
    return best, round(min(0.99, 0.6 + 0.39 * share), 3)


_MASK_CHARS = "*#•●xX"


def _in_card_mask(text: str, start: int, end: int) -> bool:
    """A sign in a masked card number: beside mask characters, or one of a run of signs."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    symbol = text[start:end]
    if after and after in _MASK_CHARS and after not in "xX":
        return True
    if before and before in _MASK_CHARS and before not in "xX":
        return True
    if after == symbol or before == symbol:
        return True
    # "XXXX¥1234" / "¥XXXX": a mask of capital X glued to the sign
    return bool(re.match(r"[xX]{2,}", text[end:end + 2]) or
                re.search(r"[xX]{2,}$", text[max(0, start - 2):start]))


def _dollar_currency(text: str) -> str:
    lowered = text.lower()
    for hint, code in DOLLAR_COUNTRY_HINTS.items():
        if hint in lowered:
            return code
    if _CA_POSTCODE_RE.search(text):
        return "CAD"
    return "USD"


_CA_POSTCODE_RE = re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d\b")
# Where a bill comes from, when it prints no currency at all (a till slip's bare "12.50"):
# the issuer's VAT number, phone prefix, postcode and the name of its sales tax.
_COUNTRY_SIGNS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(r"\b(?:DE|FR|NL|BE|IE|IT|ES|PT|LU|FI|GR|SK|SI|EE|LV|LT|AT ?U)\s?\d[\d .]{6,}"),
     "EUR", 2),
    (re.compile(r"\bGB\s?\d{3}\s?\d{4}\s?\d{2}\b"), "GBP", 2),
    (re.compile(r"\bCHE[- ]?\d{3}\.?\d{3}\.?\d{3}\b"), "CHF", 2),
    (re.compile(r"\+(?:49|43|33|32|31|353|39|34|352|351|358|30)[\s(]"), "EUR", 1),
    (re.compile(r"\+44[\s(]"), "GBP", 1),
    (re.compile(r"\+41[\s(]"), "CHF", 1),
    (re.compile(r"\+91[\s(-]"), "INR", 1),
    (re.compile(r"\b(?:MwSt|USt|TVA|BTW|btw|IVA)\b"), "EUR", 1),
    (re.compile(r"\bMWST\b"), "CHF", 1),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"), "GBP", 1),  # UK postcode
    (re.compile(r"\bSales tax\b|\b[A-Z]{2} \d{5}(?:-\d{4})?\b|\+1[\s(]"), "USD", 1),
    (re.compile(r"\bGST/HST\b|\bHST\b|\bPST\b|\bQST\b"), "CAD", 2),
    (re.compile(r"\bSDN\.?\s?BHD\b|\bBERHAD\b|\+60[\s(-]", re.IGNORECASE), "MYR", 2),
    (re.compile(r"\bPTE\.?\s?LTD\b|\bSingapore \d{6}\b|\+65[\s(-]", re.IGNORECASE), "SGD", 2),
    (re.compile(r"\bGSTIN\b|\bCGST\b|\bSGST\b|\bIGST\b"), "INR", 2),
    (re.compile(r"\bABN:?\s?\d{2}\s?\d{3}\s?\d{3}\s?\d{3}\b"), "AUD", 2),
)


def country_currency(text: str) -> tuple[str | None, float]:
    """The currency of the country the bill's details point to, with a modest confidence;
    (None, 0.0) when the signs are absent or disagree."""
    votes: Counter[str] = Counter()
    for pattern, code, weight in _COUNTRY_SIGNS:
        if pattern.search(text):
            votes[code] += weight
    if votes.get("USD") and _CA_POSTCODE_RE.search(text):
        votes["CAD"] += votes.pop("USD") + 1
    if not votes:
        return None, 0.0
    ranked = votes.most_common(2)
    if len(ranked) > 1 and ranked[1][1] * 2 > ranked[0][1]:
        return None, 0.0  # mixed signs: say nothing
    return ranked[0][0], 0.55


# --- amounts ----------------------------------------------------------------------------------

_AMOUNT_RE = re.compile(
    r"""(?P<sign>[-−–+])?\s*
        (?P<number>\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?  # Indian lakh grouping 1,23,456.00
          |\d{1,3}(?:[.,'’\u00a0\u202f ]\d{3})+(?:[.,]\d{1,3})?
          |\d+(?:[.,]\d{1,3})?)
        (?P<trail>-)?""",
    re.VERBOSE,
)
_CURRENCY_NOISE = re.compile(rf"({ABBREVIATIONS}|[A-Z]{{3}}|[{SIGNS}]|euros?)", re.IGNORECASE)


def parse_amount(text: str, hint: DecimalMark | None = None) -> Decimal | None:
    """A money amount printed as `$1,234.50`, `1.234,50 €`, `1 234,50`, `CHF 1'234.50`,
    `(12.00)`, `12.00-` or `Rs 1939`; None when the text is not exactly one amount.

    `hint` is the document's decimal mark, used for `1,234` / `1.234` (else: three digits after
    a single separator are a thousands group).
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    negative = False
    if cleaned.endswith(")") and "(" not in cleaned:
        cleaned = cleaned[:-1].rstrip()  # a stray bracket OCR read after the amount
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
    cleaned = _CURRENCY_NOISE.sub(_strip_currency, cleaned).strip().strip(":").strip()
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
    if cleaned.endswith("CR") or cleaned.endswith("cr"):
        negative, cleaned = True, cleaned[:-2].strip()
    match = _AMOUNT_RE.fullmatch(cleaned)
    if not match:
        return None
    if match.group("sign") in {"-", "−", "–"} or match.group("trail"):
        negative = True
    value = _number_value(match.group("number"), hint)
    if value is None:
        return None
    return -value if negative else value


def _strip_currency(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) == 3 and token.isalpha() and token.upper() not in ISO_4217:
        return token  # a word such as "INV", not a currency
    return " "


def _number_value(number: str, hint: DecimalMark | None) -> Decimal | None:
    number = re.sub(r"[\u00a0\u202f ]", " ", number)
    separators = [c for c in number if c in ".,' ’"]
    integer, fraction = number, ""
    if separators:
        last = separators[-1]
        head, _, tail = number.rpartition(last)
        if last in "'’ ":
            integer, fraction = number, ""
        elif len(set(separators)) > 1 or separators.count(last) == 1:
            # The last separator is the decimal mark unless it is a lone 3-digit group.
            lone_group = len(set(separators)) == 1 and len(tail) == 3
            if (lone_group and hint != last) or (lone_group and hint is None):
                integer, fraction = number, ""
            else:
                integer, fraction = head, tail
        else:  # the same mark several times: thousands groups
            integer, fraction = number, ""
    digits = re.sub(r"[^\d]", "", integer)
    if not digits:
        return None
    try:
        return Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:
        return None


_BARE_CENTS_RE = re.compile(r"(?<!\d)\.\d{2}")


def find_amounts(text: str, hint: DecimalMark | None = None) -> list[tuple[Decimal, str]]:
    """Every amount-looking number in a longer text, with the text it was read from; not a
    rate (a number before "%", with or without the space French and OCR put there)."""
    found: list[tuple[Decimal, str]] = []
    pattern = re.compile(
        rf"(?<![A-Za-z\d.,])\(?(?:[-−]\s?)?(?:(?:{ABBREVIATIONS}|CHF|EUR|USD|GBP|[{SIGNS}])\s?)?(?:[-−]\s?)?"
        r"(?:(?:\d{1,2}(?:,\d{2})+,\d{3}|\d{1,3}(?:[.,'’\u00a0\u202f ]\d{3})+|\d+)(?:[.,]\d{1,2})?"
        r"|\.\d{2})"  # a till's cents without their nought: "CHANGE .40", "RM .90"
        r"(?:\s?(?:€|EUR|CHF|USD|£))?\)?-?(?![\d%]|[.,]\d|[ \u00a0\u202f]%)")
    for match in pattern.finditer(text):
        raw = match.group(0).strip()
        bare_cents = _BARE_CENTS_RE.search(raw)
        if bare_cents is not None and hint == ",":
            continue  # where the comma marks decimals, ".40" is no amount
        value = parse_amount(raw if bare_cents is None else
                             raw[:bare_cents.start()] + "0" + raw[bare_cents.start():], hint)
        if value is not None:
            found.append((value, raw))
    return found


def infer_decimal_mark(texts: Iterable[str]) -> DecimalMark | None:
    """The decimal mark a document uses, from numbers with two decimals (`12,50` vs `12.50`)."""
    votes: Counter[str] = Counter()
    for text in texts:
        for mark in re.findall(r"\d([.,])\d{2}(?!\d)", text):
            votes[mark] += 1
        for mark in re.findall(r"\d[.,']\d{3}([.,])\d{1,2}(?!\d)", text):
            votes[mark] += 2
    if not votes:
        return None
    return "," if votes[","] > votes["."] else "."


# --- dates ------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar janvier janv janvier januari jänner jän",
        "february feb februar février fevrier févr fevr februari",
        "march mar märz maerz marz mrz mars maart mrt",
        "april apr avril avr",
        "may mai mei",
        "june jun juni juin",
        "july jul juli juillet juil",
        "august aug aout août augustus",
        "september sep sept septembre",
        "october oct oktober octobre okt",
        "november nov novembre",
        "december dec dezember décembre decembre dez déc",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# (a four-digit year may run into the time after it when OCR loses the space: "25/01/20181:22")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,4})([./\-])(\d{1,2})\2"
                           r"(\d{4}(?=\d{1,2}:\d\d)|\d{2,4}(?!\d))")
_DAY_MONTH_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|e|\.)?[\s\-/.]*(?:de\s+)?({_MONTH_NAMES})\.?"
    rf"[\s\-/.,]*(\d{{4}}|\d{{2}}(?![\d:]))",
    re.IGNORECASE)
_MONTH_NAME_DAY = re.compile(
    rf"(?<![A-Za-z])({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}|['’]\d{{2}}(?!\d))",
    re.IGNORECASE)
_MONTH_YEAR_MIN, _MONTH_YEAR_MAX = 1990, 2100


def parse_date(text: str, dayfirst: bool | None = None) -> date | None:
    """The first date in the text: `03/14/2026`, `14.03.2026`, `14 mars 2026`,
    `March 14, 2026`, `2026-03-14`. An ambiguous `03/04/2026` needs `dayfirst`, else None.
    """
    found = find_dates(text, dayfirst)
    return found[0][0] if found else None


# The words a heading prints between a number and its date: "Invoice No. 7 dated 1 May 2026",
# "Rechnung Nr. 12 vom 30.05.2026", "Facture n° 12 du 03/05/2026", "Factuur 12 van 3-5-2026".
DATE_CONNECTORS = frozenset({"vom", "dated", "of", "du", "van", "d.d.", "del"})
MAX_NUMBER_WORDS = 4  # a number of more words than this is not read up to its date phrase


def date_phrase_at(words: list[str], index: int, dayfirst: bool | None) -> bool:
    """Whether `words` from `index` on read as a date connector and then a date."""
    if index >= len(words) - 1 or words[index].lower().rstrip(":,") not in DATE_CONNECTORS:
        return False
    rest = " ".join(words[index + 1:index + 4])
    orders = (dayfirst,) if dayfirst is not None else (True, False)
    return any(rest.startswith(raw) for order in orders for _, raw in find_dates(rest, order))


def number_before_date(words: list[str], dayfirst: bool | None) -> int | None:
    """How many of `words` (two or more, from the first, which has a digit) make a number that
    a date phrase closes ("210111 mit LV vom 30.05.2026": 3); None where no date phrase
    follows within `MAX_NUMBER_WORDS` or the number is one word."""
    if not words or not any(c.isdigit() for c in words[0]):
        return None
    for end in range(1, min(MAX_NUMBER_WORDS, len(words) - 1) + 1):
        if date_phrase_at(words, end, dayfirst):
            return end if end >= 2 else None
    return None


def find_dates(text: str, dayfirst: bool | None = None) -> list[tuple[date, str]]:
    """All dates in the text, in order, with the text each was read from; with the
    document's day-month order, not numbers that only the other order reads."""
    hits: list[tuple[int, date, str]] = []
    for match in _DAY_MONTH_NAME.finditer(text):
        day, month, year = int(match.group(1)), MONTHS[match.group(2).lower()], match.group(3)
        value = _make_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        if value:
            hits.append((match.start(), value, match.group(0)))
    for match in _MONTH_NAME_DAY.finditer(text):
        month, day, year = MONTHS[match.group(1).lower()], int(match.group(2)), match.group(3)
        value = _make_date(int(year.lstrip("'’")) + (2000 if len(year) == 3 else 0), month, day)
        if value:
            hits.append((match.start(), value, match.group(0)))
    for match in _NUMERIC_DATE.finditer(text):
        if _in_code(text[:match.start()]) or _against_order(match, dayfirst):
            continue
        value = _numeric_date(match, dayfirst)
        if value:
            hits.append((match.start(), value, match.group(0)))
    hits.sort(key=lambda hit: hit[0])
    return [(value, raw) for _, value, raw in hits]


# Capitals run into a number ("HD03-04-06", "RC11-23-42"): an article's or a shelf's code whose
# digits look like a date, unless the capitals are a date's own label run into it ("DATE19/09").
_CODE_PREFIX_RE = re.compile(r"(?<![A-Za-z])[A-Z]{2,}$")
_DATE_LABEL_ENDS = ("DATE", "DATED", "DATUM", "DT", "FECHA", "DATA")


def _in_code(before: str) -> bool:
    """Whether a number right after `before` is the tail of a code of capitals and digits."""
    prefix = _CODE_PREFIX_RE.search(before)
    return prefix is not None and not prefix.group().endswith(_DATE_LABEL_ENDS)


def _against_order(match: re.Match[str], dayfirst: bool | None) -> bool:
    """Whether only the order other than the document's reads these numbers as a date
    ("CK 11-22-31" on a slip whose dates put the day first): a code's digits, not a date. The
    order is the document's dates' own (`infer_dayfirst`), so a date against it is outvoted."""
    first, _, second, _ = match.groups()
    if dayfirst is None or len(first) > 2:
        return False
    a, b = int(first), int(second)
    return b > 12 >= a if dayfirst else a > 12 >= b


def _numeric_date(match: re.Match[str], dayfirst: bool | None) -> date | None:
    first, separator, second, third = match.groups()
    if len(first) == 4:  # ISO-like: year first
        return _make_date(int(first), int(second), int(third)) if len(third) <= 2 else None
    if len(first) > 2:
        return None
    year = int(third)
    if len(third) == 2:
        year += 2000
    elif len(third) != 4:
        return None
    a, b = int(first), int(second)
    if a > 12 and b <= 12:
        return _make_date(year, b, a)
    if b > 12 and a <= 12:
        return _make_date(year, a, b)
    if a == b:
        return _make_date(year, a, b)
    if separator == "." and dayfirst is None:
        dayfirst = True  # dotted dates are day-first wherever they are used
    if dayfirst is None:
        return None
    return _make_date(year, b, a) if dayfirst else _make_date(year, a, b)


def _make_date(year: int, month: int, day: int) -> date | None:
    if not _MONTH_YEAR_MIN <= year <= _MONTH_YEAR_MAX:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


DAYFIRST_CURRENCIES = frozenset({"EUR", "GBP", "INR", "CHF", "AUD", "NZD", "ZAR", "BRL", "SGD",
                                 "HKD", "SEK", "DKK", "NOK", "PLN", "CZK", "TRY", "MXN", "MYR",
                                 "IDR", "THB", "VND", "AED", "PKR", "LKR", "BDT", "NGN", "KES",
                                 "ILS", "EGP"})
DAYFIRST_LANGUAGES = frozenset({"de", "fr", "nl", "deu", "fra", "nld", "es", "it", "spa", "ita"})


def infer_dayfirst(texts: str | Iterable[str], *, currency: str | None = None,
                   language: str | None = None) -> bool | None:
    """Whether numeric dates in this document put the day first.

    Unambiguous dates decide (`14/03/2026` → True, `03/14/2026` → False; dotted dates are
    day-first; numbers that are no date in either order do not vote); else the currency and
    language; else None.
    """
    text = texts if isinstance(texts, str) else "\n".join(texts)
    dayfirst_votes = monthfirst_votes = 0
    for match in _NUMERIC_DATE.finditer(text):
        first, separator, second, _ = match.groups()
        if len(first) == 4 or _in_code(text[:match.start()]) or \
                (_numeric_date(match, True) is None and _numeric_date(match, False) is None):
            continue  # no date in either order ("5/40/160"), or a code's digits
        a, b = int(first), int(second)
        if a > 12 >= b:
            dayfirst_votes += 2
        elif b > 12 >= a:
            monthfirst_votes += 2
        elif separator == ".":
            dayfirst_votes += 1
    if dayfirst_votes != monthfirst_votes:
        return dayfirst_votes > monthfirst_votes
    if language and language.lower() in DAYFIRST_LANGUAGES:
        return True
    if currency == "USD":
        return False
    if currency in DAYFIRST_CURRENCIES:
        return True
    if language and language.lower() in {"en", "eng"}:
        return None
    return None


def detect_language(text: str) -> str | None:
    """A rough guess among en/de/fr/nl from frequent words; None if nothing stands out."""
    words = re.findall(r"[a-zäöüéèàçëï]+", text.lower())
    lexicon = {
        "en": {"the", "and", "invoice", "total", "date", "due", "amount", "of", "to", "for"},
        "de": {"der", "die", "und", "rechnung", "betrag", "datum", "summe", "mwst", "bitte"},
        "fr": {"le", "la", "les", "et", "facture", "montant", "total", "de", "du", "tva"},
        "nl": {"de", "het", "en", "factuur", "bedrag", "totaal", "btw", "van", "je", "uw"},
    }
    counts = {lang: sum(1 for w in words if w in vocab) for lang, vocab in lexicon.items()}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] >= 3 else None


# A run that may print an IBAN: country, check digits, then 11-32 letters or digits with
# single spaces between groups.
_IBAN_RUN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,32}", re.IGNORECASE)


def find_ibans(text: str) -> list[tuple[str, str]]:
    """Each IBAN printed in `text`, compact, with the text that prints it. A run followed by
    more letters or digits (a BIC, a word) is trimmed from the end until its check digits hold."""
    found: list[tuple[str, str]] = []
    for match in _IBAN_RUN_RE.finditer(text):
        raw = match.group()
        while len(re.sub(r"\s", "", raw)) >= 15:
            if iban_is_valid(raw):
                found.append((re.sub(r"\s", "", raw).upper(), raw))
                break
            raw = raw[:-1].rstrip()
    return found


def iban_is_valid(text: str) -> bool:
    """True when `text` (spaces allowed) is an IBAN whose mod-97 check digits are right."""
    compact = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1
