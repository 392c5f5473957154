"""Text as every stage compares it."""

from __future__ import annotations

from billintake.domain.text import normalize_identifier, strip_accents, to_ascii, transliterate


def test_transliterate_spells_out_german_and_nordic_letters() -> None:
    assert transliterate("Müller Straße") == "Mueller Strasse"
    assert transliterate("ÆRØ Åse") == "AeROe Aase"


def test_strip_accents_keeps_letters_without_an_accent() -> None:
    assert strip_accents("Société Générale") == "Societe Generale"
    assert strip_accents("Straße œuvre") == "Straße œuvre"


def test_to_ascii_drops_what_ascii_cannot_spell() -> None:
    assert to_ascii("Crème Brûlée ß") == "Creme Brulee "


def test_an_identifier_is_upper_case_letters_and_digits() -> None:
    assert normalize_identifier("de 123.456-789") == "DE123456789"
    assert normalize_identifier(" - ") is None
    assert normalize_identifier(None) is None
