"""Semantic warnings of `mingxing check` (W3xx): conditions that can never pass or never fail,
thresholds outside the declared range, outcomes that can never be selected, unused declarations.

Each case is one condition in a tiny ruleset; the table says which warnings it must raise. The
properties at the end check the analysis against brute force: a "never" warning is only given
when no office within the declared ranges can make the condition true (or false).
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from textwrap import dedent, indent
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mingxing_rules import RulesetError, RulesetProblem, check_ruleset, load_ruleset
from mingxing_rules.compile.codegen import compile_ruleset
from mingxing_rules.ruleset.lint import LINT_CODES, lint, lint_spec
from mingxing_rules.ruleset.model import RulesetSpec
from mingxing_rules.ruleset.source import read_yaml
from mingxing_rules.ruleset.validate import check_document

HEAD = """\
format: mingxing-rules/1
ruleset:
  id: lint-case
  version: "1"
  title: {zh: 检查, en: lint case}
  effective: {from: 2020-01-01}
  source: {title: {zh: 源, en: source}, reference: tests}
options:
  mode:
    type: enum
    default: p
    values: [p, q]
    clause: "9"
    description: {zh: 模式, en: mode}
  min_staff:
    type: integer
    default: 7
    min: 1
    max: 40
    clause: "9"
    description: {zh: 最少人数, en: minimum staff}
facts:
  area_m2: {type: number, min: 0, max: 10000, unit: m², title: {zh: 面积, en: area}}
  staff: {type: integer, min: 0, max: 20, title: {zh: 人数, en: staff}}
  open_count: {type: integer, title: {zh: 数, en: count}}
  ok: {type: boolean, title: {zh: 好, en: ok}}
  kit: {type: set, values: [a, b, c], title: {zh: 设备, en: kit}}
  kind: {type: enum, values: [x, y], title: {zh: 类, en: kind}}
  since: {type: date, title: {zh: 日期, en: since}}
  remark: {type: text, title: {zh: 备注, en: remark}}
derived:
  share:
    title: {zh: 比例, en: share}
    value: staff / open_count
  ratio:
    title: {zh: 比率, en: ratio}
    value: staff / 20
    min: 0
    max: 1
"""

CRITERION = """\
groups:
  - id: g
    clause: "1"
    title: {zh: 组, en: group}
    standards:
      - id: s
        clause: "1.1"
        title: {zh: 标准, en: standard}
        criteria:
          - id: c1
            clause: "1.1.1"
            quote: 条件
            title: {zh: 条件, en: condition}
%(applies)s            condition: "%(condition)s"
rules:
  - id: uses_everything
    clause: "2"
    quote: 全部
    title: {zh: 全部, en: everything}
    condition: >-
      mode == 'p' or staff >= min_staff or ok or 'a' in kit or kind == 'x'
      or area_m2 >= 1 or open_count >= 1 or share >= 1 or since >= date('2020-01-01')
      or ratio >= 0.5
decision:
  outcomes:
    - id: PASS
      clause: "3"
      title: {zh: 过, en: pass}
      condition: g and uses_everything
  otherwise:
    id: FAIL
    clause: "3"
    title: {zh: 不过, en: fail}
"""


def criterion_ruleset(condition: str, applies_if: str | None = None) -> str:
    applies = f'            applies_if: "{applies_if}"\n' if applies_if else ""
    return HEAD + CRITERION % {"condition": condition, "applies": applies}


def problems_of(text: str) -> list[RulesetProblem]:
    """Validate, compile and lint a ruleset held in memory (no file needed)."""
    document, marks, problems = read_yaml(text.encode("utf-8"), "case.yaml")
    assert not problems, problems
    spec, found = check_document(document, marks)
    assert spec is not None, [str(p) for p in found]
    assert not [p for p in found if p.severity == "error"], [str(p) for p in found]
    return lint(spec, compile_ruleset(spec))


_TEMPLATE = read_yaml(criterion_ruleset("staff >= 7").encode("utf-8"), "case.yaml")


def spec_with(condition: str) -> RulesetSpec:
    """The template ruleset with criterion c1's condition replaced (YAML parsed only once)."""
    document, marks, _ = _TEMPLATE
    document = copy.deepcopy(document)
    document["groups"][0]["standards"][0]["criteria"][0]["condition"] = condition
    spec, found = check_document(document, marks)
    assert spec is not None, [str(p) for p in found]
    return spec


