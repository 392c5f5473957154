"""Scan clean-up before OCR: resolution, skew, orientation check, lighting and grain.

Each step changes the image only where it helps: a straight, clean, well-lit page is left
as it is, and Tesseract's own (Otsu) thresholding does the rest.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter, ImageOps

_SKEW_MAX_SIDE = 1200
_SKEW_RANGE = 5.0  # degrees searched either way
_MIN_SKEW = 0.2  # smaller skews are left alone
_SKEW_SOLID, _SKEW_SOLID_SHARE = 12, 0.6  # ink this dense this far around is no text
_PHOTO_BORDER = 0.5  # share of the image's edge that is such ink: a photo's background
_SURFACE_WINDOW = 3  # pixels at the band scale: solid darkness around a photographed page...
_SURFACE_EDGE = 2  # ...and this much of the page's edge beside it are whitened...
_MAX_SURFACE = 0.85  # ...unless that would leave less than this share of the image
_MIN_UPSCALE, _MAX_UPSCALE = 1.25, 3.0  # images well below the OCR resolution are enlarged
# ...to lines of text this tall (on the real receipts, lines 20–35 px tall read as well
# unenlarged as enlarged 2–3×; lines of 12 px lose characters)
_TEXT_LINE_PX = 24.0
_LINE_STRIPS = 8  # the page cut into this many strips, each with its own lines
_MIN_LINE_PX, _MAX_LINE_PX = 4, 200  # runs of inked rows outside these: rules, pictures
_MIN_LINES = 5
_HORIZONTAL_RATIO = 2.0  # row profile this much sharper than the column profile: text lines
_BAND_SCALE = 400  # pixels on the long side, where dark bands are looked for...
_BAND_WINDOW = 6  # ...averaging over 13×13 of those pixels...
_DARK_FILL = 90  # ...darker than this on average...
_BAND_MIN = 9  # ...and at least this many of them across
_HOLE = 11  # light text inside a band: holes up to this many of those pixels are filled
_RULE_SHARE = 0.04  # a rule runs at least this share of the page's width (or height)
_MIN_RULE = 25  # pixels
_RULE_SLENDERNESS = 10  # a rule is at least this many times longer than it is thick
_MIN_RULE_THICKNESS = 3  # pixels a rule may be thick, whatever its length
_RULE_HALO = 2  # pixels: a rule's own soft edge
_RULE_HUG = 6  # pixels (halo included): other ink this near along a run is text fused with it...
_MAX_HUG_SHARE = 0.3  # ...over more than this share of its length: no rule
_SPECK_WINDOW = 7  # pixels: a speck fits in this square...
_MAX_SPECK = 4  # ...and has at most this many dark pixels (a full stop at 8 pt/300 dpi: ~9)
_CLEAR_INK = 60  # grey levels below the paper
_NOISE_STD = 4.0  # grey levels of grain on blank paper above which a scan is smoothed


def upscaled(image: Image.Image, dpi: float, target_dpi: int, max_pixels: int
             ) -> tuple[Image.Image, float]:
    """Images whose print is small in pixels enlarged, so its lines of text stand about
    `_TEXT_LINE_PX` tall (Tesseract misses small glyphs), but never past the OCR resolution.

    The print's own size decides, not the stated or guessed resolution: a receipt scanned
    with lines 25 px tall reads as well as it will (and enlarging it 2.5× makes OCR 4× slower),
    while a 100 dpi fax of 8 pt print needs enlarging.
    """
    height = text_line_height(image)
    factor = min(target_dpi / dpi, _MAX_UPSCALE,
                 math.sqrt(max_pixels / max(image.width * image.height, 1)),
                 _TEXT_LINE_PX / height if height else _MAX_UPSCALE)
    if factor < _MIN_UPSCALE:
        return image, dpi
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS), dpi * factor


def text_line_height(image: Image.Image) -> float | None:
    """The median height in pixels of the page's lines of text: runs of rows with ink,
    strip by strip across the page (columns side by side apart); None without lines."""
    pixels = np.asarray(image, dtype=np.uint8)
    ink = pixels < otsu(pixels)
    heights: list[int] = []
    for strip in np.array_split(ink, _LINE_STRIPS, axis=1):
        rows = np.flatnonzero(strip.sum(axis=1) >= 2)  # a speck's lone pixel is no text
        if rows.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(rows) > 1)
        starts = np.concatenate(([rows[0]], rows[breaks + 1]))
        ends = np.concatenate((rows[breaks], [rows[-1]]))
        heights.extend(int(h) for h in ends - starts + 1 if _MIN_LINE_PX <= h <= _MAX_LINE_PX)
    if len(heights) < _MIN_LINES:
        return None
    return float(np.median(heights))


def deskewed(image: Image.Image) -> tuple[Image.Image, float]:
    skew = estimate_skew(image)
    if abs(skew) < _MIN_SKEW:
        return image, skew
    return image.rotate(skew, resample=Image.Resampling.BILINEAR, expand=False,
                        fillcolor=255), skew


def estimate_skew(image: Image.Image) -> float:
    """Small skew in degrees (counter-clockwise, as for `Image.rotate`) that straightens lines.

    Projection profile: the angle at which the ink's row histogram is sharpest.
    """
    small = downscaled(image, _SKEW_MAX_SIDE)
    pixels = np.asarray(small, dtype=np.uint8)
    ink = pixels < otsu(pixels)
    # A photo of a page on a darker surface: the background all around would outweigh the
    # lines of text (its sampled grain drowns them). Only ink in the texture of text counts.
    # (A filled band on the page stays: its edges are as level as the text.)
    solid = _box_mean(ink, 2 * _SKEW_SOLID + 1) >= _SKEW_SOLID_SHARE * 255
    if _photo_border(solid):
        ink &= ~solid
    ys, xs = np.nonzero(ink)
    if len(ys) < 200 or ink.mean() > 0.5:
        return 0.0
    if len(ys) > 150_000:
        pick = np.random.default_rng(0).choice(len(ys), 150_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64) - pixels.shape[0] / 2
    xs = xs.astype(np.float64) - pixels.shape[1] / 2
    bins = pixels.shape[0] + 1

    def sharpness(angle: float) -> float:
        theta = math.radians(angle)
        rotated = ys * math.cos(theta) + xs * math.sin(theta)
        histogram, _ = np.histogram(rotated, bins=bins,
                                    range=(-pixels.shape[0], pixels.shape[0]))
        return float(np.sum(np.diff(histogram.astype(np.float64)) ** 2))

    coarse = max(np.arange(-_SKEW_RANGE, _SKEW_RANGE + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=sharpness)
    return round(-float(fine), 2)


def lines_run_horizontally(image: Image.Image) -> bool:
    """Whether the ink forms horizontal lines (upright or upside down), not vertical ones."""
    pixels = np.asarray(downscaled(image, _SKEW_MAX_SIDE), dtype=np.uint8)
    ink = (pixels < otsu(pixels)).astype(np.float64)
    rows = np.sum(np.diff(ink.sum(axis=1)) ** 2) / max(ink.shape[1], 1) ** 2
    columns = np.sum(np.diff(ink.sum(axis=0)) ** 2) / max(ink.shape[0], 1) ** 2
    return bool(rows > _HORIZONTAL_RATIO * columns)


def clean_up(image: Image.Image) -> Image.Image:
    """Even out lighting and contrast, erase rules and specks, soften grain — each only where
    the page has it; Tesseract's own thresholding does the rest."""
    image = with_dark_bands_inverted(without_surroundings(image))
    small = downscaled(image, 400)
    # The paper's brightness: local maxima (ink removed), smoothed.
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(6))
    brightness = np.asarray(paper, dtype=np.float64)
    if np.percentile(brightness, 95) - np.percentile(brightness, 5) > 40:
        # Uneven light (a phone photo, a shadow): divide by the paper, a local threshold.
        full_paper = np.asarray(paper.resize(image.size, Image.Resampling.BILINEAR),
                                dtype=np.float64)
        flat = np.asarray(image, dtype=np.float64) / np.maximum(full_paper, 1.0)
        image = Image.fromarray(np.clip(flat * 255.0, 0, 255).astype(np.uint8), mode="L")
    elif np.percentile(np.asarray(small), 99) - np.percentile(np.asarray(small), 1) < 120 \
            and _inked(image):
        image = ImageOps.autocontrast(image, cutoff=1)
    image = without_specks(without_rules(image))
    size = grain(image)  # after rules and specks are gone: only the paper's own grain
    if size:
        # A light blur, as wide as the grain: it fades below Tesseract's threshold, strokes
        # stay. (As good as a median filter here, and several times faster.)
        image = image.filter(ImageFilter.GaussianBlur(max(1.0, size / 2)))
    return image


