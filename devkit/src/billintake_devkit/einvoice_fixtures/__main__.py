"""`python -m billintake_devkit.einvoice_fixtures OUT_DIR`: write the generated e-invoice set."""

from __future__ import annotations

import sys
from pathlib import Path

from .build import build_all

if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures/einvoices")
    rows = build_all(target)
    print(f"wrote {len(rows)} e-invoices and their truth to {target}")
