"""Extraction figures on the holdout family, per category, with read pages cached.

    python -m billintake_devkit.synth_holdout --out /tmp/holdout --seed 4242 --count 60
    python bench/holdout/score.py /tmp/holdout/truth.jsonl [--cache /tmp/holdout/.read] [--show]

Reading (OCR) is the slow part and does not change while extraction rules do, so each
document's read pages are cached as JSON beside the truth (delete the folder to re-read).
Prints the bench's table for all documents and for each category (digital, scan, receipt).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extraction import Score

from billintake.domain.errors import BillintakeError
from billintake.extraction.contract import to_contract
from billintake.extraction.extractor import Extractor
from billintake.reading.document import ReadDocument
from billintake.reading.reader import read


def read_cached(path: Path, cache: Path) -> ReadDocument:
    cached = cache / (path.name + ".json")
    if cached.is_file():
        return ReadDocument.model_validate_json(cached.read_text(encoding="utf-8"))
    doc = read(path.read_bytes())
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_text(doc.model_dump_json(), encoding="utf-8")
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--model", action="store_true", help="with the trained ranker")
    parser.add_argument("--only", help="substring of the ids to run")
    args = parser.parse_args(argv)
    cache = args.cache or args.truth.parent / ".read"
    records = [json.loads(line) for line in args.truth.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    if args.only:
        records = [r for r in records if args.only in r["id"]]
    extractor = Extractor(use_model=args.model)
    scores: dict[str, Score] = {"all": Score()}
    for record in records:
        started = time.perf_counter()
        try:
            doc = read_cached(args.truth.parent / record["file"], cache)
            result: dict[str, Any] = to_contract(extractor.extract_document(doc),
                                                 record["file"])
        except BillintakeError as exc:
            scores["all"].errors.append(f"{record['id']}: {exc}")
            result = {}
        seconds = time.perf_counter() - started
        for name in ("all", record.get("category", "other")):
            scores.setdefault(name, Score()).add(record, result, seconds)
    for name, score in scores.items():
        print(score.report(f"{name} ({args.truth})"))
        if args.show and name == "all":
            print("\n".join(score.misses))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
