"""Payment QR codes: how many are decoded exactly, and what the QR pass costs per page (prints
figures; not a test).

    .venv/bin/python bench/qr.py [--seeds 8] [--speed-pages 5]

1. Decode rate: the EPC (001, 002 with RF) and Swiss QR-bill (QRR, SCOR, NON) payloads of the
   specifications' examples drawn onto an A4 bill (46 mm code, vector modules), read back by
   `reading.qr.find_codes` as the extractor runs it, from the clean PDF, the page scanned
   (`synth.scan`: 150-200 dpi, tilt ≤ 1.5°, blur, noise, JPEG) and the page photographed
   (perspective with corners moved by up to 5, 8 or 12 % of the page, turned ≤ 4°, blurred,
   unevenly lit, JPEG). A decode counts only when the payload comes back byte for byte.
2. Speed: the QR pass (render at 200 dpi or load the frame, then zxing-cpp) per page, beside
   reading the same page (`read()`: the text layer, or OCR for a scan), on digital and scanned
   bills with and without a code, and on the devset's real PDFs (a page of text alone is not
   rendered: no code can be on it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from billintake_devkit.payment_qr import (
    PAYLOADS,
    bill_pdf,
    photographed_jpeg,
    scanned_png,
)

from billintake.reading.qr import find_codes
from billintake.reading.reader import read
from billintake.reading.sniff import JPEG, PDF, PNG

MAX_PIXELS = 60_000_000


def decode_rates(seeds: int) -> None:
    conditions: dict[str, Callable[[bytes, int], tuple[bytes, str]]] = {
        "clean PDF (vector code)": lambda pdf, s: (pdf, PDF),
        "scanned PNG": lambda pdf, s: (scanned_png(pdf, s), PNG),
        "photo, tilt 5 %, blur 0.8": lambda pdf, s: (photographed_jpeg(pdf, s, tilt=0.05), JPEG),
        "photo, tilt 8 %, blur 1.0": lambda pdf, s: (
            photographed_jpeg(pdf, s, tilt=0.08, blur=1.0), JPEG),
        "photo, tilt 12 %, blur 1.5": lambda pdf, s: (
            photographed_jpeg(pdf, s, tilt=0.12, blur=1.5), JPEG),
    }
    print(f"1. decode rate ({len(PAYLOADS)} payloads x {seeds} pages per condition)")
    print(f"   {'condition':30} {'exact':>7} {'of':>4} {'rate':>7} {'median s':>9}")
    for name, make in conditions.items():
        exact = total = 0
        seconds: list[float] = []
        misses: list[str] = []
        for payload_name, payload in PAYLOADS.items():
            pdf = bill_pdf(payload)
            for seed in range(seeds):
                data, media_type = make(pdf, seed)
                started = time.perf_counter()
                codes = find_codes(data, media_type, max_pixels=MAX_PIXELS)
                seconds.append(time.perf_counter() - started)
                total += 1
                if [c.text for c in codes] == [payload]:
                    exact += 1
                else:
                    misses.append(f"{payload_name}#{seed}")
        print(f"   {name:30} {exact:>7} {total:>4} {exact / total:>7.1%} "
              f"{statistics.median(seconds):>9.3f}" + (f"  missed: {', '.join(misses[:6])}"
                                                        if misses else ""))


def _devset_pdfs(shared: Path) -> list[bytes]:
    folder = shared / "devset" / "invoice2data"
    return [path.read_bytes() for path in sorted(folder.glob("*.pdf"))] if folder.is_dir() \
        else []


def speed(pages: int, shared: Path) -> None:
    print(f"\n2. speed per page (median of {pages} pages; QR pass vs reading the page)")
    cases: dict[str, Callable[[int], tuple[bytes, str]]] = {
        "digital, no code": lambda s: (bill_pdf(PAYLOADS["spc_qrr"], qr_size=0.0), PDF),
        "digital, Swiss QR": lambda s: (bill_pdf(PAYLOADS["spc_qrr"]), PDF),
        "scanned PNG, Swiss QR": lambda s: (scanned_png(bill_pdf(PAYLOADS["spc_qrr"]), s), PNG),
    }
    real = _devset_pdfs(shared)
    if real:  # real bills (logos, rules: rendered and searched), whichever page count
        cases["devset PDFs (file)"] = lambda s: (real[s % len(real)], PDF)
    print(f"   {'page':24} {'QR pass s':>10} {'read s':>8} {'QR / read':>10}")
    warm, warm_type = cases["digital, no code"](0)
    read(warm, media_type=warm_type)  # imports and caches loaded before any timing
    find_codes(warm, warm_type, max_pixels=MAX_PIXELS)
    for name, make in cases.items():
        qr_s: list[float] = []
        read_s: list[float] = []
        for seed in range(pages):
            data, media_type = make(seed)
            started = time.perf_counter()
            find_codes(data, media_type, max_pixels=MAX_PIXELS)
            qr_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            read(data, media_type=media_type)
            read_s.append(time.perf_counter() - started)
        q, r = statistics.median(qr_s), statistics.median(read_s)
        print(f"   {name:24} {q:>10.3f} {r:>8.3f} {q / r:>10.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="pages per payload and condition")
    parser.add_argument("--speed-pages", type=int, default=5, help="pages timed per case")
    parser.add_argument("--shared", type=Path, default=Path("../shared"),
                        help="the shared folder (its devset/invoice2data PDFs are timed too)")
    args = parser.parse_args()
    if args.seeds > 0:
        decode_rates(args.seeds)
    speed(args.speed_pages, args.shared)


if __name__ == "__main__":
    main()
