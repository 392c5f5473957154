"""Opening untrusted images (PNG, JPEG, TIFF frames) with Pillow's decompression-bomb guard."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageOps, UnidentifiedImageError

from billintake.domain.errors import TooLarge, UnreadableDocument

# Screen defaults that say nothing about the paper; below/above these a DPI is not believable.
_MEANINGLESS_DPI = {72, 96}
_MIN_DPI, _MAX_DPI = 100, 1200
_A4_LONG_SIDE_IN = 11.69


@contextmanager
def guarded(max_pixels: int) -> Iterator[None]:
    """Pillow raises on images over `max_pixels`; bombs and corrupt data become domain errors."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge(
                f"The image has too many pixels (limit {max_pixels:,}); it may be a "
                "decompression bomb."
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise UnreadableDocument(f"The image is corrupt or truncated: {exc}") from exc


def frame_count(data: bytes, max_pixels: int) -> int:
    """Number of pages (frames) in the image; checks the pixel limit of every frame."""
    with guarded(max_pixels), Image.open(io.BytesIO(data)) as image:
        count = getattr(image, "n_frames", 1)
        for index in range(count):
            image.seek(index)
            _check_pixels(image, max_pixels)
        return count


def load_frame(data: bytes, index: int, max_pixels: int) -> tuple[Image.Image, float]:
    """Frame `index` as a greyscale image, upright per EXIF, and its resolution in DPI."""
    image, dpi = _upright_frame(data, index, max_pixels)
    return image.convert("L"), dpi


def frame_for_display(data: bytes, index: int, max_pixels: int) -> tuple[Image.Image, float]:
    """Frame `index` in colour (RGB on white), upright per EXIF, and its resolution in DPI."""
    image, dpi = _upright_frame(data, index, max_pixels)
    return image.convert("RGB"), dpi


def _upright_frame(data: bytes, index: int, max_pixels: int) -> tuple[Image.Image, float]:
    """Frame `index` loaded, upright per EXIF, transparency flattened onto white and 16-bit
    samples scaled to 8 bits (ready to convert to a plain mode), and its resolution in DPI."""
    with guarded(max_pixels), Image.open(io.BytesIO(data)) as image:
        image.seek(index)
        _check_pixels(image, max_pixels)
        dpi = _dpi(image)
        image.load()
        upright = ImageOps.exif_transpose(image) if index == 0 else image
        if upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info):
            rgba = upright.convert("RGBA")
            upright = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
        if upright.mode.startswith("I;16"):
            upright = upright.point(lambda v: v / 256)
        if upright is image:  # detach from the file before it closes
            upright = image.copy()
    return upright, dpi


def _dpi(image: Image.Image) -> float:
    """The resolution the image states, or one that makes it an A4-sized page."""
    stated = image.info.get("dpi")
    if stated:
        try:
            value = float(stated[0])
        except (TypeError, ValueError, IndexError):
            value = 0.0
        if _MIN_DPI <= value <= _MAX_DPI and round(value) not in _MEANINGLESS_DPI:
            return value
    inferred = max(image.size) / _A4_LONG_SIDE_IN
    return min(max(inferred, 50.0), float(_MAX_DPI))


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise TooLarge(
            f"The image is {width}×{height} pixels, over the limit of {max_pixels:,} pixels."
        )


