"""The label lexicon: what bills print before a value, in English, German, French and Dutch.

Each label has a strength in 0..1: how surely the value next to it is the field (e.g. "Invoice
number" 1.0, a bare "Invoice" 0.55). Labels are compared in compact form (see `layout.compact`)
so "Invoice No.:", "INVOICE NO" and a split "F actuurnummer" all match.
"""

from __future__ import annotations

from dataclasses import dataclass

from .layout import compact


@dataclass(frozen=True)
class Label:
    field: str
    text: str
    strength: float


_LEXICON: dict[str, dict[float, list[str]]] = {
    "bill_number": {
        1.0: [
            "invoice number", "invoice no", "invoice nr", "invoice #", "invoice num", "invoice id",
            "bill number", "bill no", "bill #", "receipt number", "receipt no", "receipt #",
            "credit note number", "credit note no", "tax invoice no", "tax invoice number",
            "document number", "document no",
            "rechnungsnummer", "rechnungsnr", "rechnung nr", "rechnung nummer", "rechnungs nr",
            "beleg nr", "belegnummer", "quittungsnummer", "gutschriftsnummer",
            "facture n°", "facture no", "facture numéro", "numéro de facture", "n° de facture",
            "no de facture", "n° facture", "numero de facture", "n° de ticket", "ticket n°",
            "factuurnummer", "factuur nr", "factuurnr", "factuur nummer", "bonnummer", "bon nr",
            # credit notes
            "credit memo no", "credit memo number", "credit note #", "gutschrift nr",
            "gutschriftnummer", "avoir n°", "avoir no", "n° d avoir", "numéro d avoir",
            "numéro de l avoir", "creditnotanummer", "creditnota nr", "creditnota nummer",
            "creditfactuurnummer", "creditfactuur nr",
        ],
        0.75: ["invoice", "inv #", "inv no", "no", "n°", "nr", "number", "#", "receipt",
               "booking id", "booking no", "ticket", "rechnung", "facture", "factuur", "beleg",
               "bon", "ref no", "transaction no", "trans #", "check #"],
        0.5: ["reference", "ref", "référence", "réf", "referenz", "referentie", "trans",
              "transaction", "transactie", "bonnr", "kassenbon nr", "belegnr", "ticket nr"],
    },
    "bill_date": {
        1.0: [
            "invoice date", "date of invoice", "bill date", "date of issue", "issue date",
            "issued on", "receipt date", "tax point", "date issued",
            "rechnungsdatum", "belegdatum", "ausstellungsdatum", "datum der rechnung",
            "date de facture", "date de facturation", "date d émission", "date facture",
            "factuurdatum", "datum factuur", "factuur datum",
        ],
        0.8: ["date", "datum", "dated", "le", "date de la facture", "invoiced"],
    },
    "due_date": {
        1.0: [
            "due date", "payment due", "due by", "due on", "pay by", "payment due date",
            "date due", "fällig am", "fälligkeitsdatum", "fällig", "zahlbar bis",
            "zahlungsziel", "date d échéance", "échéance", "date limite de paiement",
            "à payer avant le", "payable avant le", "vervaldatum", "vervaldag",
            "uiterste betaaldatum", "te betalen voor", "betalen voor",
        ],
        0.8: ["due", "fälligkeit", "zahlbar bis zum", "à régler avant", "payable le"],
    },
    "po_number": {
        1.0: ["po number", "po no", "po #", "purchase order", "purchase order number",
              "p o number", "your order", "order number", "order no", "bestellnummer",
              "ihre bestellung", "bestellung nr", "bon de commande", "n° de commande",
              "numéro de commande", "bestelnummer", "ordernummer", "inkoopordernummer",
              "inkooporder", "uw ordernummer",
              "uw referentie", "votre commande", "customer po", "your reference", "po",
              "n° commande", "commande n°", "bestell nr", "bestellnr", "order ref",
              "purchase order no", "order #", "p o", "po ref", "bestelling", "uw bestelling",
              "ihre bestellnummer", "votre référence", "réf commande", "auftrags nr",
              "auftragsnummer", "auftrag nr", "ihr auftrag", "po#", "p o #"],
    },
    "vendor_tax_id": {
        1.0: ["vat no", "vat number", "vat id", "vat reg no", "vat registration number",
              "vat", "tax id", "tax number", "gstin", "gst no", "gst number", "abn", "ein",
              "ust idnr", "ust id", "ust id nr", "ustidnr", "umsatzsteuer id",
              "steuernummer", "st nr", "tva", "n° tva", "tva intracommunautaire",
              "n° tva intracommunautaire", "numéro de tva", "btw", "btw nummer", "btw nr",
              "btw id", "btw identificatienummer", "vat reg", "uid", "mwst nr", "che",
              "tva intracom", "n° tva intracom", "vat reg no", "ust-idnr", "vat id no"],
        0.6: ["siret", "siren", "kvk", "kvk nummer", "company no", "registration no",
              "handelsregister", "hrb"],
    },
    "total": {
        1.0: [
            "total", "grand total", "total due", "total amount", "invoice total", "total incl vat",
            "total including vat", "total inc vat", "total incl tax", "total including tax",
            "total (incl vat)", "amount payable", "total payable", "total to pay",
            "gesamtbetrag", "gesamtsumme", "rechnungsbetrag", "endbetrag", "summe brutto",
            "bruttobetrag", "gesamt brutto", "gesamt", "summe", "zu zahlen", "zahlbetrag",
            "total ttc", "montant ttc", "net à payer", "total à payer", "montant total",
            "montant à payer", "somme à payer", "total eur", "total usd", "total chf",
            "totaal", "te betalen", "totaalbedrag", "totaal incl btw", "totaal inclusief btw",
            "totaal te betalen", "total (eur)", "total (usd)", "total amount due",
        ],
        0.8: ["amount due", "balance due", "amount to pay", "offener betrag", "solde dû",
              "reste à payer", "openstaand bedrag", "total sale", "sale total", "sum"],
        0.4: ["bar", "cash", "card", "visa", "mastercard", "balance", "paid", "amount",
              "betrag", "montant", "bedrag"],
    },
    "subtotal": {
        1.0: [
            "subtotal", "sub total", "net amount", "total net", "net total", "total excl vat",
            "total excluding vat", "total before tax", "amount before tax", "total excl tax",
            "total ex vat", "total net amount", "untaxed amount", "total untaxed",
            "zwischensumme", "nettobetrag", "summe netto", "gesamt netto", "netto",
            "nettosumme", "total ht", "montant ht", "sous total", "total hors taxes",
            "subtotaal", "totaal excl btw", "exclusief btw", "excl btw", "netto bedrag",
            "totaal exclusief btw", "bedrag excl btw",
        ],
    },
    "tax": {
        1.0: [
            "tax", "vat", "sales tax", "gst", "hst", "pst", "mwst", "ust", "umsatzsteuer",
            "mehrwertsteuer", "tva", "btw", "montant tva", "total tva", "total tax",
            "tax amount", "vat amount", "total vat", "zzgl mwst", "zzgl ust", "inkl mwst",
            "enthaltene mwst", "taxes", "igst", "cgst", "sgst", "btw bedrag", "totaal btw",
            "incl vat", "including vat", "incl tax", "inkl mwst", "inkl ust", "davon mwst",
            "darin enthaltene mwst", "dont tva", "incl btw", "waarvan btw", "vat total",
            "tax total", "ust", "mwst total", "summe mwst", "gesamt mwst",
        ],
    },
    "shipping": {
        1.0: ["shipping", "freight", "delivery", "postage", "shipping & handling",
              "shipping and handling", "versand", "versandkosten", "frais de port",
              "livraison", "frais de livraison", "verzendkosten", "verzending", "porto",
              "fracht", "frachtkosten", "lieferkosten", "transport", "frais d envoi",
              "frais de transport", "verzendkosten", "bezorgkosten", "shipping cost",
              "delivery charge", "delivery fee", "carriage"],
    },
    "discount": {
        1.0: ["discount", "rabatt", "nachlass", "remise", "réduction", "korting"],
    },
}

