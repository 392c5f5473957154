"""Original files, content-addressed by sha256: written once, atomically, never overwritten.

Layout: `<root>/<aa>/<bb>/<sha256>` so no directory grows too large. Nothing in processing
deletes or rewrites an original; the file name a sender gave is kept in the database only.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from pathlib import Path

from billintake.domain.errors import NotFound

_SHA256 = re.compile(r"[0-9a-f]{64}")


# folders made by this process whose names are not yet flushed to disk (their parent not yet
# synced): a put that finds its folder here syncs it too, even if another put made it
_unsynced: set[Path] = set()
_unsynced_lock = threading.Lock()


def _make_private_folders(folder: Path) -> None:
    """`<aa>/<bb>` (and `<aa>`), each 0700 (mkdir's `parents` would make the upper one with
    the default mode), recorded as not yet synced."""
    for path in (folder.parent, folder):
        try:
            path.mkdir(mode=0o700, parents=True)  # (the store's own folder too, if gone)
        except FileExistsError:
            continue
        with _unsynced_lock:
            _unsynced.add(path)


def _sync_new_folders(folder: Path) -> None:
    """Make the names of `folder` and of its parent durable if either is a new folder (made by
    any put of this process) not yet synced."""
    for path in (folder.parent, folder):
        with _unsynced_lock:
            pending = path in _unsynced
        if pending:
            _sync_folder(path.parent)
            with _unsynced_lock:
                _unsynced.discard(path)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (a file's fsync does not cover its name): once this
    returns, a crash or power loss cannot lose a file linked into it."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_read_only(path: Path) -> int:
    """A new file, open for writing but read-only on disk from the start, for the service's
    user only."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o400)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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
        """Store `data` (once) and return its sha256; once it returns, the file, its name and
        its folders' names are on disk.

        Every change is made before the syncs that cover it, so on a journaling file system
        one commit takes most of them: the new folders and the temporary file are flushed with
        the bytes' fsync (the folders' own syncs then find nothing left to write), and the
        name with the folder's sync. The name is linked only once the bytes are on disk."""
        digest = sha256_of(data)
        target = self.path(digest)
        if target.exists():
            return digest
        folder = target.parent
        tmp = folder / f".incoming-{secrets.token_hex(8)}"
        try:
            fd = _create_read_only(tmp)
        except FileNotFoundError:  # the first file of its folder: make the folders (once)
            _make_private_folders(folder)
            fd = _create_read_only(tmp)
        try:
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            _sync_new_folders(folder)
            # link() fails if another writer got there first: the first file stays untouched.
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass
            else:
                _sync_folder(folder)  # the new name as durable as the bytes
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