def fast_codes(condition: str) -> set[str]:
    return {p.code for p in lint_spec(spec_with(condition)) if p.location.rule_id == "c1"}


def codes(text: str, rule_id: str | None = "c1") -> list[str]:
    """Warning codes about one rule (a never-passing criterion also makes outcomes unreachable;
    those consequences are tested with the decision cases)."""
    return sorted(p.code for p in problems_of(text)
                  if rule_id is None or p.location.rule_id == rule_id)


# -- one criterion, one expectation ---------------------------------------------------------------

CRITERION_CASES = [
    # condition, applies_if, expected warning codes
    ("area_m2 >= 200", None, []),
    ("area_m2 >= 200 and area_m2 < 100", None, ["W301"]),
    ("area_m2 >= 200 and area_m2 < 200", None, ["W301"]),
    ("area_m2 >= 200 and area_m2 <= 200", None, []),
    ("area_m2 > 10000", None, ["W301"]),  # max 10000 inclusive: 10000 is not > 10000
    ("area_m2 >= 20000", None, ["W301", "W303"]),
    ("area_m2 >= 0", None, ["W302"]),  # min 0: always true once known
    ("area_m2 >= -5", None, ["W302", "W303"]),
    ("area_m2 <= 10000", None, ["W302"]),
    ("area_m2 * 2 > 20000", None, ["W301"]),  # interval arithmetic over [0, 10000]
    ("area_m2 + 1 > 0", None, ["W302"]),
    ("staff >= 2.5 and staff < 3", None, ["W301"]),  # an integer fact has no value in [2.5, 3)
    ("staff > 2 and staff < 3", None, ["W301"]),
    ("staff >= 3 and staff <= 3 and staff != 3", None, ["W301"]),
    ("staff >= 21", None, ["W301", "W303"]),
    ("staff < 0", None, ["W301"]),
    ("staff >= 7", None, []),
    ("0 <= staff <= 20", None, ["W302"]),
    ("5 < staff < 6", None, ["W301"]),
    ("staff >= min_staff", None, []),  # the option ranges over 1..40: no verdict either way
    ("open_count >= 1000000", None, []),  # no declared range: nothing to say
    ("true", None, ["W302"]),
    ("false", None, ["W301"]),
    ("1 < 2", None, ["W302"]),
    ("2 ** 3 == 9", None, ["W301"]),
    ("ok and not ok", None, ["W301"]),
    ("ok or not ok", None, ["W302"]),
    ("ok == true and ok == false", None, ["W301"]),
    ("kind == 'x' and kind == 'y'", None, ["W301"]),
    ("kind == 'x' or kind == 'y'", None, ["W302"]),
    ("kind in ['x', 'y']", None, ["W302"]),
    ("kind != 'x' and kind != 'y'", None, ["W301"]),
    ("kind == 'x'", None, []),
    ("'a' in kit and 'a' not in kit", None, ["W301"]),
    ("all(k in kit for k in ['a', 'b']) and 'b' not in kit", None, ["W301"]),
    ("any(k in kit for k in ['a', 'b']) or ('a' not in kit and 'b' not in kit)", None, ["W302"]),
    ("count(kit) > 3", None, ["W301"]),  # a set of three values has at most three
    ("count(kit) >= 4", None, ["W301", "W303"]),
    ("count(kit) >= 0", None, ["W302"]),
    ("count(kit) == 0", None, []),
    ("area_m2 >= 200 -> area_m2 >= 100", None, ["W302"]),
    ("ok -> ok", None, ["W302"]),
    ("since >= date('2020-01-01') and since < date('2019-01-01')", None, ["W301"]),
    ("month(since) > 12", None, ["W301"]),
    ("mode == 'p' and area_m2 >= 200", None, []),  # options range over their values
    ("mode == 'p' and mode == 'q'", None, ["W301"]),
    ("share >= 0", None, []),  # staff / open_count: open_count may be negative
    ("staff / 2 >= 0", None, ["W302"]),
    # a derived value with declared bounds (offices outside them are refused as input errors)
    ("ratio >= 0.5", None, []),
    ("ratio > 1", None, ["W301"]),
    ("ratio >= 1.5", None, ["W301", "W303"]),
    ("ratio <= 1", None, ["W302"]),
    ("if_known(ok, false)", None, []),
    # beyond 2**53 floats skip integers: no claim that exact arithmetic could contradict
    ("open_count > 2**60 and open_count < 2**60 + 3", None, []),
    ("2**60 + 1 == 2**60", None, []),
    # applies_if: the criterion is judged only where it applies
    ("staff == 0", "staff > 0", ["W301"]),
    ("staff >= 1", "staff > 0", ["W302"]),
    ("staff >= 7", "staff > 0", []),
    ("staff >= 7", "staff < 0", ["W301"]),  # never applies
    ("staff >= 7", "staff >= 0", ["W302"]),  # the guard is redundant
]


