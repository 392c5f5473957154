"""Make a digital PDF look scanned: render, tilt, blur, add noise and JPEG artefacts.

Pages keep their size in points (pixels / dpi * 72), so the boxes recorded for the digital
bill stay valid to within the small tilt.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class ScanQuality:
    dpi: int
    angle: float  # degrees
    blur: float  # Gaussian radius in pixels
    noise: float  # std-dev of added grey noise, 0..255
    jpeg_quality: int

    @classmethod
    def random(cls, rng: random.Random) -> ScanQuality:
        return cls(
            dpi=rng.choice((150, 170, 200)),
            angle=round(rng.uniform(-1.5, 1.5), 2),
            blur=round(rng.choice((0.0, 0.4, 0.7, 1.0)), 2),
            noise=round(rng.uniform(0, 14), 1),
            jpeg_quality=rng.choice((35, 50, 65, 80)),
        )


def degrade_page(image: Image.Image, quality: ScanQuality, seed: int) -> Image.Image:
    """One page image made to look scanned; deterministic for a seed."""
    gray = image.convert("L")
    if quality.angle:
        gray = gray.rotate(quality.angle, resample=Image.Resampling.BICUBIC, expand=False,
                           fillcolor=255)
    if quality.blur:
        gray = gray.filter(ImageFilter.GaussianBlur(quality.blur))
    if quality.noise:
        noise = np.random.default_rng(seed).normal(0.0, quality.noise, (gray.height, gray.width))
        pixels = np.asarray(gray, dtype=np.float32) + noise
        gray = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    gray.save(buffer, format="JPEG", quality=quality.jpeg_quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def render_pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()


def scan(pdf: bytes, quality: ScanQuality, *, seed: int,
         as_png: bool = False) -> tuple[bytes, str]:
    """(bytes, kind): an image-only PDF ("scanned-pdf") or, for one page, a PNG ("image")."""
    pages = [degrade_page(img, quality, seed + i)
             for i, img in enumerate(render_pages(pdf, quality.dpi))]
    buffer = io.BytesIO()
    if as_png and len(pages) == 1:
        pages[0].save(buffer, format="PNG", dpi=(quality.dpi, quality.dpi))
        return buffer.getvalue(), "image"
    pages[0].save(buffer, format="PDF", resolution=float(quality.dpi), save_all=True,
                  append_images=pages[1:])
    return buffer.getvalue(), "scanned-pdf"