def _inked(image: Image.Image) -> bool:
    """Whether 1 % of the page is clearly darker than its paper. A page with little text (a
    last page with the totals) has less: stretching it to full contrast from its 1st
    percentile would turn the paper's grain into a page of noise."""
    sample = np.asarray(image, dtype=np.uint8)[::2, ::2]
    dark, paper = np.percentile(sample, (1, 50))
    return bool(paper - dark > _CLEAR_INK)


def without_surroundings(image: Image.Image) -> Image.Image:
    """A photo of a page on a darker surface (a slip on a table) with the surface and the
    paper's edge made white: its edge and texture would be read as "|", "1" or "7".

    The surface is solid darkness reaching the image's border all around; what of it is
    connected to the border goes (a dark logo inside the page stays)."""
    small = downscaled(image, _BAND_SCALE)
    ink = np.asarray(small) < otsu(np.asarray(small))
    solid = _box_mean(ink, 2 * _SURFACE_WINDOW + 1) >= _SKEW_SOLID_SHARE * 255
    if not _photo_border(solid):
        return image
    seeds = np.zeros_like(solid)
    seeds[[0, -1], :] = solid[[0, -1], :]
    seeds[:, [0, -1]] |= solid[:, [0, -1]]
    surface = _grown_within(seeds, solid)
    surface = np.asarray(Image.fromarray(surface.astype(np.uint8) * 255, mode="L").filter(
        ImageFilter.MaxFilter(2 * _SURFACE_EDGE + 1)))  # and the paper's shaded edge
    if surface.mean() > 255 * _MAX_SURFACE:
        return image  # hardly any page left: rather a dark page than a page on a table
    mask = np.asarray(Image.fromarray(surface, mode="L").resize(
        image.size, Image.Resampling.BILINEAR)) > 127
    pixels = np.asarray(image, dtype=np.uint8).copy()
    pixels[mask] = 255
    return Image.fromarray(pixels, mode="L")


