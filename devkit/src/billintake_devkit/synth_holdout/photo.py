"""Scans and phone photos of a drawn page: tilt, perspective, uneven light, blur, JPEG.

Kept small (about 150–200 dpi of the paper) so OCR stays cheap.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Degradation:
    dpi: int
    angle: float  # degrees of tilt
    keystone: float  # 0..0.06: how much the far edge shrinks (perspective)
    light: float  # 0..0.45: strength of the lighting gradient
    blur: float  # Gaussian radius, pixels
    noise: float  # grey-level standard deviation
    jpeg: int  # JPEG quality
    background: int | None  # grey of the table under a photographed slip, None for a scan

    @classmethod
    def scanner(cls, rng: random.Random) -> Degradation:
        return cls(dpi=rng.choice((150, 170, 200)), angle=round(rng.uniform(-1.8, 1.8), 2),
                   keystone=0.0, light=round(rng.uniform(0.0, 0.2), 2),
                   blur=rng.choice((0.0, 0.5, 0.8)), noise=round(rng.uniform(2, 12), 1),
                   jpeg=rng.choice((45, 60, 75)), background=None)

    @classmethod
    def phone(cls, rng: random.Random) -> Degradation:
        return cls(dpi=rng.choice((170, 190, 210)), angle=round(rng.uniform(-4.0, 4.0), 2),
                   keystone=round(rng.uniform(0.0, 0.05), 3),
                   light=round(rng.uniform(0.15, 0.4), 2), blur=rng.choice((0.4, 0.7, 1.0)),
                   noise=round(rng.uniform(3, 10), 1), jpeg=rng.choice((55, 65, 80)),
                   background=rng.choice((60, 90, 120, 150)))


def render(pdf: bytes, dpi: int) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()


def _perspective_coefficients(src: list[tuple[float, float]], dst: list[tuple[float, float]]
                              ) -> list[float]:
    """PIL's 8 perspective coefficients mapping output points `dst` to input points `src`."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    matrix = np.array(rows, dtype=float)
    target = np.array([c for point in src for c in point], dtype=float)
    return list(np.linalg.solve(matrix, target))


def degrade(image: Image.Image, d: Degradation, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    gray = image.convert("L")
    if d.background is not None:  # a slip lying on a table, photographed from above
        margin_x, margin_y = int(gray.width * 0.12), int(gray.height * 0.05)
        canvas = Image.new("L", (gray.width + 2 * margin_x, gray.height + 2 * margin_y),
                           d.background)
        canvas.paste(gray, (margin_x, margin_y))
        gray = canvas
    if d.keystone:
        w, h = gray.size
        k = d.keystone * w
        src = [(0, 0), (w, 0), (w, h), (0, h)]
        dst = [(k, 0), (w - k, 0), (w, h), (0, h)]  # the top edge farther from the lens
        coefficients = _perspective_coefficients(src, dst)
        gray = gray.transform((w, h), Image.Transform.PERSPECTIVE, coefficients,
                              Image.Resampling.BICUBIC,
                              fillcolor=d.background if d.background is not None else 255)
    if d.angle:
        gray = gray.rotate(d.angle, resample=Image.Resampling.BICUBIC, expand=False,
                           fillcolor=d.background if d.background is not None else 255)
    pixels = np.asarray(gray, dtype=np.float32)
    if d.light:
        h, w = pixels.shape
        yy, xx = np.mgrid[0:h, 0:w]
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        distance = np.hypot((xx - cx) / w, (yy - cy) / h)
        pixels = pixels * (1.0 - d.light * np.clip(distance, 0, 1.2) / 1.2)
    if d.noise:
        pixels = pixels + rng.normal(0.0, d.noise, pixels.shape)
    gray = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    if d.blur:
        gray = gray.filter(ImageFilter.GaussianBlur(d.blur))
    buffer = io.BytesIO()
    gray.save(buffer, format="JPEG", quality=d.jpeg)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def as_file(pages: list[Image.Image], d: Degradation, fmt: str) -> bytes:
    """The degraded pages as a JPEG/PNG (one page) or an image-only PDF."""
    buffer = io.BytesIO()
    if fmt == "jpeg" and len(pages) == 1:
        pages[0].save(buffer, format="JPEG", quality=d.jpeg, dpi=(d.dpi, d.dpi))
    elif fmt == "png" and len(pages) == 1:
        pages[0].save(buffer, format="PNG", dpi=(d.dpi, d.dpi))
    else:
        pages[0].save(buffer, format="PDF", resolution=float(d.dpi), save_all=True,
                      append_images=pages[1:])
    return buffer.getvalue()


def photograph(pdf: bytes, d: Degradation, seed: int, fmt: str) -> bytes:
    pages = [degrade(page, d, seed + i) for i, page in enumerate(render(pdf, d.dpi))]
    return as_file(pages, d, fmt)
