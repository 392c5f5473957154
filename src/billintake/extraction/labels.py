"""The label lexicon: what bills print before a value, in English, German, French and Dutch.

Its one source is `patterns/labels.jsonl`; this module only loads and indexes it. Each row is

    {"label": KIND, "pattern": TEXT, "id": FIELD, "strength": 0..1, "lang": "en"}

where KIND is

    FIELD_LABEL     a label naming a field ("Invoice No." → bill_number, "Lieferdatum" →
                    other_date). Fields the header extractor does not extract (other_date,
                    customer_number, amount_due, ...) still matter: such a label says the value
                    next to it is *not* one of the extracted fields.
    CUSTOMER_LABEL  opens the block naming the business billed ("Bill to", "Kunde"), id "buyer"
    VENDOR_LABEL    opens the vendor's block ("Remit to", "Fournisseur"), id "vendor"
    PAYMENT_LABEL   a till slip's tip or change line, id "tip" or "change"

The strength says how surely the value next to a label is its field (e.g. "Invoice number"
1.0, a bare "Invoice" 0.75). Labels are compared in compact form (`vocabulary.normalize`) so
"Invoice No.:", "INVOICE NO" and a split "F actuurnummer" all match; the matching itself is the
`field_labels` component of the spaCy pipeline (`nlp.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .vocabulary.normalize import compact

LEXICON_PATH = Path(__file__).with_name("patterns") / "labels.jsonl"
FIELD_LABEL = "FIELD_LABEL"
CUSTOMER_LABEL = "CUSTOMER_LABEL"
VENDOR_LABEL = "VENDOR_LABEL"
PAYMENT_LABEL = "PAYMENT_LABEL"
KINDS = (FIELD_LABEL, CUSTOMER_LABEL, VENDOR_LABEL, PAYMENT_LABEL)

# The fields the header extractor reads from labelled values; other FIELD_LABEL fields only
# block ("Customer No." is not the bill number, "Delivery date" not the bill date).
EXTRACTED_FIELDS = frozenset({
    "bill_number", "bill_date", "due_date", "po_number", "vendor_tax_id",
    "total", "subtotal", "tax", "shipping", "discount",
})
MAX_LABEL_WORDS = 6


@dataclass(frozen=True)
class Label:
    field: str
    text: str
    strength: float


def read_lexicon(path: Path = LEXICON_PATH) -> list[dict[str, object]]:
    """The rows of the lexicon file, in file order."""
    rows: list[dict[str, object]] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in KINDS or not isinstance(row.get("pattern"), str):
                raise ValueError(f"{path}:{number}: not a label row: {line.strip()}")
            rows.append(row)
    return rows


def index_lexicon(rows: list[dict[str, object]]) -> dict[str, dict[str, list[Label]]]:
    """kind → compact key → labels (one per field; the strongest row when a field repeats)."""
    index: dict[str, dict[str, list[Label]]] = {kind: {} for kind in KINDS}
    for row in rows:
        key = compact(str(row["pattern"]))
        if not key:
            continue
        label = Label(str(row["id"]), str(row["pattern"]), float(row.get("strength", 1.0)))
        found = index[str(row["label"])].setdefault(key, [])
        same = next((i for i, lab in enumerate(found) if lab.field == label.field), None)
        if same is None:
            found.append(label)
        elif label.strength > found[same].strength:
            found[same] = label
    return index


LEXICON = index_lexicon(read_lexicon())

# Labels of the fields the header extracts, by compact key.
LABELS: dict[str, list[Label]] = {
    key: kept for key, labels in LEXICON[FIELD_LABEL].items()
    if (kept := [lab for lab in labels if lab.field in EXTRACTED_FIELDS])
}
CUSTOMER_KEYS = frozenset(LEXICON[CUSTOMER_LABEL])
VENDOR_KEYS = frozenset(LEXICON[VENDOR_LABEL])
PAYMENT_KEYS = {key: labels[0].field for key, labels in LEXICON[PAYMENT_LABEL].items()}
