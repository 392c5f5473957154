"""The text layer of a PDF (pdfplumber), and whether it is good enough to trust."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.pdf import PDF

from billintake.domain.errors import PasswordProtected, UnreadableDocument
from billintake.reading.document import Word

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_BAD_CHARS = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b-\x1f]")
_PLAUSIBLE_WORD = re.compile(r"^[\w€$£¥%.,:;/()\[\]\-+#&'\"@*!?=°§<>|~^_]+$")
_VOWELS = set("aeiouyäöüàâéèêëîïôûùœæ")

# A page counts as "full of ink" when images cover this share of it, or it has this many
# vector curves (text converted to outlines).
_INK_IMAGE_SHARE = 0.4
_INK_CURVES = 150
_FEW_WORDS = 25


@dataclass
class TextLayerPage:
    """What the text layer of one page holds, and the facts needed to judge it."""

    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    image_share: float = 0.0  # share of the page area covered by images
    curves: int = 0
    invisible_share: float = 0.0  # share of text objects drawn invisibly (an OCR layer)
    rotated_share: float = 0.0  # share of characters not upright
    error: str | None = None  # the layer could not be parsed at all


def open_pdf(data: bytes) -> PDF:
    """Open with pdfplumber, trying the empty user password; map failures to domain errors."""
    try:
        return pdfplumber.open(io.BytesIO(data), password="")
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        if _is_password_error(exc):
            raise PasswordProtected(
                "The PDF is password protected; remove the password and send it again."
            ) from exc
        raise UnreadableDocument(f"The PDF text layer cannot be read: {_describe(exc)}") from exc


def read_text_layer(pdf: PDF, index: int, pdfium_page: pdfium.PdfPage | None) -> TextLayerPage:
    """Words with boxes, font size and boldness of page `index`; never raises on bad content."""
    page = pdf.pages[index]
    result = TextLayerPage(width=float(page.width), height=float(page.height))
    try:
        chars = page.chars
        upright = [c for c in chars if c.get("upright", True)]
        result.rotated_share = 1 - len(upright) / len(chars) if chars else 0.0
        raw_words = page.extract_words(extra_attrs=["fontname", "size"], use_text_flow=False)
        result.words = [_to_word(w) for w in raw_words if w.get("upright", True)]
        result.image_share = _image_share(page)
        result.curves = len(page.curves)
    except Exception as exc:
        result.error = _describe(exc)
    finally:
        page.close()  # drop pdfplumber's per-page caches: long documents stay small
    if pdfium_page is not None:
        result.invisible_share = _invisible_text_share(pdfium_page)
    return result


def unusable_reason(layer: TextLayerPage) -> str | None:
    """Why this page's text layer should not be trusted (then it is OCR'd), or None."""
    if layer.error:
        return f"text layer could not be parsed ({layer.error})"
    if layer.rotated_share > 0.5:
        return "text runs sideways"
    words = layer.words
    if not words:
        return "no text layer"
    bad = sum(1 for w in words if "(cid:" in w.text or _BAD_CHARS.search(w.text))
    if bad / len(words) > 0.3:
        return "text layer is mostly unmapped glyphs"
    if len(words) < _FEW_WORDS and (
        layer.image_share >= _INK_IMAGE_SHARE or layer.curves >= _INK_CURVES
    ):
        return "few words on a page full of ink"
    plausible = plausible_share(words)
    if layer.invisible_share > 0.5 and plausible < 0.85:
        return "invisible OCR layer of poor quality"
    if plausible < 0.5:
        return "text layer is mostly garbage"
    return None


def plausible_share(words: list[Word]) -> float:
    """Share of words that look like words, numbers or codes of a real document."""
    if not words:
        return 0.0
    return sum(1 for w in words if _plausible(w.text)) / len(words)


def _plausible(text: str) -> bool:
    if not _PLAUSIBLE_WORD.match(text) or len(text) > 40:
        return False
    letters = [c for c in text.lower() if c.isalpha()]
    if (len(letters) >= 5 and text.isalpha() and not text.isupper()
            and not _VOWELS.intersection(letters)):
        return False
    # shouting and whispering mixed inside one word ("tHiS", "xQzR") is what garbage looks like
    changes = sum(1 for a, b in itertools.pairwise(text)
                  if a.isalpha() and b.isalpha() and a.islower() and b.isupper())
    return changes <= 1


def _to_word(raw: dict) -> Word:
    fontname = str(raw.get("fontname") or "")
    size = raw.get("size")
    return Word(
        text=raw["text"],
        x0=float(raw["x0"]),
        top=float(raw["top"]),
        x1=float(raw["x1"]),
        bottom=float(raw["bottom"]),
        source="text",
        confidence=1.0,
        font_size=round(float(size), 2) if size else None,
        bold=bool(_BOLD_FONT.search(fontname.split("+")[-1])),
    )


def _image_share(page: pdfplumber.page.Page) -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for image in page.images:
        x0, x1 = max(float(image["x0"]), 0.0), min(float(image["x1"]), float(page.width))
        top, bottom = max(float(image["top"]), 0.0), min(float(image["bottom"]), float(page.height))
        covered += max(x1 - x0, 0.0) * max(bottom - top, 0.0)
    return min(covered / area, 1.0)


def _invisible_text_share(page: pdfium.PdfPage) -> float:
    """Share of text objects drawn with render mode 3 (invisible), as OCR layers are."""
    try:
        objects = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=2))
    except Exception:
        return 0.0
    if not objects:
        return 0.0
    invisible = sum(1 for obj in objects if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
                    == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
    return invisible / len(objects)


def _is_password_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PDFPasswordIncorrect) or any(
            isinstance(arg, PDFPasswordIncorrect) for arg in getattr(seen, "args", ())
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]
