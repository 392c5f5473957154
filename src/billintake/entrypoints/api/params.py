"""Query parameters shared by the list routes, bounded in the schema (out of range → 422)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_OFFSET = 1_000_000_000  # far beyond any organization's rows; fits every database's integer

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