@pytest.mark.parametrize(("condition", "applies_if", "expected"), CRITERION_CASES,
                         ids=[c[0] + (f" | {c[1]}" if c[1] else "") for c in CRITERION_CASES])
def test_criterion_warnings(condition: str, applies_if: str | None, expected: list[str]) -> None:
    assert codes(criterion_ruleset(condition, applies_if)) == expected


def test_a_warning_names_the_rule_its_location_and_the_condition() -> None:
    text = criterion_ruleset("area_m2 >= 200 and area_m2 < 100")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip() == "- id: c1")
    (problem,) = [p for p in problems_of(text) if p.location.rule_id == "c1"]
    assert problem.code == "W301"
    assert problem.severity == "warning"
    assert problem.token == "c1"
    assert problem.location.rule_id == "c1"
    assert problem.location.file == "case.yaml"
    assert problem.location.line == line  # the criterion `- id: c1`
    assert problem.location.path == "groups[0].standards[0].criteria[0].condition"
    assert "area_m2 >= 200 and area_m2 < 100" in problem.message
    assert str(problem).startswith(f"case.yaml:{line}:")


def test_a_threshold_on_a_bounded_derived_value_names_its_declared_range() -> None:
    (problem,) = [p for p in problems_of(criterion_ruleset("ratio >= 1.5")) if p.code == "W303"]
    assert "derived value 'ratio' (min 0, max 1)" in problem.message


def test_a_threshold_warning_names_the_fact_its_range_and_the_threshold() -> None:
    found = {p.code: p for p in problems_of(criterion_ruleset("staff >= 21"))}
    message = found["W303"].message
    assert "'staff'" in message and "21" in message and "max 20" in message and "min 0" in message
    assert found["W303"].token == "21"


def test_an_applies_if_warning_points_at_the_guard() -> None:
    (problem,) = problems_of(criterion_ruleset("staff >= 7", "staff < 0"))
    assert problem.location.path.endswith(".applies_if")
    assert "never applies" in problem.message


def test_rules_are_checked_like_criteria() -> None:
    text = criterion_ruleset("staff >= 7").replace(
        "rules:\n", dedent("""\
        rules:
          - id: impossible
            clause: "2"
            quote: 不可能
            title: {zh: 不可能, en: impossible}
            condition: area_m2 > 5 and area_m2 < 5
        """))
    found = problems_of(text)
    assert {(p.code, p.location.rule_id) for p in found} >= {("W301", "impossible")}


# -- decision precedence --------------------------------------------------------------------------


def decision_ruleset(outcomes: list[tuple[str, str]], rules: str = "") -> str:
    body = "".join(
        f"    - id: {oid}\n      clause: \"3\"\n      title: {{zh: 结, en: {oid.lower()}}}\n"
        f"      condition: \"{condition}\"\n" for oid, condition in outcomes)
    text = criterion_ruleset("staff >= 7")
    head, _, _ = text.partition("decision:\n")
    return (head.replace("rules:\n", "rules:\n" + rules) + "decision:\n  outcomes:\n" + body
            + "  otherwise:\n    id: FAIL\n    clause: \"3\"\n    title: {zh: 不过, en: fail}\n")