def _photo_border(solid: np.ndarray) -> bool:
    """Solid darkness along most of the image's edge: a photo of a page on a surface."""
    return bool(np.mean([solid[0].mean(), solid[-1].mean(), solid[:, 0].mean(),
                         solid[:, -1].mean()]) >= _PHOTO_BORDER)


def with_dark_bands_inverted(image: Image.Image) -> Image.Image:
    """Light text on dark fill (a coloured header band) turned into dark text on light.

    Tesseract reads dark-on-light; a band printed dark would come out as garbage. Dark areas
    count as bands only when large: a bold title or a logo stays as it is.
    """
    small = downscaled(image, _BAND_SCALE)
    seeds = _mask(small.filter(ImageFilter.BoxBlur(_BAND_WINDOW)), _DARK_FILL)
    seeds = seeds.filter(ImageFilter.MinFilter(_BAND_MIN)).filter(
        ImageFilter.MaxFilter(_BAND_MIN))
    if not np.asarray(seeds).any():
        return image
    # the band's exact extent: fine-grained darkness with the text inside it filled in
    fine = _mask(small.filter(ImageFilter.BoxBlur(1)), _DARK_FILL + 20)
    filled = fine.filter(ImageFilter.MaxFilter(_HOLE)).filter(ImageFilter.MinFilter(_HOLE))
    near_seeds = np.asarray(seeds.filter(ImageFilter.MaxFilter(2 * _HOLE + 1))) > 0
    # the whole band the seeds lie in: a wide title in a band leaves no seed beside it
    band = _grown_within(near_seeds & (np.asarray(filled) > 0), np.asarray(filled) > 0)
    bands = Image.fromarray(np.where(band, 255, 0).astype(np.uint8), mode="L")
    mask = np.asarray(bands.resize(image.size, Image.Resampling.BILINEAR)) > 127
    pixels = np.asarray(image, dtype=np.uint8)
    return Image.fromarray(np.where(mask, 255 - pixels, pixels).astype(np.uint8), mode="L")


