"""Hostile rulesets: every attack in ``tests/hostile/`` is refused with a ruleset error, none runs.

Rulesets may come from other bureaus. Whatever a file says — Python in a condition, a YAML tag
that constructs objects, an alias bomb, bytes that are not UTF-8, numbers or nesting too large to
handle — loading it must raise :class:`~mingxing_rules.RulesetError` (and ``check_ruleset`` must
return the problem) naming the code, the line, the rule and the offending token; it must never
raise anything else, never hang, and never execute what the file says.

The table below is the specification of the corpus: one row per file, with the words the first
error of that code must contain. ``tests/hostile/README.md`` lists the same files for people.
"""

from __future__ import annotations

import ast
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mingxing_rules import RulesetError, RulesetProblem, check_ruleset, evaluate, load_ruleset

HOSTILE = Path(__file__).parent / "hostile"
PACKAGE = Path(__file__).parent.parent / "mingxing_rules"
MARKER = "mingxing-pwned"  # every attack that could write a file tries to create this one

# file stem, code, line, rule id (None: not about one rule), words the problem must contain
# (checked against ``str(problem)`` followed by ``[token <the offending token>]``)
CORPUS: list[tuple[str, str, int | None, str | None, list[str]]] = [
    # -- code where a condition belongs
    ("attribute_access", "E101", 28, "c1", ["unexpected character '.'"]),
    ("dunder_name", "E201", 28, "c1", ["unknown name '__builtins__'"]),
    ("dunder_import_call", "E203", 28, "c1", ["unknown function '__import__'", "allowed:"]),
    ("import_statement", "E101", 28, "c1", ["found 'os'"]),
    ("exec_call", "E203", 28, "c1", ["unknown function 'exec'"]),
    ("eval_call", "E203", 28, "c1", ["unknown function 'eval'"]),
    ("open_call", "E203", 28, "c1", ["unknown function 'open'"]),
    ("getattr_call", "E203", 28, "c1", ["unknown function 'getattr'"]),
    ("system_call", "E203", 28, "c1", ["unknown function 'system'"]),
    ("lambda", "E101", 28, "c1", ["unexpected character ':'"]),
    ("walrus", "E101", 28, "c1", ["unexpected character ':'"]),
    ("subscript", "E101", 28, "c1", ["found '['"]),
    ("statement_separator", "E101", 28, "c1", ["unexpected character ';'"]),
    ("fstring", "E101", 28, "c1", ["expected an operator", "__import__"]),
    ("string_concatenation", "E202", 28, "c1", ["'+' needs numbers"]),
    ("backslash_escape", "E101", 28, "c1", ["unexpected character"]),
    ("comprehension", "E101", 28, "c1", ["found 'for'"]),
    ("dict_literal", "E101", 28, "c1", ["unexpected character '{'"]),
    ("unknown_quantifier", "E203", 28, "c1", ["sum(", "not a quantifier"]),
    ("billion_range", "E203", 28, "c1", ["unknown function 'range'"]),
    ("shadowing_variable", "E204", 28, "c1", ["'area_m2' hides a ruleset name"]),
    ("text_fact_in_condition", "E202", 28, "c1", ["'remark' is a text fact"]),
    ("unterminated_string", "E101", 28, "c1", ["unexpected character"]),
    # -- string tricks
    ("homoglyph_name", "E101", 28, "c1", ["unexpected character '\u0430'"]),
    ("fullwidth_operator", "E101", 28, "c1", ["unexpected character '\uff1e'"]),
    ("zero_width_space", "E101", 28, "c1", ["unexpected character '\\u200b'"]),
    ("bidi_override", "E101", 28, "c1", ["unexpected character '\\u202e'"]),
    ("nul_escape", "E101", 28, "c1", ["unexpected character '\\x00'"]),
    # -- numbers too large to compute with
    ("exponent_tower", "E207", 28, "c1", ["exponent of ** must be an integer literal"]),
    ("exponent_of_a_fact", "E207", 28, "c1", ["must be an integer literal", "[token area_m2]"]),
    ("exponent_too_large", "E207", 28, "c1", ["exponent 65", "limit 64"]),
    ("nested_powers", "E208", 28, "c1", ["constant expression is too large"]),
    ("float_overflow", "E208", 28, "c1", ["constant expression is too large"]),
    ("huge_product", "E208", 28, "c1", ["constant expression is too large"]),
    ("long_number", "E101", 28, "c1", ["more than 24 digits", "1234567890123456789012345"]),
    ("infinite_literal", "E101", 28, "c1", ["too large", "1e999"]),
    # -- size and depth
    ("long_expression", "E101", 28, "c1", ["longer than 4000 characters"]),
    ("deep_parentheses", "E101", 28, "c1", ["nests deeper than 40 levels"]),
    ("deep_not", "E101", 28, "c1", ["nests deeper than 40 levels"]),
    ("deep_minus", "E101", 28, "c1", ["nests deeper than 40 levels"]),
    ("too_many_nodes", "E101", 28, "c1", ["more than 2000 nodes"]),
    ("long_sum", "E101", 28, "c1", ["nests deeper than 40 levels", "operators in a row"]),
    ("big_list", "E101", 28, "c1", ["more than 200 items"]),
    ("long_string", "E101", 28, "c1", ["longer than 200 characters"]),
    ("nested_quantifiers", "E209", 28, "c1", ["nested quantifiers would test",
                                              "the limit is 10000"]),
    ("condition_as_mapping", "R102", 28, "c1", ["expected a string, found a mapping"]),
    ("condition_empty", "R102", 28, "c1", ["non-empty string"]),
    # -- YAML that would build objects or expand
    ("yaml_billion_laughs", "R004", 9, None, ["anchor &a is not allowed"]),
    ("yaml_merge_key", "R004", 11, None, ["anchor &base is not allowed"]),
    ("yaml_alias", "R004", 6, None, ["anchor &t is not allowed"]),
    ("python_object_apply", "R005", 8, None, ["python/object/apply:os.system", "not allowed"]),
    ("python_name", "R005", 8, None, ["python/name:os.system"]),
    ("python_module", "R005", 8, None, ["python/module:os"]),
    ("custom_include_tag", "R005", 8, None, ["'!include' is not allowed"]),
    ("binary_tag", "R005", 8, None, ["binary"]),
    ("set_tag", "R005", 12, None, ["tag:yaml.org,2002:set"]),
    ("duplicate_key_override", "R003", 29, None, ["duplicate key 'condition'"]),
    ("complex_key", "R003", 10, None, ["mapping keys must be plain strings"]),
    ("two_documents", "R001", 39, None, ["another document"]),
    ("deep_yaml_nesting", "R001", 39, None, ["nests deeper than 50 levels"]),
    # -- bytes that are not a UTF-8 YAML text
    ("non_utf8_latin1", "R001", 18, None, ["not valid UTF-8", "0xe9"]),
    ("utf16", "R001", 1, None, ["not valid UTF-8", "0xff"]),
    ("nul_byte", "R001", 18, None, ["#x0000 is not allowed"]),
    ("control_character", "R001", 18, None, ["#x0007 is not allowed"]),
    ("empty", "R006", 1, None, ["empty"]),
    ("not_a_mapping", "R102", None, None, ["expected a mapping, found a list"]),
    # -- values and names that try to get around the schema
    ("huge_integer_bound", "R001", None, None, ["4300 digits"]),
    ("big_integer_bound", "R102", 10, "area_m2", ["finite number", "+-2**53"]),
    ("infinite_bound", "R102", 10, "area_m2", ["expected a finite number, found inf"]),
    ("nan_option_default", "R110", 12, "least", ["default nan"]),
    ("option_default_injection", "R110", 13, "mode", ["expected one of ['a', 'b']"]),
    ("reserved_fact_name", "R202", 11, "id", ["'id' is reserved"]),
    ("dunder_fact_name", "R106", 11, None, ["'__class__' must be lower_snake_case"]),
    ("reserved_outcome", "R202", 31, "UNDECIDED", ["'UNDECIDED' is reserved"]),
    ("rule_cycle", "R203", 30, "r1", ["circular reference: r1 -> r2 -> r1"]),
    # -- issue 13: ids that end in a newline reached generated source (IndentationError)
    ("id_trailing_newline", "R106", 24, None, ["criterion id 'c1\\n' must be"]),
    ("outcome_id_trailing_newline", "R106", 31, None, ["outcome id 'PASS\\n' must be"]),
    ("fact_name_trailing_newline", "R106", 11, None, ["fact name 'ok\\n' must be",
                                                      "facts['ok\\n']"]),
    ("ruleset_id_trailing_newline", "R106", 4, None, ["id 'hostile\\n' must be"]),
    # -- issue 13: digits and spaces that are not ASCII were read as ASCII
    ("bengali_digit", "E101", 28, "c1", ["unexpected character '\u09ea'"]),
    ("fullwidth_digit", "E101", 28, "c1", ["unexpected character '\uff12'"]),
    ("arabic_indic_digit", "E101", 28, "c1", ["unexpected character '\u0662'"]),
    ("ideographic_space", "E101", 28, "c1", ["unexpected character '\\u3000'"]),
    ("no_break_space", "E101", 28, "c1", ["unexpected character '\\xa0'"]),
    # -- issue 13: message templates were unchecked str.format templates
    ("message_lone_brace", "R113", 41, None, ["Single '{' encountered"]),
    ("message_positional", "R113", 41, None, ["'{0}' must be a name"]),
    ("message_huge_width", "R113", 41, None, ["width or precision 1000000000", "limit of 100"]),
    ("message_attribute_walk", "R113", 41, None, ["must be a plain name",
                                                  "no attribute access"]),
    ("message_unknown_placeholder", "R113", 41, None, ["unknown placeholder {secret}",
                                                       "ruleset_title"]),
    ("message_unknown_key", "R112", 41, None, ["unknown message key 'verdict.rulset'",
                                               "did you mean 'verdict.ruleset'"]),
    # -- issue 13: YAML tag constructors that crashed, and YAML 1.1 readings
    ("tag_bool_maybe", "R007", 5, None, ["'maybe' cannot be read as bool"]),
    ("tag_int_empty", "R007", 5, None, ["'' cannot be read as int"]),
    ("tag_float_empty", "R007", 5, None, ["'' cannot be read as float"]),
    ("tag_timestamp_garbage", "R007", 5, None, ["'garbage' cannot be read as timestamp"]),
    ("yaml11_octal", "R007", 10, None, ["'0100000' reads as 32768 in YAML 1.1 but 100000"]),
    ("yaml11_sexagesimal", "R007", 10, None, ["'27:46:40' reads as 100000 in YAML 1.1"]),
    ("yaml11_underscore", "R007", 10, None, ["'100_000' reads as 100000 in YAML 1.1"]),
    ("yaml12_octal", "R007", 10, None, ["but 100000 in YAML 1.2"]),
    ("yaml11_yes", "R007", 5, None, ["'yes' reads as True in YAML 1.1"]),
    # -- issue 13: line breaks counted one way
    ("cr_line_breaks", "R001", 18, None, ["not valid UTF-8", "0xe9"]),
    ("nel_line_break", "R001", 11, None, ["U+0085 (NEL) is not allowed"]),
    ("line_separator", "R001", 26, None, ["line separator U+2028 is not allowed"]),
    # -- issue 13: a file that is no ruleset is not echoed back line by line
    ("not_a_ruleset", "R111", 1, None, ["not a ruleset", "the first key is"]),
]

