"""Every command says what it does, and every option and argument what it takes."""

from __future__ import annotations

from typing import Any

import typer

from billintake.entrypoints.cli import app


def _commands(group: Any, path: str = "billintake") -> list[tuple[str, Any]]:
    found = [(path, group)]
    if hasattr(group, "commands"):  # a group (typer's own click, or click)
        for name, command in group.commands.items():
            found.extend(_commands(command, f"{path} {name}"))
    return found


def test_every_command_option_and_argument_has_help() -> None:
    missing = []
    for path, command in _commands(typer.main.get_command(app)):
        if not (command.help or command.short_help):
            missing.append(path)
        for param in command.params:
            if param.name == "help":
                continue
            if not getattr(param, "help", None):
                missing.append(f"{path} {param.name}")
    assert len(_commands(typer.main.get_command(app))) > 40  # the whole tree was walked
    assert missing == []
