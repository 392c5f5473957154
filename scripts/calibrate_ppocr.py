"""Measure the ranges PP-OCR's recogniser int8 convolutions are quantised by
(src/billintake/reading/ppocr_rec_ranges.json; `ppocr_graph.int8_bytes`).

    .venv/bin/python scripts/calibrate_ppocr.py [--shared ../shared] [--pages 6] [--every 3]

The text lines are those PP-OCR's detector finds on the first pages of the Factur-X visual
set, rendered as the OCR path renders a scanned PDF (300 dpi, grey): printed invoices, not
the receipts bench/realsets.py scores the OCR by. Every `--every`-th line is run through the
lean recogniser (as `rapid` reads a line: 48 px tall, its own width) and the lowest and
highest value of each quantised convolution's input and output are kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    import onnx
    import onnxruntime as ort
    from onnx import version_converter

    from billintake.reading import ppocr_graph, rapid
    from billintake.reading.ocr import render_pdf_page

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--every", type=int, default=3)
    args = parser.parse_args(argv)

    engine = rapid._engine()
    crops = []
    for path in sorted((args.shared / "realdev/facturx-visual").glob("*.pdf"))[:args.pages]:
        image, _ = render_pdf_page(path.read_bytes(), 0, dpi=300, max_pixels=10**9)
        lines = rapid.detect(image.convert("L"), time.monotonic() + 600)
        crops += [engine.get_crop_img_list(lines.image, [box])[0] for box in lines.boxes]
    crops = crops[::args.every]

    _, _, source = rapid.bundled_models()
    model = onnx.load_from_string(ppocr_graph.lean_bytes(source))
    model = version_converter.convert_version(model, ppocr_graph.INT8_OPSET)
    nodes = set(ppocr_graph.int8_convolutions(model))
    names = sorted({name for node in model.graph.node if node.name in nodes
                    for name in (node.input[0], node.output[0])})
    model.graph.output.extend(onnx.ValueInfoProto(name=name) for name in names)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), sess_options=options,
                                   providers=["CPUExecutionProvider"])
    low = dict.fromkeys(names, np.inf)
    high = dict.fromkeys(names, -np.inf)
    for crop in crops:
        line = engine.text_rec.resize_norm_img(crop, max(1.0, crop.shape[1] / crop.shape[0]))
        values = session.run(names, {"x": line[None].astype(np.float32)})
        for name, value in zip(names, values, strict=True):
            low[name], high[name] = min(low[name], value.min()), max(high[name], value.max())
    ranges = {"model": hashlib.sha256(source.read_bytes()).hexdigest(),
              "lines": len(crops),
              "tensors": {name: [float(low[name]), float(high[name])] for name in names}}
    ppocr_graph.RANGES_FILE.write_text(json.dumps(ranges, indent=1) + "\n")
    print(f"{len(names)} ranges of {len(nodes)} convolutions from {len(crops)} lines "
          f"-> {ppocr_graph.RANGES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
