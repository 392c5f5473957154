"""Scan clean-up: skew, lighting, grain, resolution — each only where it helps."""

from __future__ import annotations

import numpy as np
from PIL import Image

from billintake.reading import preprocess
from tests.fixtures_gen import reading_fixtures as fx


def test_skew_is_measured_and_corrected() -> None:
    clean = fx.render(fx.digital_pdf(), 100)
    for angle in (-2.0, 0.0, 1.5):
        tilted = clean.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        correction = preprocess.estimate_skew(tilted)
        assert abs(correction + angle) <= 0.2


def test_uneven_light_is_flattened() -> None:
    page = np.asarray(fx.render(fx.digital_pdf(), 100), dtype=np.float64)
    shadow = np.linspace(0.5, 1.0, page.shape[1])[None, :]
    photo = Image.fromarray((page * shadow).astype(np.uint8), mode="L")
    cleaned = np.asarray(preprocess.clean_up(photo))
    paper = cleaned[np.asarray(photo) > 60]
    assert np.median(paper[: paper.size // 4]) > 230  # the shadowed side is white again


def test_clean_render_is_left_alone() -> None:
    page = fx.render(fx.digital_pdf(), 100)
    assert not preprocess.is_noisy(page)
    assert np.array_equal(np.asarray(preprocess.clean_up(page)), np.asarray(page))


def test_grainy_scan_is_smoothed() -> None:
    grainy = fx.scan(fx.render(fx.digital_pdf(), 100), angle=0.0, noise=12.0)
    assert preprocess.is_noisy(grainy)
    blank = (slice(515, 540), slice(600, 800))  # bottom right margin of the page, 100 dpi
    before = np.asarray(grainy, dtype=np.float64)[blank]
    after = np.asarray(preprocess.clean_up(grainy), dtype=np.float64)[blank]
    assert before.min() < 200 < before.mean()  # really blank paper, really grainy
    assert after.std() < before.std() / 2


def test_low_resolution_is_enlarged_and_high_left_alone() -> None:
    small = Image.new("L", (400, 300), 255)
    enlarged, dpi = preprocess.upscaled(small, 100.0, 300, 60_000_000)
    assert enlarged.size == (1200, 900) and dpi == 300.0
    same, dpi = preprocess.upscaled(small, 280.0, 300, 60_000_000)
    assert same is small and dpi == 280.0
    capped, dpi = preprocess.upscaled(small, 100.0, 300, 480_000)  # the pixel limit holds
    assert capped.width * capped.height <= 480_000


def test_sideways_text_is_told_from_upright() -> None:
    page = fx.render(fx.digital_pdf(), 100)
    assert preprocess.lines_run_horizontally(page)
    assert preprocess.lines_run_horizontally(page.rotate(180))
    assert not preprocess.lines_run_horizontally(page.rotate(90, expand=True))


def test_grain_of_an_enlarged_scan_is_measured_at_its_size() -> None:
    grainy = fx.scan(fx.render(fx.digital_pdf(), 100), angle=0.0, noise=12.0)
    assert preprocess.grain(grainy) == 1.0
    enlarged = grainy.resize((grainy.width * 3, grainy.height * 3), Image.Resampling.BICUBIC)
    assert preprocess.grain(enlarged) >= 2.0
    assert preprocess.grain(fx.render(fx.digital_pdf(), 300)) == 0.0