LAST = ("LAST", "g and uses_everything")  # reads everything, so nothing is reported unused
RULES = indent(dedent("""\
    - id: big
      clause: "2"
      quote: 大
      title: {zh: 大, en: big}
      condition: area_m2 >= 100
    - id: bigger
      clause: "2"
      quote: 更大
      title: {zh: 更大, en: bigger}
      condition: area_m2 >= 200
    """), "  ")

# when LAST can never be selected, the group and rule only it reads can never change a verdict
LAST_DEAD = [("W304", "LAST"), ("W304", "FAIL"), ("W306", "g"), ("W306", "uses_everything")]

DECISION_CASES = [
    # outcomes in precedence order (LAST is appended), rules, expected (code, id) pairs
    ([("A", "area_m2 >= 200"), ("B", "area_m2 < 100")], "", []),
    ([("A", "area_m2 >= 100"), ("B", "area_m2 >= 200")], "", [("W304", "B")]),  # B implies A
    ([("A", "true"), ("B", "ok")], "", [("W304", "B"), *LAST_DEAD]),
    ([("A", "ok and area_m2 >= 200"), ("B", "not ok")], "", []),
    # ok or not ok: one of them is true or the verdict is undecided; nothing after is reached
    ([("A", "ok"), ("B", "not ok")], "", LAST_DEAD),
    ([("A", "false"), ("B", "ok")], "", [("W304", "A")]),
    # through rules: B's rule implies A's, so B never wins and its rule never matters
    ([("A", "big"), ("B", "bigger")], RULES, [("W304", "B"), ("W306", "bigger")]),
    ([("A", "bigger"), ("B", "big")], RULES, []),
    # an option chooses between two outcomes: both stay reachable
    ([("A", "mode == 'p' and ok"), ("B", "mode == 'q' and ok")], "", []),
    ([("A", "mode == 'p' or mode == 'q'"), ("B", "ok")], "", [("W304", "B"), *LAST_DEAD]),
    ([("A", "kind == 'x'"), ("B", "kind == 'y'"), ("C", "ok")], "", [("W304", "C"), *LAST_DEAD]),
]


@pytest.mark.parametrize(("outcomes", "rules", "expected"), DECISION_CASES)
def test_decision_precedence(outcomes: list[tuple[str, str]], rules: str,
                             expected: list[tuple[str, str]]) -> None:
    found = problems_of(decision_ruleset([*outcomes, LAST], rules))
    assert sorted((p.code, p.location.rule_id or "") for p in found
                  if p.code in ("W304", "W306")) == sorted(expected)


def test_a_rule_read_only_by_an_unreachable_outcome_says_so() -> None:
    found = problems_of(decision_ruleset([("A", "big"), ("B", "bigger"), LAST], RULES))
    (problem,) = [p for p in found if p.code == "W306"]
    assert problem.token == "bigger"
    assert "used only by outcomes that can never be selected (B)" in problem.message


def test_an_unreachable_outcome_names_the_outcome_that_shadows_it() -> None:
    found = problems_of(decision_ruleset([("A", "area_m2 >= 100"), ("B", "area_m2 >= 200"), LAST]))
    (problem,) = [p for p in found if p.code == "W304"]
    assert "outcome B can never be selected" in problem.message
    assert "earlier outcome A" in problem.message


# -- declarations nobody reads ---------------------------------------------------------------------


def test_unused_fact_option_and_derived_value_are_reported() -> None:
    text = criterion_ruleset("staff >= 7").replace(
        "  remark:", "  unused_fact: {type: boolean, title: {zh: 未用, en: unused}}\n  remark:"
    ).replace("derived:\n", dedent("""\
        derived:
          unused_ratio:
            title: {zh: 未用, en: unused}
            value: staff / 2
        """)).replace("options:\n", dedent("""\
        options:
          unused_option:
            type: boolean
            default: false
            clause: "9"
            description: {zh: 未用, en: unused}
        """))
    found = {(p.code, p.token) for p in problems_of(text)}
    assert found == {("W305", "unused_fact"), ("W305", "unused_option"),
                     ("W305", "unused_ratio")}


def test_text_facts_are_not_reported_as_unused() -> None:
    """A text fact is carried along for people to read; no condition may use it."""
    assert "remark" not in {p.token for p in problems_of(criterion_ruleset("staff >= 7"))}


