"""How extraction compares printed words."""

from __future__ import annotations

from billintake.extraction.vocabulary.free_mail import FREE_MAIL_DOMAINS, NO_VENDOR_NAMES
from billintake.extraction.vocabulary.normalize import compact, fold, word_key


def test_compact_is_how_labels_compare() -> None:
    assert compact("Invoice No.:") == compact("INVOICE NO") == "invoiceno"
    assert compact("Rechnungs-Nr.") == "rechnungsnr"
    assert compact("Numéro de facture") == "numerodefacture"
    assert compact("N° / Nº") == "n°n°"
    assert compact("Straße") == "straße"


def test_fold_keeps_spaces_and_drops_a_trailing_colon() -> None:
    assert fold("  Quantité : ") == "quantite"
    assert fold("Unit Price:") == "unit price"


def test_word_key_keeps_accents_and_percent() -> None:
    assert word_key("Qté (%)") == "qté%"


def test_the_name_of_every_free_mail_domain_names_no_vendor() -> None:
    assert {"gmail", "web", "t-online", "example", "tcpdf"} <= NO_VENDOR_NAMES
    assert all(domain.split(".")[0] in NO_VENDOR_NAMES for domain in FREE_MAIL_DOMAINS)
