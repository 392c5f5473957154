"""Bank identifiers: IBAN, BIC, RF creditor reference and Swiss QR reference, good and corrupted."""

from __future__ import annotations

import pytest

from billintake.domain.banking import (
    iban_error,
    is_qr_iban,
    qrr_check_digit,
    qrr_valid,
    rf_valid,
    same_account,
    valid_bic,
    valid_iban,
)

GOOD_IBANS = ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "BE72000000001616",
              "CH4431999123000889012", "FR1420041010050500013M02606", "NL91ABNA0417164300"]


@pytest.mark.parametrize("iban", GOOD_IBANS)
def test_a_good_iban_is_valid_and_compacted(iban: str) -> None:
    assert valid_iban(iban) == iban.replace(" ", "")
    assert iban_error(iban) is None


@pytest.mark.parametrize("iban", GOOD_IBANS)
def test_every_changed_digit_of_an_iban_is_caught(iban: str) -> None:
    compact = iban.replace(" ", "")
    for at, ch in enumerate(compact):
        if not ch.isdigit() or at < 2:
            continue
        for digit in "0123456789":
            if digit != ch:
                corrupted = compact[:at] + digit + compact[at + 1:]
                assert valid_iban(corrupted) is None, corrupted


def test_an_iban_of_the_wrong_length_for_its_country_is_refused_by_format() -> None:
    # Check digits recomputed so only the country's format (DE: 22 characters) is broken.
    body = "370400440532013000" + "1"
    digits = "".join(str(int(c, 36)) for c in body + "DE00")
    iban = f"DE{98 - int(digits) % 97:02d}{body}"
    assert valid_iban(iban) is None
    assert "length" in (iban_error(iban) or "").lower()
    assert iban_error("XX12 3456") is not None


def test_qr_iban_is_told_from_an_ordinary_one() -> None:
    assert is_qr_iban("CH44 3199 9123 0008 8901 2")
    assert not is_qr_iban("CH5800791123000889012")
    assert not is_qr_iban("DE89370400440532013000")


def test_same_account_ignores_spacing_and_case() -> None:
    assert same_account("de89 3704 0044 0532 0130 00", "DE89370400440532013000")
    assert not same_account("DE89370400440532013000", "GB82WEST12345698765432")
    assert not same_account(None, "DE89370400440532013000")


def test_rf_creditor_reference() -> None:
    assert rf_valid("RF18539007547034") and rf_valid("RF18 5390 0754 7034")
    assert rf_valid("RF712348231")
    for at in range(4, 16):  # every changed digit of the reference is caught
        good = "RF18539007547034"
        corrupted = good[:at] + str((int(good[at]) + 1) % 10) + good[at + 1:]
        assert not rf_valid(corrupted), corrupted
    assert not rf_valid("RF18")  # no reference at all
    assert not rf_valid("RF18" + "1" * 22)  # longer than 25 characters


def test_swiss_qr_reference_recursive_mod_10() -> None:
    good = "210000000003139471430009017"
    assert qrr_valid(good) and qrr_valid("21 00000 00003 13947 14300 09017")
    assert qrr_check_digit(good[:-1]) == 7
    for at in range(27):  # recursive mod 10 catches every single changed digit
        for digit in "0123456789":
            if digit != good[at]:
                assert not qrr_valid(good[:at] + digit + good[at + 1:])
    assert not qrr_valid(good[:-1])  # 26 digits
    assert not qrr_valid("RF18539007547034")


def test_bic() -> None:
    assert valid_bic("BPOTBEB1") == "BPOTBEB1"
    assert valid_bic("DEUT DE FF 500") == "DEUTDEFF500"
    assert valid_bic("DEUTDEF") is None  # 7 characters
    assert valid_bic("XXXXZZ11") is None  # no country ZZ
