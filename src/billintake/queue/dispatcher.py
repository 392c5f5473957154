"""What every dispatcher does (its own module: the services that hand jobs over name it
without importing the dispatchers, which run the services' pipeline)."""

from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    """Runs stored jobs somewhere; `submit` returns at once."""

    def submit(self, organization_id: str, job_id: str, *, held: bool = False) -> None:
        """Queue the job; `held`: its lease is this dispatcher's already (taken with it)."""
        ...

    def close(self) -> None: ...
