from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from billintake.domain.errors import ValidationFailed
from billintake.domain.model import Bill, BillKind, BillPayment, Money


def bill(**overrides: object) -> Bill:
    fields: dict[str, object] = dict(organization_id="o", vendor_id="v", bill_number="INV-1",
                                     bill_date=date(2026, 3, 14), currency="EUR",
                                     total=Decimal("119.00"))
    fields.update(overrides)
    return Bill(**fields)  # type: ignore[arg-type]


def test_valid_bill_keeps_exact_decimals_and_normalises_currency() -> None:
    b = bill(currency="eur", subtotal="100.00", tax="19.00", total="119.00")
    assert b.currency == "EUR"
    assert b.total == Decimal("119.00")
    assert b.model_dump(mode="json")["total"] == "119.00"


def test_negative_total_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="total must be zero or positive"):
        bill(total=Decimal("-5"))


def test_vendor_credit_carries_negative_amounts_but_not_positive_ones() -> None:
    assert bill(kind=BillKind.VENDOR_CREDIT, total=Decimal("-5")).total == Decimal("-5")
    with pytest.raises(ValidationError, match="total must be zero or negative"):
        bill(kind=BillKind.VENDOR_CREDIT, total=Decimal("5"))


def test_unknown_currency_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValidationFailed, match=r"currency: unknown currency 'XYZ'") as info:
        bill(currency="XYZ")
    assert info.value.field == "currency"


def test_due_date_before_bill_date_is_rejected() -> None:
    with pytest.raises(ValidationError, match="due_date 2026-03-01 is before bill_date"):
        bill(due_date=date(2026, 3, 1))


def test_float_money_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a float"):
        bill(total=119.0)
    with pytest.raises(ValidationError, match="not a float"):
        Money(amount=1.5, currency="USD")  # type: ignore[arg-type]


def test_payment_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="amount"):
        BillPayment(organization_id="o", bill_id="b", amount=Decimal("0"), currency="USD",
                    payment_date=date(2026, 1, 1))
