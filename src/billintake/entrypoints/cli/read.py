"""`billintake read FILE`: show what the reading stage sees in a bill, for inspection."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from billintake.entrypoints.cli.common import user_errors
from billintake.reading.document import ReadDocument
from billintake.settings import get_settings

commands = typer.Typer()


@commands.command()
def read(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="A PDF, PNG, JPEG or TIFF bill."),
    as_json: bool = typer.Option(False, "--json", help="Print the words with boxes as JSON."),
    lang: list[str] = typer.Option(None, "--lang", help="OCR language, e.g. deu (repeatable)."),
    ocr: bool = typer.Option(False, "--ocr", help="OCR every page, even with a text layer."),
) -> None:
    """Print the lines of a bill in reading order (or its words with boxes as JSON)."""
    from billintake.reading.reader import read as read_document

    languages = [code for value in lang or [] for code in value.replace(",", "+").split("+")
                 if code]
    with user_errors():
        document = read_document(file.read_bytes(), settings=get_settings(),
                                 languages=languages or None, force_ocr=ocr)
    typer.echo(to_json(document) if as_json else to_text(document))


def to_text(document: ReadDocument) -> str:
    """Pages with a header line each, then the lines."""
    parts: list[str] = []
    for page in document.pages:
        header = f"--- page {page.number} ({page.source}"
        if page.source == "ocr":
            header += f", confidence {page.ocr_confidence or 0:.2f}"
            if page.rotation:
                header += f", turned {page.rotation}°"
        parts.append(header + f", {page.width:.0f}×{page.height:.0f} pt) ---")
        parts.extend(line.text for line in page.lines)
    parts.extend(f"warning: {warning}" for warning in document.warnings)
    return "\n".join(parts)


def to_json(document: ReadDocument) -> str:
    """The document with every word's box (points, origin top-left), source and confidence."""
    body = {
        "media_type": document.media_type,
        "languages": document.languages,
        "warnings": document.warnings,
        "pages": [
            {
                "number": page.number, "width": page.width, "height": page.height,
                "source": page.source, "rotation": page.rotation,
                "ocr_confidence": page.ocr_confidence,
                "lines": [line.text for line in page.lines],
                "words": [word.model_dump() for word in page.words],
            }
            for page in document.pages
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2)
