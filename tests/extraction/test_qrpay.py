"""Payment QR payloads, EPC (BCD 001/002) and Swiss QR-bill (SPC 0200), from the specifications'
examples, and the payloads' own rules broken."""

from __future__ import annotations

from decimal import Decimal

from billintake_devkit.payment_qr import EPC_002_RF, EPC_EXAMPLE, SPC_NON, SPC_QRR, SPC_SCOR

from billintake.extraction.qrpay import parse_payload


def test_epc_example_of_the_guidelines() -> None:
    found = parse_payload(EPC_EXAMPLE)
    assert found is not None and found.format == "epc" and not found.problems
    assert (found.iban, found.bic, found.payee_name) == (
        "BE72000000001616", "BPOTBEB1", "Red Cross of Belgium")
    assert (found.amount, found.currency) == (Decimal("1"), "EUR")
    assert (found.reference, found.reference_type) == ("Urgency fund", "free")


def test_epc_version_002_with_creditor_reference_and_crlf() -> None:
    found = parse_payload(EPC_002_RF.replace("\n", "\r\n"))
    assert found is not None and not found.problems
    assert found.bic is None and found.amount == Decimal("123.45")
    assert (found.reference, found.reference_type) == ("RF18539007547034", "scor")


def test_swiss_qr_bill_with_qr_reference_and_structured_address() -> None:
    found = parse_payload(SPC_QRR)
    assert found is not None and found.format == "spc" and not found.problems
    assert found.iban == "CH4431999123000889012"
    assert found.payee_name == "Robert Schneider AG"
    assert found.payee_address == "Rue du Lac 1268, 2501 Biel, CH"
    assert (found.amount, found.currency) == (Decimal("1949.75"), "CHF")
    assert (found.reference, found.reference_type) == ("210000000003139471430009017", "qrr")
    assert found.debtor_name == "Pia-Maria Rutschmann-Schnyder"
    assert found.message == "Order of 15 June 2020"


def test_swiss_qr_bill_scor_and_non() -> None:
    scor = parse_payload(SPC_SCOR)
    assert scor is not None and not scor.problems
    assert (scor.reference, scor.reference_type) == ("RF18539007547034", "scor")
    non = parse_payload(SPC_NON)
    assert non is not None and not non.problems
    assert non.amount is None and non.payee_address == "3000 Bern, CH"
    assert (non.reference, non.reference_type) == ("Donation to the Winterfest campaign", "free")


def test_broken_payloads_name_their_problem() -> None:
    bad_iban = parse_payload(EPC_EXAMPLE.replace("BE72000000001616", "BE72000000001617"))
    assert bad_iban is not None and any("IBAN" in p for p in bad_iban.problems)
    bad_ref = parse_payload(SPC_QRR.replace("210000000003139471430009017",
                                            "210000000003139471430009018"))
    assert bad_ref is not None and any("check digit" in p for p in bad_ref.problems)
    qrr_to_plain_iban = parse_payload(SPC_QRR.replace("CH4431999123000889012",
                                                      "CH5800791123000889012"))
    assert qrr_to_plain_iban is not None
    assert any("QR-IBAN" in p for p in qrr_to_plain_iban.problems)
    no_bic_001 = parse_payload(EPC_EXAMPLE.replace("BPOTBEB1", ""))
    assert no_bic_001 is not None and any("BIC" in p for p in no_bic_001.problems)
    bad_amount = parse_payload(EPC_EXAMPLE.replace("EUR1\n", "12,50 EUR\n"))
    assert bad_amount is not None and bad_amount.amount is None and bad_amount.problems


def test_other_qr_codes_are_not_payments() -> None:
    assert parse_payload("https://example.com/invoice/42") is None
    assert parse_payload("BCD\n003\n1\nSCT") is None
    assert parse_payload("SPC\n0200\n1") is None  # truncated
