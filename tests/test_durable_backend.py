"""The durable_rules backend: the same verdicts and traces as the native evaluator (issue 6)."""

from __future__ import annotations

import ast
import doctest
import importlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("durable_rules_engine")  # absent only where it cannot build or import (3.13+)

from durable_helpers import EXAMPLE_OFFICES, TINY, exotic_text, load_text

from mingxing_rules import (
    BackendMismatchError,
    BackendUnavailableError,
    EvaluationError,
    evaluate,
    load_ruleset,
)
from mingxing_rules.backends import availability, install
from mingxing_rules.backends.durable import (
    DurableBackend,
    durable_ruleset,
    host,
    translate,
)
from mingxing_rules.backends.verified import VerifiedBackend
from mingxing_rules.cli import main
from mingxing_rules.cli._check_durable import durable_problems
from mingxing_rules.compile.codegen import CompiledProgram
from mingxing_rules.engine.office import Office

STAR = load_ruleset("star-judicial-office")


def office(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / name  # independent of the working directory
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# -- same verdicts, same traces ------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_OFFICES, ids=lambda p: p.stem)
def test_every_example_office_gets_the_native_verdict_and_trace(path: Path) -> None:
    native = evaluate(office(str(path)), STAR)
    durable = evaluate(office(str(path)), STAR, backend="durable")
    assert durable.backend == "durable"
    assert durable == native
    assert durable.to_dict() == native.to_dict()
    assert durable.explain("zh") == native.explain("zh")


def test_cli_evaluate_with_the_durable_backend_prints_what_the_native_one_prints(
        capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in EXAMPLE_OFFICES]
    outputs = []
    for backend in ("native", "durable", "verified"):
        assert main(["evaluate", "--backend", backend, "--lang", "en", *paths]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert "[STAR]" in outputs[0] and "Verdict: undecided" in outputs[0]


def test_the_trace_says_why_and_why_not_from_the_rete_run() -> None:
    near_miss = STAR.parse_office(office("examples/offices/near-miss-floor-area.json"))
    run = DurableBackend().run(STAR.program, near_miss)
    by_node = {f.node_id: f for f in run.firings}
    # why not: the complementary fail rule fired, on the value the engine read
    assert by_node["floor_area"].rule == "floor_area:fail"
    assert by_node["floor_area"].matched["o"]["f_floor_area_m2"] == near_miss.facts["floor_area_m2"]
    # why: the pass rule of a criterion met, and the chain up to the verdict
    assert by_node["independent_premises"].status == "pass"
    assert by_node["s01_premises"].status == "fail"
    assert by_node["workplace"].status == "fail"
    assert by_node["STAR"].status == "fail"
    # every node is decided by exactly one firing: no $or branch fired twice
    assert not [f for f in run.firings if f.duplicate]
    assert len(by_node) == len(run.firings)


@pytest.mark.parametrize("path", EXAMPLE_OFFICES, ids=lambda p: p.stem)
def test_every_node_is_decided_by_one_firing(path: Path) -> None:
    run = DurableBackend().run(STAR.program, STAR.parse_office(office(str(path))))
    decided = [f.node_id for f in run.firings]
    assert len(decided) == len(set(decided))
    assert not any(f.duplicate for f in run.firings)


# -- built once, sessions, versions, threads ------------------------------------------------------


def test_each_ruleset_version_is_built_once_per_process() -> None:
    first = durable_ruleset(STAR.program)
    registered = len(host().registered)
    for _ in range(3):
        evaluate(office("examples/offices/star-by-assessment.json"), STAR, backend="durable")
    same_reading = STAR.with_options()  # a new compiled program, the same rules
    assert same_reading.program is not STAR.program
    assert durable_ruleset(same_reading.program) is first
    assert durable_ruleset(STAR.program) is first
    assert len(host().registered) == registered


def test_two_versions_run_side_by_side_in_one_process() -> None:
    readings = [
        STAR,
        STAR.with_options(revocation_mode="automatic", meeting_room_min_seats=18),
        load_ruleset(Path(__file__).parent.parent / "examples" / "amendment"
                     / "star-judicial-office-2014.yaml"),
    ]
    names = {durable_ruleset(r.program).name for r in readings}
    assert len(names) == 3
    for path in EXAMPLE_OFFICES:  # interleaved: each version keeps its own rules
        for ruleset in readings:
            data = office(str(path))
            assert evaluate(data, ruleset, backend="durable") == evaluate(data, ruleset)


def test_sessions_are_deleted_so_the_1024_limit_is_never_reached(tmp_path: Path) -> None:
    tiny = load_text(tmp_path, TINY, "tiny.yaml")
    backend = DurableBackend()
    for number in range(1_100):  # more than the 1,024 live sessions durable_rules allows
        parsed = tiny.parse_office({"id": f"o{number}", "area_m2": number % 400,
                                    "kit": ["pc", "fax"][: number % 3]})
        assert backend.row(tiny.program, parsed) == tiny.program.full(parsed.facts)
    assert host().live_sessions == 0
    run = backend.run(tiny.program, tiny.parse_office({"id": "last", "area_m2": 1}))
    engine = host()._engine
    with pytest.raises(engine.error):  # the session of the last run is gone
        engine.get_state(durable_ruleset(tiny.program).handle, run.sid)


def test_several_threads_evaluate_safely() -> None:
    offices = [office(str(p)) for p in EXAMPLE_OFFICES]
    expected = [evaluate(o, STAR) for o in offices]
    errors: list[BaseException] = []
    results: dict[tuple[int, int], Any] = {}

    def work(worker: int) -> None:
        try:
            for round_ in range(3):
                for index, data in enumerate(offices):
                    results[(worker, round_ * 100 + index)] = (
                        index, evaluate(data, STAR, backend="durable"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 4 * 3 * len(offices)
    assert all(verdict == expected[index] for index, verdict in results.values())
    assert host().live_sessions == 0


# -- every construct of the condition language ----------------------------------------------------

EXOTIC_CASES: list[dict[str, Any]] = [
    {"id": "full", "area_m2": 250, "staff": 12, "received": 40, "resolved": 39, "year": 2014,
     "kit": ["pc", "fax"], "kind": "街道", "a": True, "b": True, "found": True,
     "since": "2014-11-30"},
    {"id": "empty-kit", "area_m2": 209.99, "staff": 7, "received": 0, "resolved": 0,
     "year": 2016, "kit": [], "kind": "street", "a": False, "b": False, "found": False,
     "since": "2016-12-01"},
    {"id": "sparse", "staff": 3, "kit": ["phone"], "a": True},
    {"id": "nothing"},
    {"id": "leap", "year": 2016, "since": "2016-02-28", "staff": 0, "received": 5,
     "resolved": 6},
]


@pytest.mark.parametrize("data", EXOTIC_CASES, ids=lambda d: d["id"])
@pytest.mark.parametrize("options", [{}, {"strict": True, "min_area": 5}],
                         ids=["defaults", "strict"])
def test_every_construct_gives_the_native_row(tmp_path: Path, data: dict[str, Any],
                                              options: dict[str, Any]) -> None:
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml", **options)
    parsed = ruleset.parse_office(data)
    assert DurableBackend().row(ruleset.program, parsed) == ruleset.program.full(parsed.facts)
    assert evaluate(parsed, ruleset, backend="verified") == evaluate(parsed, ruleset)


def test_check_says_what_runs_outside_the_rete_network(tmp_path: Path) -> None:
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml")
    problems = durable_problems(ruleset)
    outside = {(p.location.rule_id, p.token) for p in problems if p.code == "D001"}
    assert outside == {
        ("c_arith", "area_m2 - 10"),
        ("c_leap", "date(year, 2, 29)"),
        ("c_year", "year(since)"),
        ("c_count_body", "count(k != 'pc' for k in kit)"),
        ("c_if_known", "if_known(staff, 0)"),
        ("c_minmax", "max(staff, 1)"),
        ("c_minmax", "abs(-staff)"),
        ("c_power", "staff ** 2"),
        ("c_power", "-staff"),
        ("c_quant_arith", "staff - s"),
    }
    assert all(p.severity == "warning" and p.location.line for p in problems)
    assert all("outside the Rete network" in p.message for p in problems)
    derived = [p for p in durable_problems(ruleset, include_derived=True) if p.code == "D002"]
    assert [p.location.rule_id for p in derived] == ["rate", "spare"]


def test_every_star_criterion_is_matched_in_the_rete_network() -> None:
    assert durable_problems(STAR) == []
    translation = translate(STAR.program)
    assert not translation.unsupported
    assert all(note.derived for note in translation.outside)
    # a criterion that an option switches off (applies_if false for every office) needs no rule
    # in that reading: it is checked under the option that switches it on
    readings = [translation, translate(STAR.with_options(
        released_rates_base="assistance_caseload").program)]
    for criterion in STAR.criteria():
        wanted = {f"{criterion}:pass", f"{criterion}:fail", f"{criterion}:unknown"}
        assert any(wanted <= set(reading.definition) for reading in readings), criterion
    assert {"assistance_100:pass", "resettlement_95:pass"} <= set(translation.definition)


def test_a_condition_the_engine_cannot_run_is_reported_and_refused(tmp_path: Path) -> None:
    text = exotic_text("refused").replace(
        '"if_known(n2, false) or k_true"', '"count(x for x in [c_arith, c_fields]) >= 1"')
    ruleset = load_text(tmp_path, text, "refused.yaml")
    problems = [p for p in durable_problems(ruleset) if p.code == "D003"]
    assert [(p.severity, p.location.rule_id) for p in problems] == [("error", "r_crit_ref"),
                                                                     ("error", "MID")]
    assert "computes with rule outcomes (c_arith, c_fields)" in problems[0].message
    assert "reads r_crit_ref" in problems[1].message  # what depends on it cannot run either
    with pytest.raises(EvaluationError, match=r"cannot run on durable_rules.*r_crit_ref"):
        evaluate({"id": "x"}, ruleset, backend="durable")
    assert evaluate({"id": "x"}, ruleset).outcome  # the native backend is unaffected


def test_the_translation_needs_no_engine_and_is_deterministic() -> None:
    first, second = translate(STAR.program), translate(STAR.with_options().program)
    assert first.definition_text == second.definition_text
    assert first.name == second.name
    assert first.name.startswith("star-judicial-office@2012.1#")
    other = translate(STAR.with_options(meeting_room_min_seats=18).program)
    assert other.name != first.name


# -- availability ---------------------------------------------------------------------------------


def test_a_missing_engine_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def without_durable(name: str, package: str | None = None) -> Any:
        if name == "durable_rules_engine":
            raise ImportError("undefined symbol: PyEval_CallObject")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_durable)
    available, why = availability()
    assert not available
    assert "durable_rules 2.0.28" in why and "3.13" in why and "PyEval_CallObject" in why
    with pytest.raises(BackendUnavailableError, match="native backend"):
        install()
    assert [p.code for p in durable_problems(STAR)] == ["D000"]
    assert evaluate(office("examples/offices/star-by-assessment.json"), STAR).outcome == "STAR"


def test_availability_names_the_engine_version() -> None:
    assert availability() == (True, "durable_rules 2.0.28")


# -- verified mode --------------------------------------------------------------------------------


class _FlipOneCriterion:
    """A deliberately broken backend: durable_rules, with one criterion's outcome inverted."""

    name = "broken"

    def __init__(self, criterion: str) -> None:
        self.criterion = criterion

    def row(self, program: CompiledProgram, office: Office) -> tuple[Any, ...]:
        row = list(DurableBackend().row(program, office))
        position = program.index[self.criterion]
        if isinstance(row[position], bool):
            row[position] = not row[position]
        return tuple(row)


@pytest.mark.parametrize("path", EXAMPLE_OFFICES, ids=lambda p: p.stem)
def test_verified_mode_returns_the_agreed_verdict(path: Path) -> None:
    verified = evaluate(office(str(path)), STAR, backend="verified")
    assert verified.backend == "verified"
    assert verified == evaluate(office(str(path)), STAR)


def test_verified_mode_catches_a_deliberately_broken_backend() -> None:
    broken = VerifiedBackend(secondary=_FlipOneCriterion("floor_area"))
    data = STAR.parse_office(office("examples/offices/star-by-assessment.json"))
    with pytest.raises(BackendMismatchError) as caught:
        broken.row(STAR.program, data)
    error = caught.value
    assert error.office_id == data.id
    assert error.differences == ("floor_area (criterion): native pass, broken fail",)
    assert "disagree on 1 step: floor_area" in str(error)


# -- the subpackage: its own arithmetic, its examples, its walks ---------------------------------


DURABLE_PACKAGE = Path(__file__).resolve().parent.parent / "mingxing_rules" / "backends" / "durable"


def test_the_durable_backend_computes_with_its_own_arithmetic() -> None:
    # verified mode can only catch a bug in the native helpers (language/arithmetic.py, the
    # compiled code's helpers, the constant folder that uses them) if the durable side never
    # calls them: it may take the syntax tree, the visitor base and plain data from the core
    allowed = {"mingxing_rules.compile.codegen": {"NA", "CompiledProgram"},
               "mingxing_rules.language.visitor": {"ExprVisitor"}}
    forbidden = {"mingxing_rules.language.arithmetic", "mingxing_rules.compile"}
    for path in sorted(DURABLE_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            package = ["mingxing_rules", "backends", "durable"][:3 - node.level + 1]
            module = ".".join([*package, *(node.module or "").split(".")]).rstrip(".")
            names = {alias.name for alias in node.names}
            assert module not in forbidden, (path.name, module)
            if module in allowed:
                assert names <= allowed[module], (path.name, module, names - allowed[module])


@pytest.mark.parametrize("name", ["codes", "jsontext", "prepass", "formulas"])
def test_the_durable_modules_examples_run(name: str) -> None:
    module = importlib.import_module(f"mingxing_rules.backends.durable.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


def test_a_quantifier_comparing_the_item_with_itself_runs_in_the_pre_pass(tmp_path: Path) -> None:
    # the item-condition walk swapped `x == k` into `k == x`, and `k == k` into itself forever
    text = exotic_text().replace('"all(k in [\'pc\', \'fax\'] for k in kit)"',
                                 '"all(k == k for k in kit)"')
    assert "all(k == k for k in kit)" in text
    ruleset = load_text(tmp_path, text, "itself.yaml")
    translation = translate(ruleset.program)
    assert [n.text for n in translation.outside if n.node_id == "c_all_set"] == [
        "all(k == k for k in kit)"]
    for kit in ([], ["pc"], None):
        data = {"id": "x", "a": True} if kit is None else {"id": "x", "a": True, "kit": kit}
        assert evaluate(data, ruleset, backend="verified") == evaluate(data, ruleset)
