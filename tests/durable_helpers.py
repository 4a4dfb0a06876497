"""Rulesets for the durable backend tests: every construct of the condition language, a tiny one."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from mingxing_rules import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_OFFICES = sorted((ROOT / "examples" / "offices").glob("*.json"))
RULESET_FILES = sorted([*(ROOT / "rulesets").glob("*.yaml"),
                        *(ROOT / "examples").glob("**/*.yaml")])

_HEAD = dedent("""\
    format: mingxing-rules/1
    ruleset:
      id: {id}
      version: "1"
      title: {{zh: 奇异, en: exotic constructs}}
      effective: {{from: 2020-01-01}}
      source: {{title: {{zh: 测试, en: test}}, reference: tests}}
    options:
      min_area: {{type: number, default: 200, clause: "1", description: {{zh: 面积, en: area}}}}
      strict: {{type: boolean, default: false, clause: "2", description: {{zh: 严格, en: strict}}}}
    facts:
      area_m2: {{type: number, min: 0, title: {{zh: 面积, en: area}}}}
      staff: {{type: integer, min: 0, max: 1000, title: {{zh: 人数, en: staff}}}}
      received: {{type: integer, min: 0, title: {{zh: 受理, en: received}}}}
      resolved: {{type: integer, min: 0, title: {{zh: 调处, en: resolved}}}}
      year: {{type: integer, min: 2010, max: 2020, title: {{zh: 年度, en: year}}}}
      kit: {{type: set, values: [pc, fax, phone], title: {{zh: 设备, en: equipment}}}}
      kind: {{type: enum, values: [town, street, 街道], title: {{zh: 类型, en: kind}}}}
      a: {{type: boolean, title: {{zh: 甲, en: a}}}}
      b: {{type: boolean, title: {{zh: 乙, en: b}}}}
      found: {{type: finding, title: {{zh: 评审, en: panel finding}}}}
      since: {{type: date, title: {{zh: 日期, en: date}}}}
    derived:
      rate: {{title: {{zh: 率, en: rate}}, value: resolved / received}}
      spare: {{title: {{zh: 余, en: spare}}, value: rate * 100 - 90}}
    """)


def _criterion(cid: str, condition: str, applies_if: str | None = None) -> str:
    line = (f'          - {{id: {cid}, clause: "1", quote: "q {cid}", '
            f'title: {{zh: "{cid}", en: "{cid}"}}, condition: "{condition}"')
    return line + (f', applies_if: "{applies_if}"}}' if applies_if else "}")


def _group(gid: str, standards: list[tuple[str, list[tuple[str, ...]]]]) -> str:
    lines = [f'  - id: {gid}', '    clause: "1"', f'    title: {{zh: "{gid}", en: "{gid}"}}',
             "    standards:"]
    for sid, criteria in standards:
        lines += [f"      - id: {sid}", '        clause: "1"',
                  f'        title: {{zh: "{sid}", en: "{sid}"}}', "        criteria:"]
        lines += [_criterion(*c) for c in criteria]
    return "\n".join(lines)


def _named(kind: str, nid: str, condition: str) -> str:
    if kind == "rule":
        return (f'  - {{id: {nid}, clause: "2", quote: "q {nid}", title: {{zh: "{nid}", '
                f'en: "{nid}"}}, condition: "{condition}"}}')
    return (f'    - {{id: {nid}, effect: award, clause: "3", title: {{zh: "{nid}", '
            f'en: "{nid}"}}, condition: "{condition}"}}')


# One criterion per construct; the comment says how the durable backend expresses it.
MIXED: list[tuple[str, ...]] = [
    ("c_arith", "area_m2 - 10 >= min_area"),  # pre-pass term, compared in the network
    ("c_fields", "resolved <= received"),  # property vs property, $ex-guarded right side
    ("c_deadline", "since <= date(year, 11, 30)"),  # year*10000+1130 built on the right side
    ("c_leap", "since < date(year, 2, 29)"),  # pre-pass: 29 February is not in every year
    ("c_year", "year(since) >= 2013"),  # pre-pass: no date functions in durable_rules
    ("c_literal_date", "since >= date('2013-01-01')"),  # dates as yyyymmdd integers
    ("c_chain", "0 < staff <= 100"),  # a chain of comparisons on one property
    ("c_all_set", "all(k in ['pc', 'fax'] for k in kit)"),  # $iall over the set, size 0 case
    ("c_any_set", "any(k == 'fax' or k == 'phone' for k in kit)"),  # $iany with an $or item
    ("c_count_body", "count(k != 'pc' for k in kit) >= 1"),  # pre-pass: no counting
    ("c_not_in", "'fax' not in kit"),  # membership, negated
    ("c_enum_in", "kind in ['town', '街道']"),  # enum in a list, non-ASCII value
    ("c_implies", "a -> b"),
    ("c_if_known", "if_known(a, true) and if_known(staff, 0) >= 3"),
    ("c_minmax", "max(staff, 1) >= 2 and abs(-staff) < 900"),
    ("c_power", "staff ** 2 >= 49 and -staff <= -7"),
    ("c_count_set", "count(kit) >= 2"),  # the set's size property
    ("c_bool_eq", "a == true and found != false"),
    ("c_const_list", "any(s <= staff for s in [5, 10])"),  # expanded over the constants
    ("c_quant_arith", "any(staff - s >= 0 for s in [3, 8])"),  # a pre-pass term per constant
    ("c_spare", "spare >= 6", "received > 0"),
]
NA_ONLY: list[tuple[str, ...]] = [("n1", "rate >= 0.5", "received > 0"), ("n2", "b", "staff > 0 and a")]
WIDE: list[tuple[str, ...]] = [(f"w{i:02d}", f"staff >= {i}") for i in range(1, 19)]  # wider than one 16-fact join
WIDE[5] = ("w06", "staff >= 6", "a")
WIDE[16] = ("w17", "resolved >= 17", "b")
WIDE[17] = ("w18", "strict or staff >= 0")
CONSTANT: list[tuple[str, ...]] = [("k_false", "strict and a"), ("k_true", "not strict")]  # folded by the options


def exotic_text(ruleset_id: str = "exotic") -> str:
    """A ruleset using every construct of the condition language."""
    return (_HEAD.format(id=ruleset_id) + "groups:\n"
            + _group("g1", [("s_mixed", MIXED), ("s_na", NA_ONLY)]) + "\n"
            + _group("g2", [("s_wide", WIDE), ("s_const", CONSTANT)]) + "\nrules:\n"
            + "\n".join([_named("rule", "r_mixed", "c_chain and not a or s_na"),
                         _named("rule", "r_refs", "(g1 or w01) and (n1 -> r_mixed)"),
                         _named("rule", "r_crit_ref", "if_known(n2, false) or k_true")])
            + "\ndecision:\n  outcomes:\n"
            + "\n".join([_named("outcome", "TOP", "r_refs and g2"),
                         _named("outcome", "MID", "g1 or r_crit_ref and not k_false")])
            + '\n  otherwise: {id: LOW, effect: none, clause: "3", title: {zh: 低, en: low}}\n')


TINY = dedent("""\
    format: mingxing-rules/1
    ruleset:
      id: tiny
      version: "1"
      title: {zh: 小, en: tiny}
      effective: {from: 2020-01-01}
      source: {title: {zh: 测试, en: test}, reference: tests}
    facts:
      area_m2: {type: number, min: 0, title: {zh: 面积, en: area}}
      kit: {type: set, values: [pc, fax], title: {zh: 设备, en: equipment}}
    groups:
      - id: place
        clause: "1"
        title: {zh: 场所, en: place}
        standards:
          - id: s_place
            clause: "1"
            title: {zh: 场所, en: place}
            criteria:
              - {id: big, clause: "1", quote: 面积, title: {zh: 面积, en: area},
                 condition: "area_m2 >= 200"}
              - {id: equipped, clause: "1", quote: 设备, title: {zh: 设备, en: kit},
                 condition: "all(k in kit for k in ['pc', 'fax'])"}
    decision:
      outcomes:
        - {id: PASSED, effect: award, clause: "1", title: {zh: 过, en: passed}, condition: place}
      otherwise: {id: FAILED, effect: none, clause: "1", title: {zh: 未过, en: failed}}
    """)


def load_text(tmp_path: Path, text: str, name: str, **options: object) -> Ruleset:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_ruleset(path, options=options or None)
