"""Write the blow-up corpus: small rulesets whose size, once compiled, once grew exponentially
or whose single evaluation took minutes (issue 11). Run by hand (`python tests/blowup/generate.py`);
tests never write these files. `tests/test_blowup.py` loads and evaluates each within a ceiling.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

HEAD = """\
# {comment}
format: mingxing-rules/1
ruleset:
  id: blowup
  version: "1"
  title: {{zh: 膨胀测试, en: blow-up test}}
  effective: {{from: 2020-01-01}}
  source: {{title: {{zh: 测试, en: test}}, reference: tests/blowup}}
facts:
  area_m2: {{type: number, min: 0, max: 100000, unit: m², title: {{zh: 面积, en: area}}}}
  ok: {{type: boolean, title: {{zh: 好, en: ok}}}}
  kit: {{type: set, values: [a, b, c, d, e, f, g, h], title: {{zh: 设备, en: kit}}}}
"""

GROUPS = """\
groups:
  - id: g
    clause: "1"
    title: {{zh: 组, en: group}}
    standards:
      - id: s
        clause: "1.1"
        title: {{zh: 标准, en: standard}}
        criteria:
          - id: c1
            clause: "1.1.1"
            quote: 测试
            title: {{zh: 测试, en: test}}
            condition: "{condition}"
"""

DECISION = """\
decision:
  outcomes:
    - id: PASS
      clause: "2"
      title: {{zh: 过, en: pass}}
      condition: "{condition}"
  otherwise:
    id: FAIL
    clause: "2"
    title: {{zh: 不过, en: fail}}
"""


def rule(name: str, condition: str) -> str:
    return (f'  - {{id: {name}, clause: "3", quote: 测试, title: {{zh: 规则, en: rule}}, '
            f'condition: "{condition}"}}\n')


def derived(name: str, value: str) -> str:
    return f"  {name}: {{title: {{zh: 派生, en: derived}}, value: {value}}}\n"


def read_twice(count: int) -> str:
    """Each rule reads the previous one twice (inlining doubles at every step)."""
    text = HEAD.format(comment=f"{count} rules, each reading the previous rule twice")
    text += GROUPS.format(condition="area_m2 >= 1") + "rules:\n" + rule("r0", "ok or c1")
    for i in range(1, count):
        text += rule(f"r{i}", f"(r{i - 1} and ok) or (r{i - 1} and c1)")
    return text + DECISION.format(condition=f"r{count - 1}")


def squaring_tower(chain: int, squarings: int) -> str:
    """A derived chain followed by squarings: numbers of millions of digits if unbounded."""
    text = HEAD.format(comment=f"a {chain}-step derived chain followed by {squarings} squarings")
    text += "derived:\n" + derived("d0", "area_m2")
    for i in range(1, chain):
        text += derived(f"d{i}", f"d{i - 1} + 1")
    for j in range(squarings):
        i = chain + j
        text += derived(f"d{i}", f"d{i - 1} * d{i - 1}")
    last = chain + squarings - 1
    return text + GROUPS.format(condition=f"d{last} >= 1") + DECISION.format(condition="g")


def doubling_chain(count: int) -> str:
    """Each derived value adds the previous one to itself: 2**count if unbounded."""
    text = HEAD.format(comment=f"{count} derived values, each doubling the previous one")
    text += "derived:\n" + derived("d0", "area_m2 + 1")
    for i in range(1, count):
        text += derived(f"d{i}", f"d{i - 1} + d{i - 1}")
    return text + GROUPS.format(condition=f"d{count - 1} >= 1") + DECISION.format(condition="g")


def implication_chain(count: int) -> str:
    """Rules chained by `->`, each reading every earlier rule (quadratic references)."""
    text = HEAD.format(comment=f"{count} rules joined by ->, each reading all earlier rules")
    text += GROUPS.format(condition="area_m2 >= 1") + "rules:\n" + rule("r0", "ok -> c1")
    for i in range(1, count):
        earlier = " and ".join(f"r{j}" for j in range(max(0, i - 8), i))
        text += rule(f"r{i}", f"({earlier}) -> (r{i - 1} or c1)")
    return text + DECISION.format(condition=f"r{count - 1}")


def quantifier_nest() -> str:
    """Quantifiers nested over a set fact, within the per-node limit (E209)."""
    text = HEAD.format(comment="quantifiers nested four deep over an eight-value set")
    inner = "any(w in kit for w in ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])"
    condition = (f"all(any(all({inner} for z in kit) for y in kit) for x in kit)")
    text += GROUPS.format(condition=condition)
    return text + DECISION.format(condition="g")


def wide_fan(count: int) -> str:
    """One outcome reads many rules that all read one shared rule."""
    text = HEAD.format(comment=f"{count} rules all reading one shared rule")
    text += GROUPS.format(condition="area_m2 >= 1") + "rules:\n" + rule("base", "ok and c1")
    for i in range(count):
        text += rule(f"r{i}", f"base or area_m2 >= {i}")
    return text + DECISION.format(condition=" and ".join(f"r{i}" for i in range(count)))


CORPUS = {
    "read_twice_16": read_twice(16),
    "read_twice_64": read_twice(64),
    "squaring_tower": squaring_tower(400, 24),
    "doubling_chain": doubling_chain(1000),
    "implication_chain": implication_chain(300),
    "quantifier_nest": quantifier_nest(),
    "wide_fan": wide_fan(300),
}


if __name__ == "__main__":
    for stem, text in CORPUS.items():
        (HERE / f"{stem}.yaml").write_text(text, encoding="utf-8")
        print(f"wrote {stem}.yaml ({len(text.encode())} bytes)")