# Files that crashed, hung or loaded when the corpus was written (issue 8), now refused: a failure
# here is a regression of one of those fixes.
ONCE_BROKEN = {
    "nested_powers": "ValueError while printing a 1233-digit constant",
    "float_overflow": "OverflowError while folding the constant",
    "huge_product": "loaded, with a 386-digit threshold",
    "long_sum": "RecursionError in the type checker",
    "nested_quantifiers": "loaded, then evaluation never finished",
    "deep_yaml_nesting": "refused after 5 s (quadratic scanning), without a line",
    "nul_byte": "ReaderError escaped", "control_character": "ReaderError escaped",
    "big_integer_bound": "OverflowError in validation",
}


def test_the_table_covers_every_file_of_the_corpus() -> None:
    on_disk = {p.stem for p in HOSTILE.glob("*.yaml")}
    listed = [row[0] for row in CORPUS]
    assert len(listed) == len(set(listed))
    assert on_disk == set(listed)


def test_the_readme_lists_every_file_with_its_code() -> None:
    readme = (HOSTILE / "README.md").read_text("utf-8")
    for stem, code, *_ in CORPUS:
        assert f"`{stem}.yaml`" in readme and code in readme, stem


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """Record anything dangerous the process does while a hostile ruleset is read.

    An audit hook (PEP 578) sees process spawning, shell commands, network connections and file
    opens even from C code. Hooks cannot be removed, so this one only records while enabled. The
    working directory is a fresh temporary one, so a created marker file would be noticed.
    """
    monkeypatch.chdir(tmp_path)
    events: list[str] = []
    _HOOK_STATE["sink"] = events
    try:
        yield events
    finally:
        _HOOK_STATE["sink"] = None
    assert not (tmp_path / MARKER).exists(), "a hostile ruleset created the marker file"


