"""Every known trap of durable_rules 2.0.28, each shown on the raw engine and then guarded.

Each test has two halves: the trap, reproduced on durable_rules itself (so that a new release
that fixes it is noticed), and the backend's guard, checked so that the test fails if the guard
is removed. docs/backends.md lists the traps with these tests.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

engine = pytest.importorskip("durable_rules_engine")

from durable_helpers import ROOT, exotic_text, load_text  # noqa: E402

from mingxing_rules import EvaluationError, InputError, evaluate, load_ruleset  # noqa: E402
from mingxing_rules.backends.durable import (  # noqa: E402
    MAX_ALPHA_FANOUT,
    MAX_JOIN,
    PARTITION_PATHS,
    DurableBackend,
    DurableHost,
    durable_ruleset,
    encode_office,
    guard_definition,
    host,
    rule_patterns,
    translate,
)
from mingxing_rules.engine.office import Office  # noqa: E402
from mingxing_rules.strategies import offices  # noqa: E402

STAR = load_ruleset("star-judicial-office")
_names = itertools.count()


def raw_fired(rules: dict[str, Any], facts: list[dict[str, Any]], *, text: str | None = None,
              state_rewrites: bool = False, limit: int = 100) -> list[str]:
    """Rule names the raw engine fires for ``facts`` in one fresh session (at most ``limit``)."""
    handle = engine.create_ruleset(f"trap{next(_names)}", json.dumps(rules))
    sid = "s"
    payload = text if text is not None else json.dumps([{**f, "sid": sid} for f in facts])
    code, state = engine.assert_facts(handle, payload)
    if code == 1:  # nothing handled: deleting such a session can crash the engine; leave it
        return []
    started = engine.start_action_for_state(handle, state)
    message = started[1] if started else None
    fired: list[str] = []
    while message and len(fired) < limit:
        fired.append(message[2:message.index('"', 2)])
        if state_rewrites:  # what durable.engine.Host does after every action
            engine.update_state(handle, json.dumps({"sid": sid, "$s": 1, "n": len(fired)}))
        message = engine.complete_and_start_action(handle, state)
    if message:  # drain without acting, so that the delete below is safe
        while message:
            message = engine.complete_and_start_action(handle, state)
    engine.delete_state(handle, sid)
    return fired


def alpha(name: str, condition: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {name: {"all": [{"m": {"$and": [{"t": "o"}, condition]}}], **options}}


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def star_office(**facts: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / "offices" / "star-by-assessment.json")
                                      .read_text(encoding="utf-8"))
    data.update(facts)
    return data


def same_as_native(data: dict[str, Any], ruleset: Any = STAR) -> None:
    assert evaluate(data, ruleset, backend="durable") == evaluate(data, ruleset)


# -- the ten traps of the issue -------------------------------------------------------------------


def test_mixed_types_compare_as_strings() -> None:
    rules = alpha("big", {"$gte": {"x": 200}})
    assert raw_fired(rules, [{"t": "o", "x": "30"}]) == ["big"]  # "30" >= 200 is true
    assert raw_fired(alpha("yes", {"x": True}), [{"t": "o", "x": 1}]) == ["yes"]  # 1 == true
    # guard: every value is type-checked before anything is asserted
    backend = DurableBackend()
    for name, bad in (("floor_area_m2", "30"), ("floor_area_m2", True),
                      ("premises_independent", 1), ("equipment", "computer")):
        sneaked = Office(id="typed", facts={name: bad})  # an Office built without validation
        with pytest.raises(InputError) as caught:
            backend.row(STAR.program, sneaked)
        assert caught.value.fields == (name,)
        assert "mixed types" in str(caught.value)


def test_integer_division_truncates_and_division_by_zero_kills_the_process() -> None:
    half = {"$div": {"$l": {"$m": "a"}, "$r": {"$m": "b"}}}  # a / b with a = 1, b = 2: 0
    assert raw_fired(alpha("ge", {"$gte": {"x": half}}), [{"t": "o", "x": 0.4, "a": 1, "b": 2}]
                     ) == ["ge"]  # 0.4 >= 1 / 2 holds
    crash = run_python("""
        import json, durable_rules_engine as e
        h = e.create_ruleset("div", json.dumps({"r": {"all": [{"m": {"$and": [{"t": "o"},
            {"$gte": {"x": {"$div": {"$l": 1, "$r": {"$m": "d"}}}}}]}}]}}))
        e.assert_fact(h, json.dumps({"sid": "1", "t": "o", "x": 1, "d": 0}))
        """)
    assert crash.returncode == -8  # SIGFPE
    # guard: the translation never emits a division; rates come from the pre-pass
    for program in (STAR.program, load_ruleset(ROOT / "examples" / "amendment" /
                                               "star-judicial-office-2014.yaml").program):
        assert "$div" not in translate(program).definition_text
    with pytest.raises(EvaluationError, match=r"\$div"):
        guard_definition(alpha("ge", {"$gte": {"x": half}}))
    zero = star_office(disputes_received_count=0, disputes_mediated_count=0,
                       disputes_resolved_count=0, villages_count=0, villages_with_adviser_count=0)
    same_as_native(zero)
    verdict = evaluate(zero, STAR, backend="durable")
    assert verdict.trace.step("mediation_rate").value is None  # x / 0 is unknown
    assert verdict.trace.step("mediation_rate_98").status.value == "not_applicable"


def test_a_missing_right_hand_property_reads_garbage(tmp_path: Path) -> None:
    rule = alpha("le", {"$lte": {"a": {"$m": "b"}}})
    assert raw_fired(rule, [{"t": "o", "a": 1}]) == ["le"]  # no b, yet "a <= b" held
    # guard: every right-hand property is tested with $ex first
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml")
    definition = translate(ruleset.program).definition
    text = json.dumps(definition["c_fields:pass"])
    assert '{"$ex": {"f_received": 1}}' in text and '{"$m": "f_received"}' in text
    parsed = ruleset.parse_office({"id": "no-received", "resolved": 3})
    row = DurableBackend().row(ruleset.program, parsed)
    assert row[ruleset.program.index["c_fields"]] is None
    assert row == ruleset.program.full(parsed.facts)


def test_or_fires_once_per_matching_branch() -> None:
    branches = {"$or": [{"a": 1}, {"b": 1}, {"c": 1}]}
    fact = [{"t": "o", "a": 1, "b": 1, "c": 1}]
    assert raw_fired(alpha("r", branches), fact) == ["r", "r", "r"]
    assert raw_fired(alpha("r", branches, cap=10), fact) == ["r"]  # cap batches them
    # guard: every rule batches its matches, and each node is decided once
    definition = translate(STAR.program).definition
    assert all(rule["cap"] >= 1000 for rule in definition.values())
    data = star_office(honours=["national_model", "national_advanced", "five_good"],
                       vehicles=["police_motorcycle", "e_bike"])
    run = DurableBackend().run(STAR.program, STAR.parse_office(data))
    titles = next(f for f in run.firings if f.node_id == "holds_promotion_title")
    assert titles.status == "pass" and len(titles.matches) == 3  # three branches, one firing
    assert not [f for f in run.firings if f.duplicate]
    same_as_native(data)


def test_a_rule_made_only_of_a_not_exists_test_loops_forever() -> None:
    loop = {"lonely": {"all": [{"m": {"$nex": {"staff": 1}}}]}}
    assert len(raw_fired(loop, [{"t": "o"}], state_rewrites=True, limit=200)) == 200
    anchored = {"lonely": {"all": [{"m": {"$and": [{"t": "o"}, {"$nex": {"staff": 1}}]}}]}}
    assert raw_fired(anchored, [{"t": "o"}], state_rewrites=True) == ["lonely"]
    # guard: every pattern of every generated rule has a positive type test
    with pytest.raises(EvaluationError, match="positive 't' test"):
        guard_definition(loop)
    for rule in translate(STAR.program).definition.values():
        for pattern in rule_patterns(rule):
            assert any(isinstance(test, dict) and isinstance(test.get("t"), str)
                       for test in [pattern, *pattern.get("$and", [])])


def test_iall_on_an_empty_list_is_false(tmp_path: Path) -> None:
    none_is_fax = alpha("none", {"$iall": {"s": {"$neq": {"$i": "fax"}}}})
    assert raw_fired(none_is_fax, [{"t": "o", "s": []}]) == []  # "no item is fax" is false
    # guard: an empty set is sent as its size 0 (no list), and the size stands in for it
    for empty in ("equipment", "functional_areas", "vehicles"):
        same_as_native(star_office(**{empty: []}))
    verdict = evaluate(star_office(equipment=[]), STAR, backend="durable")
    assert verdict.trace.step("equipment_complete").status.value == "fail"
    events, _ = encode_office(translate(STAR.program), STAR.parse_office(star_office(equipment=[])),
                        "x")
    sent = {k: v for event in json.loads(events) for k, v in event.items()}
    assert sent["n_equipment"] == 0 and "f_equipment" not in sent
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml")
    for data in ({"id": "e", "kit": []}, {"id": "f", "kit": ["phone"]}):
        same_as_native(data, ruleset)


def test_at_most_1024_live_sessions_per_ruleset() -> None:
    demo = run_python("""
        import json, durable_rules_engine as e
        h = e.create_ruleset("sessions", json.dumps({"r": {"all": [{"m": {"t": "o"}}]}}))
        for n in range(1100):
            try:
                e.assert_fact(h, json.dumps({"sid": str(n), "t": "o"}))
            except MemoryError:
                print(n)
                break
        """)
    assert demo.stdout.strip() == "1024", (demo.returncode, demo.stdout, demo.stderr[-500:])
    # guard: each session is deleted, even when the run fails half-way (in a child process, as a
    # broken delete can corrupt the engine's memory)
    guarded = run_python("""
        import sys
        sys.path.insert(0, "tests")
        from durable_helpers import TINY
        from pathlib import Path
        import tempfile
        from mingxing_rules import load_ruleset
        from mingxing_rules.backends.durable import DurableBackend, durable_ruleset, host
        path = Path(tempfile.mkdtemp()) / "tiny.yaml"
        path.write_text(TINY, encoding="utf-8")
        tiny = load_ruleset(path)
        registered = durable_ruleset(tiny.program)
        good = dict(registered.actions)
        broken = {rule: (None,) for rule in good}  # every action fails when unpacked
        backend = DurableBackend()
        office = tiny.parse_office({"id": "o", "area_m2": 250, "kit": ["pc", "fax"]})
        for n in range(1100):
            registered.actions = broken if n % 2 else good
            try:
                backend.row(tiny.program, office)
            except ValueError:
                pass
        registered.actions = good
        print(host().live_sessions, backend.row(tiny.program, office)[-1])
        """)
    assert guarded.returncode == 0, guarded.stderr
    assert guarded.stdout.split() == ["0", "True"]


def test_rulesets_are_never_freed_so_each_is_built_once() -> None:
    from durable import engine as stock

    assert not hasattr(stock.Host, "delete_ruleset")  # the Python API cannot free one
    durable_ruleset(STAR.program)
    before = host().registered
    for _ in range(5):  # five compiled programs of the same reading
        evaluate(star_office(), STAR.with_options(), backend="durable")
    assert host().registered == before


def test_the_stock_host_starts_timer_threads() -> None:
    from durable import engine as stock

    before = set(threading.enumerate())
    stock_host = stock.Host()
    started = [t for t in threading.enumerate() if t not in before]
    stock_host._d_timer.cancel()
    stock_host._t_timer.cancel()
    for timer in started:
        timer.join()
    assert len(started) == 2 and all(isinstance(t, threading.Timer) for t in started)
    # guard: the backend's host starts no thread at all
    count = threading.active_count()
    own = DurableHost()
    assert threading.active_count() == count
    evaluate(star_office(), STAR, backend="durable")
    assert threading.active_count() == count
    assert own.registered == ()


def test_register_rulesets_mutates_its_argument() -> None:
    from durable import engine as stock

    class QuietHost(stock.Host):  # type: ignore[misc]
        def _run(self) -> None:
            pass

    definition = {"stock-mutation": {"r": {"all": [{"m": {"t": "o"}}], "run": lambda c: None}}}
    QuietHost().register_rulesets(definition)
    assert "run" not in definition["stock-mutation"]["r"]
    # guard: the translation keeps its definition intact through registration
    translation = durable_ruleset(STAR.program).translation
    host().register(translation)  # a second registration is the same ruleset, no error
    rules = translation.definition
    assert all(rule["run"] == name for name, rule in rules.items())
    assert translation.definition == rules


# -- more traps found while building the backend --------------------------------------------------


def test_numbers_with_an_exponent_are_a_parse_error(tmp_path: Path) -> None:
    handle = engine.create_ruleset(f"trap{next(_names)}", json.dumps(alpha("r", {"x": 1})))
    with pytest.raises(engine.error, match="204"):
        engine.assert_fact(handle, json.dumps({"sid": "s", "t": "o", "x": 1e-05}))
    # guard: numbers are written positionally, in facts and in rules
    # (offices are refused beyond +-2**53, so large values stop there)
    for area in (1e-05, 2.5e-7, 4.5e15, float(2**53), 199.99999999999997):
        same_as_native(star_office(floor_area_m2=area))
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml", min_area=1e-05)
    assert "0.00001" in translate(ruleset.program).definition_text
    for area in (0.0, 10.00001, 10.000011, 9e15):
        same_as_native({"id": "tiny", "area_m2": area}, ruleset)


def test_unicode_escapes_are_not_decoded(tmp_path: Path) -> None:
    escaped = json.dumps(alpha("street", {"kind": "街道"}))  # ensure_ascii: \u8857\u9053
    handle = engine.create_ruleset(f"trap{next(_names)}", escaped)
    code, _ = engine.assert_facts(handle, '[{"sid":"s","t":"o","kind":"街道"}]')
    assert code == 1  # not handled: "\u8857\u9053" never equals "街道"
    # guard: rules and facts are written as raw UTF-8
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml")
    data = {"id": "street", "kind": "街道"}
    same_as_native(data, ruleset)
    assert evaluate(data, ruleset, backend="durable").trace.step("c_enum_in").status.value == (
        "pass")


def test_one_fact_can_match_at_most_64_alpha_paths(tmp_path: Path) -> None:
    rules: dict[str, Any] = {}
    for n in range(MAX_ALPHA_FANOUT + 1):
        rules.update(alpha(f"c{n}", {"$gte": {f"f{n}": 0}}))
    handle = engine.create_ruleset(f"trap{next(_names)}", json.dumps(rules))
    with pytest.raises(engine.error, match="303"):
        engine.assert_facts(handle, json.dumps([{"sid": "s", "t": "o",
                                                  **{f"f{n}": 1 for n in range(70)}}]))
    # guard: the office is split into events that each match few paths
    assert PARTITION_PATHS < MAX_ALPHA_FANOUT
    criteria = "\n".join(
        f'              - {{id: c{n:03d}, clause: "1", quote: q, title: {{zh: c, en: c}}, '
        f'condition: "area_m2 >= {n}"}}' for n in range(150))
    text = exotic_text("many").split("groups:")[0] + textwrap.dedent("""\
        groups:
          - id: g
            clause: "1"
            title: {zh: g, en: g}
            standards:
              - id: s
                clause: "1"
                title: {zh: s, en: s}
                criteria:
        """) + criteria + textwrap.dedent("""
        decision:
          outcomes:
            - {id: OK, effect: award, clause: "1", title: {zh: 好, en: ok}, condition: g}
          otherwise: {id: NOT_OK, effect: none, clause: "1", title: {zh: 否, en: not ok}}
        """)
    many = load_text(tmp_path, text, "many.yaml")
    assert translate(many.program).partitions > 1
    for area in (None, 0, 75, 149, 1000):
        same_as_native({"id": "many"} if area is None else {"id": "many", "area_m2": area}, many)


def test_a_join_holds_at_most_16_facts(tmp_path: Path) -> None:
    patterns = [{f"p{n}": {"$and": [{"t": "r"}, {"n": n}]}} for n in range(MAX_JOIN + 1)]
    handle = engine.create_ruleset(f"trap{next(_names)}", json.dumps({"wide": {
        "all": patterns}}))
    with pytest.raises(engine.error, match="304"):
        engine.assert_facts(handle, json.dumps([{"sid": "s", "t": "r", "n": n}
                                                for n in range(MAX_JOIN + 1)]))
    # guard: a standard wider than one join is split into sub-conjunctions
    ruleset = load_text(tmp_path, exotic_text(), "exotic.yaml")
    definition = translate(ruleset.program).definition
    assert max(len(rule.get("all", ())) for rule in definition.values()) <= MAX_JOIN
    assert any(name.startswith("s_wide~") for name in definition)  # 18 criteria
    for staff in (0, 5, 17, 18, None):
        data = {"id": "wide", "a": True, "b": False, "area_m2": 20, "received": 20,
                "resolved": 20}
        if staff is not None:
            data["staff"] = staff
        same_as_native(data, ruleset)


def test_deleting_a_session_with_unstarted_batched_activations_corrupts_memory() -> None:
    crash = run_python("""
        from mingxing_rules import load_ruleset
        from mingxing_rules.backends.durable import translate, encode_office, dump_json
        import durable_rules_engine as e, json
        star = load_ruleset("star-judicial-office")
        translation = translate(star.program)
        rules = translation.definition
        for rule in rules.values():
            rule.pop("run")
        handle = e.create_ruleset("corrupt", dump_json(rules))
        office = star.parse_office(json.load(open("examples/offices/failing-many.json")))
        for n in range(5):
            e.assert_facts(handle, encode_office(translation, office, str(n))[0])
            e.delete_state(handle, str(n))  # never started its actions
        print("survived")
        """)
    # Corrupted memory does not crash every time (it did in most runs here, not all): the
    # reproduction is shown, not required; what must hold every time is the guard below.
    assert crash.returncode != 0 or "survived" in crash.stdout
    # guard: an interrupted run drains its activations before the delete (the 1,024-session
    # test above interrupts half of 1,100 runs); a normal run starts them all
    assert host().live_sessions == 0


def test_not_is_not_used_because_pending_activations_are_not_reliably_withdrawn() -> None:
    with pytest.raises(EvaluationError, match=r"\$not"):
        guard_definition({"r": {"all": [{"a": {"t": "o"}}, {"b$not": {"t": "x"}}]}})
    assert "$not" not in translate(STAR.program).definition_text


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(offices(STAR, missing=0.2))
def test_the_events_are_always_valid_json(data: dict[str, Any]) -> None:
    # malformed JSON crashes the engine (SIGSEGV) rather than raising: the encoder must not err
    events, _ = encode_office(translate_star(), STAR.parse_office(data), "s1")
    parsed = json.loads(events)
    facts = STAR.parse_office(data).facts
    for event in parsed:
        for key, value in event.items():
            if key.startswith("f_") and not isinstance(facts[key[2:]], frozenset):
                expected = facts[key[2:]]
                if hasattr(expected, "isoformat"):
                    expected = expected.year * 10000 + expected.month * 100 + expected.day
                assert value == expected


_STAR_TRANSLATION: list[Any] = []


def translate_star() -> Any:
    if not _STAR_TRANSLATION:
        _STAR_TRANSLATION.append(translate(STAR.program))
    return _STAR_TRANSLATION[0]
