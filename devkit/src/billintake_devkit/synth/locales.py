"""How each locale prints money, dates and the labels of a bill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
}


@dataclass(frozen=True)
class LocaleSpec:
    code: str
    lang: str  # en, de, fr, nl
    currency: str
    thousands: str
    decimal: str
    symbol: str
    symbol_after: bool
    indian_grouping: bool = False


LOCALES: dict[str, LocaleSpec] = {
    "en-US": LocaleSpec("en-US", "en", "USD", ",", ".", "$", False),
    "en-GB": LocaleSpec("en-GB", "en", "GBP", ",", ".", "£", False),
    "de-DE": LocaleSpec("de-DE", "de", "EUR", ".", ",", "€", True),
    "fr-FR": LocaleSpec("fr-FR", "fr", "EUR", " ", ",", "€", True),
    "nl-NL": LocaleSpec("nl-NL", "nl", "EUR", ".", ",", "€", False),
    "de-CH": LocaleSpec("de-CH", "de", "CHF", "'", ".", "CHF", False),
    "en-IN": LocaleSpec("en-IN", "en", "INR", ",", ".", "Rs", False, indian_grouping=True),
}


def _group(digits: str, sep: str, indian: bool) -> str:
    if len(digits) <= 3:
        return digits
    if indian:
        head, tail = digits[:-3], digits[-3:]
        parts = []
        while len(head) > 2:
            parts.insert(0, head[-2:])
            head = head[:-2]
        if head:
            parts.insert(0, head)
        return sep.join([*parts, tail])
    parts = []
    while digits:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    return sep.join(parts)


def format_number(value: Decimal, loc: LocaleSpec, *, places: int = 2,
                  grouping: bool = True) -> str:
    """A non-negative number in the locale's notation, e.g. 1.234,50 (no sign)."""
    text = f"{abs(value):.{places}f}"
    whole, _, frac = text.partition(".")
    whole = _group(whole, loc.thousands, loc.indian_grouping) if grouping else whole
    return f"{whole}{loc.decimal}{frac}" if frac else whole


def format_quantity(value: Decimal, loc: LocaleSpec) -> str:
    """A quantity: integers bare, fractions with the locale's decimal separator."""
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    return text.replace(".", loc.decimal)


def format_money(value: Decimal, loc: LocaleSpec, *, symbol: bool = True,
                 style: str = "symbol", negative: str = "minus", places: int = 2) -> str:
    """Money as the locale prints it; style "symbol" ($, €), "code" (EUR) or "none".

    negative: "minus" (-12.00) or "parens" ((12.00)).
    """
    number = format_number(value, loc, places=places)
    if not symbol or style == "none":
        body = number
    else:
        mark = loc.currency if style == "code" else loc.symbol
        if loc.symbol_after:
            body = f"{number} {mark}"
        elif mark.isalpha():
            body = f"{mark} {number}"
        else:
            body = f"{mark}{number}"
    if value < 0:
        return f"({body})" if negative == "parens" else f"-{body}"
    return body


DATE_STYLES: dict[str, tuple[str, ...]] = {
    "en-US": ("us_numeric", "us_long", "us_short", "iso"),
    "en-GB": ("dmy_slash", "d_month_y", "d_mon_y", "iso"),
    "de-DE": ("dmy_dot", "de_long", "iso"),
    "fr-FR": ("dmy_slash", "fr_long"),
    "nl-NL": ("dmy_dash", "nl_long", "iso"),
    "de-CH": ("dmy_dot", "de_long"),
    "en-IN": ("dmy_slash", "d_mon_y", "dmy_dash"),
}


def format_date(value: date, loc: LocaleSpec, style: str) -> str:
    """A date in one of the locale's customary styles (see DATE_STYLES)."""
    d, m, y = value.day, value.month, value.year
    months = MONTHS.get(loc.lang, MONTHS["en"])
    formats = {
        "us_numeric": f"{m:02d}/{d:02d}/{y}",
        "us_long": f"{MONTHS['en'][m - 1]} {d}, {y}",
        "us_short": f"{MONTHS['en'][m - 1][:3]} {d}, {y}",
        "iso": value.isoformat(),
        "dmy_slash": f"{d:02d}/{m:02d}/{y}",
        "dmy_dot": f"{d:02d}.{m:02d}.{y}",
        "dmy_dash": f"{d:02d}-{m:02d}-{y}",
        "d_month_y": f"{d} {MONTHS['en'][m - 1]} {y}",
        "d_mon_y": f"{d:02d}-{MONTHS['en'][m - 1][:3]}-{y}",
        "de_long": f"{d}. {months[m - 1]} {y}",
        "fr_long": f"{'1er' if d == 1 else d} {months[m - 1]} {y}",
        "nl_long": f"{d} {months[m - 1]} {y}",
    }
    return formats[style]


LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "title": ("INVOICE", "Invoice", "TAX INVOICE", "Bill"),
        "number": ("Invoice No.", "Invoice Number", "Invoice #", "Bill No.", "Reference"),
        "date": ("Invoice Date", "Date", "Date of issue", "Issued"),
        "due": ("Due Date", "Payment due", "Due"),
        "po": ("PO Number", "P.O. #", "Your order", "Purchase Order"),
        "terms": ("Terms", "Payment terms"),
        "bill_to": ("Bill To", "Invoice to", "Customer", "Billed to"),
        "ship_to": ("Ship To", "Deliver to", "Delivery address"),
        "description": ("Description", "Item", "Details", "Product / Service"),
        "qty": ("Qty", "Quantity", "Units", "Hours"),
        "unit": ("Unit", "UoM"),
        "unit_price": ("Unit Price", "Price", "Rate", "Unit cost"),
        "amount": ("Amount", "Total", "Line Total", "Net"),
        "vat": ("VAT %", "Tax %", "Tax"),
        "code": ("Item code", "SKU", "Code"),
        "pos": ("#", "No."),
        "subtotal": ("Subtotal", "Sub-total", "Net total"),
        "tax": ("Tax", "Sales Tax", "VAT"),
        "shipping": ("Shipping", "Freight", "Delivery"),
        "discount": ("Discount", "Less discount"),
        "total": ("Total", "TOTAL", "Invoice Total", "Grand Total"),
        "amount_due": ("Amount Due", "Balance Due", "Total Due"),
        "vat_id": ("VAT No.", "Tax ID", "VAT Reg. No.", "GSTIN"),
        "reg": ("Company No.", "Registered in England No.", "EIN"),
        "iban": ("IBAN",),
        "page": ("Page {p} of {n}",),
        "continued": ("Continued on next page", "continued overleaf"),
        "thanks": ("Thank you for your business!", "Please pay by bank transfer."),
        "net_days": ("Net {n}", "{n} days net", "Payment within {n} days"),
    },
    "de": {
        "title": ("RECHNUNG", "Rechnung"),
        "number": ("Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Beleg-Nr."),
        "date": ("Rechnungsdatum", "Datum", "Ausstellungsdatum"),
        "due": ("Fällig am", "Fälligkeitsdatum", "Zahlbar bis"),
        "po": ("Ihre Bestellung", "Bestellnummer", "Auftrags-Nr."),
        "terms": ("Zahlungsbedingungen", "Zahlungsziel"),
        "bill_to": ("Rechnungsempfänger", "Kunde", "Rechnungsadresse"),
        "ship_to": ("Lieferadresse", "Lieferanschrift"),
        "description": ("Beschreibung", "Bezeichnung", "Artikel", "Leistung"),
        "qty": ("Menge", "Anzahl", "Stück"),
        "unit": ("Einheit", "ME"),
        "unit_price": ("Einzelpreis", "E-Preis", "Preis"),
        "amount": ("Betrag", "Gesamt", "Gesamtpreis", "Summe"),
        "vat": ("MwSt. %", "USt %", "MwSt"),
        "code": ("Art.-Nr.", "Artikelnummer"),
        "pos": ("Pos.", "Nr."),
        "subtotal": ("Zwischensumme", "Nettobetrag", "Summe netto"),
        "tax": ("MwSt.", "USt.", "Umsatzsteuer"),
        "shipping": ("Versand", "Versandkosten", "Fracht"),
        "discount": ("Rabatt", "Nachlass"),
        "total": ("Gesamtbetrag", "Rechnungsbetrag", "Gesamt", "Summe brutto"),
        "amount_due": ("Zahlbetrag", "Offener Betrag"),
        "vat_id": ("USt-IdNr.", "Steuernummer", "UID", "MWST-Nr."),
        "reg": ("Handelsregister HRB", "Amtsgericht HRB"),
        "iban": ("IBAN",),
        "page": ("Seite {p} von {n}",),
        "continued": ("Fortsetzung auf Seite 2", "Übertrag nächste Seite"),
        "thanks": ("Vielen Dank für Ihren Auftrag!", "Bitte überweisen Sie den Betrag."),
        "net_days": ("Zahlbar innerhalb {n} Tagen", "{n} Tage netto"),
    },
    "fr": {
        "title": ("FACTURE", "Facture"),
        "number": ("N° de facture", "Facture n°", "Numéro de facture", "Réf."),
        "date": ("Date de facture", "Date", "Date d'émission"),
        "due": ("Date d'échéance", "Échéance", "À payer avant le"),
        "po": ("Bon de commande", "Votre commande", "N° commande"),
        "terms": ("Conditions de paiement", "Règlement"),
        "bill_to": ("Facturé à", "Client", "Adresse de facturation"),
        "ship_to": ("Livré à", "Adresse de livraison"),
        "description": ("Désignation", "Description", "Libellé"),
        "qty": ("Qté", "Quantité"),
        "unit": ("Unité", "U."),
        "unit_price": ("Prix unitaire", "P.U. HT", "Prix unit."),
        "amount": ("Montant", "Total HT", "Montant HT"),
        "vat": ("TVA %", "TVA"),
        "code": ("Référence", "Réf. article"),
        "pos": ("N°", "#"),
        "subtotal": ("Total HT", "Sous-total", "Montant HT"),
        "tax": ("TVA", "Montant TVA"),
        "shipping": ("Frais de port", "Livraison"),
        "discount": ("Remise", "Escompte"),
        "total": ("Total TTC", "Montant TTC", "Net à payer"),
        "amount_due": ("Net à payer", "Reste à payer"),
        "vat_id": ("N° TVA", "TVA intracom.", "SIRET"),
        "reg": ("RCS", "SIREN"),
        "iban": ("IBAN",),
        "page": ("Page {p} / {n}",),
        "continued": ("Suite page suivante", "à reporter"),
        "thanks": ("Merci de votre confiance.", "Paiement par virement bancaire."),
        "net_days": ("{n} jours net", "Paiement à {n} jours"),
    },
    "nl": {
        "title": ("FACTUUR", "Factuur"),
        "number": ("Factuurnummer", "Factuur nr.", "Factuurnr."),
        "date": ("Factuurdatum", "Datum"),
        "due": ("Vervaldatum", "Te betalen voor"),
        "po": ("Uw referentie", "Ordernummer", "Inkoopordernr."),
        "terms": ("Betalingstermijn", "Betaalvoorwaarden"),
        "bill_to": ("Factuuradres", "Klant", "Aan"),
        "ship_to": ("Afleveradres", "Leveradres"),
        "description": ("Omschrijving", "Artikel", "Beschrijving"),
        "qty": ("Aantal", "Hoeveelheid"),
        "unit": ("Eenheid",),
        "unit_price": ("Stukprijs", "Prijs", "Tarief"),
        "amount": ("Bedrag", "Totaal", "Subtotaal"),
        "vat": ("BTW %", "BTW"),
        "code": ("Artikelnr.", "Code"),
        "pos": ("Nr.", "#"),
        "subtotal": ("Subtotaal", "Totaal excl. BTW"),
        "tax": ("BTW", "Btw"),
        "shipping": ("Verzendkosten", "Vracht"),
        "discount": ("Korting",),
        "total": ("Totaal", "Totaal incl. BTW", "Te betalen"),
        "amount_due": ("Te betalen", "Openstaand bedrag"),
        "vat_id": ("BTW-nr.", "Btw-id"),
        "reg": ("KvK", "KvK-nummer"),
        "iban": ("IBAN",),
        "page": ("Pagina {p} van {n}",),
        "continued": ("Vervolg op volgende pagina",),
        "thanks": ("Bedankt voor uw bestelling!", "Gelieve te betalen binnen de termijn."),
        "net_days": ("Betaling binnen {n} dagen", "{n} dagen netto"),
    },
}

