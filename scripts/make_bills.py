"""Write synthetic bills: PDFs / scanned PDFs / PNGs, truth.jsonl (devset form) and labels.jsonl.

    python scripts/make_bills.py --out data/synth/test --count 50 --seed 7 --split test \
        --scan-fraction 0.2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from billintake_devkit.synth import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", choices=("train", "test"), default="train")
    parser.add_argument("--start", type=int, default=0, help="index of the first bill")
    parser.add_argument("--scan-fraction", type=float, default=0.0,
                        help="share of bills delivered as scans (image-only PDF or PNG)")
    parser.add_argument("--png-fraction", type=float, default=0.3,
                        help="share of one-page scans saved as PNG instead of PDF")
    parser.add_argument("--receipt-fraction", type=float, default=0.15)
    parser.add_argument("--keep-digital", action="store_true",
                        help="also write the digital PDF of scanned bills (<id>.digital.pdf)")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "truth.jsonl").open("w", encoding="utf-8") as truth_file, \
            (args.out / "labels.jsonl").open("w", encoding="utf-8") as labels_file:
        for bill in generate(args.seed, args.split, args.count, start=args.start,
                             receipt_fraction=args.receipt_fraction,
                             scan_fraction=args.scan_fraction, png_fraction=args.png_fraction):
            name = bill.id + bill.extension
            (args.out / name).write_bytes(bill.file_bytes)
            if args.keep_digital and bill.scan_bytes is not None:
                (args.out / f"{bill.id}.digital.pdf").write_bytes(bill.pdf_bytes)
            truth_file.write(json.dumps(bill.truth_record(name), ensure_ascii=False) + "\n")
            labels_file.write(json.dumps({**bill.labels, "file": name},
                                         ensure_ascii=False) + "\n")
    print(f"wrote {args.count} bills to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
