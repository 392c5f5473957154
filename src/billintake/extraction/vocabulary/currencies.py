"""Currency signs and abbreviations as bills print them beside amounts."""

from __future__ import annotations

# Symbols and abbreviations printed next to amounts, with their ISO 4217 code; None where the
# sign names several currencies ("kr"). "$" alone is resolved by context.
CURRENCY_SYMBOLS: dict[str, str | None] = {
    "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB", "₺": "TRY",
    "₪": "ILS", "₫": "VND", "฿": "THB", "₱": "PHP", "₦": "NGN", "zł": "PLN", "kč": "CZK",
    "rs": "INR", "rs.": "INR", "inr": "INR", "us$": "USD", "a$": "AUD", "au$": "AUD",
    "c$": "CAD", "ca$": "CAD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "r$": "BRL",
    "fr.": "CHF", "sfr": "CHF", "sfr.": "CHF", "chf": "CHF", "kr": None, "kr.": None,
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "dollars": "USD", "rm": "MYR",
}
# The one-character signs, as the inside of a regular expression's character class.
SIGNS = "€£¥₹₩₽₺₪₫฿₱₦$"
# The abbreviations other than ISO codes, as a regular expression alternation (no group).
ABBREVIATIONS = r"US\$|A\$|AU\$|C\$|CA\$|NZ\$|HK\$|S\$|R\$|Rs\.?|INR|SFr\.?|Fr\.|zł|Kč|RM"