# Labels of the block naming the business the bill is addressed to (never the vendor).
CUSTOMER_LABELS = [
    "bill to", "billed to", "invoice to", "invoiced to", "ship to", "shipped to", "sold to",
    "deliver to", "delivery address", "customer", "client", "buyer", "recipient", "attention",
    "attn", "rechnungsempfänger", "rechnungsadresse", "lieferadresse", "kunde", "an",
    "empfänger", "facturé à", "facturer à", "adresse de facturation", "livré à",
    "adresse de livraison", "destinataire", "client", "factuuradres", "afleveradres",
    "klant", "aan", "gefactureerd aan", "guest name", "customer name", "kundennummer",
    "customer number", "customer id", "klantnummer", "n° client",
]
# Labels announcing the vendor's block.
VENDOR_LABELS = [
    "from", "remit to", "remittance address", "vendor", "supplier", "seller", "sold by",
    "payable to", "pay to", "make checks payable to", "lieferant", "verkäufer", "absender",
    "rechnungssteller", "fournisseur", "vendeur", "émetteur", "leverancier", "verkoper",
    "afzender", "in favor of", "in favour of", "account holder", "kontoinhaber",
    "titulaire du compte", "rekeninghouder", "payment received by", "issued by",
]

LABELS: dict[str, list[Label]] = {}
for _field, _groups in _LEXICON.items():
    for _strength, _texts in _groups.items():
        for _text in _texts:
            LABELS.setdefault(compact(_text), []).append(Label(_field, _text, _strength))

LABEL_KEYS_BY_LENGTH = sorted(LABELS, key=len, reverse=True)
MAX_LABEL_WORDS = 6
CUSTOMER_KEYS = frozenset(compact(t) for t in CUSTOMER_LABELS)
VENDOR_KEYS = frozenset(compact(t) for t in VENDOR_LABELS)
