"""The organization of each recently used API key, kept in memory for a few seconds, so the
request path does not read the database for every request a machine sends.

Keys are held only as their hashes. A key revoked in this process is forgotten at once (when
its revocation commits); a key revoked by another process (`billintake key revoke` beside a
running server) stops working once its entry is older than `api_key_cache_s`. Only keys that
resolved are kept: a new key works at once, and an unknown key is looked up every time.
"""

from __future__ import annotations

import threading
import time

from billintake.domain.model import Organization

MAX_ENTRIES = 10_000  # more keys than that in use within one cache period: start again


class ApiKeyCache:
    """key hash → (organization, monotonic expiry); safe to share between threads."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Organization, float]] = {}
        self._lock = threading.Lock()
        self._forgotten = 0  # how many forgets so far

    def ticket(self) -> int:
        """Taken before a look-up: its answer is kept only if no key was forgotten meanwhile
        (a look-up that read a key just before its revocation committed)."""
        return self._forgotten

    def get(self, key_hash: str) -> Organization | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            with self._lock:
                if self._entries.get(key_hash) is entry:
                    del self._entries[key_hash]
            return None
        return entry[0]

    def put(self, key_hash: str, organization: Organization, max_age_s: float,
            ticket: int) -> None:
        if max_age_s <= 0:
            return
        with self._lock:
            if ticket != self._forgotten:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = (organization, time.monotonic() + max_age_s)

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._forgotten += 1
            self._entries.pop(key_hash, None)


API_KEYS = ApiKeyCache()  # one per process: a revocation made through any runtime clears it
