"""What a holdout document says: parties, numbers, dates, lines and sums, per locale.

Independent of `billintake_devkit.synth` on purpose (own names, own locale table, own label
wordings), so that measuring on it says something about bills the extractor has never seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Locale:
    code: str
    lang: str
    currency: str
    group: str  # thousands separator
    mark: str  # decimal mark
    symbol: str
    symbol_first: bool
    date_style: str  # dmy-dot, dmy-slash, dmy-dash, mdy-slash, iso, long
    tax_rates: tuple[Decimal, ...]
    tax_word: str


LOCALES: dict[str, Locale] = {
    "en-US": Locale("en-US", "en", "USD", ",", ".", "$", True, "mdy-slash",
                    (Decimal("6.25"), Decimal("8.875"), Decimal("7")), "Sales tax"),
    "en-CA": Locale("en-CA", "en", "CAD", ",", ".", "$", True, "iso",
                    (Decimal("5"), Decimal("13")), "GST/HST"),
    "en-GB": Locale("en-GB", "en", "GBP", ",", ".", "£", True, "long",
                    (Decimal("20"),), "VAT"),
    "en-IE": Locale("en-IE", "en", "EUR", ",", ".", "€", True, "dmy-slash",
                    (Decimal("23"), Decimal("13.5")), "VAT"),
    "de-DE": Locale("de-DE", "de", "EUR", ".", ",", "€", False, "dmy-dot",
                    (Decimal("19"), Decimal("7")), "MwSt."),
    "de-AT": Locale("de-AT", "de", "EUR", ".", ",", "€", True, "long",
                    (Decimal("20"), Decimal("10")), "USt."),
    "de-CH": Locale("de-CH", "de", "CHF", "'", ".", "CHF", True, "dmy-dot",
                    (Decimal("8.1"),), "MWST"),
    "fr-FR": Locale("fr-FR", "fr", "EUR", " ", ",", "€", False, "dmy-slash",
                    (Decimal("20"), Decimal("10"), Decimal("5.5")), "TVA"),
    "fr-BE": Locale("fr-BE", "fr", "EUR", ".", ",", "€", False, "long",
                    (Decimal("21"), Decimal("6")), "TVA"),
    "nl-NL": Locale("nl-NL", "nl", "EUR", ".", ",", "€", True, "dmy-dash",
                    (Decimal("21"), Decimal("9")), "btw"),
    "nl-BE": Locale("nl-BE", "nl", "EUR", ".", ",", "€", True, "dmy-slash",
                    (Decimal("21"), Decimal("6")), "BTW"),
}

def _names(text: str) -> list[str]:
    return text.split()


MONTH_NAMES = {
    "en": _names("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"),
    "en-long": _names("January February March April May June July August September October "
                      "November December"),
    "de": _names("Januar Februar März April Mai Juni Juli August September Oktober November "
                 "Dezember"),
    "fr": _names("janvier février mars avril mai juin juillet août septembre octobre "
                 "novembre décembre"),
    "nl": _names("januari februari maart april mei juni juli augustus september oktober "
                 "november december"),
}


def money(value: Decimal, loc: Locale, *, symbol: bool = True, code: bool = False) -> str:
    """An amount as the locale prints it: `$1,234.50`, `1.234,50 €`, `CHF 1'234.50`."""
    value = value.quantize(CENT, ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    number = f"{sign}{loc.group.join(groups)}{loc.mark}{cents}"
    if code:
        return f"{loc.currency} {number}"
    if not symbol:
        return number
    if loc.symbol_first:
        gap = " " if loc.symbol.isalpha() or loc.lang in {"de", "nl"} else ""
        return f"{loc.symbol}{gap}{number}"
    return f"{number} {loc.symbol}"


def date_text(value: date, loc: Locale, style: str | None = None) -> str:
    style = style or loc.date_style
    if style == "dmy-dot":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    if style == "dmy-slash":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if style == "dmy-dash":
        return f"{value.day:02d}-{value.month:02d}-{value.year}"
    if style == "mdy-slash":
        return f"{value.month:02d}/{value.day:02d}/{value.year}"
    if style == "iso":
        return value.isoformat()
    if style == "short-month":  # receipts: 05 MAR 2026 / Mar 5, 2026
        names = MONTH_NAMES["en"]
        if loc.code == "en-US":
            return f"{names[value.month - 1]} {value.day}, {value.year}"
        return f"{value.day:02d} {names[value.month - 1].upper()} {value.year}"
    names = MONTH_NAMES["en-long" if loc.lang == "en" else loc.lang]
    month = names[value.month - 1]
    if loc.code == "en-US":
        return f"{month} {value.day}, {value.year}"
    if loc.lang == "de":
        return f"{value.day}. {month} {value.year}"
    return f"{value.day} {month} {value.year}"


# --- invented names ----------------------------------------------------------------------------

_STEMS = ("Quarzfeld", "Lumora", "Brackenholt", "Ostrava", "Vindelin", "Celadon", "Harrowgate",
          "Mirabel", "Tessaro", "Korvel", "Palisade", "Wrenfield", "Auberon", "Nimbus",
          "Sarnia", "Obsidia", "Veldhoven", "Castellane", "Bruneval", "Elderwick", "Fjordane",
          "Hallstatt", "Juniperus", "Kalmar", "Lindenau", "Montrouge", "Nordkap", "Orvieto",
          "Pellworm", "Quimper", "Rosendaal", "Solano", "Tavira", "Ulmen", "Varenne",
          "Westerlo", "Yarrow", "Zandvoort", "Ardenne", "Bellamy")
_TRADES = {
    "en": ("Plumbing & Heating", "Fine Papers", "Coffee Roasters", "Van Hire", "Print & Sign",
           "Scaffolding", "Lab Instruments", "Garden Centre", "IT Services", "Translations",
           "Event Rentals", "Dental Supplies"),
    "de": ("Haustechnik", "Papierwaren", "Kaffeerösterei", "Autovermietung", "Werbetechnik",
           "Gerüstbau", "Messtechnik", "Gartenbau", "IT-Service", "Übersetzungen",
           "Veranstaltungstechnik", "Dentalbedarf"),
    "fr": ("Plomberie", "Papeterie", "Torréfaction", "Location Utilitaires", "Enseignes",
           "Échafaudages", "Instruments", "Pépinières", "Services Informatiques",
           "Traductions", "Événementiel", "Fournitures Dentaires"),
    "nl": ("Installatietechniek", "Papierwaren", "Koffiebranderij", "Autoverhuur",
           "Reclametechniek", "Steigerbouw", "Meettechniek", "Tuincentrum", "IT-diensten",
           "Vertalingen", "Evenementenverhuur", "Tandtechniek"),
}
_LEGAL = {"en-US": ("Inc.", "LLC", "Corp."), "en-CA": ("Ltd.", "Inc."),
          "en-GB": ("Ltd", "Limited", "LLP"), "en-IE": ("Ltd", "Limited", "DAC"),
          "de-DE": ("GmbH", "KG", "OHG", "e.K."), "de-AT": ("GmbH", "KG"),
          "de-CH": ("AG", "GmbH", "Sàrl"), "fr-FR": ("SAS", "SARL", "SNC"),
          "fr-BE": ("SRL", "SA", "SPRL"), "nl-NL": ("B.V.", "V.O.F.", "N.V."),
          "nl-BE": ("BV", "NV", "CommV")}
_SHOPS = {"en": ("Corner Deli", "Market", "Hardware", "Pharmacy", "Bakery", "Bistro",
                 "Grill House", "Noodle Bar", "Books", "Café"),
          "de": ("Bäckerei", "Markt", "Eisenwaren", "Apotheke", "Imbiss", "Gasthaus",
                 "Buchhandlung", "Café", "Getränke", "Metzgerei"),
          "fr": ("Boulangerie", "Épicerie", "Quincaillerie", "Pharmacie", "Brasserie", "Bistrot",
                 "Librairie", "Café", "Crêperie", "Fromagerie"),
          "nl": ("Bakkerij", "Supermarkt", "IJzerwaren", "Apotheek", "Eetcafé", "Brasserie",
                 "Boekhandel", "Koffiehuis", "Slijterij", "Kaashandel")}
_STREETS = {"en": ("{n} Harbour Road", "{n} Elm Street", "Unit {n}, Riverside Park",
                   "{n} Kingsway", "{n} Mill Lane"),
            "de": ("Lindenallee {n}", "Hafenstraße {n}", "Am Kornmarkt {n}", "Ringstr. {n}"),
            "fr": ("{n} rue des Tanneurs", "{n}, avenue Jean Jaurès", "{n} boulevard Carnot",
                   "{n} place du Marché"),
            "nl": ("Havenkade {n}", "Lindenlaan {n}", "Marktplein {n}", "Kerkstraat {n}")}
_CITIES = {"en-US": ("Portland, OR 97205", "Austin, TX 78701", "Madison, WI 53703"),
           "en-CA": ("Halifax, NS B3J 1P3", "Calgary, AB T2P 1J9"),
           "en-GB": ("Leeds LS1 4AP", "Bristol BS1 5TR", "York YO1 7HH"),
           "en-IE": ("Galway H91 E2K8", "Cork T12 X70A"),
           "de-DE": ("28195 Bremen", "04109 Leipzig", "79098 Freiburg"),
           "de-AT": ("4020 Linz", "8010 Graz"), "de-CH": ("8005 Zürich", "3011 Bern"),
           "fr-FR": ("69002 Lyon", "33000 Bordeaux", "44000 Nantes"),
           "fr-BE": ("4000 Liège", "5000 Namur"), "nl-NL": ("3511 LB Utrecht",
                                                            "9711 HV Groningen"),
           "nl-BE": ("9000 Gent", "2000 Antwerpen")}
_CUSTOMERS = ("Halvorsen Architects", "Duvalier Hotels", "Brightmoor Clinic", "Oakhurst School",
              "Pemberton Dental", "Linnaeus Biotech", "Marlowe Events", "Greywell Farms",
              "Castor Logistics", "Rietveld Studio")


@dataclass
class Party:
    name: str  # the name as the truth records it (the full legal name)
    street: str
    city: str
    phone: str
    email: str | None
    web: str | None
    tax_id: str | None  # as printed


@dataclass
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Document:
    """The facts of one bill or receipt, from which layouts print and truth is written."""

    loc: Locale
    vendor: Party
    customer: Party | None
    number: str | None
    issued: date
    due: date | None
    po: str | None
    lines: list[Line]
    tax_rate: Decimal
    shipping: Decimal = Decimal(0)
    tip: Decimal = Decimal(0)
    tax_included: bool = False  # receipts: prices include tax, tax shown "incl."
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        base = self.subtotal + self.shipping
        if self.tax_included:
            gross = base
            return (gross - gross / (1 + self.tax_rate / 100)).quantize(CENT, ROUND_HALF_UP)
        return (base * self.tax_rate / 100).quantize(CENT, ROUND_HALF_UP)

    @property
    def before_tip(self) -> Decimal:
        if self.tax_included:
            return self.subtotal + self.shipping
        return self.subtotal + self.shipping + self.tax

    @property
    def total(self) -> Decimal:
        return self.before_tip + self.tip


def _tax_id(rng: random.Random, loc: Locale) -> str:
    digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
    country = loc.code.split("-")[1]
    if country == "US":
        return f"{digits[:2]}-{digits[2:]}"
    if country == "CA":
        return f"{digits} RT0001"
    if country == "GB":
        return f"GB {digits[:3]} {digits[3:7]} {digits[7:]}"
    if country == "CH":
        return f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]} MWST"
    if country == "FR":
        return f"FR {digits[:2]} {digits}"
    if country == "NL":
        return f"NL{digits}B01"
    if country == "BE":
        return f"BE 0{digits[:3]}.{digits[3:6]}.{digits[6:]}"
    if country == "IE":
        return f"IE{digits[:7]}WA"
    if country == "AT":
        return f"ATU{digits[:8]}"
    return f"DE {digits}"


def _phone(rng: random.Random, loc: Locale) -> str:
    n = "".join(str(rng.randint(0, 9)) for _ in range(8))
    prefix = {"US": "+1 (503) ", "CA": "+1 902 ", "GB": "+44 113 ", "IE": "+353 91 ",
              "DE": "+49 421 ", "AT": "+43 732 ", "CH": "+41 44 ", "FR": "+33 4 ",
              "BE": "+32 4 ", "NL": "+31 30 "}[loc.code.split("-")[1]]
    return f"{prefix}{n[:3]} {n[3:7]}"


def make_vendor(rng: random.Random, loc: Locale, *, shop: bool = False) -> Party:
    stem = rng.choice(_STEMS)
    if shop:
        name = f"{stem} {rng.choice(_SHOPS[loc.lang])}" if rng.random() < 0.6 else \
            f"{rng.choice(_SHOPS[loc.lang])} {stem}"
    else:
        name = f"{stem} {rng.choice(_TRADES[loc.lang])}"
        if rng.random() < 0.85:
            name = f"{name} {rng.choice(_LEGAL[loc.code])}"
    slug = stem.lower()
    return Party(name=name, street=rng.choice(_STREETS[loc.lang]).format(n=rng.randint(2, 180)),
                 city=rng.choice(_CITIES[loc.code]), phone=_phone(rng, loc),
                 email=f"{rng.choice(('accounts', 'billing', 'info', 'hello'))}@{slug}."
                       f"{rng.choice(('com', 'eu', 'net'))}" if rng.random() < 0.7 else None,
                 web=f"www.{slug}.{rng.choice(('com', 'eu', 'shop'))}" if rng.random() < 0.5
                 else None,
                 tax_id=_tax_id(rng, loc))


def make_customer(rng: random.Random, loc: Locale) -> Party:
    name = f"{rng.choice(_CUSTOMERS)} {rng.choice(_LEGAL[loc.code])}"
    return Party(name=name, street=rng.choice(_STREETS[loc.lang]).format(n=rng.randint(2, 99)),
                 city=rng.choice(_CITIES[loc.code]), phone=_phone(rng, loc), email=None,
                 web=None, tax_id=_tax_id(rng, loc) if rng.random() < 0.4 else None)


_SERVICES = {
    "en": ("On-site labour (hours)", "Copper pipe 22mm", "Annual licence renewal",
           "A3 poster print, matt", "Consultation", "Delivery & installation",
           "Calibration certificate", "Replacement valve kit", "Sheet tape 50 m",
           "Translation EN>DE (words/100)", "Event table, round", "Cable ties (pack)"),
    "de": ("Montagestunde", "Kupferrohr 22 mm", "Lizenzverlängerung", "Plakatdruck A3",
           "Beratungsleistung", "Anfahrtspauschale", "Kalibrierschein", "Ventilsatz",
           "Klebeband 50 m", "Fachübersetzung (Normzeile)", "Stehtisch, Miete",
           "Kabelbinder (VE)"),
    "fr": ("Main d'œuvre (heure)", "Tube cuivre 22 mm", "Renouvellement licence",
           "Impression affiche A3", "Conseil", "Déplacement", "Certificat d'étalonnage",
           "Kit de vannes", "Ruban adhésif 50 m", "Traduction (page)", "Location table ronde",
           "Colliers de serrage"),
    "nl": ("Arbeidsuren monteur", "Koperen buis 22 mm", "Licentieverlenging", "Posterdruk A3",
           "Adviesuren", "Voorrijkosten", "Kalibratiecertificaat", "Ventielset",
           "Plakband 50 m", "Vertaling (pagina)", "Statafel huur", "Tie-wraps (zak)"),
}
_GROCERIES = {
    "en": ("Sourdough loaf", "Flat white", "Oat milk 1L", "AA batteries 4pk", "Club sandwich",
           "Sparkling water", "Wood screws 4x40", "Ibuprofen 200mg", "Croissant", "Soup of day",
           "House salad", "Espresso", "Lemon tart", "Fish & chips"),
    "de": ("Bauernbrot", "Milchkaffee", "Hafermilch 1L", "Batterien AA", "Schnitzel",
           "Mineralwasser", "Holzschrauben", "Ibuprofen 400", "Brezel", "Tagessuppe",
           "Salatteller", "Espresso", "Apfelstrudel", "Weizenbier"),
    "fr": ("Baguette tradition", "Café crème", "Lait d'avoine", "Piles AA x4", "Croque monsieur",
           "Eau gazeuse", "Vis bois 4x40", "Doliprane 1000", "Croissant", "Soupe du jour",
           "Salade niçoise", "Expresso", "Tarte citron", "Plat du jour"),
    "nl": ("Desembrood", "Koffie verkeerd", "Havermelk 1L", "Batterijen AA", "Tosti ham kaas",
           "Spa rood", "Houtschroeven", "Paracetamol", "Croissant", "Soep van de dag",
           "Salade geitenkaas", "Espresso", "Appeltaart", "Bitterballen"),
}


def make_lines(rng: random.Random, loc: Locale, count: int, *, retail: bool) -> list[Line]:
    pool = list((_GROCERIES if retail else _SERVICES)[loc.lang])
    rng.shuffle(pool)
    lines = []
    for description in pool[:count]:
        if retail:
            quantity = Decimal(rng.choice((1, 1, 1, 2, 3)))
            price = Decimal(rng.randint(90, 2400)) / 100
        else:
            quantity = Decimal(rng.choice((1, 2, 3, 5, 8, 10, 12, 25)))
            price = Decimal(rng.randint(450, 48000)) / 100
            if rng.random() < 0.2:
                price = Decimal(rng.randint(100000, 450000)) / 100
        lines.append(Line(description, quantity, price))
    return lines


def make_number(rng: random.Random, style: int) -> str:
    year = rng.choice((2024, 2025, 2026))
    n = rng.randint(10, 99999)
    return (f"{year}-{n:05d}", f"INV{n:06d}", f"R{year % 100}/{n:04d}", f"{rng.randint(1, 9)}"
            f"{n:07d}", f"FA-{year}-{n:04d}", f"{n:05d}/{year % 100}")[style % 6]


def make_document(rng: random.Random, loc: Locale, *, receipt: bool) -> Document:
    issued = date(2025, 1, 1) + timedelta(days=rng.randint(0, 540))
    vendor = make_vendor(rng, loc, shop=receipt)
    lines = make_lines(rng, loc, rng.randint(2, 7) if receipt else rng.randint(1, 6),
                       retail=receipt)
    doc = Document(
        loc=loc, vendor=vendor, customer=None if receipt else make_customer(rng, loc),
        number=None if receipt else make_number(rng, rng.randint(0, 5)),
        issued=issued,
        due=None if receipt or rng.random() < 0.2 else issued + timedelta(
            days=rng.choice((10, 14, 30, 45))),
        po=None if receipt or rng.random() < 0.6 else f"PO-{rng.randint(1000, 99999)}",
        lines=lines, tax_rate=rng.choice(loc.tax_rates),
        tax_included=(receipt and loc.lang != "en") or (receipt and loc.code == "en-GB"),
    )
    if not receipt and rng.random() < 0.25:
        doc.shipping = Decimal(rng.randint(500, 4500)) / 100
    return doc
