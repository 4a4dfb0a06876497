# ruff: noqa: E501  (the table below quotes long lines of the ruleset verbatim)
"""Write the illustrative 2014 amendment from the current 2012 ruleset, in both places it lives:
examples/amendment/star-judicial-office-2014.yaml (the change under review) and
rulesets/history/star-judicial-office-2014.yaml (version 2014.1 of the bundled history).

Run by hand after the 2012 file changes (`python examples/amendment/make_amendment.py`), so that
the two copies differ from the 2012 text only in the amendment; tests check that they do.
"""

from __future__ import annotations

from pathlib import Path

from mingxing_rules.atomic import atomic_write_text

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "rulesets" / "star-judicial-office.yaml"

AMENDMENT = """\
#   1. 四(一)1 floor area: mountain townships may qualify with 180 m² (new fact
#      `mountain_township`; offices that do not carry it are read as not mountainous);
#   2. 四(二)6 mediation success rate: 96% -> 97%;
#   3. a re-worded English title of the ruleset (verdict-neutral).
"""

HEADERS = {
    ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml": (
        "# HYPOTHETICAL AMENDMENT — an illustration for reviewing rule changes, not a real "
        "document.\n#\n# A copy of rulesets/star-judicial-office.yaml (2012.1) with a proposed "
        "2014 amendment, to show\n# `mingxing diff`, impact analysis and flip search (see "
        "examples/amendment/README.md):\n" + AMENDMENT
        + "# No bureau has issued this amendment; the source reference below says so.\n",
        "HYPOTHETICAL amendment (2014)"),
    ROOT / "rulesets" / "history" / "star-judicial-office-2014.yaml": (
        "# ILLUSTRATIVE AMENDMENT — version 2014.1 of the bundled history of "
        "star-judicial-office.\n# No bureau has issued this amendment: the source text has only "
        "the 2012 opinions. It is bundled\n# so that the library's dated rules "
        "(load_ruleset(..., on=date), re-assessment, campaign cycles)\n# have a real second "
        "version to choose; see docs/history.md. It is a copy of\n"
        "# examples/amendment/star-judicial-office-2014.yaml, in force from 2014-01-01 by the "
        "history\n# index rulesets/history/star-judicial-office.history.yaml, which also "
        "declares the nodes it amends:\n" + AMENDMENT
        + "# A test keeps it equal to rulesets/star-judicial-office.yaml outside the amended "
        "nodes.\n",
        "ILLUSTRATIVE, HYPOTHETICAL amendment (2014)"),
}

FACT = """\
  mountain_township:
    type: boolean
    title:
      zh: 山区乡镇
      en: mountain township
    description:
      zh: (假设的修订)司法所位于山区乡镇;未填按非山区处理。
      en: (Hypothetical amendment) The office is in a mountain township; read as not mountainous when absent.
"""

REPLACEMENTS = [
    ('  version: "2012.1"', '  version: "2014.1"'),
    ("    en: Star Judicial Office standards\n", "    en: Standards for Star Judicial Offices (amended)\n"),
    ("    from: 2012-08-09", "    from: 2014-01-01"),
    ("            quote: 面积不低于200平方米\n", "            quote: 面积不低于200平方米(山区乡镇不低于180平方米)\n"),
    ("              zh: 办公用房面积不低于200平方米\n              en: floor area at least 200 m²\n",
     "              zh: 办公用房面积不低于200平方米(山区乡镇180平方米)\n"
     "              en: floor area at least 200 m² (180 m² in mountain townships)\n"),
    ("            condition: floor_area_m2 >= 200\n",
     "            condition: floor_area_m2 >= 200 or (if_known(mountain_township, false) and "
     "floor_area_m2 >= 180)\n"),
    ("            quote: 调解成功率96%以上\n", "            quote: 调解成功率97%以上\n"),
    ("              zh: 调解成功率96%以上\n              en: mediation success rate at least 96 %\n",
     "              zh: 调解成功率97%以上\n              en: mediation success rate at least 97 %\n"),
    ("            condition: mediation_success_rate >= 0.96\n",
     "            condition: mediation_success_rate >= 0.97\n"),
    ("  premises_layout_reasonable:\n", FACT + "  premises_layout_reasonable:\n"),
]


def amended(text: str, header: str, reference: str) -> str:
    body = text[text.index("format: mingxing-rules/1"):]
    for old, new in REPLACEMENTS:
        if body.count(old) != 1:
            raise SystemExit(f"the 2012 text no longer has exactly one {old.strip()!r}")
        body = body.replace(old, new)
    start = body.index('    reference: "') + len('    reference: "')
    end = body.index('"', start)
    body = (body[:start] + f"{reference} of 市司法局《明星司法所创建活动意见》 (2012), written as "
            "an example for mingxing-rules; not an official document" + body[end:])
    return header + "\n" + body


if __name__ == "__main__":
    text = BASE.read_text(encoding="utf-8")
    for target, (header, reference) in HEADERS.items():
        atomic_write_text(target, amended(text, header, reference))
        print(f"wrote {target.relative_to(ROOT)}")
