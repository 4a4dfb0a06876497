"""Helpers for the decision-log tests that run in child processes (importable by `spawn`)."""

from __future__ import annotations

import json
from pathlib import Path

OFFICES = Path(__file__).resolve().parent.parent / "examples" / "offices"


def write_records(log_path: str, worker: int, count: int) -> list[int]:
    """Open the log in this process and append ``count`` decisions; their sequence numbers."""
    from mingxing_rules.records import DecisionLog

    files = sorted(OFFICES.glob("*.json"))
    written = []
    with DecisionLog(log_path) as log:
        for n in range(count):
            office = json.loads(files[(worker + n) % len(files)].read_text(encoding="utf-8"))
            office["id"] = f"w{worker}-{n}"
            log.evaluate(office)
            written.append(log.records(office_id=office["id"])[0].seq)
    return written