def test_a_group_nobody_uses_is_reported_once_not_per_criterion() -> None:
    text = criterion_ruleset("staff >= 7").replace("condition: g and uses_everything",
                                                   "condition: uses_everything")
    found = [(p.code, p.token) for p in problems_of(text)]
    assert found == [("W306", "g")]


# -- the bundled ruleset -----------------------------------------------------------------------------


def test_the_star_ruleset_has_no_semantic_warning_its_informational_rule_is_declared() -> None:
    found = [p for p in check_ruleset("star-judicial-office") if p.severity == "warning"]
    assert [(p.code, p.token) for p in found] == []
    spec = load_ruleset("star-judicial-office").spec
    assert [n.id for n in spec.nodes if n.informational] == ["police_car_where_possible"]


def test_an_unused_rule_is_reported_unless_declared_informational(tmp_path: Path) -> None:
    from core_helpers import MINI, write

    unused = MINI.replace("\nrules:\n", "\nrules:\n  - id: extra_note\n"
                          "    clause: '1'\n    quote: x\n"
                          "    title: {zh: 备注, en: note}\n"
                          "    condition: staff >= 1\n", 1)
    assert [p.code for p in check_ruleset(write(tmp_path, unused))
            if p.token == "extra_note"] == ["W306"]
    assert "extra_note" in unused
    declared = unused.replace("    condition: staff >= 1\n",
                              "    condition: staff >= 1\n    informational: true\n", 1)
    assert [p.code for p in check_ruleset(write(tmp_path, declared))
            if p.token == "extra_note"] == []


def test_declaring_a_rule_informational_is_a_cosmetic_change(tmp_path: Path) -> None:
    from mingxing_rules import diff_rulesets

    star = load_ruleset("star-judicial-office")
    # spec.file is the name shown in messages (relative to where the ruleset was first loaded);
    # the file itself is ruleset.path, absolute
    assert star.path is not None and star.path.is_absolute()
    source = star.path.read_text(encoding="utf-8")
    path = tmp_path / "undeclared.yaml"
    path.write_text(source.replace("    informational: true\n", "", 1), encoding="utf-8")
    changes = diff_rulesets(load_ruleset(path), star).changes
    assert [(c.target, c.field, c.semantic) for c in changes] == [
        ("police_car_where_possible", "informational", False)]


def test_an_informational_rule_that_decides_is_a_warning(tmp_path: Path) -> None:
    file = load_ruleset("star-judicial-office").path
    assert file is not None
    source = file.read_text(encoding="utf-8")
    lying = source.replace("condition: workplace and platform and service",
                           "condition: workplace and platform and service and "
                           "police_car_where_possible", 1)
    path = tmp_path / "lying.yaml"
    path.write_text(lying, encoding="utf-8")
    found = [(p.code, p.token) for p in check_ruleset(path) if p.code in ("W306", "W307")]
    assert found == [("W307", "police_car_where_possible")]


def test_every_code_is_documented() -> None:
    errors_doc = (Path(__file__).parent.parent / "docs" / "errors.md").read_text("utf-8")
    for code, meaning in LINT_CODES.items():
        assert f"`{code}`" in errors_doc, code
        assert meaning


def test_warnings_do_not_stop_a_load(tmp_path: Path) -> None:
    path = tmp_path / "warned.yaml"
    path.write_text(criterion_ruleset("area_m2 >= 200 or area_m2 >= 0"), "utf-8")
    ruleset = load_ruleset(path)
    assert ruleset.id == "lint-case"
    assert [p.code for p in check_ruleset(path)] == ["W302"]  # c1 can never fail


def test_a_criterion_that_can_never_pass_is_an_error_at_load(tmp_path: Path) -> None:
    """Issue 2: impossible conditions are ruleset errors at load time (E301, with the line)."""
    path = tmp_path / "impossible.yaml"
    path.write_text(criterion_ruleset("area_m2 >= 200 and area_m2 < 100"), "utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    (problem,) = caught.value.problems
    assert problem.code == "E301" and problem.location.rule_id == "c1"
    assert problem.location.line is not None and "can never pass" in problem.message
    assert [p.code for p in check_ruleset(path)] == ["E301", "W304"]  # c1, then PASS


# -- the analysis against brute force --------------------------------------------------------------

STAFF_VALUES = range(0, 21)  # the declared range of `staff`
OPS = ["<", "<=", ">", ">=", "==", "!="]


def _holds(op: str, a: float, b: float) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]


