"""A small generic ruleset used by the core tests (no Star-office specifics)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Any

from mingxing_rules import Ruleset, load_ruleset

MINI = dedent(
    """\
    format: mingxing-rules/1
    ruleset:
      id: mini
      version: "1"
      title: {zh: 小规则, en: mini rules}
      effective: {from: 2020-01-01}
      source: {title: {zh: 测试, en: test}, reference: tests}
    options:
      min_area:
        type: number
        default: 200
        clause: "1"
        description: {zh: 最小面积, en: minimum area}
      strict:
        type: boolean
        default: false
        clause: "2"
        description: {zh: 严格, en: strict}
    facts:
      area_m2: {type: number, min: 0, max: 100000, unit: m², title: {zh: 面积, en: floor area}}
      staff: {type: integer, min: 0, max: 1000, title: {zh: 人数, en: staff}}
      received: {type: integer, min: 0, title: {zh: 受理, en: received}}
      resolved: {type: integer, min: 0, title: {zh: 调处, en: resolved}}
      kit:
        type: set
        values: [pc, fax, phone]
        title: {zh: 设备, en: equipment}
      kind:
        type: enum
        values: [town, street, other]
        title: {zh: 类型, en: kind}
      a: {type: boolean, title: {zh: 甲, en: a}}
      b: {type: boolean, title: {zh: 乙, en: b}}
      found: {type: finding, title: {zh: 评审, en: panel finding}}
      since: {type: date, title: {zh: 日期, en: date}}
      honours:
        type: set
        values: [gold]
        title: {zh: 荣誉, en: honours}
      remark: {type: text, title: {zh: 备注, en: remark}}
    derived:
      rate:
        title: {zh: 成功率, en: success rate}
        unit: "%"
        scale: 100
        value: resolved / received
    groups:
      - id: place
        clause: "一"
        title: {zh: 场所, en: place}
        standards:
          - id: s_area
            clause: "一1"
            title: {zh: 面积, en: area}
            criteria:
              - id: area_ok
                clause: "一1"
                quote: 面积不低于200平方米
                title: {zh: 面积达标, en: area meets the minimum}
                condition: area_m2 >= min_area
              - id: kit_ok
                clause: "一1"
                quote: 配齐设备
                title: {zh: 设备齐全, en: equipment complete}
                condition: "all(k in kit for k in ['pc', 'fax'])"
          - id: s_people
            clause: "一2"
            title: {zh: 人员, en: people}
            criteria:
              - id: staff_ok
                clause: "一2"
                quote: 7名以上
                title: {zh: 人数, en: staff}
                condition: staff >= 7
              - id: rate_ok
                clause: "一2"
                quote: 成功率96%以上
                title: {zh: 成功率, en: success rate}
                applies_if: received > 0
                condition: rate >= 0.96
    rules:
      - id: honoured
        clause: "二"
        quote: 直接晋级
        title: {zh: 荣誉, en: honoured}
        condition: "'gold' in honours"
    decision:
      outcomes:
        - id: PROMOTED
          effect: award
          clause: "二"
          title: {zh: 晋级, en: promoted}
          condition: honoured
        - id: PASSED
          effect: award
          clause: "一"
          title: {zh: 达标, en: passed}
          condition: place
      otherwise:
        id: FAILED
        effect: none
        clause: "一"
        title: {zh: 未达标, en: failed}
    """
)


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mini(tmp_path: Path, text: str = MINI, **options: Any) -> Ruleset:
    return load_ruleset(write(tmp_path, text), options=options or None)


GOOD = {"id": "o1", "area_m2": 250, "kit": ["pc", "fax"], "staff": 8, "received": 100,
        "resolved": 97, "honours": []}
