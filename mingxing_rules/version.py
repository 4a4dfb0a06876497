"""The library's version (one place: the package root, the CLI and decision records read it)."""

__version__ = "0.1.0"
