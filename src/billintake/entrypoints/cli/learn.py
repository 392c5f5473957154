"""`billintake examples DIR --out FILE.jsonl`: e-invoice PDFs → labelled training examples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from billintake.domain.errors import BillintakeError

if TYPE_CHECKING:
    from billintake.extraction.learn.einvoice_examples import Tally

commands = typer.Typer()


@commands.command()
def examples(
    folder: Path = typer.Argument(..., help="A folder of Factur-X / ZUGFeRD / XRechnung PDFs "
                                            "(searched with its subfolders)."),
    out: Path = typer.Option(..., "--out", help="The JSON Lines file to write: one labelled "
                                                "example per e-invoice PDF."),
) -> None:
    """Locate each e-invoice's XML values on its printed pages, as labelled examples.

    A file that cannot be used is reported and skipped; the batch goes on. Exit code 1 only
    when the folder or the output file cannot be used.
    """
    from billintake.extraction.learn.einvoice_examples import (
        NoEinvoiceXml,
        Tally,
        examples_from_pdf,
    )
    from billintake.settings import get_settings

    if not folder.is_dir():
        _usage_error(f"{folder} is not a folder.")
    pdfs, xmls = _files(folder)
    try:
        sink = out.open("w", encoding="utf-8")
    except OSError as exc:
        _usage_error(f"cannot write {out}: {exc.strerror}")
    settings = get_settings()
    tally = Tally()
    skipped = failed = 0
    for path in xmls:
        typer.echo(f"{_name(path, folder)}: skipped: a standalone XML e-invoice has no printed "
                   "page to learn from.", err=True)
    with sink:
        for path in pdfs:
            name = _name(path, folder)
            try:
                example = examples_from_pdf(path.read_bytes(), settings, file=name)
            except NoEinvoiceXml as exc:
                skipped += 1
                typer.echo(f"{name}: skipped: {exc.message}", err=True)
                continue
            except BillintakeError as exc:
                failed += 1
                typer.echo(f"{name}: error: {exc.message}", err=True)
                continue
            except OSError as exc:
                failed += 1
                typer.echo(f"{name}: error: cannot open the file: {exc.strerror}", err=True)
                continue
            except Exception as exc:  # one broken file must not stop the batch
                failed += 1
                typer.echo(f"{name}: error: {type(exc).__name__}: {exc}", err=True)
                continue
            tally.add(example)
            sink.write(example.model_dump_json() + "\n")
    typer.echo(summary(tally, skipped=skipped + len(xmls), failed=failed, out=out))


def summary(tally: Tally, *, skipped: int, failed: int, out: Path) -> str:
    """The documents written, skipped and failed, then each field's located share."""
    lines = [f"{tally.documents} e-invoice(s) written to {out}; {skipped} skipped, "
             f"{failed} failed."]
    rows = tally.rows()
    if rows:
        lines.append(f"{'field':<24}{'located':>8}{'of':>5}{'not found':>10}{'share':>7}")
        lines.extend(f"{name:<24}{located:>8}{present:>5}{present - located:>10}"
                     f"{located / present:>7.0%}" for name, located, present in rows)
    return "\n".join(lines)


def _files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The PDFs and the XML files under `folder`, in name order."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return ([p for p in files if p.suffix.lower() == ".pdf"],
            [p for p in files if p.suffix.lower() == ".xml"])


def _name(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)
