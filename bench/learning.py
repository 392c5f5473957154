"""Learning from approvals: each vendor's 1st bill against its 2nd and later ones.

    python bench/learning.py [--sets sroie-lines,generated] [--shared ../shared]
                             [--cache /work/cache/reads] [--folds 5] [--show]

Bills from recurring vendors are fed in order; each is extracted with the organization's
vendor memory (`billintake extract --org`), scored, then approved with its truth
(`billintake learn --truth`): its vendor matched or created, its memory learned. Reported per
set, for each vendor's first bill and for its later ones: header-field accuracy (the
contract's fields the truth gives), per field, and the share that would go straight through
the auto-approve gate (the pipeline's own `review_reasons`, the vendor matched among those
approved so far) with how many of those had a wrong field.

Cross-validated: every bill is extracted with the memory model fitted without its vendor
(folds by vendor, `learning.cross_fit`). Sets: `sroie-lines` (the real receipts; shops
recur) and `generated` (recurring vendors on the generator's test-split layouts, which
neither the ranker nor the memory model was trained on).
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import time
from pathlib import Path

from billintake_devkit.learning import (
    CONTRACT_FIELDS,
    LoopResult,
    Observed,
    Tally,
    cross_fit,
    fold_of,
    observe,
    recurring_sequence,
    run_loop,
    sroie_sequence,
)

from billintake.extraction.extractor import Extractor
from billintake.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
GENERATED_SEED, GENERATED_VENDORS, GENERATED_PER_VENDOR = 9090, 30, 4
TRAIN_SEED, TRAIN_VENDORS, TRAIN_PER_VENDOR = 515, 40, 4  # as scripts/train_memory.py


def report(name: str, result: LoopResult, seconds: float) -> str:
    lines = [f"## {name}"]
    header = f"{'bills':<12}{'n':>5}{'header acc %':>14}{'straight through':>20}{'wrong':>7}"
    lines.append(header)
    for title, tally in (("1st", result.first), ("2nd+", result.later)):
        share = 100.0 * tally.through / tally.bills if tally.bills else math.nan
        lines.append(f"{title:<12}{tally.bills:>5}{100 * tally.accuracy():>14.1f}"
                     f"{f'{tally.through} ({share:.1f} %)':>20}{tally.through_wrong:>7}")
    lines.append("per field (1st / 2nd+): " + ", ".join(
        f"{f} {_pct(result.first, f)} / {_pct(result.later, f)}" for f in CONTRACT_FIELDS
        if result.first.scored.get(f) or result.later.scored.get(f)))
    lines.append("why later bills waited: " + ", ".join(
        f"{reason} {n}" for reason, n in result.later.reasons.most_common(6)))
    lines.append(f"seconds: {seconds:.0f}")
    return "\n".join(lines)


def _pct(tally: Tally, name: str) -> str:
    value = tally.accuracy(name)
    return "-" if math.isnan(value) else f"{100 * value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="sroie-lines,generated")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", action="store_true", help="list every miss of later bills")
    parser.add_argument("--held", action="store_true",
                        help="list why each later bill waited, with its amounts, and the "
                             "held bills grouped by their reasons")
    parser.add_argument("--rows", type=Path, default=None,
                        help="keep the training rows in this file and reuse them (only while "
                             "the extraction and the memory features are unchanged)")
    args = parser.parse_args()
    settings = get_settings()
    extractor = Extractor(settings)
    sroie = sroie_sequence(args.shared)
    train = recurring_sequence(ROOT / "bench" / "out" / "recurring-train", TRAIN_SEED, "train",
                               TRAIN_VENDORS, TRAIN_PER_VENDOR)
    started = time.perf_counter()
    if args.rows is not None and args.rows.is_file():
        observed: Observed = pickle.loads(args.rows.read_bytes())
    else:
        observed = observe([*sroie, *train], extractor, settings, args.cache)
        if args.rows is not None:
            args.rows.write_bytes(pickle.dumps(observed))
    models = cross_fit(observed, args.folds)
    print(f"memory models fitted on {len(observed.rows)} candidate rows "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    for name in args.sets.split(","):
        docs = sroie if name == "sroie-lines" else recurring_sequence(
            ROOT / "bench" / "out" / "recurring-test", GENERATED_SEED, "test",
            GENERATED_VENDORS, GENERATED_PER_VENDOR)
        started = time.perf_counter()
        result = run_loop(docs, extractor, settings, args.cache,
                          lambda doc: models[fold_of(doc.group, args.folds)])
        print(report(name, result, time.perf_counter() - started))
        if args.show:
            print("\n".join("  " + m for m in result.later.misses))
            print("\n".join("  1st: " + m for m in result.first.misses))
        if args.held:
            print("\n".join("  held " + m for m in result.later.held))
            print("later bills held, grouped by their reasons:")
            for key, ids in sorted(result.later.groups.items(), key=lambda kv: -len(kv[1])):
                print(f"  {len(ids):>4}  {key}  ({', '.join(ids[:5])}"
                      f"{', ...' if len(ids) > 5 else ''})")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