_HOOK_STATE: dict[str, list[str] | None] = {"sink": None}
_DANGEROUS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
              "socket.connect", "shutil.rmtree", "os.remove", "os.unlink", "ctypes.dlopen")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    sink = _HOOK_STATE["sink"]
    if sink is None:
        return
    if event.startswith(_DANGEROUS):
        sink.append(f"{event} {args!r}"[:200])
    elif event == "open" and args and isinstance(args[0], str | bytes) and (
        MARKER in str(args[0]) or str(args[0]).startswith("/etc/")
    ):
        sink.append(f"open {args[0]!r}")


sys.addaudithook(_audit)


def _first(problems: tuple[RulesetProblem, ...] | list[RulesetProblem], code: str
           ) -> RulesetProblem:
    matching = [p for p in problems if p.code == code]
    assert matching, f"no {code} among {[str(p) for p in problems]}"
    return matching[0]


IDS = [row[0] for row in CORPUS]


@pytest.mark.parametrize(("stem", "code", "line", "rule_id", "words"), CORPUS, ids=IDS)
def test_a_hostile_ruleset_is_refused_with_a_located_error(
    watched: list[str], stem: str, code: str, line: int | None, rule_id: str | None,
    words: list[str],
) -> None:
    path = HOSTILE / f"{stem}.yaml"
    started = time.perf_counter()
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    problem = _first(caught.value.problems, code)
    text = f"{problem} [token {problem.token}]"
    assert problem.severity == "error"
    assert problem.location.file is not None and problem.location.file.endswith(path.name)
    assert problem.location.line == line, text
    if line is not None:
        assert f"{path.name}:{line}" in text
    assert problem.location.rule_id == rule_id, text
    for word in words:
        assert word in text, (word, text)
    assert time.perf_counter() - started < 10
    assert watched == []


