"""``mingxing campaign``: Star rates per county and city against the targets of clause 二."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, same_file
from ..campaign import (
    Assessment,
    CampaignPolicy,
    CycleResult,
    MissingExtraError,
    Register,
    apply_cycle,
    format_table,
    load_register,
    rate_table,
    render_html,
    ruleset_evaluator,
    run_cycle,
    save_register,
    write_chart,
)
from ..campaign.rates import DEFAULT_TARGETS
from ..campaign.report import CJKFontWarning
from ..errors import InputError
from ._shared import (
    DEFAULT_RULESET,
    EXIT_OK,
    Subparsers,
    UsageError,
    add_format,
    add_lang,
    add_out,
    add_quiet,
    add_ruleset,
    expand_inputs,
    parse_options,
    print_warning,
    refuse_unless,
    stdin_as_file,
)

__all__ = ["register"]

_DESCRIPTION = """\
Star rate (创建率) per county and for the city, year by year, against the targets of clause 二
(2013 >= 35%, 2014 >= 55%, 2015 >= 70%, direct promotions counted). REGISTER is a title
register (.jsonl or .csv) of offices and their events. Prints the year's table; --out writes a
self-contained HTML report with the chart; --cycle also runs the year's assessment through the
ruleset and lists the awards and revocations (表彰名单)."""


def register(subparsers: Subparsers) -> None:
    """Add the ``campaign`` sub-command."""
    parser = subparsers.add_parser(
        "campaign",
        help="Star rates per county and city against the 35/55/70%% targets",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("register", metavar="REGISTER",
                        help="title register: .jsonl (JSON Lines) or .csv, or - for standard "
                             "input")
    parser.add_argument("--year", type=int, default=max(DEFAULT_TARGETS),
                        help="the year to report (default: %(default)s)")
    parser.add_argument("--county", action="append", metavar="NAME",
                        help="only this county (repeatable); the city row stays city-wide")
    add_format(parser, ("text", "csv", "json"),
               json_shape='one document {"city", "years", "policy", "rows": [...], "year"; '
                          '"cycle": ... with --cycle}')
    add_lang(parser, what="report")
    add_out(parser, "write a self-contained HTML report (with the chart) to FILE")
    parser.add_argument("--chart", metavar="CHART.png|svg",
                        help="write the chart of rate vs target (needs matplotlib; SVG keeps "
                             "Chinese labels as text)")
    parser.add_argument("--no-chart", action="store_true",
                        help="with --out: an HTML report without the chart (no matplotlib "
                             "needed)")
    add_ruleset(parser, what="; with --cycle only")
    parser.add_argument("--cycle", action="store_true",
                        help="run the year's assessment through the ruleset and list the "
                             "awards and revocations")
    parser.add_argument("--apply", action="store_true",
                        help="with --cycle: count the cycle's awards and revocations "
                             "(dated 20 December) in the rates")
    parser.add_argument("--save", metavar="REGISTER",
                        help="with --apply: write the register with the cycle's events")
    parser.add_argument("--denominator", choices=("all_offices", "township_street_offices"),
                        default="all_offices",
                        help="offices counted in the rate (default: %(default)s)")
    parser.add_argument("--revoked", choices=("leave-in-year", "stay-in-year"),
                        default="leave-in-year",
                        help="a title revoked during the year leaves that year's count, or "
                             "stays in it until the next year (default: %(default)s)")
    add_quiet(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``mingxing campaign``: 0 ok, 2 bad register or options or a missing extra, 3 ruleset."""
    try:
        return _run(args)
    except MissingExtraError as error:
        hint = " (or --no-chart)" if args.out and not args.chart else ""
        raise UsageError(f"{error}{hint}") from None


def _with_lang(function: Callable[..., Any], lang: str, /, *args: Any, **kwargs: Any) -> Any:
    """Pass ``lang`` to a report function that takes it (the report is being localised)."""
    if "lang" in inspect.signature(function).parameters:
        kwargs["lang"] = lang
    return function(*args, **kwargs)


def _register_path(item: str) -> Path:
    if item == "-":
        return stdin_as_file(".csv")
    paths = expand_inputs([item], (".jsonl", ".csv"), "register")
    if len(paths) != 1:
        raise UsageError(f"{item}: give one register file, not {len(paths)}")
    return Path(paths[0])


