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
    jsonl: bool = typer.Option(False, "--jsonl",
                               help="one JSON object per bill, per line, with its \"pages\" "
                                    "(a file holding several bills gives several lines)"),
    pretty: bool = typer.Option(False, "--json", help="pretty-print one file's JSON"),
    no_model: bool = typer.Option(False, "--no-model", help="rules only, no trained ranker"),
    explain: bool = typer.Option(False, "--explain",
                                 help="for a person: each field, where it was found, by which "
                                      "label, and why it won"),
    org: str | None = typer.Option(None, "--org",
                                   help="extract with this organization's vendor memory (what "
                                        "its approved bills taught; default: none)"),
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
        memory = None if org is None else organization_memory(org)
    failed = False
    for path in files:
        body: dict[str, Any]
        if jsonl and not explain:
            failed = _extract_bills(extractor, path, memory) or failed
            continue
        try:
            bill = extractor.extract_bytes(path.read_bytes(), memory=memory)
            if explain:
                typer.echo(explanation(bill, str(path)))
                continue
            body = to_contract(bill, str(path))
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


def organization_memory(org: str) -> Any:
    """The organization's vendors and their memories, and its name (as the pipeline's)."""
    from billintake.entrypoints.cli.common import acting_for
    from billintake.services.vendor_memory import organization_book

    with acting_for(org) as (runtime, organization_id):
        return organization_book(runtime, organization_id)


def _extract_bills(extractor: Any, path: Path, memory: Any = None) -> bool:
    """Print one JSON line per bill found in the file; True when the file failed."""
    from billintake.extraction.contract import error_contract, to_contract
    from billintake.services.split import find_bills, with_pages

    try:
        bodies = [with_pages(to_contract(found.bill, str(path)), found.pages)
                  for found in find_bills(extractor, path.read_bytes(), memory=memory)]
    except BillintakeError as exc:
        typer.echo(json.dumps(error_contract(str(path), exc.message), ensure_ascii=False))
        return True
    except OSError as exc:
        body = error_contract(str(path), f"cannot open the file: {exc.strerror}")
        typer.echo(json.dumps(body, ensure_ascii=False))
        return True
    for body in bodies:
        typer.echo(json.dumps(body, ensure_ascii=False))
    return False


def explanation(bill: Any, name: str) -> str:
    """Each found field: value, confidence, page and box, label, and why it won."""
    lines = [f"{name} ({bill.source}{', reconciled' if bill.reconciled else ''})"]
    for field_name, field in bill.field_values().items():
        lines.append(f"  {field_name}: {field.value}  confidence {field.confidence:.2f}")
        ev = field.evidence
        if ev is None:
            continue
        where = f"page {ev.page} box {list(ev.bbox)}" if ev.bbox else (ev.path or ev.source)
        lines.append(f"      at {where}, read {ev.text!r}" if ev.text else f"      at {where}")
        if ev.label:
            lines.append(f"      label {ev.label!r}")
        if ev.why:
            lines.append("      why: " + "; ".join(ev.why))
    for warning in bill.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)
