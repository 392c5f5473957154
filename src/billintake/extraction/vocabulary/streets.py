"""Words that make a line an address: street types, and the endings of compound street names."""

from __future__ import annotations

# Street types and address words, printed as their own word ("Main Street", "Rue de Lyon").
STREET_WORDS: tuple[str, ...] = (
    # English
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "blvd", "drive", "dr", "way",
    "suite", "floor",
    # German
    "straße", "strasse", "str", "weg", "platz", "allee", "gasse", "ring", "damm",
    # French
    "rue", "boulevard", "bd", "chemin", "place", "allée", "impasse",
    # Dutch
    "straat", "laan", "plein", "gracht", "kade", "dijk", "singel",
    # Malay (street, housing estate, town, avenue, highway, village, section), Indian
    "jalan", "jln", "lorong", "taman", "tmn", "laman", "bandar", "persiaran", "lebuh",
    "lebuhraya", "kampung", "seksyen", "salai", "marg", "chowk",
)
# Endings of street names written as one word that can only be streets ("Bahnhofstraße",
# "Kerkstraat"; the abbreviated "Hauptstr." is read where these are used) ...
STREET_ENDINGS: tuple[str, ...] = ("straße", "strasse", "straat", "gasse")
# ... and endings that are streets only beside a house number or on a line of their own
# ("Lindenallee 4"), since names and other words end so too.
HOUSE_STREET_ENDINGS: tuple[str, ...] = (
    "allee", "platz", "weg", "damm", "laan", "plein", "gracht", "kade", "singel",
)
