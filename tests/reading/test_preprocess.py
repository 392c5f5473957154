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


def test_clean_render_is_left_alone_but_for_its_rule() -> None:
    page = fx.render(fx.digital_pdf(), 100)
    assert not preprocess.is_noisy(page)
    before, after = np.asarray(page), np.asarray(preprocess.clean_up(page))
    changed_rows = np.flatnonzero((before != after).any(axis=1))
    rule_row = round(205 * 100 / 72)  # the line under the table header, 205 pt from the top
    assert changed_rows.size and abs(changed_rows.mean() - rule_row) <= 2
    assert changed_rows.max() - changed_rows.min() <= 4
    assert after[rule_row, 100:700].min() == 255  # erased along its length


def test_rules_go_glyphs_stay() -> None:
    ink = np.zeros((60, 400), dtype=bool)
    ink[10, 20:380] = True  # a table rule
    ink[5:55, 390] = True  # a cell border
    ink[30:45, 100] = True  # the stem of a letter
    ink[40, 200:212] = True  # the bar of a letter
    page = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), mode="L")
    cleaned = np.asarray(preprocess.without_rules(page))
    assert cleaned[10, 20:380].min() == 255 and cleaned[5:55, 390].min() == 255
    assert cleaned[30:45, 100].max() == 0 and cleaned[40, 200:212].max() == 0


def test_text_fused_by_blur_is_no_rule() -> None:
    ink = np.zeros((60, 400), dtype=bool)
    ink[10, 20:380] = True  # a table rule, alone
    for x in range(20, 380, 6):  # a blurred line of text: letters fused along the baseline
        ink[30:44, x:x + 3] = True
    ink[44, 20:380] = True
    page = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), mode="L")
    cleaned = np.asarray(preprocess.without_rules(page))
    assert cleaned[10, 20:380].min() == 255
    assert cleaned[44, 20:380].max() == 0 and cleaned[30:44].min() == 0


def test_skew_of_a_photographed_slip_on_a_dark_table() -> None:
    slip = Image.new("L", (260, 420), 250)
    pixels = np.asarray(slip).copy()
    for row in range(30, 400, 18):  # lines of "words": short dark bars with gaps
        for x in range(20, 230, 36):
            pixels[row:row + 6, x:x + 28] = 30
    slip = Image.fromarray(pixels, mode="L").rotate(3.0, resample=Image.Resampling.BICUBIC,
                                                     expand=True, fillcolor=0)
    rng = np.random.default_rng(1)
    table = rng.normal(100, 25, (560, 420)).clip(0, 255).astype(np.uint8)
    photo = Image.fromarray(table, mode="L")
    photo.paste(slip, (60, 50), Image.fromarray(
        (np.asarray(slip.point(lambda v: 255 if v else 0)) > 0).astype(np.uint8) * 255))
    assert abs(preprocess.estimate_skew(photo) + 3.0) <= 0.3


def test_a_photographed_slip_loses_the_table_around_it() -> None:
    rng = np.random.default_rng(2)
    photo = rng.normal(90, 20, (500, 400)).clip(0, 255).astype(np.uint8)
    photo[60:440, 80:320] = 245  # the slip
    photo[100:108, 110:290] = 20  # a line of its text
    cleaned = np.asarray(preprocess.without_surroundings(Image.fromarray(photo, mode="L")))
    assert cleaned[:40].min() == 255 and cleaned[:, :60].min() == 255  # the table: white
    assert cleaned[100:108, 110:290].max() == 20  # the text stays
    page = fx.render(fx.digital_pdf(), 100)  # a page on a scanner: nothing to take away
    assert np.array_equal(np.asarray(preprocess.without_surroundings(page)), np.asarray(page))


def test_a_page_with_little_text_is_not_stretched_into_noise() -> None:
    rng = np.random.default_rng(3)
    page = rng.normal(246, 2.5, (700, 500)).clip(0, 255).astype(np.uint8)
    page[60:66, 40:200] = 40  # a totals line or two on a last page: well under 1 % ink
    page[80:86, 40:160] = 40
    cleaned = np.asarray(preprocess.clean_up(Image.fromarray(page, mode="L")))
    assert (cleaned < preprocess.otsu(cleaned)).mean() < 0.01


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


def test_black_and_white_pages_have_ink() -> None:
    fax = np.full((50, 50), 255, dtype=np.uint8)
    fax[20:30, 10:40] = 0
    assert (fax < preprocess.otsu(fax)).sum() == 300
    grey = np.asarray(fx.render(fx.digital_pdf(), 100))
    assert 60 < preprocess.otsu(grey) < 200


def test_dark_band_is_inverted_bold_title_is_not() -> None:
    page = fx.render(fx.banded_header_pdf(), 150)
    out = np.asarray(preprocess.with_dark_bands_inverted(page), dtype=np.int32)
    before = np.asarray(page, dtype=np.int32)
    band = (slice(10, 150), slice(20, 1200))  # inside the 80 pt band at 150 dpi
    title = (slice(240, 290), slice(100, 700))  # "TAX INVOICE", 28 pt bold
    assert before[band].mean() < 100 < out[band].mean()  # light now, with dark text
    assert np.array_equal(out[title], before[title])
