"""Money amounts as pydantic types: `Decimal`, serialised to JSON as a string, never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer


def _reject_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("must be a Decimal or a decimal string, not a float")
    return value


# Decimal that serialises to JSON as a string ("1234.50"), never a float.
Amount = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]
# An Amount that also refuses a float on input (booked money must come exact).
StrictAmount = Annotated[Amount, BeforeValidator(_reject_float)]
