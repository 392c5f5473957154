"""Split: exact page ranges on files made of several real bills.

    python bench/split.py [--sets N] [--seed S] [--shared DIR]

Reads each real bill once (the PDFs of `shared/devset/invoice2data` and
`shared/realdev/facturx-visual`, one- to six-page bills), then builds N files of 2–6 bills
drawn at random (repeats allowed, so the same layout can follow itself) by putting their read
pages one after another — what reading the concatenated PDF gives, as each page is read on its
own — and splits each. Prints: boundaries found (precision, recall), bills whose page range is
exact, files split exactly, and single multi-page bills kept whole.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from billintake.extraction.split import PageRange, split_pages
from billintake.reading.document import ReadDocument
from billintake.reading.reader import read


def sources(shared: Path) -> list[tuple[str, ReadDocument]]:
    files = sorted((shared / "devset" / "invoice2data").glob("*.pdf"))
    files += sorted((shared / "realdev" / "facturx-visual").glob("*.pdf"))
    return [(path.name, read(path.read_bytes())) for path in files]


def concatenate(docs: list[ReadDocument]) -> tuple[ReadDocument, list[PageRange]]:
    pages, ranges = [], []
    for doc in docs:
        first = len(pages) + 1
        pages += [p.model_copy(update={"number": len(pages) + i + 1})
                  for i, p in enumerate(doc.pages)]
        ranges.append((first, len(pages)))
    return ReadDocument(media_type="application/pdf", pages=pages), ranges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared")
    args = parser.parse_args()
    started = time.perf_counter()
    bills = sources(args.shared)
    multi = [(name, doc) for name, doc in bills if len(doc.pages) > 1]
    print(f"{len(bills)} real bills read ({len(multi)} multi-page) in "
          f"{time.perf_counter() - started:.1f} s")
    whole = sum(split_pages(doc) == [(1, len(doc.pages))] for _, doc in bills)
    print(f"single bills kept whole: {whole}/{len(bills)} "
          f"(multi-page: {sum(split_pages(d) == [(1, len(d.pages))] for _, d in multi)}"
          f"/{len(multi)})")
    for name, doc in bills:
        if split_pages(doc) != [(1, len(doc.pages))]:
            print(f"  split wrongly: {name}: {split_pages(doc)}")
    rng = random.Random(args.seed)
    tp = fp = fn = exact_bills = total_bills = exact_files = 0
    started = time.perf_counter()
    for _ in range(args.sets):
        chosen = [rng.choice(bills) for _ in range(rng.randint(2, 6))]
        doc, truth = concatenate([d for _, d in chosen])
        found = split_pages(doc)
        true_starts = {first for first, _ in truth[1:]}
        found_starts = {first for first, _ in found[1:]}
        tp += len(true_starts & found_starts)
        fp += len(found_starts - true_starts)
        fn += len(true_starts - found_starts)
        exact_bills += len(set(truth) & set(found))
        total_bills += len(truth)
        exact_files += found == truth
    elapsed = time.perf_counter() - started
    print(f"{args.sets} files of 2-6 bills ({total_bills} bills), seed {args.seed}:")
    print(f"  boundaries: precision {tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}"
          f" ({tp} found, {fp} false, {fn} missed)")
    print(f"  bills with exact page range: {exact_bills}/{total_bills} "
          f"({exact_bills / total_bills:.3f})")
    print(f"  files split exactly: {exact_files}/{args.sets} ({exact_files / args.sets:.3f})")
    print(f"  split time: {1000 * elapsed / args.sets:.1f} ms per file")


if __name__ == "__main__":
    main()
