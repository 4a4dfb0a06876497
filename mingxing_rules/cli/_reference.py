"""The command reference of docs/cli.md, generated from the parser so that it cannot drift.

``python -m mingxing_rules.cli._reference docs/cli.md`` rewrites the part of the page between
the two markers; ``tests/test_cli_reference.py`` fails when the page and the parser disagree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..atomic import atomic_write_text
from . import build_parser

__all__ = ["BEGIN", "END", "reference_markdown", "update_page"]

BEGIN = "<!-- BEGIN GENERATED REFERENCE: python -m mingxing_rules.cli._reference docs/cli.md -->"
END = "<!-- END GENERATED REFERENCE -->"


def _cell(text: str, action: argparse.Action | None = None, *, formatted: bool = False) -> str:
    """One table cell on one line; help texts as argparse shows them (``%(default)s`` filled
    in, ``%%`` as ``%``), descriptions as written."""
    if action is not None or formatted:
        text = text % (vars(action) if action is not None else {})
    return " ".join(text.split()).replace("|", "\\|")


def _flag(action: argparse.Action) -> str:
    metavar = action.metavar if isinstance(action.metavar, str) else None
    name = ", ".join(action.option_strings) or metavar or action.dest
    if action.option_strings and action.nargs != 0:
        if action.choices is not None:
            name += " " + "\\|".join(str(c) for c in action.choices)
        else:
            name += f" {metavar or action.dest.upper()}"
    return f"`{name}`"


def _usage(command: str, parser: argparse.ArgumentParser) -> str:
    words = [f"mingxing {command}", "[options]"]
    for action in parser._actions:
        if action.option_strings:
            continue
        metavar = str(action.metavar or action.dest)
        if action.nargs in ("*", "?"):
            metavar = f"[{metavar}{'...' if action.nargs == '*' else ''}]"
        elif action.nargs == "+":
            metavar += "..."
        words.append(metavar)
    return " ".join(words)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def reference_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """One section per sub-command: usage, description, and a table of its arguments."""
    parser = parser or build_parser()
    helps = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
    out: list[str] = []
    for command, sub in _subcommands(parser).items():
        summary = _cell(helps.get(command, ""), formatted=True)
        out += [f"### `mingxing {command}`", "", f"{summary}.", "",
                f"    {_usage(command, sub)}", "", _cell(sub.description or ""), "",
                "| argument | meaning |", "|---|---|"]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            out.append(f"| {_flag(action)} | {_cell(action.help or '', action)} |")
        out.append("")
    return "\n".join(out)


def update_page(path: str | Path) -> bool:
    """Rewrite the generated part of ``path``; ``True`` when it changed."""
    page = Path(path).read_text(encoding="utf-8")
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    updated = f"{head}{BEGIN}\n\n{reference_markdown()}\n{END}{tail}"
    if updated == page:
        return False
    atomic_write_text(path, updated)
    return True


if __name__ == "__main__":  # pragma: no cover - the maintainer's regeneration command
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/cli.md"
    print(f"{target}: {'updated' if update_page(target) else 'up to date'}")