@pytest.mark.parametrize("stem", [row[0] for row in CORPUS], ids=IDS)
def test_check_reports_the_same_problem_without_raising(watched: list[str], stem: str) -> None:
    code = next(row[1] for row in CORPUS if row[0] == stem)
    problems = check_ruleset(HOSTILE / f"{stem}.yaml")
    assert code in [p.code for p in problems if p.severity == "error"]
    assert watched == []


def test_deeply_nested_yaml_is_refused_quickly() -> None:
    """PyYAML's scanner is quadratic in flow nesting; 5000 levels must not take seconds."""
    started = time.perf_counter()
    problems = check_ruleset(HOSTILE / "deep_yaml_nesting.yaml")
    elapsed = time.perf_counter() - started
    assert [p.code for p in problems] == ["R001"]
    assert problems[0].location.line == 39
    assert elapsed < 1.5, f"{elapsed:.1f} s to refuse a 10 kB file"


# -- attacks too big to keep as files: generated ------------------------------------------------------

BASE = (HOSTILE / "attribute_access.yaml").read_text("utf-8").replace(
    '"area_m2.__class__.__mro__"', '"area_m2 >= 200"')


def _rules(count: int, reverse: bool) -> str:
    """A chain of rules, each reading the next (or the previous)."""
    lines = ["rules:"]
    for index in range(count):
        target = (f"r{index + 1}" if index < count - 1 else "g") if reverse else (
            f"r{index - 1}" if index else "g")
        lines.append(f"  - {{id: r{index}, clause: '3', quote: q, title: {{zh: 规, en: r}}, "
                     f"condition: {target}}}")
    return "\n".join(lines) + "\n"


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(BASE + "# " + "x" * (2 * 1024 * 1024) + "\n", "utf-8")
    started = time.perf_counter()
    problem = _first(check_ruleset(path), "R002")
    assert "limit is 2097152" in problem.message
    assert time.perf_counter() - started < 1


