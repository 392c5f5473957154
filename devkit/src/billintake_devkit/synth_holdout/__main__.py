"""Write holdout documents and truth files (all, and one per category) into a folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .generate import CATEGORIES, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = {name: (args.out / f"truth-{name}.jsonl").open("w", encoding="utf-8")
             for name in CATEGORIES}
    with (args.out / "truth.jsonl").open("w", encoding="utf-8") as everything:
        for doc in generate(args.seed, args.count):
            name = doc.id + doc.extension
            (args.out / name).write_bytes(doc.data)
            line = json.dumps(doc.record(name), ensure_ascii=False) + "\n"
            everything.write(line)
            files[doc.category].write(line)
    for handle in files.values():
        handle.close()
    print(f"wrote {args.count} documents to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