def _refuse_overwriting_the_register(args: argparse.Namespace) -> None:
    """--out and --chart are outputs: one naming the register would destroy it (--save is
    meant to, and is written only after the register has been read in full)."""
    for option, target in (("--out", args.out), ("--chart", args.chart)):
        if target is not None and Path(args.register).exists() and same_file(
                target, args.register):
            raise UsageError(f"{option} {target} is the register file; choose another file "
                             "(nothing was written)")


def _run(args: argparse.Namespace) -> int:
    _refuse_overwriting_the_register(args)
    if (args.apply or args.save) and not args.cycle:
        raise UsageError("--apply and --save need --cycle")
    if args.save and not args.apply:
        raise UsageError("--save needs --apply (it saves the register with the cycle's events)")
    refuse_unless(args.cycle or (args.ruleset is None and not args.option),
                  "--ruleset and --option", "apply with --cycle only")
    refuse_unless(args.out is not None or not args.no_chart, "--no-chart", "applies with --out")
    policy = CampaignPolicy(denominator=args.denominator,
                            revoked_leave_in_year=args.revoked == "leave-in-year")
    source = _register_path(args.register)
    register = load_register(source)
    cycle: CycleResult | None = None
    if args.cycle:
        evaluator = ruleset_evaluator(args.ruleset or DEFAULT_RULESET,
                                      options=parse_options(args.option))
        cycle = run_cycle(register, args.year, evaluator=evaluator, policy=policy)
        if args.apply:
            register = _applied(register, cycle, args.year)
            if args.save:
                save_register(register, Path(args.save))
                print(f"wrote {args.save}", file=sys.stderr)

    first = min((e.date.year for e in register.events), default=args.year)
    years = range(min(first, args.year), args.year + 1)
    table = rate_table(register, years, policy=policy, counties=args.county)
    if cycle is not None and args.county:
        cycle = cycle.restricted(o.id for o in register.offices if o.county in args.county)
    text = _with_lang(format_table, args.lang, table, year=args.year, fmt=args.format)
    if args.format == "json" and cycle is not None:
        document = json.loads(text)
        document["cycle"] = cycle.to_dict()
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    sys.stdout.write(text)
    if cycle is not None and args.format == "text":
        sys.stdout.write(_cycle_text(cycle))
    if args.chart:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CJKFontWarning)
            write_chart(table, args.chart, year=args.year)
        for warning in caught:  # said once, as a warning of the command, not of a module
            print_warning(str(warning.message))
        print(f"wrote {args.chart}", file=sys.stderr)
    if args.out:
        page = _with_lang(render_html, args.lang, table, year=args.year, cycle=cycle,
                          chart=not args.no_chart,
                          source="<stdin>" if args.register == "-" else str(args.register))
        atomic_write_text(args.out, page)
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def _applied(register: Register, cycle: CycleResult, year: int) -> Register:
    recorded = [e for e in register.events if isinstance(e, Assessment) and e.year == year]
    if recorded:
        raise InputError(
            f"the register already records {len(recorded)} assessment(s) for {year}; "
            "--apply would record the year twice (use --cycle alone to see the list)")
    return apply_cycle(register, cycle)


def _cycle_text(cycle: CycleResult) -> str:
    lines = [f"Commendation list {cycle.year} 表彰名单 (applications by {cycle.deadline}):"]
    for title, decisions in (("awards", cycle.awards), ("revocations", cycle.revocations),
                             ("revocations recommended", cycle.recommended_revocations)):
        lines.append(f"  {title}: {len(decisions)}")
        lines.extend(f"    {d.office.county} {d.office.name} ({d.office.id}): {d.outcome}"
                     for d in decisions)
    if cycle.late:
        lines.append(f"  late applications (not assessed): {len(cycle.late)}")
        lines.extend(f"    {a.office_id} submitted {a.date}" for a in cycle.late)
    if cycle.unreviewed_incidents:
        lines.append(f"  major incidents without re-assessment: {len(cycle.unreviewed_incidents)}")
        lines.extend(f"    {i.office_id} {i.date}: {i.description}"
                     for i in cycle.unreviewed_incidents)
    if cycle.undecided:
        lines.append(f"  undecided (facts missing): {len(cycle.undecided)}")
        lines.extend(f"    {d.office.id}: {d.outcome}" for d in cycle.undecided)
    return "\n".join(lines) + "\n"
