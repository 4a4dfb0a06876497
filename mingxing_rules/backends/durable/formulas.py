"""Formulas: alpha tests on one office event, joins over result facts, and three-valued pairs.

An *alpha* formula is a condition on one office event: ``("true",)``, ``("false",)``,
``("atom", key, json-ready condition)``, ``("and", items)`` or ``("or", items)``. Atoms are
compared by key (their canonical text), so formulas can be simplified and deduplicated.

A *join* formula is a disjunction of conjuncts; a conjunct is an alpha formula on the node's
office event plus, for some referenced nodes, the set of result codes they must have.

A :class:`Tri` holds, for one boolean expression, the three exclusive joins under which it is
true, false and unknown.

>>> a, b = atom({"f_x": True}), atom({"f_y": True})
>>> a_and(a, A_TRUE, b) == ("and", (a, b)), a_or(a, A_TRUE), a_and(a, A_FALSE)
(True, ('true',), ('false',))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .codes import MAX_CONJUNCTS
from .jsontext import dump_json
from .problems import TooComplexError

__all__ = [
    "A_FALSE",
    "A_TRUE",
    "J_FALSE",
    "J_TRUE",
    "Alpha",
    "Conj",
    "Join",
    "Refs",
    "Tri",
    "a_and",
    "a_or",
    "alpha_json",
    "alpha_keys",
    "alpha_paths",
    "atom",
    "j_and",
    "j_or",
    "tri_alpha",
    "tri_and",
    "tri_const",
    "tri_or",
]

Alpha = tuple[Any, ...]
A_TRUE: Alpha = ("true",)
A_FALSE: Alpha = ("false",)


def atom(condition: dict[str, Any]) -> Alpha:
    return ("atom", dump_json(condition), condition)


def _a_combine(kind: str, absorbing: Alpha, neutral: Alpha, items: Iterable[Alpha]) -> Alpha:
    """``and`` (absorbing false, neutral true) or ``or`` (the reverse), flattened, deduplicated."""
    flat: list[Alpha] = []
    for item in items:
        if item == absorbing:
            return absorbing
        if item == neutral:
            continue
        for part in (item[1] if item[0] == kind else (item,)):
            if part not in flat:
                flat.append(part)
    if not flat:
        return neutral
    return flat[0] if len(flat) == 1 else (kind, tuple(flat))


def a_and(*items: Alpha) -> Alpha:
    return _a_combine("and", A_FALSE, A_TRUE, items)


def a_or(*items: Alpha) -> Alpha:
    return _a_combine("or", A_TRUE, A_FALSE, items)


def alpha_json(alpha: Alpha) -> Any:
    kind = alpha[0]
    if kind == "atom":
        return alpha[2]
    if kind in ("and", "or"):
        return {f"${kind}": [alpha_json(a) for a in alpha[1]]}
    raise ValueError(f"no JSON for constant formula {alpha!r}")  # pragma: no cover


def alpha_paths(alpha: Alpha) -> int:
    """Upper bound of the alpha paths this formula can match at once (durable_rules expands
    ``$or`` into one path per branch)."""
    kind = alpha[0]
    if kind == "or":
        return sum(alpha_paths(a) for a in alpha[1])
    if kind == "and":
        return math.prod(alpha_paths(a) for a in alpha[1])
    return 1


def alpha_keys(alpha: Alpha) -> Iterator[str]:
    """Event properties a formula reads (``$m`` references included)."""
    kind = alpha[0]
    if kind in ("and", "or"):
        for item in alpha[1]:
            yield from alpha_keys(item)
    elif kind == "atom":
        yield from _condition_keys(alpha[2])


def _condition_keys(condition: Any) -> Iterator[str]:
    if isinstance(condition, Mapping):
        for key, value in condition.items():
            if key == "$m":
                yield str(value)
            elif key in ("$and", "$or"):
                for item in value:
                    yield from _condition_keys(item)
            elif key.startswith("$"):
                if key in ("$iany", "$iall"):
                    yield from value.keys()
                else:
                    yield from _condition_keys(value)
            else:
                yield key
                yield from _condition_keys(value)


Refs = tuple[tuple[str, frozenset[int]], ...]
Conj = tuple[Alpha, Refs]
Join = tuple[Conj, ...]
J_TRUE: Join = ((A_TRUE, ()),)
J_FALSE: Join = ()


def _j_norm(conjuncts: Iterable[Conj]) -> Join:
    merged: dict[Refs, Alpha] = {}
    for alpha, refs in conjuncts:
        if alpha == A_FALSE:
            continue
        merged[refs] = a_or(merged[refs], alpha) if refs in merged else alpha
    result = tuple((alpha, refs) for refs, alpha in merged.items() if alpha != A_FALSE)
    if len(result) > MAX_CONJUNCTS:
        raise TooComplexError(f"{len(result)} join alternatives")
    return result


def j_or(*joins: Join) -> Join:
    return _j_norm(c for j in joins for c in j)


def j_and(*joins: Join) -> Join:
    result: Join = J_TRUE
    for join in joins:
        combined: list[Conj] = []
        for alpha_a, refs_a in result:
            for alpha_b, refs_b in join:
                refs = dict(refs_a)
                empty = False
                for node, wanted in refs_b:
                    codes = refs[node] & wanted if node in refs else wanted
                    if not codes:
                        empty = True
                        break
                    refs[node] = codes
                if empty:
                    continue
                combined.append((a_and(alpha_a, alpha_b), tuple(sorted(refs.items()))))
        result = _j_norm(combined)
    return result


def _j_alpha(alpha: Alpha) -> Join:
    return J_FALSE if alpha == A_FALSE else ((alpha, ()),)


@attrs.frozen
class Tri:
    """When a boolean expression is true, false and unknown: three exclusive join formulas.

    ``key``: set when the expression is unknown exactly when that one event property is
    missing (a comparison of a fact with constants, a membership in a set fact). Parts over the
    same key combine without growing the unknown formula: ``'a' in s and 'b' in s`` is unknown
    only when ``s`` is missing, which a generic Kleene expansion cannot see.
    """

    t: Join
    f: Join
    u: Join
    key: str | None = None

    @property
    def not_false(self) -> Join:
        return j_or(self.t, self.u)

    @property
    def not_true(self) -> Join:
        return j_or(self.f, self.u)

    def negate(self) -> Tri:
        return Tri(self.f, self.t, self.u, self.key)

    def constant(self) -> tuple[bool, Any]:
        for join, value in ((self.t, True), (self.f, False), (self.u, None)):
            if join == J_TRUE:
                return True, value
        return False, None


def tri_const(value: Any) -> Tri:
    if value is None:
        return Tri(J_FALSE, J_FALSE, J_TRUE)
    return Tri(J_TRUE, J_FALSE, J_FALSE) if value else Tri(J_FALSE, J_TRUE, J_FALSE)


def tri_alpha(t: Alpha, f: Alpha, u: Alpha, key: str | None = None) -> Tri:
    return Tri(_j_alpha(t), _j_alpha(f), _j_alpha(u), key)


def _same_key(a: Tri, b: Tri) -> str | None:
    for one, other in ((a, b), (b, a)):
        is_constant, value = other.constant()
        if is_constant and value is not None:
            return one.key  # and/or with true/false keeps the other side's key
    return a.key if a.key is not None and a.key == b.key else None


def tri_and(a: Tri, b: Tri) -> Tri:
    key = _same_key(a, b)
    if key is not None and a.key == b.key:
        return Tri(j_and(a.t, b.t), j_or(a.f, b.f), a.u, key)
    return Tri(
        j_and(a.t, b.t),
        j_or(a.f, b.f),
        # exclusive alternatives: a unknown and b not false, or a true and b unknown
        j_or(j_and(a.u, b.not_false), j_and(a.t, b.u)),
        key,
    )


def tri_or(a: Tri, b: Tri) -> Tri:
    # De Morgan: Kleene logic keeps it, and swapping true and false keeps the unknown formula
    return tri_and(a.negate(), b.negate()).negate()
