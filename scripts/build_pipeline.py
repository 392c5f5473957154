"""Write the spaCy pipeline of rule components to models/ (deterministic, no training).

    python scripts/build_pipeline.py [--out models/billintake_fields]

The pipeline (`extraction/nlp.py`): spaCy's tokenizer with the split inside dates and codes
taken out, the entity rulers over `patterns/*.jsonl`, the identifier check and the label
lexicon `patterns/labels.jsonl`, saved with `nlp.to_disk` together with the fingerprint of
the pattern files. Rebuild whenever a pattern file or the lexicon changes (a test says so).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from billintake.extraction import model
from billintake.extraction import nlp as rules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=model.DEFAULT_MODEL_DIR)
    args = parser.parse_args(argv)
    pipeline = rules.build_rules_pipeline()
    args.out.mkdir(parents=True, exist_ok=True)
    pipeline.to_disk(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(json.dumps({"model": str(args.out), "bytes": size, "pipes": pipeline.pipe_names}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
