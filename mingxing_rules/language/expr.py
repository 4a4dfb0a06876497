"""The condition language: tokenizer, parser and syntax tree.

A condition such as ``floor_area_m2 >= 200 and 'fax' in equipment`` is parsed by a small
precedence-climbing parser into frozen :mod:`attrs` nodes. The tree is the only thing later stages
see; rule text is never evaluated as Python. Sizes are bounded (:data:`LIMITS`) so that a hostile
ruleset cannot exhaust the parser.

>>> parse("a >= 3 -> b")
Implies(left=Compare(...), right=Name(name='b', pos=10), pos=7)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attrs

__all__ = [
    "LIMITS",
    "Binary",
    "BoolOp",
    "Call",
    "Compare",
    "Expr",
    "ExprSyntaxError",
    "Implies",
    "ListExpr",
    "Literal",
    "Membership",
    "Name",
    "Quantifier",
    "Unary",
    "children",
    "iter_nodes",
    "names_in",
    "parse",
    "to_text",
]


@attrs.frozen
class Limits:
    """Bounds applied to every expression (documented in docs/limits.md)."""

    max_length: int = 4000  # characters of one expression
    max_depth: int = 40  # nesting of parentheses / operators
    max_nodes: int = 2000  # syntax-tree nodes in one expression
    max_list: int = 200  # items in one list literal
    max_digits: int = 24  # digits in one numeric literal
    max_exponent: int = 64  # |n| in a ** n
    max_string: int = 200  # characters in one string literal


LIMITS = Limits()


class ExprSyntaxError(Exception):
    """A condition could not be parsed. ``pos`` is the 0-based offset of the bad token."""

    def __init__(self, message: str, pos: int, token: str | None = None) -> None:
        super().__init__(message)
        self.message, self.pos, self.token = message, pos, token


# -- syntax tree --------------------------------------------------------------------------------


def _no_repr_pos(cls: type) -> type:
    return cls


@attrs.frozen(repr=False)
class _Node:
    def __repr__(self) -> str:
        # Compact: children deeper than one level print as Name(...), which keeps doctests short.
        parts = []
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, _Node) and not isinstance(value, Name | Literal):
                text = f"{type(value).__name__}(...)"
            else:
                text = repr(value)
            parts.append(f"{field.name}={text}")
        return f"{type(self).__name__}({', '.join(parts)})"


@attrs.frozen(repr=False)
class Literal(_Node):
    value: Any  # int | float | str | bool
    pos: int = 0


@attrs.frozen(repr=False)
class ListExpr(_Node):
    items: tuple[Expr, ...]
    pos: int = 0


@attrs.frozen(repr=False)
class Name(_Node):
    name: str
    pos: int = 0


@attrs.frozen(repr=False)
class Unary(_Node):
    op: str  # "not" | "-"
    operand: Expr
    pos: int = 0


@attrs.frozen(repr=False)
class Binary(_Node):
    op: str  # + - * / **
    left: Expr
    right: Expr
    pos: int = 0


@attrs.frozen(repr=False)
class Compare(_Node):
    ops: tuple[str, ...]  # < <= > >= == !=
    operands: tuple[Expr, ...]  # len(ops) + 1
    pos: int = 0


@attrs.frozen(repr=False)
class BoolOp(_Node):
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]
    pos: int = 0


@attrs.frozen(repr=False)
class Implies(_Node):
    left: Expr
    right: Expr
    pos: int = 0


@attrs.frozen(repr=False)
class Membership(_Node):
    item: Expr
    container: Expr
    negated: bool = False
    pos: int = 0


@attrs.frozen(repr=False)
class Call(_Node):
    func: str
    args: tuple[Expr, ...]
    pos: int = 0


@attrs.frozen(repr=False)
class Quantifier(_Node):
    kind: str  # "all" | "any" | "count"
    body: Expr
    var: str
    iterable: Expr
    pos: int = 0


Expr = (
    Literal | ListExpr | Name | Unary | Binary | Compare | BoolOp | Implies | Membership | Call
    | Quantifier
)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``node``, in evaluation order."""
    match node:
        case ListExpr(items=items):
            return items
        case Unary(operand=operand):
            return (operand,)
        case Binary(left=left, right=right) | Implies(left=left, right=right):
            return (left, right)
        case Compare(operands=operands) | BoolOp(operands=operands) | Call(args=operands):
            return operands
        case Membership(item=item, container=container):
            return (item, container)
        case Quantifier(body=body, iterable=iterable):
            return (iterable, body)
    return ()


