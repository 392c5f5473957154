"""Words of trade that shops' and companies' names are made of ("HARDWARE", "TRADING").

OCR misreads one letter of such a word in a name printed in capitals ("SIN THYE & COMFANY",
"AIK HUAT HARDHARE"); a word of these, one letter off and as long, is read as the word. Only
long words: among them, one letter apart, no two are both words of names.
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
