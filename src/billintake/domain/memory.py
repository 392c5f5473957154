"""A vendor's memory: what an organization's approved bills from one vendor taught.

Per field, where its value sat on each approved bill (`Spot`: the label it followed, the
printed row around it with the digits masked, its place on the page, the shape of its print);
the vendor's formats (date order, decimal mark), its currency, the names it prints, the header
lines that recur on its bills (a layout signature), and for the books its tax code and, per
line description, the account a line was booked to. Its bank accounts and default expense
account stay on the `Vendor` (`known_accounts`, `expense_accounts`): kept once, not here.

Plain values, no I/O; learning and using a memory is `extraction.memory`, keeping it
`services.vendor_memory`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import utcnow

# The fields whose place on the page is remembered.
PLACED_FIELDS = ("bill_number", "bill_date", "due_date", "total", "subtotal", "tax")
# How many approved bills' spots a field keeps (the most recent).
SPOTS_KEPT = 8
# How many printed names, header lines and line descriptions a memory keeps.
NAMES_KEPT = 5
SIGNATURE_KEPT = 12
LINES_KEPT = 200


class Spot(BaseModel):
    """Where one approved value sat: its label, its printed row (digits masked), its centre
    relative to the page (from the top and from the bottom of the print), the shape of its
    text."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    context: str = ""
    page: int = 1
    x: float = 0.0
    y: float = 0.0
    y_from_bottom: float = 0.0
    shape: str = ""
    others: list[str] = Field(default_factory=list)  # other printed phrases with the value
    # a total-labelled amount below, that the amounts above it make, contested this value
    # (`finders.amounts`): on this vendor's layout such a line is no rival of the total
    contested: bool = False


class FieldMemory(BaseModel):
    """A field's spots on the vendor's approved bills, newest first; `absent`: how many of
    them had no value for it."""

    model_config = ConfigDict(extra="forbid")

    spots: list[Spot] = Field(default_factory=list)
    absent: int = 0

    def remember(self, spot: Spot | None) -> FieldMemory:
        if spot is None:
            return self.model_copy(update={"absent": self.absent + 1})
        return self.model_copy(update={"spots": [spot, *self.spots][:SPOTS_KEPT]})


DateOrder = Literal["dmy", "mdy", "ymd"]


class VendorMemory(BaseModel):
    """What one organization's approved bills from one vendor taught (see the module)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    organization_id: str
    vendor_id: str
    approvals: int = 0
    names: list[str] = Field(default_factory=list)  # the vendor's name as approved, newest first
    signature: list[str] = Field(default_factory=list)  # header lines that recur, normalised
    fields: dict[str, FieldMemory] = Field(default_factory=dict)
    date_order: DateOrder | None = None
    decimal_mark: Literal[".", ","] | None = None
    bill_number_shape: str | None = None
    currency: str | None = None
    tax_rate: Decimal | None = None  # the rate (percent) its lines were booked at
    tax_code: str | None = None  # the books' tax code for it, when a reviewer named one
    line_accounts: dict[str, str] = Field(default_factory=dict)  # description → account id
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def name(self) -> str | None:
        """The vendor's name as last approved."""
        return self.names[0] if self.names else None

    def field(self, name: str) -> FieldMemory:
        return self.fields.get(name) or FieldMemory()

    def approved_without(self, name: str) -> bool:
        """Some approved bill of the vendor was approved without this field."""
        return self.field(name).absent > 0

    def never_printed(self, name: str) -> bool:
        """Every approved bill of the vendor was approved without this field."""
        return self.approved_without(name) and not self.field(name).spots

    def unprinted(self) -> list[str]:
        """The fields a bill of the vendor may lack as its approved bills did: a bill number
        where none of them had one, a subtotal or a tax where one of them had none."""
        return [name for name, lacks in (
            ("bill_number", self.never_printed), ("subtotal", self.approved_without),
            ("tax", self.approved_without)) if lacks(name)]


class KnownVendor(BaseModel):
    """A vendor of the organization as extraction may recognise it: its identifiers and names
    (from the `Vendor`) and its memory, if it has one."""

    model_config = ConfigDict(extra="forbid")

    vendor_id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    tax_id: str | None = None
    email: str | None = None
    ibans: list[str] = Field(default_factory=list)
    memory: VendorMemory | None = None