def iter_nodes(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children (iterative: deep trees are fine)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def names_in(node: Expr) -> list[str]:
    """Free names read by an expression, in first-use order (quantifier variables excluded)."""
    seen: list[str] = []

    def walk(n: Expr, bound: frozenset[str]) -> None:
        match n:
            case Name(name=name):
                if name not in bound and name not in seen:
                    seen.append(name)
            case Quantifier(body=body, var=var, iterable=iterable):
                walk(iterable, bound)
                walk(body, bound | {var})
            case _:
                for child in children(n):
                    walk(child, bound)

    walk(node, frozenset())
    return seen


# -- text form ----------------------------------------------------------------------------------

_PRECEDENCE = {"->": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "+": 6, "-": 6, "*": 7, "/": 7,
               "neg": 8, "**": 9}


def to_text(node: Expr) -> str:
    """Canonical text of an expression (used by diffs and explanations).

    >>> to_text(parse("not(a>=1)and  b"))
    'not a >= 1 and b'
    """
    return _text(node, 0)


def _wrap(text: str, own: int, outer: int) -> str:
    return f"({text})" if own < outer else text


def _text(node: Expr, outer: int) -> str:
    match node:
        case Literal(value=value):
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, str):
                return repr(value)
            return repr(value)
        case ListExpr(items=items):
            return "[" + ", ".join(_text(i, 0) for i in items) + "]"
        case Name(name=name):
            return name
        case Unary(op="not", operand=operand):
            return _wrap("not " + _text(operand, 4), 4, outer)
        case Unary(op=op, operand=operand):
            return _wrap(op + _text(operand, 8), 8, outer)
        case Binary(op="**", left=left, right=right):
            return _wrap(f"{_text(left, 10)} ** {_text(right, 9)}", 9, outer)
        case Binary(op=op, left=left, right=right):
            own = _PRECEDENCE[op]
            return _wrap(f"{_text(left, own)} {op} {_text(right, own + 1)}", own, outer)
        case Compare(ops=ops, operands=operands):
            parts = [_text(operands[0], 6)]
            for op, operand in zip(ops, operands[1:], strict=True):
                parts += [op, _text(operand, 6)]
            return _wrap(" ".join(parts), 5, outer)
        case Membership(item=item, container=container, negated=negated):
            op = "not in" if negated else "in"
            return _wrap(f"{_text(item, 6)} {op} {_text(container, 6)}", 5, outer)
        case BoolOp(op=op, operands=operands):
            own = _PRECEDENCE[op]
            return _wrap(f" {op} ".join(_text(o, own + 1) for o in operands), own, outer)
        case Implies(left=left, right=right):
            return _wrap(f"{_text(left, 2)} -> {_text(right, 1)}", 1, outer)
        case Call(func=func, args=args):
            return f"{func}(" + ", ".join(_text(a, 0) for a in args) + ")"
        case Quantifier(kind=kind, body=body, var=var, iterable=iterable):
            return f"{kind}({_text(body, 0)} for {var} in {_text(iterable, 0)})"
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover


# -- tokenizer ----------------------------------------------------------------------------------

