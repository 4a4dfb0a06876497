"""``mingxing campaign``: Star rates per county and city against the targets of clause 二."""

from __future__ import annotations

import argparse
import json
import sys
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
from ..errors import InputError, RulesetError

__all__ = ["add_parser", "run"]

# The exit codes of the ``mingxing`` command (docs/cli.md).
EXIT_OK, EXIT_USAGE, EXIT_RULESET = 0, 2, 3

_DESCRIPTION = """\
Star rate (创建率) per county and for the city, year by year, against the targets of clause 二
(2013 >= 35%, 2014 >= 55%, 2015 >= 70%, direct promotions counted). REGISTER is a title
register (.jsonl or .csv) of offices and their events. Prints the year's table; --out writes a
self-contained HTML report with the chart; --cycle also runs the year's assessment through the
ruleset and lists the awards and revocations (表彰名单)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``campaign`` sub-command."""
    parser = subparsers.add_parser(
        "campaign",
        help="Star rates per county and city against the 35/55/70%% targets",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("register", metavar="REGISTER", type=Path,
                        help="title register: .jsonl (JSON Lines) or .csv")
    parser.add_argument("--year", type=int, default=max(DEFAULT_TARGETS),
                        help="the year to report (default: %(default)s)")
    parser.add_argument("--county", action="append", metavar="NAME",
                        help="only this county (repeatable); the city row stays city-wide")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                        dest="table_format", help="table format on stdout (default: text)")
    parser.add_argument("--out", type=Path, metavar="REPORT.html",
                        help="write a self-contained HTML report")
    parser.add_argument("--chart", type=Path, metavar="CHART.png|svg",
                        help="write the chart of rate vs target (needs matplotlib)")
    parser.add_argument("--no-chart", action="store_true",
                        help="HTML report without the chart (no matplotlib needed)")
    parser.add_argument("--ruleset", default="star-judicial-office",
                        help="ruleset for --cycle: bundled id or YAML path "
                             "(default: %(default)s)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="with --cycle: override a ruleset option (JSON value), repeatable")
    parser.add_argument("--cycle", action="store_true",
                        help="run the year's assessment through the ruleset and list the "
                             "awards and revocations")
    parser.add_argument("--apply", action="store_true",
                        help="with --cycle: count the cycle's awards and revocations "
                             "(dated 20 December) in the rates")
    parser.add_argument("--save", type=Path, metavar="REGISTER",
                        help="with --apply: write the register with the cycle's events")
    parser.add_argument("--denominator", choices=("all_offices", "township_street_offices"),
                        default="all_offices",
                        help="offices counted in the rate (default: %(default)s)")
    parser.add_argument("--revoked", choices=("leave-in-year", "stay-in-year"),
                        default="leave-in-year",
                        help="a title revoked during the year leaves that year's count, or "
                             "stays in it until the next year (default: %(default)s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``mingxing campaign``: 0 ok, 2 bad register or options or a missing extra, 3 ruleset."""
    try:
        return _run(args)
    except MissingExtraError as error:
        hint = " (or --no-chart)" if args.out and not args.chart else ""
        print(f"mingxing campaign: error: {error}{hint}", file=sys.stderr)
        return EXIT_USAGE
    except RulesetError as error:
        print(f"mingxing campaign: error: {error}", file=sys.stderr)
        return EXIT_RULESET
    except InputError as error:
        print(f"mingxing campaign: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # a file cannot be written: every write is atomic, so the old
        # file (if any) is whole
        where = error.filename or "a file"
        print(f"mingxing campaign: error: cannot write {where}: {error.strerror or error} "
              "(any existing file is unchanged)", file=sys.stderr)
        return EXIT_USAGE


def _refuse_overwriting_the_register(args: argparse.Namespace) -> None:
    """--out and --chart are outputs: one naming the register would destroy it (--save is
    meant to, and is written only after the register has been read in full)."""
    for option, target in (("--out", args.out), ("--chart", args.chart)):
        if target is not None and Path(args.register).exists() and same_file(
                target, args.register):
            raise InputError(f"{option} {target} is the register file; choose another file "
                             "(nothing was written)")


def _run(args: argparse.Namespace) -> int:
    _refuse_overwriting_the_register(args)
    if (args.apply or args.save) and not args.cycle:
        raise InputError("--apply and --save need --cycle")
    if args.save and not args.apply:
        raise InputError("--save needs --apply (it saves the register with the cycle's events)")
    policy = CampaignPolicy(denominator=args.denominator,
                            revoked_leave_in_year=args.revoked == "leave-in-year")
    register = load_register(args.register)
    cycle: CycleResult | None = None
    if args.cycle:
        evaluator = ruleset_evaluator(args.ruleset, options=_ruleset_options(args.option))
        cycle = run_cycle(register, args.year, evaluator=evaluator, policy=policy)
        if args.apply:
            register = _applied(register, cycle, args.year)
            if args.save:
                save_register(register, args.save)
                print(f"wrote {args.save}", file=sys.stderr)

    first = min((e.date.year for e in register.events), default=args.year)
    years = range(min(first, args.year), args.year + 1)
    table = rate_table(register, years, policy=policy, counties=args.county)
    if cycle is not None and args.county:
        cycle = cycle.restricted(o.id for o in register.offices if o.county in args.county)
    sys.stdout.write(format_table(table, year=args.year, fmt=args.table_format))
    if cycle is not None and args.table_format == "text":
        sys.stdout.write(_cycle_text(cycle))
    if args.chart:
        write_chart(table, args.chart, year=args.year)
        print(f"wrote {args.chart}", file=sys.stderr)
    if args.out:
        page = render_html(table, year=args.year, cycle=cycle, chart=not args.no_chart,
                           source=str(args.register))
        atomic_write_text(args.out, page)
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def _ruleset_options(items: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise RulesetError(f"--option {item!r}: expected NAME=VALUE")
        try:
            options[name] = json.loads(raw)
        except json.JSONDecodeError:
            options[name] = raw  # a bare word is a string value
    return options


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
