"""Fit the vendor-memory model shipped in models/memory (part of `make model`).

    python scripts/train_memory.py [--shared ../shared] [--cache bench/out/reads]

Training sequences: the sroie-lines receipts (shops recur) and generated bills of recurring
vendors on the generator's train-split layouts (`billintake_devkit.synth.recurring`). Each
vendor's later bills give rows (`billintake_devkit.learning.observe`); the model is logistic
per field group with out-of-fold calibrations (`learning.fit`), so the same inputs give the
same bytes.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

from billintake_devkit.learning import Observed, fit, observe, recurring_sequence, sroie_sequence

from billintake.extraction.extractor import Extractor
from billintake.extraction.memory import DEFAULT_DIR
from billintake.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
TRAIN_SEED, TRAIN_VENDORS, TRAIN_PER_VENDOR = 515, 40, 4


def training_rows(shared: Path, cache: Path | None) -> Observed:
    settings = get_settings()
    extractor = Extractor(settings)
    docs = [*sroie_sequence(shared),
            *recurring_sequence(ROOT / "bench" / "out" / "recurring-train", TRAIN_SEED, "train",
                                TRAIN_VENDORS, TRAIN_PER_VENDOR)]
    return observe(docs, extractor, settings, cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--rows", type=Path, default=None,
                        help="the rows `bench/learning.py --rows` kept (same sets), reused")
    args = parser.parse_args()
    if args.rows is not None:
        observed = pickle.loads(args.rows.read_bytes())
    else:
        observed = training_rows(args.shared, args.cache)
    model = fit(observed)
    model.save(args.out)
    print(f"memory model: {model.info} -> {args.out / 'memory.json'}")


if __name__ == "__main__":
    main()