# ASCII only: ``\d`` and ``\s`` would accept a Bengali four or a no-break space, which read like
# something other than what the condition computes.
_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<string>'[^'\\\n]*'|"[^"\\\n]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>->|\*\*|<=|>=|==|!=|[<>()\[\],+\-*/])
    """,
    re.VERBOSE | re.ASCII,
)
_KEYWORDS = frozenset({"and", "or", "not", "in", "for", "true", "false"})


@attrs.frozen
class _Token:
    kind: str  # number | string | name | op | keyword | end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            raise ExprSyntaxError(f"unexpected character {char!r}", pos, char)
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "name" and value in _KEYWORDS:
            kind = "keyword"
        if kind != "ws":
            tokens.append(_Token(kind, value, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# -- parser -------------------------------------------------------------------------------------

_COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})


class _Parser:
    def __init__(self, text: str, limits: Limits) -> None:
        self.text = text
        self.limits = limits
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.nodes = 0

    # token helpers
    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def at(self, *texts: str) -> bool:
        token = self.current
        return token.kind in ("op", "keyword") and token.text in texts

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def expect(self, text: str) -> _Token:
        if not self.at(text):
            self.fail(f"expected {text!r}")
        return self.advance()

    def fail(self, message: str) -> None:
        token = self.current
        shown = token.text or "end of expression"
        raise ExprSyntaxError(f"{message}, found {shown!r}", token.pos, token.text or None)

    def node(self, node: Expr) -> Expr:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise ExprSyntaxError(
                f"expression has more than {self.limits.max_nodes} nodes", self.current.pos
            )
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ExprSyntaxError(
                f"expression nests deeper than {self.limits.max_depth} levels",
                self.current.pos,
                self.current.text,
            )

    # grammar
    def parse(self) -> Expr:
        expr = self.implication()
        if self.current.kind != "end":
            self.fail("expected an operator or the end of the expression")
        return expr

    def implication(self) -> Expr:
        self.enter()
        left = self.disjunction()
        if self.at("->"):
            pos = self.advance().pos
            right = self.implication()
            left = self.node(Implies(left, right, pos))
        self.depth -= 1
        return left

    def disjunction(self) -> Expr:
        first = self.conjunction()
        operands = [first]
        while self.at("or"):
            self.advance()
            operands.append(self.conjunction())
        if len(operands) == 1:
            return first
        return self.node(BoolOp("or", tuple(operands), _pos(first)))

    def conjunction(self) -> Expr:
        first = self.negation()
        operands = [first]
        while self.at("and"):
            self.advance()
            operands.append(self.negation())
        if len(operands) == 1:
            return first
        return self.node(BoolOp("and", tuple(operands), _pos(first)))

    def negation(self) -> Expr:
        if self.at("not"):
            pos = self.advance().pos
            self.enter()
            operand = self.negation()
            self.depth -= 1
            return self.node(Unary("not", operand, pos))
        return self.comparison()

    def comparison(self) -> Expr:
        first = self.additive()
        if self.at("in") or (self.at("not") and self._next_is("in")):
            negated = self.at("not")
            if negated:
                self.advance()
            pos = self.advance().pos
            container = self.additive()
            return self.node(Membership(first, container, negated, pos))
        ops: list[str] = []
        operands = [first]
        while self.current.kind == "op" and self.current.text in _COMPARE_OPS:
            ops.append(self.advance().text)
            operands.append(self.additive())
        if not ops:
            return first
        return self.node(Compare(tuple(ops), tuple(operands), _pos(first)))

    def _next_is(self, text: str) -> bool:
        nxt = self.tokens[self.index + 1]
        return nxt.kind == "keyword" and nxt.text == text

    def chain(self, count: int, token: _Token) -> None:
        # `a + b + c + ...` nests to the left: every operator is one more level of the tree,
        # which later stages walk recursively, so it counts against the depth limit too.
        if self.depth + count > self.limits.max_depth:
            raise ExprSyntaxError(
                f"expression nests deeper than {self.limits.max_depth} levels "
                f"({count} operators in a row)", token.pos, token.text)

    def additive(self) -> Expr:
        left = self.multiplicative()
        count = 0
        while self.at("+", "-"):
            token = self.advance()
            count += 1
            self.chain(count, token)
            right = self.multiplicative()
            left = self.node(Binary(token.text, left, right, token.pos))
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        count = 0
        while self.at("*", "/"):
            token = self.advance()
            count += 1
            self.chain(count, token)
            right = self.unary()
            left = self.node(Binary(token.text, left, right, token.pos))
        return left

    def unary(self) -> Expr:
        if self.at("-"):
            pos = self.advance().pos
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return self.node(Unary("-", operand, pos))
        return self.power()

    def power(self) -> Expr:
        base = self.primary()
        if self.at("**"):
            pos = self.advance().pos
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return self.node(Binary("**", base, exponent, pos))
        return base

    def primary(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.advance()
            digits = sum(c.isdigit() for c in token.text)
            if digits > self.limits.max_digits:
                raise ExprSyntaxError(
                    f"number literal has more than {self.limits.max_digits} digits",
                    token.pos,
                    token.text,
                )
            value: int | float = (
                float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
            )
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                raise ExprSyntaxError("number literal is too large", token.pos, token.text)
            return self.node(Literal(value, token.pos))
        if token.kind == "string":
            self.advance()
            if len(token.text) - 2 > self.limits.max_string:
                raise ExprSyntaxError(
                    f"string literal is longer than {self.limits.max_string} characters",
                    token.pos,
                    token.text[:20],
                )
            return self.node(Literal(token.text[1:-1], token.pos))
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.advance()
            return self.node(Literal(token.text == "true", token.pos))
        if self.at("("):
            self.advance()
            self.enter()
            inner = self.implication()
            self.depth -= 1
            self.expect(")")
            return inner
        if self.at("["):
            pos = self.advance().pos
            self.enter()
            items: list[Expr] = []
            if not self.at("]"):
                items.append(self.implication())
                while self.at(","):
                    self.advance()
                    items.append(self.implication())
                    if len(items) > self.limits.max_list:
                        raise ExprSyntaxError(
                            f"list literal has more than {self.limits.max_list} items", pos, "["
                        )
            self.expect("]")
            self.depth -= 1
            return self.node(ListExpr(tuple(items), pos))
        if token.kind == "name":
            self.advance()
            if self.at("("):
                return self.call(token)
            return self.node(Name(token.text, token.pos))
        self.fail("expected a value")
        raise AssertionError  # pragma: no cover - fail() raises

    def call(self, func: _Token) -> Expr:
        self.advance()  # "("
        self.enter()
        args: list[Expr] = []
        if not self.at(")"):
            first = self.implication()
            if self.at("for"):
                self.advance()
                var = self.current
                if var.kind != "name":
                    self.fail("expected a variable name after 'for'")
                self.advance()
                self.expect("in")
                iterable = self.implication()
                self.expect(")")
                self.depth -= 1
                return self.node(Quantifier(func.text, first, var.text, iterable, func.pos))
            args.append(first)
            while self.at(","):
                self.advance()
                args.append(self.implication())
        self.expect(")")
        self.depth -= 1
        return self.node(Call(func.text, tuple(args), func.pos))


def _pos(node: Expr) -> int:
    return node.pos


def parse(text: str, limits: Limits = LIMITS) -> Expr:
    """Parse a condition into its syntax tree, or raise :class:`ExprSyntaxError`."""
    if len(text) > limits.max_length:
        raise ExprSyntaxError(f"expression is longer than {limits.max_length} characters", 0)
    if not text.strip():
        raise ExprSyntaxError("empty expression", 0)
    return _Parser(text, limits).parse()