RECEIPT_LABELS = {
    "en": {"total": ("TOTAL", "Total", "AMOUNT DUE"), "number": ("Receipt #", "Trans", "No."),
           "tax": ("incl. VAT", "Tax", "VAT"), "paid": ("CARD", "Paid by card", "CASH"),
           "thanks": ("THANK YOU", "Thanks for shopping!"), "subtotal": ("Subtotal",)},
    "de": {"total": ("SUMME", "GESAMT", "Summe EUR"), "number": ("Bon-Nr.", "Beleg"),
           "tax": ("enth. MwSt.", "MwSt"), "paid": ("BAR", "EC-Karte"),
           "thanks": ("Vielen Dank!",), "subtotal": ("Zwischensumme",)},
    "fr": {"total": ("TOTAL", "TOTAL TTC"), "number": ("Ticket n°", "N°"),
           "tax": ("dont TVA", "TVA"), "paid": ("CB", "ESPECES"),
           "thanks": ("Merci de votre visite",), "subtotal": ("Sous-total",)},
    "nl": {"total": ("TOTAAL", "Totaal"), "number": ("Bonnr.", "Transactie"),
           "tax": ("incl. BTW", "BTW"), "paid": ("PIN", "Contant"),
           "thanks": ("Bedankt en tot ziens",), "subtotal": ("Subtotaal",)},
}

TAX_RATES = {
    "en-US": (Decimal("0"), Decimal("6.25"), Decimal("7"), Decimal("8.875")),
    "en-GB": (Decimal("20"), Decimal("5"), Decimal("0")),
    "de-DE": (Decimal("19"), Decimal("7")),
    "fr-FR": (Decimal("20"), Decimal("10"), Decimal("5.5")),
    "nl-NL": (Decimal("21"), Decimal("9")),
    "de-CH": (Decimal("8.1"), Decimal("2.6")),
    "en-IN": (Decimal("18"), Decimal("12"), Decimal("5")),
}
