"""ISO 4217 currency codes in circulation, and a check for them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from .errors import ValidationFailed

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN
    BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
    CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
    HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
    MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO
    NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG
"""

ISO_4217: frozenset[str] = frozenset(_CODES.split())

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(ISO_4217, 2),
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def check_currency(code: str, *, field: str = "currency") -> str:
    """Return the upper-cased ISO 4217 code, or raise naming the field."""
    normalized = code.strip().upper()
    if normalized not in ISO_4217:
        raise ValidationFailed(f"{field}: unknown currency {code!r} (expected an ISO 4217 code)",
                               field=field)
    return normalized


# A model's currency field: stored upper-cased; an unknown code raises ValidationFailed.
CurrencyCode = Annotated[str, AfterValidator(check_currency)]