atoms = st.tuples(st.sampled_from(OPS), st.integers(-2, 22) | st.sampled_from([2.5, 19.5]))


@st.composite
def staff_conditions(draw: st.DrawFn) -> tuple[str, Any]:
    """A random and/or/not formula over `staff OP constant`, with its meaning as a function."""

    def build(depth: int) -> tuple[str, Any]:
        if depth == 0 or draw(st.booleans()):
            op, value = draw(atoms)
            return f"staff {op} {value}", lambda s, op=op, value=value: _holds(op, s, value)
        kind = draw(st.sampled_from(["and", "or", "not"]))
        if kind == "not":
            text, meaning = build(depth - 1)
            return f"not ({text})", lambda s: not meaning(s)
        (left, lf), (right, rf) = build(depth - 1), build(depth - 1)
        if kind == "and":
            return f"({left}) and ({right})", lambda s: lf(s) and rf(s)
        return f"({left}) or ({right})", lambda s: lf(s) or rf(s)

    return build(3)


@settings(max_examples=100, deadline=None)
@given(staff_conditions())
def test_never_warnings_agree_with_brute_force_over_the_declared_range(
    case: tuple[str, Any],
) -> None:
    """On one integer fact the analysis is exact: W301 iff no value passes, W302 iff none fails."""
    condition, meaning = case
    found = fast_codes(condition) & {"W301", "W302"}
    outcomes = {meaning(s) for s in STAFF_VALUES}
    expected = set()
    if True not in outcomes:
        expected.add("W301")
    elif False not in outcomes:
        expected.add("W302")
    assert found == expected, (condition, outcomes)


@st.composite
def mixed_conditions(draw: st.DrawFn) -> str:
    parts = [
        st.tuples(st.sampled_from(["area_m2", "staff", "area_m2 * 2", "staff + staff"]),
                  st.sampled_from(OPS), st.integers(-1, 20001)).map(lambda t: " ".join(map(str,
                                                                                       t))),
        st.sampled_from(["ok", "not ok", "kind == 'x'", "kind != 'y'", "'a' in kit",
                         "count(kit) >= 2", "mode == 'q'", "staff >= min_staff"]),
    ]
    atoms_drawn = draw(st.lists(st.one_of(*parts), min_size=1, max_size=4))
    joins = draw(st.lists(st.sampled_from([" and ", " or ", " -> "]),
                          min_size=len(atoms_drawn) - 1, max_size=len(atoms_drawn) - 1))
    return "".join(a + j for a, j in itertools.zip_longest(atoms_drawn, joins, fillvalue=""))


OFFICE_FACTS = st.fixed_dictionaries({
    "area_m2": st.sampled_from([0, 0.5, 99, 100, 199.5, 200, 10000]),
    "staff": st.integers(0, 20),
    "ok": st.booleans(),
    "kind": st.sampled_from(["x", "y"]),
    "kit": st.frozensets(st.sampled_from(["a", "b", "c"])),
})


@settings(max_examples=50, deadline=None)
@given(mixed_conditions(), st.data())
def test_a_never_warning_is_never_contradicted_by_an_office(condition: str,
                                                            data: st.DataObject) -> None:
    """Soundness: whatever W301/W302 claim, no office within the declared ranges disproves it."""
    spec = spec_with(condition)
    found = {p.code for p in lint_spec(spec) if p.location.rule_id == "c1"}
    assume(found & {"W301", "W302"})  # a condition without either claim has nothing to disprove
    programs = [compile_ruleset(spec, {"mode": mode, "min_staff": min_staff})
                for mode, min_staff in (("p", 1), ("q", 40))]
    for facts in data.draw(st.lists(OFFICE_FACTS, min_size=12, max_size=12)):
        for program in programs:
            value = program.full(facts)[program.index["c1"]]
            if "W301" in found:
                assert value is not True, (condition, facts, program.options)
            if "W302" in found:
                assert value is not False, (condition, facts, program.options)
