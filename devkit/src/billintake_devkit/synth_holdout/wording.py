"""How holdout documents word their labels: several natural variants per language.

Chosen per document, so one bill says "Inv #" and the next "Document number"; deliberately
written apart from the extractor's lexicon.
"""

from __future__ import annotations

import random

WORDING: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "title": ("INVOICE", "Tax Invoice", "Invoice", "SALES INVOICE", "Bill"),
        "number": ("Invoice No.", "Inv #", "Document number", "Invoice Ref.", "Invoice number",
                   "Bill No."),
        "date": ("Date", "Invoice date", "Date issued", "Issue date", "Dated"),
        "due": ("Due date", "Payment due", "Please pay by", "Due by"),
        "po": ("Your PO", "PO number", "Purchase order", "Order ref."),
        "customer_no": ("Customer No.", "Account no.", "Client ID"),
        "subtotal": ("Subtotal", "Net amount", "Goods total", "Total net", "Sub-total"),
        "total": ("Total due", "Amount payable", "TOTAL", "Balance due", "Total amount",
                  "Invoice total"),
        "shipping": ("Delivery", "Carriage", "Shipping"),
        "bill_to": ("Bill to", "Invoice to", "Customer", "Billed to"),
        "from": ("From", "Supplier", "Issued by"),
        "qty": ("Qty", "Quantity", "Units"), "desc": ("Description", "Item", "Details"),
        "price": ("Unit price", "Rate", "Price"), "amount": ("Amount", "Line total", "Net"),
        "page": ("Page {i} of {n}",), "carried": ("Carried forward",),
        "brought": ("Brought forward",),
        "previous": ("Previous balance",), "payments": ("Payments received - thank you",),
        "this_invoice": ("This invoice",),
        "bank": ("Bank details", "Payment details", "Please remit to"),
        "remit_title": ("REMITTANCE ADVICE - please return this part with your payment",),
        "enclosed": ("Amount enclosed",),
        "thanks": ("Thank you for your business!", "Thank you!", "THANK YOU - PLEASE COME AGAIN"),
        "tip": ("Tip", "Gratuity"), "change": ("CHANGE", "Change due"),
        "cash": ("CASH",), "card": ("CARD", "VISA", "Mastercard"),
        "receipt_total": ("TOTAL", "Total", "AMOUNT DUE", "TOTAL TO PAY"),
        "receipt_sub": ("SUBTOTAL", "Sub total"), "table": ("Table", "Tbl"),
        "server": ("Server", "Served by"),
        "receipt_no": ("Receipt #", "Trans #", "Ticket No."),
        "delivery_date": ("Delivery date", "Service date"),
    },
    "de": {
        "title": ("RECHNUNG", "Rechnung"),
        "number": ("Rechnungs-Nr.", "Rechnung Nr.", "Beleg-Nr.", "Rechnungsnummer"),
        "date": ("Datum", "Rechnungsdatum", "Ausgestellt am"),
        "due": ("Fällig am", "Zahlbar bis", "Fälligkeitsdatum"),
        "po": ("Ihre Bestellung", "Bestell-Nr.", "Auftrags-Nr."),
        "customer_no": ("Kunden-Nr.", "Kundennummer"),
        "subtotal": ("Nettobetrag", "Summe netto", "Warenwert netto", "Zwischensumme"),
        "total": ("Summe", "Endbetrag", "Gesamtbetrag", "Rechnungsbetrag", "Zu zahlen"),
        "shipping": ("Versandkosten", "Fracht"),
        "bill_to": ("Rechnungsempfänger", "Kunde", "Rechnungsadresse"),
        "from": ("Absender", "Lieferant"),
        "qty": ("Menge", "Anz."), "desc": ("Bezeichnung", "Leistung", "Artikel"),
        "price": ("Einzelpreis", "E-Preis"), "amount": ("Gesamt", "Betrag"),
        "page": ("Seite {i} von {n}", "Seite {i}/{n}"), "carried": ("Übertrag",),
        "brought": ("Übertrag",),
        "previous": ("Vorheriger Saldo",), "payments": ("Zahlungseingang - vielen Dank",),
        "this_invoice": ("Diese Rechnung",),
        "bank": ("Bankverbindung",),
        "remit_title": ("Zahlungsabschnitt - bitte mit der Überweisung zurücksenden",),
        "enclosed": ("Überwiesener Betrag",),
        "thanks": ("Vielen Dank für Ihren Einkauf!", "Danke und auf Wiedersehen"),
        "tip": ("Trinkgeld",), "change": ("Rückgeld", "RÜCKGELD"),
        "cash": ("BAR", "Bar"), "card": ("EC-Karte", "Girocard", "Kartenzahlung"),
        "receipt_total": ("SUMME", "Summe EUR", "Zu zahlen", "GESAMT"),
        "receipt_sub": ("Zwischensumme",), "table": ("Tisch",), "server": ("Bedienung",),
        "receipt_no": ("Bon-Nr.", "Beleg-Nr."),
        "delivery_date": ("Leistungsdatum", "Lieferdatum"),
    },
    "fr": {
        "title": ("FACTURE", "Facture"),
        "number": ("Facture n°", "N° de facture", "Réf. facture", "Numéro"),
        "date": ("Date", "Date de facture", "Émise le", "Date d'émission"),
        "due": ("Échéance", "À régler avant le", "Date d'échéance"),
        "po": ("Votre commande", "Bon de commande", "Réf. commande"),
        "customer_no": ("Code client", "N° client"),
        "subtotal": ("Total HT", "Montant HT", "Sous-total HT"),
        "total": ("Montant à payer", "Total TTC", "Net à payer", "Montant TTC"),
        "shipping": ("Frais de port", "Livraison"),
        "bill_to": ("Facturé à", "Client", "Adresse de facturation"),
        "from": ("Émetteur", "Fournisseur"),
        "qty": ("Qté", "Quantité"), "desc": ("Désignation", "Description"),
        "price": ("Prix unitaire", "P.U. HT"), "amount": ("Montant", "Total HT"),
        "page": ("Page {i} sur {n}", "Page {i}/{n}"), "carried": ("À reporter",),
        "brought": ("Report",),
        "previous": ("Solde précédent",), "payments": ("Règlements reçus - merci",),
        "this_invoice": ("Cette facture",),
        "bank": ("Coordonnées bancaires", "Règlement par virement"),
        "remit_title": ("Coupon de règlement - à joindre à votre paiement",),
        "enclosed": ("Montant réglé",),
        "thanks": ("Merci de votre visite !", "À bientôt !"),
        "tip": ("Pourboire",), "change": ("Rendu", "RENDU MONNAIE"),
        "cash": ("ESPÈCES", "Espèces"), "card": ("CB", "Carte bancaire"),
        "receipt_total": ("TOTAL", "TOTAL TTC", "À PAYER"),
        "receipt_sub": ("Sous-total",), "table": ("Table",), "server": ("Serveur",),
        "receipt_no": ("Ticket n°", "N° ticket"),
        "delivery_date": ("Date de livraison", "Date de prestation"),
    },
    "nl": {
        "title": ("FACTUUR", "Factuur"),
        "number": ("Factuur nr.", "Factuurnummer", "Documentnr."),
        "date": ("Datum", "Factuurdatum"),
        "due": ("Vervaldatum", "Te betalen vóór", "Uiterste betaaldatum"),
        "po": ("Uw referentie", "Inkooporder", "Uw ordernr."),
        "customer_no": ("Klantnr.", "Debiteurnummer"),
        "subtotal": ("Subtotaal", "Totaal excl. btw", "Netto bedrag"),
        "total": ("Te betalen", "Totaal", "Totaalbedrag", "Totaal incl. btw"),
        "shipping": ("Verzendkosten", "Bezorging"),
        "bill_to": ("Factuuradres", "Klant", "Aan"),
        "from": ("Afzender", "Leverancier"),
        "qty": ("Aantal", "Aant."), "desc": ("Omschrijving", "Artikel"),
        "price": ("Prijs", "Stukprijs"), "amount": ("Bedrag", "Totaal"),
        "page": ("Pagina {i} van {n}",), "carried": ("Transport",), "brought": ("Transport",),
        "previous": ("Vorig saldo",), "payments": ("Ontvangen betalingen - dank u",),
        "this_invoice": ("Deze factuur",),
        "bank": ("Bankgegevens", "Betaalgegevens"),
        "remit_title": ("Betaalstrook - meesturen met uw betaling",),
        "enclosed": ("Betaald bedrag",),
        "thanks": ("Bedankt en tot ziens!", "Dank u wel!"),
        "tip": ("Fooi",), "change": ("Wisselgeld", "TERUG"),
        "cash": ("CONTANT", "Contant"), "card": ("PIN", "Pinbetaling"),
        "receipt_total": ("TOTAAL", "Te betalen", "TOTAAL EUR"),
        "receipt_sub": ("Subtotaal",), "table": ("Tafel",), "server": ("Bediend door",),
        "receipt_no": ("Bonnr.", "Bon nr."),
        "delivery_date": ("Leverdatum", "Leveringsdatum"),
    },
}


class Words:
    """One document's wording: each label chosen once and kept for the document."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.lang = lang
        self._rng = rng
        self._chosen: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self._chosen:
            self._chosen[key] = self._rng.choice(WORDING[self.lang][key])
        return self._chosen[key]


def tax_label(word: str, rate_text: str, rng: random.Random) -> str:
    """'VAT 20%', 'MwSt. 19 %', 'TVA (20 %)', '19% USt'."""
    return rng.choice((f"{word} {rate_text}", f"{word} ({rate_text})", f"{rate_text} {word}"))
