"""PDFium is not thread-safe: within one process every use of it (open, read, render, close)
holds this lock, so jobs run on a thread pool never call into it at once."""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()
