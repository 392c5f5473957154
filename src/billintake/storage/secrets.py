"""Secrets at rest (accounting credentials): encrypted with Fernet (AES-128-CBC + HMAC-SHA256,
from `cryptography`) before they reach the database, decrypted only when a writer needs them.

The key comes from `BILLINTAKE_SECRET_KEYS` (comma-separated Fernet keys, the first one
encrypts, every one decrypts: rotation), else from the key file (`BILLINTAKE_SECRET_KEY_FILE`,
default `<data dir>/secret.key`), created with mode 0600 on first use. A stored value is
`{"fernet": "<token>"}`; a plain dict (stored before encryption) still reads, and
`billintake secrets rotate` encrypts it with the current key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from billintake.domain.errors import BillintakeError

MARK = "fernet"


class SecretKeyError(BillintakeError, code="secret_key_error"):
    """Secrets cannot be read: the key that encrypted them is not among the keys given."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def read_or_create_key_file(path: Path) -> list[str]:
    """The keys in the key file (one a line, the first encrypts); a new file with one fresh
    key, mode 0600, in a 0700 directory, when there is none."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically (mode 0600) with these keys, the first one current."""
    tmp = path.with_name(f".{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{key}\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class SecretBox:
    """Encrypts a connection's secrets for storage and decrypts them back."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretKeyError("no secret key given")
        self.keys = list(keys)
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, secrets: dict[str, str]) -> dict[str, Any]:
        if not secrets:
            return {}
        return {MARK: self._fernet.encrypt(json.dumps(secrets).encode()).decode()}

    def open(self, stored: dict[str, Any] | None) -> dict[str, str]:
        if not stored:
            return {}
        if not is_sealed(stored):
            return {str(k): str(v) for k, v in stored.items()}  # stored before encryption
        try:
            return dict(json.loads(self._fernet.decrypt(str(stored[MARK]).encode())))
        except InvalidToken as exc:
            raise SecretKeyError("the accounting secrets were encrypted with a key that is "
                                 "not among BILLINTAKE_SECRET_KEYS / the key file") from exc

    def reseal(self, stored: dict[str, Any] | None) -> dict[str, Any]:
        """The stored secrets encrypted with the current (first) key."""
        return self.seal(self.open(stored))


def is_sealed(stored: dict[str, Any]) -> bool:
    return set(stored) == {MARK}


def reseal_all(session: Session, box: SecretBox) -> int:
    """Encrypt every stored connection's secrets with the box's current key (those stored in
    plain text before, too); how many connections hold secrets."""
    from .tables import AccountingConnectionRow

    count = 0
    for row in session.scalars(select(AccountingConnectionRow)):
        if row.secrets:
            row.secrets = box.reseal(row.secrets)
            count += 1
    session.flush()
    return count
