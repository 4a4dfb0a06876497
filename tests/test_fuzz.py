"""Fuzzing the three doors data comes in by: the expression parser, the ruleset loader and office
input. Whatever arrives, the library answers with its own error or a result — nothing else.

* the parser: any text parses or raises ``ExprSyntaxError``;
* the loader: any bytes, any YAML/JSON structure, any mutation of a valid ruleset gives ruleset
  problems (``check_ruleset``) or a ruleset that compiles, lints and evaluates;
* office input: any JSON value given as an office raises ``InputError`` naming the fields in error
  (or ``$`` for a non-mapping, ``id`` when the id is missing) or evaluates.

The properties here run quickly in ``make test``; ``fuzz/run_fuzz.py`` (``make fuzz``) runs the same
``check_*`` functions for many more examples and saves any failure to ``tests/fuzz_regressions/``,
which :func:`test_saved_fuzz_regressions` replays.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingxing_rules import InputError, Ruleset, Verdict, evaluate, load_ruleset
from mingxing_rules.compile.codegen import compile_ruleset
from mingxing_rules.errors import RulesetError
from mingxing_rules.language.expr import Expr, ExprSyntaxError, parse
from mingxing_rules.ruleset.lint import lint
from mingxing_rules.ruleset.source import SourceMap, read_yaml
from mingxing_rules.ruleset.validate import check_document

HERE = Path(__file__).parent
REGRESSIONS = HERE / "fuzz_regressions"
TEMPLATE_PATH = HERE / "broken" / "valid.yaml"
TEMPLATE_BYTES = TEMPLATE_PATH.read_bytes()
TEMPLATE, TEMPLATE_MARKS, _ = read_yaml(TEMPLATE_BYTES, "fuzz.yaml")
STAR = load_ruleset("star-judicial-office")
STAR_OFFICE = json.loads((HERE.parent / "examples" / "offices" / "star-by-assessment.json")
                         .read_text("utf-8"))

# offices for rulesets built from the template: all facts, none, and boundary values
TEMPLATE_OFFICES: list[dict[str, Any]] = [
    {"id": "full", "floor_area_m2": 200, "meeting_room_seats": 20, "staff_count": 7,
     "equipment": ["computer", "fax"], "office_kind": "street", "signage_compliant": True},
    {"id": "empty"},
    {"id": "low", "floor_area_m2": 0, "meeting_room_seats": 0, "staff_count": 0,
     "equipment": [], "office_kind": "other", "signage_compliant": {"met": False}},
]


# -- the checks (shared with fuzz/run_fuzz.py) --------------------------------------------------------


def check_expression(text: str) -> Expr | None:
    """Any text: a tree or ExprSyntaxError, nothing else."""
    try:
        return parse(text)
    except ExprSyntaxError as exc:
        assert isinstance(exc.pos, int) and 0 <= exc.pos <= len(text)
        assert exc.message
        return None


def check_document_value(document: Any, marks: SourceMap | None = None) -> Ruleset | None:
    """A parsed document: problems, or a ruleset that compiles, lints and evaluates."""
    spec, problems = check_document(document, marks or SourceMap("fuzz.yaml"))
    for problem in problems:
        assert problem.code and problem.message and problem.severity in ("error", "warning")
        str(problem)
    if spec is None or any(p.severity == "error" for p in problems):
        assert any(p.severity == "error" for p in problems)
        return None
    try:
        program = compile_ruleset(spec)
    except RulesetError as exc:  # e.g. an option default the compiler refuses
        assert exc.problems
        return None
    for warning in lint(spec, program):
        assert warning.severity == "warning" and warning.code.startswith("W3")
    ruleset = Ruleset(spec, program, None)
    for office in TEMPLATE_OFFICES:
        try:
            verdict = evaluate(office, ruleset)
        except InputError as exc:  # the document may have changed the fact schema
            _check_input_error(exc, office)
            continue
        _check_verdict(verdict, ruleset)
    return ruleset


def check_ruleset_bytes(data: bytes) -> Ruleset | None:
    """Any bytes as a ruleset file: problems or a working ruleset."""
    document, marks, problems = read_yaml(data, "fuzz.yaml")
    if problems:
        assert document is None
        assert all(p.severity == "error" and p.code.startswith("R0") for p in problems)
        return None
    return check_document_value(document, marks)


def check_condition(text: str) -> Ruleset | None:
    """Any text as the condition of one criterion of a valid ruleset."""
    document = copy.deepcopy(TEMPLATE)
    document["groups"][0]["standards"][0]["criteria"][0]["condition"] = text
    return check_document_value(document, TEMPLATE_MARKS)


def check_mutation(path: tuple[str | int, ...], value: Any) -> Ruleset | None:
    """A valid ruleset with one value (anywhere in it) replaced by anything JSON can say."""
    document = copy.deepcopy(TEMPLATE)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return check_document_value(document, TEMPLATE_MARKS)


def check_office(office: Any, ruleset: Ruleset = STAR) -> Verdict | None:
    """Any JSON value as an office: a verdict, or InputError naming the fields in error."""
    try:
        verdict = evaluate(office, ruleset)
    except InputError as exc:
        _check_input_error(exc, office)
        return None
    _check_verdict(verdict, ruleset)
    json.loads(verdict.to_json(), parse_constant=_not_json)  # strict: no NaN, no Infinity
    return verdict


def _not_json(name: str) -> Any:
    raise AssertionError(f"{name} in JSON output")


def _check_input_error(exc: InputError, office: Any) -> None:
    assert exc.problems, "an InputError must list its problems"
    keys = set(office) if isinstance(office, dict) else set()
    for problem in exc.problems:
        assert problem.path in keys | {"$", "id"}, (problem.path, sorted(keys)[:10])
        assert problem.message and problem.expected
    str(exc)


def _check_verdict(verdict: Verdict, ruleset: Ruleset) -> None:
    spec = ruleset.spec
    allowed = {*spec.outcomes, spec.otherwise.id, "UNDECIDED"}
    assert verdict.outcome in allowed
    assert len(verdict.trace) == len(ruleset.program.layout)


# -- strategies (shared with fuzz/run_fuzz.py) --------------------------------------------------------

TOKENS = [
    # names of the template, and names an attacker would try
    "floor_area_m2", "meeting_room_seats", "staff_count", "equipment", "office_kind",
    "signage_compliant", "min_seats", "floor_area", "workplace", "applicant_is_office", "x",
    "__import__", "__class__", "eval", "lambda", "os", "range", "sum",
    # keywords and functions
    "and", "or", "not", "in", "for", "true", "false", "all", "any", "count", "date", "year",
    "month", "day", "if_known", "min", "max", "abs",
    # literals
    "0", "1", "7", "200", "2.5", "1e308", "1e999", "99999999999999999999999999", "'computer'",
    "'fax'", "'street'", "'2013-11-30'", "'", '"', "''",
    # operators and punctuation
    "+", "-", "*", "/", "**", "<", "<=", ">", ">=", "==", "!=", "->", "(", ")", "[", "]", ",",
    ".", ":", ";", "{", "}", "=", "\\",
    # characters that look like others
    "\uff1e", "\u0430", "\u200b", "\x00", "\u202e", "\n",
]

token_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).flatmap(
    lambda parts: st.sampled_from([" ", ""]).map(lambda sep: sep.join(parts)))
expression_texts = st.one_of(token_soup, st.text(max_size=60))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["", "staff_count >= 7", "NOT_ELIGIBLE", "2013-01-01",
                                           "zh", "en", "award", "number", "enum"]),
    st.integers(min_value=10**300, max_value=10**400),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


TEMPLATE_PATHS = sorted(_paths(TEMPLATE), key=repr)
mutations = st.tuples(st.sampled_from(TEMPLATE_PATHS), json_values)


def _yaml_text(value: Any) -> bytes:
    try:
        return yaml.safe_dump(value, allow_unicode=True).encode("utf-8")
    except (yaml.YAMLError, ValueError, OverflowError, UnicodeEncodeError):
        return json.dumps(value, default=str).encode("utf-8", "surrogatepass")


yaml_structures = json_values.map(_yaml_text)
ruleset_bytes = st.one_of(
    st.binary(max_size=200),
    yaml_structures,
    # the valid file with a few bytes overwritten
    st.tuples(st.integers(0, len(TEMPLATE_BYTES) - 1), st.binary(min_size=1, max_size=4)).map(
        lambda cut: TEMPLATE_BYTES[: cut[0]] + cut[1] + TEMPLATE_BYTES[cut[0] + len(cut[1]):]),
)

office_values = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from([f.name for f in STAR.spec.facts] + ["id", "extra"]),
                    json_values, max_size=6),
    # a valid office with some fields replaced
    st.dictionaries(st.sampled_from(sorted(STAR_OFFICE)), json_values, max_size=4).map(
        lambda changes: {**STAR_OFFICE, **changes}),
)

# -- batch files: mixed good, bad and undecodable lines (issue 13) -----------------------------------

STAR_LINE = json.dumps(STAR_OFFICE, ensure_ascii=False).encode("utf-8")
batch_lines = st.one_of(
    st.just(STAR_LINE),
    office_values.map(lambda value: json.dumps(value, ensure_ascii=False, default=str).encode(
        "utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.sampled_from([b"", b"   ", b"\xef\xbb\xbf" + STAR_LINE, b"[" * 5000, b"{" * 3000,
                     b'{"id": "x", "id": "y"}', b'{"id": "x", "staff_count": ' + b"9" * 5000
                     + b"}", b'{"id": "\\ud800"}', b'{"id": "x", "\\udc00": 1}',
                     b'{"id": "x", "staff_count": NaN}',
                     STAR_LINE[:40], STAR_LINE + b"\r", b"\x00\xff\xfe"]),
)
batch_files = st.lists(batch_lines, max_size=8).map(b"\n".join)


def check_batch_file(data: bytes) -> None:
    """Any bytes as a .jsonl batch: one verdict or one located row error per record, in order,
    the counts adding up; nothing raised."""
    import tempfile

    from mingxing_rules.engine.batch import RowError, iter_evaluate

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "offices.jsonl"
        path.write_bytes(data)
        items = list(iter_evaluate(path, STAR))
    lines = data.split(b"\n")
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    records = [number for number, line in enumerate(lines, start=1) if line.strip()]
    assert [row for row, _ in items] == list(range(1, len(records) + 1))
    for (_, item), number in zip(items, records, strict=True):
        if isinstance(item, RowError):
            assert item.line == number and item.message
            assert len(str(item)) < 2000
            str(item).encode("utf-8")  # printable: no lone surrogate reaches the summary
        else:
            _check_verdict(item, STAR)


# -- registers (issue 13) --------------------------------------------------------------------------------


def _register_strategy() -> st.SearchStrategy[Any]:
    from test_register_roundtrip import registers

    return registers()


def _check_register(register: Any) -> None:
    from test_register_roundtrip import check_register_roundtrip

    check_register_roundtrip(register)


# -- the durable backend: any condition that loads runs there or is refused with D003 -------------------


def check_durable_condition(text: str) -> None:
    """Any text as a condition: if the native compiler accepts it, the durable backend either
    refuses the ruleset (D003, reported by ``check --backend durable``) or computes the native
    row for every template office; never a crash."""
    ruleset = check_condition(text)
    if ruleset is None:
        return
    try:
        from mingxing_rules.backends.durable import DurableBackend, translate
    except ImportError:  # pragma: no cover - durable_rules is in the test extra
        return
    from mingxing_rules.cli._check_durable import durable_problems
    from mingxing_rules.errors import EvaluationError

    refused = [p for p in durable_problems(ruleset) if p.code == "D003"]
    assert bool(refused) == bool(translate(ruleset.program).unsupported)
    backend = DurableBackend()
    for office in TEMPLATE_OFFICES:
        try:
            parsed = ruleset.parse_office(office)
        except InputError:
            continue
        if refused:
            with pytest.raises(EvaluationError, match="cannot run on durable_rules"):
                backend.row(ruleset.program, parsed)
            return
        native = ruleset.program.full(parsed.facts)
        assert backend.row(ruleset.program, parsed) == native, (text, office)


def _replay_register(data: Any) -> None:
    from mingxing_rules.campaign import parse_register

    _check_register(parse_register(data, fmt="jsonl"))


TARGETS: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], object]]] = {
    "expression": (expression_texts, check_expression),
    "condition": (expression_texts, check_condition),
    "mutation": (mutations, lambda pair: check_mutation(*pair)),
    "ruleset": (ruleset_bytes, check_ruleset_bytes),
    "office": (office_values, check_office),
    "batch": (batch_files, check_batch_file),
    "register": (st.deferred(_register_strategy), _check_register),
    "durable": (expression_texts, check_durable_condition),
}

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(expression_texts)
def test_any_text_parses_or_is_a_syntax_error(text: str) -> None:
    check_expression(text)


@FAST
@given(expression_texts)
def test_any_condition_is_a_ruleset_problem_or_a_working_rule(text: str) -> None:
    check_condition(text)


@FAST
@given(mutations)
def test_any_mutation_of_a_valid_ruleset_is_reported_or_works(
    mutation: tuple[tuple[str | int, ...], Any],
) -> None:
    check_mutation(*mutation)


@FAST
@given(ruleset_bytes)
def test_any_bytes_are_ruleset_problems_or_a_working_ruleset(data: bytes) -> None:
    check_ruleset_bytes(data)


@settings(max_examples=150, deadline=None)
@given(office_values)
def test_any_json_as_an_office_is_an_input_error_or_a_verdict(office: Any) -> None:
    check_office(office)


EXTREMES = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "10**400": 10**400,
            "-10**400": -(10**400), "1e308": 1e308, "-1e308": -1e308, "2**53+1": 2**53 + 1,
            "0.1+0.2": 0.1 + 0.2, "-0.0": -0.0}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_files)
def test_any_batch_file_gives_one_verdict_or_row_error_per_record(data: bytes) -> None:
    check_batch_file(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression_texts)
def test_any_condition_runs_on_durable_rules_or_is_refused_with_d003(text: str) -> None:
    pytest.importorskip("durable_rules_engine")
    check_durable_condition(text)


@pytest.mark.parametrize("value", list(EXTREMES.values()), ids=list(EXTREMES))
@pytest.mark.parametrize("field", ["floor_area_m2", "disputes_mediated_count",
                                   "disputes_received_count", "assessment_year"])
def test_extreme_numbers_in_any_numeric_field(field: str, value: float) -> None:
    check_office({**STAR_OFFICE, field: value})


# -- replaying what longer campaigns found -------------------------------------------------------


def _regressions() -> list[Path]:
    return sorted(p for p in REGRESSIONS.glob("*")
                  if p.suffix in (".json", ".yaml", ".txt", ".jsonl"))


def replay(path: Path) -> None:
    """Run the check a saved case was found by (its kind is the start of the file name)."""
    kind = path.name.split("-", 1)[0]
    if kind == "ruleset":
        check_ruleset_bytes(path.read_bytes())
        return
    if kind == "batch":
        check_batch_file(path.read_bytes())
        return
    if kind == "register":
        _replay_register(path.read_text("utf-8"))
        return
    data = json.loads(path.read_text("utf-8"))
    if kind == "expression":
        check_expression(data)
    elif kind == "condition":
        check_condition(data)
    elif kind == "mutation":
        check_mutation(tuple(data["path"]), data["value"])
    elif kind == "office":
        check_office(_numbers(data))
    elif kind == "durable":
        check_durable_condition(data)
    else:  # pragma: no cover - a misnamed file
        raise AssertionError(f"unknown regression kind {kind!r} in {path.name}")


def _numbers(value: Any) -> Any:
    """JSON cannot say NaN or infinity portably; saved cases spell them as {"$float": "nan"}."""
    if isinstance(value, dict):
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


@pytest.mark.parametrize("path", _regressions(), ids=[p.name for p in _regressions()])
def test_saved_fuzz_regressions(path: Path) -> None:
    replay(path)


def test_the_regression_folder_exists_and_is_documented() -> None:
    assert (REGRESSIONS / "README.md").is_file()