def _grown_within(region: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """`region` grown through the `allowed` pixels it touches (their connected parts)."""
    for _ in range(sum(region.shape)):
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= allowed
        if np.array_equal(grown, region):
            break
        region = grown
    return region


def _mask(image: Image.Image, below: int) -> Image.Image:
    return Image.fromarray(np.where(np.asarray(image) < below, 255, 0).astype(np.uint8),
                           mode="L")


def without_rules(image: Image.Image) -> Image.Image:
    """The page with table rulings and underlines erased.

    Rules are straight runs of ink far longer than any stroke of a glyph; left in, Tesseract
    reads them as "|", "[" or "_" and glues them to the cell text beside them.
    """
    pixels = np.asarray(image, dtype=np.uint8)
    rules = rule_pixels(pixels < otsu(pixels))
    if not rules.any():
        return image
    cleaned = pixels.copy()
    cleaned[rules] = 255
    return Image.fromarray(cleaned, mode="L")


def rule_pixels(ink: np.ndarray) -> np.ndarray:
    """The pixels of `ink` that belong to rules, with the rules' soft edges."""
    height, width = ink.shape
    across = _thin_runs(ink, max(_MIN_RULE, round(width * _RULE_SHARE)), axis=1)
    down = _thin_runs(ink, max(_MIN_RULE, round(height * _RULE_SHARE)), axis=0)
    if not across.any() and not down.any():
        return across
    # A blurred line of text fuses into a band whose serifs or middle make a long thin run
    # too; but a rule stands alone, while text has its own ink hugging such a run.
    # Along a line, serifs fuse with ink on one side of the run; a column of ink fuses two
    # letters side by side, while a page's edge in a photo has grain on one side only.
    found = across | down
    rules = _alone(across, ink, found, axis=1) | _alone(down, ink, found, axis=0,
                                                        both_sides=True)
    if rules.any():  # the rule's soft edges too
        rules |= np.roll(rules, 1, 0) | np.roll(rules, -1, 0) | np.roll(rules, 1, 1) | np.roll(
            rules, -1, 1)
    return rules


def _alone(runs: np.ndarray, ink: np.ndarray, rules: np.ndarray, axis: int, *,
           both_sides: bool = False) -> np.ndarray:
    """The runs (along `axis`: 1 rows, 0 columns) that no other ink hugs (on both sides,
    with `both_sides`) for more than a small share of their length: rules, not strokes
    fused inside a blurred line of text. Other ink: not within a halo of any rule.

    Only the rows holding runs (and their neighbours) are looked at: a page has few."""
    if not runs.any():
        return runs
    if axis == 0:
        runs, ink, rules = runs.T, ink.T, rules.T
    height = runs.shape[0]
    rows = np.flatnonzero(runs.any(axis=1))
    offsets = np.arange(-_RULE_HUG, _RULE_HUG + 1)
    needed = np.unique(np.clip(rows[:, None] + offsets, 0, height - 1))
    near_rule = np.zeros((needed.size, runs.shape[1]), dtype=bool)
    for step in range(-_RULE_HALO, _RULE_HALO + 1):
        near_rule |= rules[np.clip(needed + step, 0, height - 1)]
    others = ink[needed] & ~near_rule
    before = np.zeros((rows.size, runs.shape[1]), dtype=bool)
    after = np.zeros_like(before)
    for step in range(1, _RULE_HUG + 1):
        for side, shifted in ((before, rows - step), (after, rows + step)):
            inside = (shifted >= 0) & (shifted < height)
            side[inside] |= others[np.searchsorted(needed, shifted[inside])]
    near = (before & after) if both_sides else (before | after)
    along = runs[rows]
    flat = np.pad(along, ((0, 0), (0, 1))).ravel()
    near_flat = np.pad(near, ((0, 0), (0, 1))).ravel()
    edges = np.flatnonzero(np.diff(np.concatenate(([False], flat))).astype(bool))
    starts, ends = edges[0::2], edges[1::2]
    inside_count = np.cumsum(near_flat.astype(np.int32))
    counts = inside_count[ends - 1] - np.where(starts > 0, inside_count[starts - 1], 0)
    text = counts > _MAX_HUG_SHARE * (ends - starts)
    if text.any():
        keep = np.zeros(flat.size + 1, dtype=np.int32)
        np.add.at(keep, starts[text], 1)
        np.add.at(keep, ends[text], -1)
        flat = flat & ~(np.cumsum(keep[:-1]) > 0)
    kept = np.zeros_like(runs)
    kept[rows] = flat.reshape(rows.size, runs.shape[1] + 1)[:, :-1]
    return kept if axis == 1 else np.ascontiguousarray(kept.T)


def without_specks(image: Image.Image) -> Image.Image:
    """The page without isolated specks of dust: dark blobs of at most a few pixels with
    nothing else near them. Full stops are larger and stand beside digits: they stay."""
    pixels = np.asarray(image, dtype=np.uint8)
    ink = pixels < otsu(pixels)
    near = _box_mean(ink, _SPECK_WINDOW)
    # cheap first pass on the blurred mask, exact counts only where a speck may be
    candidates = np.flatnonzero(ink.ravel() & (near.ravel() <= 255 * (_MAX_SPECK + 1)
                                               // (_SPECK_WINDOW ** 2)))
    if candidates.size == 0:
        return image
    around = _box_mean(ink, 2 * _SPECK_WINDOW - 1).ravel()[candidates]
    near_count = np.rint(near.ravel()[candidates] * (_SPECK_WINDOW ** 2 / 255.0))
    around_count = np.rint(around * ((2 * _SPECK_WINDOW - 1) ** 2 / 255.0))
    specks = candidates[(near_count <= _MAX_SPECK) & (around_count == near_count)]
    if specks.size == 0:
        return image
    cleaned = pixels.copy().ravel()
    cleaned[specks] = 255
    return Image.fromarray(cleaned.reshape(pixels.shape), mode="L")


def _box_mean(mask: np.ndarray, size: int) -> np.ndarray:
    """The share of `mask` in the size×size square around each pixel, 0..255 (PIL, in C)."""
    blurred = Image.fromarray(mask.astype(np.uint8) * 255, mode="L").filter(
        ImageFilter.BoxBlur(size // 2))
    return np.asarray(blurred)


def _thin_runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Runs of ink at least `length` long and thin across (a rule), not a glyph's stem."""
    runs = _runs(ink, length, axis)
    if not runs.any():
        return runs
    thick = _runs(runs, max(_MIN_RULE_THICKNESS, length // _RULE_SLENDERNESS) + 1, 1 - axis)
    return runs & ~thick


def _runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels lying on a straight run of ink at least `length` long along `axis`."""
    along = ink if axis == 1 else np.ascontiguousarray(ink.T)
    width = along.shape[1]
    if width < length:
        return np.zeros_like(ink)
    sums = np.zeros((along.shape[0], width + 1), dtype=np.int32)
    np.cumsum(along, axis=1, out=sums[:, 1:])
    starts = (sums[:, length:] - sums[:, :-length]) == length  # a full window starts here
    # a pixel is covered when one of the `length` windows that could hold it is full
    padded = np.zeros((along.shape[0], width + length), dtype=np.int32)
    np.cumsum(starts, axis=1, out=padded[:, length:width + 1])
    padded[:, width + 1:] = padded[:, width:width + 1]
    covered = (padded[:, length:] - padded[:, :width]) > 0
    return covered if axis == 1 else covered.T


def is_noisy(image: Image.Image) -> bool:
    """Grainy paper or salt-and-pepper specks (judged on the page's centre): worth smoothing."""
    return grain(image) > 0


def grain(image: Image.Image) -> float:
    """Size in pixels of the paper's grain (0: clean paper), judged on the page's centre.

    The grey-level step between bright pixels d apart, for d = 1..4: white noise steps the
    same at every distance, noise that was enlarged with the scan grows to its full step only
    over a few pixels. Isolated dark specks count as grain of one pixel.
    """
    pixels = _centre(image, 1000)
    threshold = otsu(pixels)
    bright = pixels > threshold + (255 - threshold) // 2
    steps: list[float] = []
    for distance in range(1, 5):
        pairs = bright[:, distance:] & bright[:, :-distance]
        if pairs.sum() < 1000:
            return 0.0
        differences = np.abs(pixels[:, distance:].astype(np.int16)
                             - pixels[:, :-distance].astype(np.int16))[pairs]
        steps.append(float(np.median(differences)) * 1.05)  # median step ≈ the deviation
    if max(steps) > _NOISE_STD:
        return float(next(d for d, step in enumerate(steps, 1) if step >= 0.85 * max(steps)))
    dark = pixels < threshold
    padded = np.pad(dark, 1)
    neighbours = sum(np.roll(np.roll(padded, dy, 0), dx, 1)
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)[1:-1, 1:-1]
    isolated = dark & (neighbours == 0)
    return 1.0 if isolated.mean() > 0.0005 else 0.0


def downscaled(image: Image.Image, max_side: int) -> Image.Image:
    factor = max_side / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BILINEAR)


def _centre(image: Image.Image, side: int) -> np.ndarray:
    left = max((image.width - side) // 2, 0)
    top = max((image.height - side) // 2, 0)
    box = (left, top, min(left + side, image.width), min(top + side, image.height))
    return np.asarray(image.crop(box), dtype=np.uint8)


def otsu(pixels: np.ndarray) -> int:
    """Otsu's threshold as the first grey level of the bright class: ink is `pixels < otsu`.

    (Otsu splits at t into ≤ t and > t; on a pure black-and-white page, a fax, t is 0.)
    """
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    between = (means[-1] * weights - means * total) ** 2 / np.maximum(
        weights * (total - weights), 1e-9)
    return int(np.argmax(between)) + 1
