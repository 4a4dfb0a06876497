"""What users read, on the Star ruleset (issue 12): validation, traces, JSON, explanations, gap,
frames and impact, in one process on one seeded population.

    python benchmarks/bench_views.py [--count 2000] [--impact 10000] [--big 100000]

Each row is a whole user-level call with dict input (validation included) unless it says
otherwise. `impact` evaluates a one-threshold amendment (floor area 200 -> 180) over `--impact`
and `--big` offices and is compared, on the same offices in the same process, with a
hand-written loop doing both versions with traces (benchmarks/handwritten_star.py, which also
names the criteria that moved for each flip); the two must find the same flips. The
explanations are set beside one written by hand with f-strings from the same checks
(benchmarks/handwritten_explain.py: the same sections and sentences, English, complete offices
only), which starts from the dict: its figure includes its own evaluation; and beside the
floor of the library's own design: the explanation's document built again from its finished
strings and written (the report model and the text writer alone). `to_frame()` is
timed alone on `--big` verdicts. The big population repeats the seeded one under new ids (the
work per office is the same; generating 100,000 distinct offices takes longer than the
measurement).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import handwritten_star
from handwritten_explain import HandwrittenExplainer
from population import population

from mingxing_rules import evaluate, evaluate_many, gap, impact, load_ruleset
from mingxing_rules.explain import write
from mingxing_rules.explain.report import Document, Line, Section
from mingxing_rules.explain.verdict import verdict_document

ROOT = Path(__file__).resolve().parent.parent


def per_second(function: Callable[[Any], object], items: Sequence[Any]) -> float:
    """Items per CPU second of this process (the machine may be shared)."""
    start = time.process_time()
    for item in items:
        function(item)
    return len(items) / (time.process_time() - start)


def amended(tmp: Path) -> Path:
    text = (ROOT / "rulesets" / "star-judicial-office.yaml").read_text(encoding="utf-8")
    path = tmp / "amended.yaml"
    path.write_text(text.replace("floor_area_m2 >= 200", "floor_area_m2 >= 180", 1),
                    encoding="utf-8")
    return path


def repeated(offices: Sequence[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """``count`` offices: ``offices`` over and over, each copy under its own id."""
    return [dict(offices[i % len(offices)], id=f"{offices[i % len(offices)]['id']}-{i}")
            for i in range(count)]


def hand_impact(offices: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, list[str]]]:
    """The yardstick: both versions traced by hand, each flip with the checks that moved."""
    flips = []
    for office in offices:
        before, old_trace = handwritten_star.traced(office)
        after, new_trace = handwritten_star.traced(office, floor_area_min=180)
        if before != after:
            moved = [a[0] for a, b in zip(old_trace, new_trace, strict=True) if a[1] != b[1]]
            flips.append((office["id"], before, after, moved))
    return flips


def _copied(section: Section) -> Section:
    return Section(section.heading, paragraphs=section.paragraphs, lines=tuple(
        Line(line.text, line.marks, line.depth, line.clause) for line in section.lines),
        table=section.table, sections=tuple(_copied(s) for s in section.sections),
        notes=section.notes, views=section.views, collapsed=section.collapsed)


def rewritten(document: Document) -> str:
    """An explanation's document built again from its finished strings, and written: what the
    report model and the text writer cost by themselves, the floor of ``explain()``."""
    return write(Document(lang=document.lang, title=document.title, summary=document.summary,
                          sections=tuple(_copied(s) for s in document.sections),
                          badge=document.badge, tone=document.tone), "text")


def criteria_said(text: str) -> int:
    """How many criteria the standards section of an English explanation says."""
    return text.split("\nStandards\n", 1)[1].count("\n      ✗ ")


def check_explanations(verdicts: Sequence[Any], offices: Sequence[dict[str, Any]],
                       hand: HandwrittenExplainer) -> None:
    """The two explanations say the same criteria for each office."""
    for verdict, office in zip(verdicts, offices, strict=True):
        assert criteria_said(verdict.explain("en")) == criteria_said(hand.explain(office)), (
            office["id"])


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """The result and the CPU seconds it took."""
    start = time.process_time()
    result = function()
    return result, time.process_time() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--impact", type=int, default=10000)
    parser.add_argument("--big", type=int, default=100000)
    args = parser.parse_args(argv)
    star = load_ruleset("star-judicial-office")
    offices = population(star, args.count)
    verdicts = [evaluate(o, star) for o in offices]
    by_hand = HandwrittenExplainer(star)
    rows: list[tuple[str, float]] = [
        ("validate dict -> Office", per_second(star.parse_office, offices)),
        ("evaluate", per_second(lambda o: evaluate(o, star), offices)),
        ("evaluate + trace.failing()", per_second(lambda o: evaluate(o, star).trace.failing(),
                                                   offices)),
        ("to_json() compact (verdict given)", per_second(lambda v: v.to_json(), verdicts)),
        ("to_json(full=True) (verdict given)",
         per_second(lambda v: v.to_json(full=True), verdicts)),
        ("to_dict() full (verdict given)", per_second(lambda v: v.to_dict(), verdicts)),
        ("to_dict(full=False) (verdict given)",
         per_second(lambda v: v.to_dict(full=False), verdicts)),
        ("explain('en') (verdict given)", per_second(lambda v: v.explain("en"), verdicts)),
        ("explain('zh') (verdict given)", per_second(lambda v: v.explain("zh"), verdicts)),
        ("  explanation by hand, from the dict (en)",
         per_second(by_hand.explain, offices)),
        ("  floor: document model + text writer alone",
         per_second(rewritten, [verdict_document(v, "en", view="text") for v in verdicts])),
        ("gap (verdict given)", per_second(gap, verdicts[: max(1, args.count // 4)])),
    ]
    # checked after timing, so that no explanation is kept before the timed ones
    check_explanations(verdicts[:200], offices[:200], by_hand)
    import pandas  # noqa: F401  (imported once, before timing)

    _, seconds = timed(lambda: evaluate_many(offices, star).to_frame())
    rows.append(("evaluate_many(...).to_frame()", args.count / seconds))
    compact = sum(len(v.to_json().encode()) for v in verdicts) / len(verdicts)
    full = sum(len(v.to_json(full=True).encode()) for v in verdicts) / len(verdicts)

    big = repeated(offices, args.big)
    batch = evaluate_many(big, star)
    _, frame_seconds = timed(batch.to_frame)
    rows.append((f"to_frame() of {args.big:,} verdicts (verdicts/s)", args.big / frame_seconds))
    del batch

    import tempfile

    notes = [f"to_frame() of {args.big:,} verdicts: {frame_seconds:.2f} s"]
    with tempfile.TemporaryDirectory() as folder:
        new = load_ruleset(amended(Path(folder)))
        for size, people in ((args.impact, population(star, args.impact, seed=7)),
                             (args.big, repeated(population(star, 2000, seed=7), args.big))):
            report, seconds = timed(lambda people=people: impact(star, new, people))
            hand, hand_seconds = timed(lambda people=people: hand_impact(people))
            assert sorted(f.office_id for f in report.flips) == sorted(h[0] for h in hand)
            assert not getattr(report, "bad_rows", ()), "bad rows in a generated population"
            rows.append((f"impact over {size:,} offices (offices/s)", size / seconds))
            rows.append((f"  hand-written loop, both traced ({size:,})", size / hand_seconds))
            notes.append(f"impact over {size:,}: {seconds:.2f} s, {len(report.flips)} flips; "
                         f"hand-written {hand_seconds:.2f} s; ratio "
                         f"{hand_seconds / seconds:.2f}x hand-written")
        every = population(star, args.impact, seed=7)
        automatic = star.with_options(revocation_mode="automatic")
        report, seconds = timed(lambda: impact(star, automatic, every))
        rows.append(("impact, option flip (most offices flip)", args.impact / seconds))
        notes.append(f"impact of the revocation_mode option over {args.impact:,}: "
                     f"{seconds:.2f} s, {len(report.flips)} flips, each attributed")

    print(f"{'measure':45} {'per second':>12}")
    for name, value in rows:
        print(f"{name:45} {value:12,.0f}")
    print(f"verdict JSON: compact {compact:,.0f} B, full {full:,.0f} B per office")
    for note in notes:
        print(note)
    print(json.dumps({name: round(value) for name, value in rows}))


if __name__ == "__main__":
    main()
