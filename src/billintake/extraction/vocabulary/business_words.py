"""Words of trade that shops' and companies' names are made of ("HARDWARE", "TRADING").

OCR misreads one letter of such a word in a name printed in capitals ("SIN THYE & COMFANY",
"AIK HUAT HARDHARE"): a word as long as one of these and one letter off it is read as it
(`vendor.clean_name`). Only long words, where a name's own word one letter off a word of trade
is rare.
"""

from __future__ import annotations

BUSINESS_WORDS: frozenset[str] = frozenset({
    "ADVERTISING", "AUTOMOTIVE", "BAKERIES", "BOOKSTORE", "COMPANY", "CONSTRUCTION",
    "CORPORATION", "DISTRIBUTION", "DISTRIBUTOR", "DISTRIBUTORS", "ELECTRICAL", "ELECTRONICS",
    "ENGINEERING", "ENTERPRISE", "ENTERPRISES", "FURNITURE", "HARDWARE", "HOLDINGS",
    "HYPERMARKET", "INDUSTRIES", "INTERNATIONAL", "MANAGEMENT", "MARKETING", "PHARMACY",
    "PRINTING", "RESOURCES", "RESTAURANT", "RESTORAN", "SERVICES", "STATIONERS", "STATIONERY",
    "SUPERMARKET", "SUPPLIES", "TRADING", "TRAVEL", "WHOLESALE",
})
MIN_LENGTH = 6

# Kinds of shop named by words that elsewhere are a till's ("CASH"): a name with one of these
# is not refused for that word ("SLF CASH & CARRY").
TRADE_PHRASES: tuple[str, ...] = ("cash & carry", "cash and carry", "cash n carry")
