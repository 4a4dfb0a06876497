"""The HTML writer of the document model, through Jinja2 templates with autoescaping
(``mingxing_rules/templates/``): a fragment with a scoped stylesheet for notebooks, or a whole
page with ``<meta charset="utf-8">`` for files."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import jinja2
import markupsafe

from .report import Document

__all__ = ["HTML_STYLE", "environment", "page", "render_template", "write_html"]


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the package's templates (autoescape on for every template)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mingxing_rules", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def render_template(name: str, **context: Any) -> str:
    """A package template rendered with ``context``."""
    return environment().get_template(name).render(**context)


def write_html(document: Document, *, standalone: bool = False) -> str:
    """``document`` as an HTML fragment, or as a whole page when ``standalone``."""
    fragment = render_template("fragment.html.j2", doc=document)
    if not standalone:
        return fragment
    return page([fragment], lang=document.lang, title=document.title)


def page(fragments: list[str], *, lang: str, title: str) -> str:
    """A whole HTML page (``<!DOCTYPE html>``, ``<meta charset="utf-8">``) around fragments
    made by :func:`write_html` (e.g. the same explanation in two languages)."""
    return render_template("page.html.j2", fragments=[markupsafe.Markup(f) for f in fragments],
                           lang=lang, title=title)


HTML_STYLE = "<style>" + resources.files("mingxing_rules").joinpath(
    "templates", "style.css").read_text(encoding="utf-8") + "</style>"
