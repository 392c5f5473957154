"""rapid.py's faster stand-ins for steps of RapidOCR: the same numbers as the shipped code."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from rapidocr_onnxruntime.cal_rec_boxes.main import CalRecBoxes
from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

from billintake.reading import rapid


def _shipped_corners(box: list[list[int]]) -> list[list[int]] | None:
    try:
        return CalRecBoxes.order_points(box)  # type: ignore[no-any-return]
    except (ValueError, IndexError):  # degenerate boxes it cannot order
        return None


def test_corners_are_ordered_as_rapidocr_orders_them() -> None:
    # every box on a small grid (rhombi, columns, shared centre lines, repeated points)
    # and random boxes of real characters' sizes
    grid = [list(map(list, corners)) for corners in itertools.product(
        itertools.product(range(3), range(2)), repeat=4)]
    rng = random.Random(7)
    drawn = [[[rng.randint(0, 40), rng.randint(0, 20)] for _ in range(4)] for _ in range(3000)]
    compared = 0
    for box in grid + drawn:
        expected = _shipped_corners(box)
        if expected is not None:
            assert rapid.ordered_corners(box) == expected, box
            compared += 1
    assert compared > 3000


def test_character_boxes_match_rapidocrs_and_leave_the_line_box_alone() -> None:
    crop = np.zeros((48, 300, 3), dtype=np.uint8)
    box = np.array([[10.0, 20.0], [310.0, 24.0], [309.0, 72.0], [9.0, 68.0]], dtype=np.float32)
    kept = box.copy()
    # what the recogniser gives a line: text, score, (columns, words, their columns,
    # language of each word, character scores)
    result = [("TOTAL 1.50", 0.93, (75, [list("TOTAL"), list("1.50")],
                                    [[3, 7, 11, 15, 19], [40, 44, 46, 50]], ["en", "en"],
                                    [0.9] * 9))]
    assert rapid._character_boxes()([crop], [box], result) == CalRecBoxes()(
        [crop], [box.copy()], result)
    assert np.array_equal(box, kept)


@pytest.mark.parametrize("shape", [(700, 500), (1900, 900), (60, 2500)])
def test_the_detectors_input_is_rapidocrs_to_the_bit(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(3)
    grey = rng.integers(0, 256, size=shape, dtype=np.uint8)
    page = np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    shipped = DetPreProcess(2000, "max", [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    fast = rapid._TablePreProcess(shipped)(page)
    assert fast is not None and fast.dtype == np.float32 and fast.flags.c_contiguous
    assert np.array_equal(fast, shipped(page))
