"""PP-OCR's lean graphs: built deterministically from the wheel's models, the same outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image, ImageDraw, ImageFont

from billintake.reading import ppocr_graph, rapid


def _session(path: Path | bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    source = path if isinstance(path, bytes) else str(path)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


def _text_image(width: int, height: int, text: str, size: int) -> np.ndarray:
    """Black text on white, as the models take it: NCHW, scaled to -1..1."""
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((4, 4), text, fill="black",
                               font=ImageFont.load_default(size=size))
    pixels = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0
    return ((pixels - 0.5) / 0.5)[None]


@pytest.fixture(scope="module")
def models() -> dict[str, Path]:
    det, _, rec = rapid.bundled_models()
    return {"det": det, "rec": rec}


def test_the_lean_graphs_are_built_deterministically_with_fewer_operations(
        models: dict[str, Path]) -> None:
    import onnx

    for path in models.values():
        first, second = ppocr_graph.lean_bytes(path), ppocr_graph.lean_bytes(path)
        assert first == second
        original = onnx.load(str(path))
        lean = onnx.load_from_string(first)
        assert not any(node.op_type == "Constant" for node in lean.graph.node)
        assert len(lean.graph.node) < 0.5 * len(original.graph.node)
        assert {p.key: p.value for p in lean.metadata_props} == {
            p.key: p.value for p in original.metadata_props}  # the recogniser's characters


def test_the_lean_recogniser_reads_a_line_as_the_wheels_does(models: dict[str, Path]) -> None:
    line = _text_image(240, 48, "TOTAL 112.45", 30)
    wheel = _session(models["rec"]).run(None, {"x": line})[0]
    lean = _session(ppocr_graph.lean_bytes(models["rec"])).run(None, {"x": line})[0]
    assert (wheel.argmax(-1) == lean.argmax(-1)).all()
    assert np.abs(wheel - lean).max() < 2e-3


def test_the_lean_detector_finds_the_text_the_wheels_does(models: dict[str, Path]) -> None:
    page = _text_image(320, 160, "KEDAI MAJU\nTOTAL 112.45", 22)
    wheel = _session(models["det"]).run(None, {"x": page})[0]
    lean = _session(ppocr_graph.lean_bytes(models["det"])).run(None, {"x": page})[0]
    assert (wheel > 0.3).sum() > 100  # it found text at all
    assert ((wheel > 0.3) == (lean > 0.3)).all()
    assert np.abs(wheel - lean).max() < 1e-3


def test_the_lean_file_is_built_once_and_the_wheels_model_is_the_fallback(
        models: dict[str, Path], tmp_path: Path) -> None:
    built = ppocr_graph.lean_model(models["rec"], tmp_path)
    assert built.parent == tmp_path and built.read_bytes() == ppocr_graph.lean_bytes(
        models["rec"])
    stamp = built.stat().st_mtime_ns
    assert ppocr_graph.lean_model(models["rec"], tmp_path) == built
    assert built.stat().st_mtime_ns == stamp
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    assert ppocr_graph.lean_model(broken, tmp_path / "cache") == broken
