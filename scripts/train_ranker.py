"""Build the shipped candidate ranker (`models/ranker/`) from the real labelled sets.

    python scripts/train_ranker.py [--shared ../shared] [--sets SET,...]
                                   [--cache bench/out/reads] [--out models/ranker]

Sets (default): devset, facturx-visual, sroie-lines, sroie (the receipt images, read by OCR
with the default engine), and generated bills of the train split.

Every candidate of every document is labelled by the document's truth (e-invoices: their own
XML, read into `truth.jsonl`; receipts: SROIE's annotations); one LightGBM model per field is
trained on all of them, and its calibration on the signals of out-of-fold choices (folds by
source and vendor). Deterministic: the same sets give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from billintake_devkit import ranking
from realsets import load_set

from billintake.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--sets", default="devset,facturx-visual,sroie-lines,sroie,generated")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "out" / "reads")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "ranker")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"no labelled sets at {args.shared}: the shipped ranker is kept", file=sys.stderr)
        return 0
    settings = get_settings()
    examples = []
    for name in args.sets.split(","):
        examples.extend(ranking.collect_cached(load_set(args.shared, name), settings,
                                               args.cache, name))
    model = ranking.fit(examples, args.folds)
    model.save(args.out)
    print(f"ranker: {len(examples)} documents, fields {', '.join(model.fields)} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
