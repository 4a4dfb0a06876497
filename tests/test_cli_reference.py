"""docs/cli.md cannot drift from the parser: its reference is generated from it."""

from __future__ import annotations

import argparse
from pathlib import Path

from mingxing_rules.cli import build_parser
from mingxing_rules.cli._reference import BEGIN, END, reference_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_the_reference_in_docs_is_what_the_parser_generates() -> None:
    page = PAGE.read_text(encoding="utf-8")
    generated = page.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert generated == reference_markdown().strip(), (
        "regenerate: python -m mingxing_rules.cli._reference docs/cli.md")


def test_every_command_and_every_flag_is_in_the_reference() -> None:
    reference = reference_markdown()
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for command, subparser in sub.choices.items():
        assert f"### `mingxing {command}`" in reference
        for action in subparser._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in reference, (command, flag)


def test_the_page_documents_every_json_shape_and_exit_code() -> None:
    page = PAGE.read_text(encoding="utf-8")
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for command in sub.choices:
        assert f"| `{command}` |" in page or f"| `{command} " in page, command
    for code in (0, 1, 2, 3, 130):
        assert f"| {code} |" in page
