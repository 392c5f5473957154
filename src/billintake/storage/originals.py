"""Original files, content-addressed by sha256: written once, atomically, never overwritten.

Layout: `<root>/<aa>/<bb>/<sha256>` so no directory grows too large. Nothing in processing
deletes or rewrites an original; the file name a sender gave is kept in the database only.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from billintake.domain.errors import NotFound

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _make_private_folder(folder: Path) -> None:
    """`<aa>/<bb>` and, the first time, `<aa>` too, each 0700 (mkdir's `parents` would make
    the upper one with the default mode)."""
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except FileNotFoundError:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sync_folder(folder.parent.parent)
        folder.mkdir(mode=0o700, exist_ok=True)
    _sync_folder(folder.parent)  # the new folder's own name, durable too


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (a file's fsync does not cover its name): once this
    returns, a crash or power loss cannot lose a file linked into it."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class OriginalsStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise NotFound(f"no original with id {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` (once) and return its sha256."""
        digest = sha256_of(data)
        target = self.path(digest)
        if target.exists():
            return digest
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        except FileNotFoundError:  # the first file of its folder: make the folder (once)
            _make_private_folder(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o400)  # read-only, and for the service's user only
            # link() fails if another writer got there first: the first file stays untouched.
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass
            else:
                _sync_folder(target.parent)  # the new name as durable as the bytes
        finally:
            os.unlink(tmp)
        return digest

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def read(self, sha256: str) -> bytes:
        path = self.path(sha256)
        if not path.exists():
            raise NotFound(f"original {sha256} is not in the store")
        return path.read_bytes()
