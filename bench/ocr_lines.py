"""Line recognisers against the true text lines of the real receipt scans (prints figures).

    .venv/bin/python bench/ocr_lines.py [--shared ../shared] [--limit N]
                                        [--model REC.onnx --keys DICT.txt [--name NAME]] ...

`realdev/sroie-lines` holds the annotated lines (text and box) of every receipt, the 80 of
`realdev/sroie` among them. Each true box is cut out of its scan and read by the engine's
recogniser alone (no detection, no word splitting), so recognisers are compared on the same
crops: the share of lines read right (spaces and case aside), of lines with digits (amounts,
dates), the character error rate, and CPU seconds per receipt on one thread. The shipped
recogniser (PP-OCRv4, its lean graph) is always measured; `--model`/`--keys` add another
PP-OCR CTC recogniser in ONNX (its character list one per line, as PaddleOCR ships it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from rapidfuzz.distance import Levenshtein

from billintake.reading import rapid

Recognise = Callable[[np.ndarray], str]


def true_lines(shared: Path, limit: int) -> tuple[list[tuple[np.ndarray, str]], int]:
    """(crop in BGR, true text) for each annotated line of the scans in `realdev/sroie`,
    and how many scans they came from."""
    annotated = {}
    for line in (shared / "realdev/sroie-lines/receipts.jsonl").read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            annotated[record["id"]] = record["lines"]
    crops = []
    scans = sorted((shared / "realdev/sroie").glob("*.jpg"))[:limit or None]
    for path in scans:
        image = np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1]
        for line in annotated.get(path.stem, []):
            x0, y0, x1, y1 = line["box"]
            crop = image[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2]
            if crop.size:
                crops.append((np.ascontiguousarray(crop), str(line["text"])))
    return crops, len(scans)


def recogniser(model: Path | None, keys: Path | None) -> Recognise:
    """The engine's recogniser, or the same pipeline on another model and character list."""
    engine = rapid._engine()
    session, decode = engine.text_rec.session.session, engine.text_rec.postprocess_op
    if model is not None:
        from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

        session, decode = rapid._session(model), CTCLabelDecode(character_path=keys)

    def read(crop: np.ndarray) -> str:
        engine.text_rec.session.session, engine.text_rec.postprocess_op = session, decode
        found, _ = engine.text_rec([crop], False)
        return str(found[0][0])
    return read


def score(name: str, read: Recognise, lines: list[tuple[np.ndarray, str]], receipts: int
          ) -> None:
    def plain(text: str) -> str:
        return text.replace(" ", "").upper()

    started = time.process_time()
    got = [read(crop) for crop, _ in lines]
    seconds = (time.process_time() - started) / max(1, receipts)
    truths = [text for _, text in lines]
    right = sum(plain(a) == plain(b) for a, b in zip(got, truths, strict=True))
    digits = [(a, b) for a, b in zip(got, truths, strict=True) if any(c.isdigit() for c in b)]
    digits_right = sum(plain(a) == plain(b) for a, b in digits)
    errors = sum(Levenshtein.distance(plain(a), plain(b)) for a, b in zip(got, truths,
                                                                           strict=True))
    cer = errors / max(1, sum(len(plain(b)) for b in truths))
    print(f"{name}: lines right {right}/{len(truths)} ({100 * right / len(truths):.1f} %), "
          f"with digits {digits_right}/{len(digits)} "
          f"({100 * digits_right / max(1, len(digits)):.1f} %), CER {100 * cer:.2f} %, "
          f"CPU {seconds:.3f} s a receipt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--limit", type=int, default=0, help="only the first N scans")
    parser.add_argument("--model", type=Path, action="append", default=[])
    parser.add_argument("--keys", type=Path, action="append", default=[])
    parser.add_argument("--name", action="append", default=[])
    args = parser.parse_args(argv)
    if len(args.model) != len(args.keys):
        parser.error("each --model needs its --keys")
    lines, receipts = true_lines(args.shared, args.limit)
    if not lines:
        print(f"no annotated scans under {args.shared}/realdev", file=sys.stderr)
        return 2
    print(f"{len(lines)} true lines of {receipts} receipt scans")
    score("PP-OCRv4 (shipped)", recogniser(None, None), lines, receipts)
    for index, (model, keys) in enumerate(zip(args.model, args.keys, strict=True)):
        name = args.name[index] if index < len(args.name) else model.name
        score(name, recogniser(model, keys), lines, receipts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
