"""`billintake extract FILE...`: extract bills to JSON (the contract shared with the API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from billintake.domain.errors import BillintakeError
from billintake.entrypoints.cli.common import user_errors

commands = typer.Typer()


@commands.command()
def extract(
    files: list[Path] = typer.Argument(..., help="bill files: PDF, PNG, JPEG, TIFF, XML"),
    jsonl: bool = typer.Option(False, "--jsonl", help="one JSON object per file, per line"),
    pretty: bool = typer.Option(False, "--json", help="pretty-print one file's JSON"),
    no_model: bool = typer.Option(False, "--no-model", help="rules only, no trained scorer"),
) -> None:
    """Extract bill fields. Files that fail give {"file", "error"}; exit 1 if any failed."""
    from billintake.extraction.contract import error_contract, to_contract
    from billintake.extraction.extractor import Extractor
    from billintake.settings import get_settings

    if pretty and len(files) != 1:
        typer.echo("error: --json takes exactly one file; use --jsonl for several.", err=True)
        raise typer.Exit(code=2)
    with user_errors():
        extractor = Extractor(get_settings(), use_model=not no_model)
    failed = False
    for path in files:
        body: dict[str, Any]
        try:
            body = to_contract(extractor.extract_bytes(path.read_bytes()), str(path))
        except BillintakeError as exc:
            body, failed = error_contract(str(path), exc.message), True
        except OSError as exc:
            body, failed = error_contract(str(path), f"cannot open the file: {exc.strerror}"), True
        if pretty:
            typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            typer.echo(json.dumps(body, ensure_ascii=False))
    if failed:
        raise typer.Exit(code=1)
