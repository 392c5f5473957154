"""Files made from an original for the bill view (page images, words), kept by its sha256.

Derived data only: any of it may be deleted at any time and is made again when asked for.
Layout `<root>/<aa>/<sha256>/<name>`; each file is written whole (temporary file, rename).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from billintake.domain.errors import NotFound

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class PageCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str, name: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not _NAME.match(name):
            raise NotFound(f"no cached {name!r} for {sha256!r}")
        return self.root / sha256[:2] / sha256 / name

    def get(self, sha256: str, name: str) -> bytes | None:
        path = self._path(sha256, name)
        return path.read_bytes() if path.exists() else None

    def put(self, sha256: str, name: str, data: bytes) -> None:
        path = self._path(sha256, name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
