"""The condition language: parsing, precedence, canonical text, syntax errors and limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mingxing_rules.language.expr import (
    LIMITS,
    BoolOp,
    Compare,
    ExprSyntaxError,
    Implies,
    Membership,
    Quantifier,
    names_in,
    parse,
    to_text,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a >= 3 -> b", "a >= 3 -> b"),
        ("not(a>=1)and  b", "not a >= 1 and b"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or b and c", "a or b and c"),
        ("a -> b -> c", "a -> b -> c"),
        ("(a -> b) -> c", "(a -> b) -> c"),
        ("0 <= x < 5", "0 <= x < 5"),
        ("-2 ** 2", "-2 ** 2"),
        ("a - (b - c)", "a - (b - c)"),
        ("'x' not in s", "'x' not in s"),
        ("all(d in eq for d in ['a','b'])", "all(d in eq for d in ['a', 'b'])"),
        ("count(s) == 0", "count(s) == 0"),
        ("submitted <= date(year, 11, 30)", "submitted <= date(year, 11, 30)"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert to_text(parse(text)) == canonical
    assert to_text(parse(canonical)) == canonical


def test_precedence_builds_the_expected_tree() -> None:
    tree = parse("a >= 3 and b -> c")
    assert isinstance(tree, Implies)
    assert isinstance(tree.left, BoolOp) and tree.left.op == "and"
    assert isinstance(tree.left.operands[0], Compare)
    assert isinstance(parse("x not in s"), Membership)
    assert isinstance(parse("any(h in s for h in t)"), Quantifier)


def test_names_in_excludes_quantifier_variables() -> None:
    assert names_in(parse("all(d in kit for d in wanted) and area >= 2")) == [
        "wanted", "kit", "area"]


@pytest.mark.parametrize(
    ("text", "pos", "token"),
    [
        ("area >= ", 8, None),
        ("area >== 200", 7, "="),
        ("area.__class__", 4, "."),
        ("__import__('os')", None, None),  # parses: the type checker rejects the unknown call
        ("a ; b", 2, ";"),
        ("(a and b", 8, None),
        ("'unterminated", 0, "'"),
    ],
)
def test_syntax_errors_point_at_the_token(text: str, pos: int | None, token: str | None) -> None:
    if pos is None:
        parse(text)
        return
    with pytest.raises(ExprSyntaxError) as caught:
        parse(text)
    assert caught.value.pos == pos
    if token is not None:
        assert caught.value.token == token


@pytest.mark.parametrize(
    "text",
    [
        "(" * (LIMITS.max_depth + 5) + "a" + ")" * (LIMITS.max_depth + 5),
        "not " * (LIMITS.max_depth + 5) + "a",
        "x" + " + x" * LIMITS.max_nodes,
        "a" * (LIMITS.max_length + 1),
        "1" * (LIMITS.max_digits + 1),
        "[" + ",".join(["1"] * (LIMITS.max_list + 1)) + "]",
    ],
)
def test_limits_are_enforced(text: str) -> None:
    with pytest.raises(ExprSyntaxError):
        parse(text)


names = st.sampled_from(["a", "b", "c", "area", "staff"])


def expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(names, st.integers(0, 999).map(str))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", ">=", "<", "==", "and", "or",
                                              "->"]), inner).map(lambda t: f"({t[0]} {t[1]} "
                                                                 f"{t[2]})"),
            inner.map(lambda e: f"(not {e})"),
        ),
        max_leaves=12,
    )


@given(expressions())
def test_canonical_text_is_a_fixed_point(text: str) -> None:
    once = to_text(parse(text))
    assert to_text(parse(once)) == once
    assert parse(once) == parse(to_text(parse(once)))
