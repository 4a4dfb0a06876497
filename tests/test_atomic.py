"""Atomic writes: the old file survives any failure before the rename."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mingxing_rules.atomic import atomic_open, atomic_write_bytes, atomic_write_text, same_file


def test_replaces_content_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_exception_inside_block_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(KeyboardInterrupt), atomic_open(target, "wb") as handle:
        handle.write(b"partial")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_missing_directory_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        atomic_write_text(tmp_path / "nope" / "out.txt", "x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory_keeps_old_file(tmp_path: Path) -> None:  # pragma: no cover - root
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError):
            atomic_write_text(target, "new")
    finally:
        tmp_path.chmod(0o700)
    assert target.read_text() == "old"


def test_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("x")
    target.chmod(0o644)
    atomic_write_text(target, "y")
    assert target.stat().st_mode & 0o777 == 0o644


def test_same_file_sees_links(tmp_path: Path) -> None:
    target = tmp_path / "a.jsonl"
    target.write_text("{}\n")
    link = tmp_path / "b.jsonl"
    link.symlink_to(target)
    assert same_file(target, link)
    assert same_file(target, tmp_path / "." / "a.jsonl")
    assert not same_file(target, tmp_path / "c.jsonl")