def test_more_items_than_the_limit_are_refused(tmp_path: Path) -> None:
    values = ", ".join(f"v{i}" for i in range(2001))
    text = BASE.replace("values: [x, y]", f"values: [{values}]", 1)
    path = tmp_path / "many.yaml"
    path.write_text(text, "utf-8")
    problem = _first(check_ruleset(path), "R107")
    assert "2001 items; the limit is 2000" in problem.message
    assert problem.location.rule_id == "kind"


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_a_very_long_rule_chain_is_refused_or_evaluated_never_a_crash(
    tmp_path: Path, reverse: bool,
) -> None:
    """1200 rules, each reading the next: either a located ruleset error or a working ruleset.

    Core bug today: RecursionError (compile inlines the chain recursively; the cycle check is a
    recursive depth-first search).
    """
    path = tmp_path / "chain.yaml"
    outcome_reads = "r0" if reverse else "r1199"
    path.write_text(BASE.replace("decision:", _rules(1200, reverse) + "decision:", 1)
                    .replace("      condition: g\n", f"      condition: {outcome_reads}\n"), "utf-8")
    problems = check_ruleset(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        assert all(p.location.line is not None for p in errors)
        with pytest.raises(RulesetError):
            load_ruleset(path)
        return
    ruleset = load_ruleset(path)
    assert evaluate({"id": "o", "area_m2": 250}, ruleset).outcome == "PASS"
    assert evaluate({"id": "o", "area_m2": 150}, ruleset).outcome == "FAIL"


@pytest.mark.parametrize(("condition", "office"), [
    ("area_m2 ** 64 >= 1", {"area_m2": 100000.0}),  # 1e320: beyond a float
    ("area_m2 ** 64 / 3 >= 1", {"area_m2": 100000}),  # an exact 321-digit integer, then /
    ("area_m2 * 1e300 * 1e300 >= 1", {"area_m2": 5}),  # float overflow gives inf, not a crash
], ids=["float-power", "integer-power-divided", "float-product"])
def test_arithmetic_beyond_floats_at_run_time_is_never_a_crash(
    tmp_path: Path, condition: str, office: dict[str, Any],
) -> None:
    """A valid condition whose value overflows for one office: a verdict (the overflowing value
    unknown, like a division by zero), never an OverflowError.

    (The first two raised ``OverflowError`` from the compiled ``**`` and ``/``.)
    """
    path = tmp_path / "overflow.yaml"
    path.write_text(BASE.replace('"area_m2 >= 200"', f'"{condition}"'), "utf-8")
    ruleset = load_ruleset(path)
    verdict = evaluate({"id": "o", **office}, ruleset)
    assert verdict.outcome in ("PASS", "FAIL", "UNDECIDED")


HOSTILE_OPTIONS = [
    ("meeting_room_min_seats", math.nan, "R402"),
    ("meeting_room_min_seats", math.inf, "R402"),
    ("meeting_room_min_seats", 10**400, "R402"),
    ("meeting_room_min_seats", True, "R402"),
    ("meeting_room_min_seats", 18.5, "R402"),
    ("revocation_mode", "__import__('os').system('touch mingxing-pwned')", "R402"),
    ("revocation_mode", ["automatic"], "R402"),
    ("incident_blocks_promotion", 1, "R402"),
    ("__class__", 1, "R401"),
]


@pytest.mark.parametrize(("name", "value", "code"), HOSTILE_OPTIONS,
                         ids=[f"{n}={v!r}"[:50] for n, v, _ in HOSTILE_OPTIONS])
def test_hostile_option_values_are_refused(watched: list[str], name: str, value: Any,
                                           code: str) -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset("star-judicial-office", options={name: value})
    assert [p.code for p in caught.value.problems] == [code]
    assert name in str(caught.value)
    assert watched == []


def test_option_values_that_are_not_plain_data_are_refused() -> None:
    with pytest.raises(RulesetError, match="options must be plain values"):
        load_ruleset("star-judicial-office", options={"revocation_mode": object()})


# -- nothing in the library can run text -------------------------------------------------------------


def test_the_library_never_calls_eval_exec_or_import_by_name() -> None:
    """The only code the library compiles is the syntax tree it generates itself (compile.py)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id in ("eval", "exec", "__import__")
            ):
                found.append(f"{path.name}:{node.lineno} {node.func.id}()")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr in ("system", "popen", "load", "loads")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("importlib", "os", "yaml", "pickle", "marshal")
            ):
                found.append(f"{path.name}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    assert found == []


def test_generated_code_runs_without_builtins() -> None:
    ruleset = load_ruleset("star-judicial-office")
    function: Any = ruleset.program.full
    assert function.__globals__["__builtins__"] == {}


# -- issue 13: attacks through the file system (generated: they cannot be kept in git) ---------------

DEVICE_READER = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (768 * 1024 * 1024,) * 2)  # a small memory ceiling
from mingxing_rules import RulesetError, check_ruleset, load_ruleset
print([p.code for p in check_ruleset(sys.argv[1])])
try:
    load_ruleset(sys.argv[1])
except RulesetError as exc:
    print("refused", exc.problems[0].message)
"""


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "link-to-zero"])
def test_a_device_is_refused_without_reading_it(tmp_path: Path, device: str) -> None:
    """``/dev/zero`` was read whole before the size check: memory ran out."""
    import subprocess

    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    if device == "link-to-zero":
        (tmp_path / "rules.yaml").symlink_to("/dev/zero")
        device = str(tmp_path / "rules.yaml")
    done = subprocess.run([sys.executable, "-c", DEVICE_READER, device], capture_output=True,
                          text=True, timeout=60, check=False,
                          env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "['R000']" in done.stdout and "refused" in done.stdout
    assert "a device, not a regular file" in done.stdout


def test_a_fifo_is_refused_instead_of_waiting_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    problem = _first(check_ruleset(fifo), "R000")
    assert "FIFO" in problem.message
    with pytest.raises(RulesetError, match="FIFO"):
        load_ruleset(fifo)
    assert time.perf_counter() - started < 5


def test_a_symlink_loop_is_a_ruleset_error(tmp_path: Path) -> None:
    """It raised RuntimeError (from Path.resolve)."""
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    assert "a loop of symbolic links" in _first(check_ruleset(tmp_path / "a.yaml"),
                                                "R000").message
    with pytest.raises(RulesetError, match="loop of symbolic links"):
        load_ruleset(tmp_path / "a.yaml")


def test_a_directory_is_a_ruleset_error(tmp_path: Path) -> None:
    assert "a directory" in _first(check_ruleset(tmp_path), "R000").message


def test_the_size_is_checked_before_a_byte_is_read(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as handle:
        handle.truncate(3 * 1024**3)  # 3 GB of nothing, taking no disk space
    started = time.perf_counter()
    problem = _first(check_ruleset(path), "R002")
    assert "3221225472 bytes" in problem.message
    assert time.perf_counter() - started < 1


def test_a_file_in_the_working_directory_never_replaces_a_bundled_ruleset(
        watched: list[str], tmp_path: Path) -> None:
    """A file named ``star-judicial-office`` in the working directory was loaded instead of the
    bundled ruleset, and the verdict still said ``star-judicial-office 2012.1``."""
    (tmp_path / "star-judicial-office").write_text(BASE, "utf-8")  # the hostile base ruleset
    assert load_ruleset("star-judicial-office").id == "star-judicial-office"
    assert load_ruleset("./star-judicial-office").id == "hostile"
    assert load_ruleset("file:star-judicial-office").id == "hostile"
    (tmp_path / "other").write_text(BASE, "utf-8")
    with pytest.raises(RulesetError, match=r"write '\./other' or 'file:other'"):
        load_ruleset("other")


def test_the_cache_follows_the_content_not_the_mtime(tmp_path: Path) -> None:
    """Two versions written within one mtime tick: the second was not read again."""
    path = tmp_path / "rules.yaml"
    path.write_text(BASE, "utf-8")
    stamp = path.stat().st_mtime_ns
    first = load_ruleset(path)
    path.write_text(BASE.replace("area_m2 >= 200", "area_m2 >= 300"), "utf-8")
    os.utime(path, ns=(stamp, stamp))
    second = load_ruleset(path)
    assert evaluate({"id": "o", "area_m2": 250}, first).outcome == "PASS"
    assert evaluate({"id": "o", "area_m2": 250}, second).outcome == "FAIL"
    assert load_ruleset(path) is second


@pytest.mark.parametrize(("condition", "office"), [
    ("area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7"
     " * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * 1.5 >= 1", {"area_m2": 100000}),
    ("area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7"
     " * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 + 0.5 >= 1", {"area_m2": 100000}),
    ("0.5 - area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * "
     "area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 * area_m2 ** 7 <= 1", {"area_m2": 100000}),
], ids=["product", "sum", "difference"])
def test_overflow_of_plus_minus_and_times_is_unknown_on_both_backends(
        tmp_path: Path, condition: str, office: dict[str, Any]) -> None:
    """Only ``**`` was guarded: ``*``, ``+`` and ``-`` of an integer beyond a float and a float
    raised OverflowError at evaluation."""
    path = tmp_path / "overflow.yaml"
    path.write_text(BASE.replace('"area_m2 >= 200"', f'"{condition}"'), "utf-8")
    ruleset = load_ruleset(path)
    assert evaluate({"id": "o", **office}, ruleset).outcome == "UNDECIDED"
    pytest.importorskip("durable_rules_engine")
    assert evaluate({"id": "o", **office}, ruleset, backend="durable").outcome == "UNDECIDED"


def test_a_message_template_never_fails_at_explain_time() -> None:
    """Templates are checked at load; the renderer is also safe on its own (no attribute walk,
    no huge padding, a lone brace shown as it is)."""
    from mingxing_rules.ruleset.messages import render

    values = {"ruleset_title": "t"}
    assert render("{", values) == "{"
    assert render("{0}", values) == "{0}"
    assert render("{ruleset_title.__class__}", values) == "{ruleset_title.__class__}"
    assert render("{ruleset_title:>1000000000}", values) == "{ruleset_title:>1000000000}"
    assert render("{ruleset_title:d}", values) == "t"
    assert render("{missing}", values) == "{missing}"


# -- issue 13: the durable backend runs or refuses what the native compiler accepts --------------------

DURABLE_RUN = r"""
import sys
from mingxing_rules import evaluate, load_ruleset
ruleset = load_ruleset(sys.argv[1])
for backend in ("native", "durable", "verified"):
    for area in (3, 250):
        print(backend, area, evaluate({"id": "o", "area_m2": area}, ruleset,
                                      backend=backend).outcome)
"""


@pytest.mark.parametrize(("condition", "derived", "expected"), [
    ("b >= 2", "  a: {value: area_m2 * 2, title: {zh: a, en: a}}\n"
     "  b: {value: a + 1, title: {zh: b, en: b}}\n", ["PASS", "PASS"]),
    ("date(2013, 2, 30) > date(2013, 1, 1)", "", ["UNDECIDED", "UNDECIDED"]),
    ("area_m2 >= 200 and date(2013, 2, 30) > date(2013, 1, 1)", "", ["FAIL", "UNDECIDED"]),
], ids=["derived-reads-derived", "impossible-date", "impossible-date-and-a-fact"])
def test_the_durable_backend_agrees_with_the_native_one(
        tmp_path: Path, condition: str, derived: str, expected: list[str]) -> None:
    """A derived value reading another raised KeyError on durable and verified; a ruleset whose
    every node is constant (an impossible date is unknown) crashed the process (durable_rules
    segfaults on an empty ruleset). Run in a subprocess, so that a crash fails this test only."""
    import subprocess

    pytest.importorskip("durable_rules_engine")
    text = BASE.replace('"area_m2 >= 200"', f'"{condition}"')
    if derived:
        text = text.replace("groups:", "derived:\n" + derived + "groups:", 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    done = subprocess.run([sys.executable, "-c", DURABLE_RUN, str(path)], capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)})
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = [line.split()[2] for line in done.stdout.splitlines()]
    assert outcomes == expected * 3, done.stdout
