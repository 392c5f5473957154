"""What a use case is asked to do, validated from a plain mapping (a JSON body, CLI pairs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from billintake.domain.errors import validation_failed


class ParsedInput(BaseModel):
    """A request: unknown keys are refused, and a bad value fails as `ValidationFailed` naming
    its field."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None) -> Self:
        try:
            return cls.model_validate(dict(data or {}))
        except ValidationError as exc:
            raise validation_failed(exc, cls.model_fields) from exc
