"""The OCR engines behind one small interface, and how `auto` chooses between them per page.

    tesseract  Tesseract (ocr.py): many languages, documents and tables
    rapidocr   PP-OCRv4 through RapidOCR (rapid.py): receipts, photos, thermal print
    auto       the default: on pages in languages both engines read, RapidOCR finds the
               lines and Tesseract reads a dozen of them (`ocr._sample_confidence`);
               sure of those (`tesseract_suits`), Tesseract reads the page, and where it
               is then unsure of the page (`needs_second_reading`) RapidOCR reads it too
               and the better reading is kept (`better_reading`); unsure of them,
               RapidOCR alone reads the page. Other languages: Tesseract alone.

Why auto is the default (bench/ocr_engines.py on the 80 real receipts of realdev/sroie, and
its re-run on the first 55 with this branch's extractor): auto kept RapidOCR's reading on
every receipt page, and through the extractor the right vendor, date and total came out on
71 / 93 / 73 % of the 80 against 51 / 84 / 54 % with Tesseract alone (55: 73 / 91 / 82 % against
56 / 82 / 64 %). Clean documents (Tesseract sure of the page) and pages in languages PP-OCR
cannot spell keep Tesseract's one reading, and a text-layer PDF is not OCR'd at all.

Why the engine is chosen up front: running Tesseract's page path first and RapidOCR after
it cost both on every receipt (CPU per receipt about 0.7 s for the `tesseract` command, 1.3–2.2
for our Tesseract path, 3.3–3.9 for RapidOCR as configured then). Tesseract's confidence on
a sample of lines predicts its confidence on the page (40 real receipts 0.54–0.91, 38
generated scans 0.89–0.96; see `SAMPLE_TRUSTED`), at a small part of its time, so on a
receipt only RapidOCR reads the page (in bench/realsets.py --cv every receipt page still
ends with RapidOCR's reading, as before). Measured side by side (bench/speed.py, 8 receipts,
CPU with children, one thread each, a busy machine): auto 1.55 s against 0.53 s for the
command (2.9×; with PP-OCR's models as shipped 2.26 s against 0.53 s, 4.3×, and before this
choice and rapid.py's faster settings 5.3 s against 0.88 s, 6.1×; `ppocr_graph.py`);
cross-validated on the 80 receipts vendor / date / total 88.8 / 93.8 / 90.0 % against
81.2 / 92.5 / 92.5 % before (the true total in the text of 79 of 80 either way).

An engine turns an upright page image into words with boxes in points and confidences,
the same `Word`s whichever engine read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from PIL import Image

from billintake.reading.document import Word

EngineName = Literal["tesseract", "rapidocr", "auto"]
ENGINE_NAMES: tuple[str, ...] = ("tesseract", "rapidocr", "auto")

# Languages whose letters PP-OCRv4's recogniser knows (Latin without accents, digits): a page
# in any other language keeps Tesseract's reading, which knows its letters (ä, é, ß).
RAPID_LANGUAGES = frozenset({"eng"})
# A word counts as read when the engine is at least this sure of it; what an engine reads
# of a page is the characters of such words.
READ_CONFIDENCE = 0.8
# RapidOCR's reading replaces Tesseract's only when it reads this share more characters.
RAPID_MARGIN = 1.0
# A page Tesseract read with this mean word confidence or more is not read again: clean
# documents, where its reading (tables, small print, font sizes) is kept anyway. On the 80
# real receipts (bench/ocr_engines.py) Tesseract was below it on every page, and RapidOCR's
# reading had the true total in its text on 98.8 % of them against 83.8 %, and through the
# extractor gave the right vendor on 71.2 % against 51.2 %, the right date on 92.5 % against
# 83.8 %, the right total on 72.5 % against 53.8 %.
TRUSTED_CONFIDENCE = 0.9
# Tesseract's mean word confidence on a dozen of a page's lines (`ocr._sample_confidence`:
# unenlarged crops, no clean-up, so below its confidence on the page) at or above which
# Tesseract reads the page in `auto`. On 40 of the real receipts the sample was 0.54–0.91
# (35 below 0.88), on 38 generated scans and rendered pages 0.887–0.959: set low, as a
# receipt sent to Tesseract costs only time (PP-OCR still reads it where Tesseract is
# unsure), while clean print sent to PP-OCR alone loses Tesseract's reading.
SAMPLE_TRUSTED = 0.88


class OcrEngine(Protocol):
    """Reads an upright page image into words (boxes in points, confidences 0–1)."""

    name: str

    def read(self, image: Image.Image, *, scale: float, languages: str, deadline: float
             ) -> list[Word]:
        """`image` has `scale` pixels per point; `languages` in Tesseract's form ("eng+deu");
        past `deadline` (time.monotonic()) an `OcrTimeout` is raised."""
        ...


@dataclass(frozen=True)
class Reading:
    """One engine's words of a page."""

    engine: str
    words: list[Word]

    @property
    def confident_characters(self) -> int:
        """Letters and digits in words the engine is sure of (`READ_CONFIDENCE`)."""
        return sum(sum(c.isalnum() for c in word.text) for word in self.words
                   if word.confidence >= READ_CONFIDENCE)

    @property
    def confidence(self) -> float | None:
        if not self.words:
            return None
        return sum(word.confidence for word in self.words) / len(self.words)


def rapid_suits(languages: str) -> bool:
    """Whether RapidOCR's recogniser knows the letters of every language asked for."""
    return all(lang in RAPID_LANGUAGES for lang in languages.split("+") if lang)


def needs_second_reading(tesseract: Reading, languages: str) -> bool:
    """Whether `auto` has RapidOCR read the page too: its languages suit RapidOCR and
    Tesseract was unsure of the page (`TRUSTED_CONFIDENCE`), or read nothing."""
    if not rapid_suits(languages):
        return False
    confidence = tesseract.confidence
    return confidence is None or confidence < TRUSTED_CONFIDENCE


def tesseract_suits(sample_confidence: float | None) -> bool:
    """Whether Tesseract is the engine for a page in `auto`, by its mean word confidence on a
    sample of the page's lines (`SAMPLE_TRUSTED`): sure of them, it reads the page; else
    PP-OCR alone reads it, and Tesseract's page is never read."""
    return sample_confidence is not None and sample_confidence >= SAMPLE_TRUSTED


def better_reading(tesseract: Reading, rapid: Reading | None, languages: str) -> Reading:
    """The reading `auto` keeps for a page: RapidOCR's when the page's languages suit it and
    it reads more characters confidently than Tesseract (by `RAPID_MARGIN`), else
    Tesseract's."""
    if rapid is None or not rapid_suits(languages):
        return tesseract
    if rapid.confident_characters > RAPID_MARGIN * tesseract.confident_characters:
        return rapid
    return tesseract
