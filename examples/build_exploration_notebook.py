"""Write ``examples/exploration.ipynb`` with its outputs cleared.

Run ``python examples/build_exploration_notebook.py`` after editing the cells below. The notebook
is generated so that its cells stay reviewable as plain Python in this file; the test
suite executes the generated notebook (tests/test_notebook.py).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mingxing_rules.atomic import atomic_write_text

CELLS: list[tuple[str, str]] = [
    ("md", """\
# Exploring verdicts: explanations, gaps, what-if and the pass/fail matrix

This notebook evaluates the example offices of `examples/offices/` against the Star Judicial
Office standards (明星司法所创建标准), explains one verdict in both languages, lists what a
near-miss office must change to become a Star office, asks a what-if question, shows the
pass/fail matrix of offices x standards (readable at 100 offices) and charts the example city's
Star rate against the campaign targets."""),
    ("code", """\
import json
from pathlib import Path

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.engine.batch import evaluate_many
from mingxing_rules.gap import gap
from mingxing_rules.regression.whatif import what_if

# the notebook runs from examples/ (Jupyter) or from the repository root
HERE = Path("offices") if Path("offices").is_dir() else Path("examples/offices")
ruleset = load_ruleset("star-judicial-office")
offices = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(HERE.glob("*.json"))}
ruleset, len(offices)"""),
    ("md", "## Every example office\n\nOne row per office, one column per standard (hover a "
           "column number for its title); the summary counts the verdicts and the criteria "
           "most often not met."),
    ("code", """\
results = evaluate_many(offices.values(), ruleset)
results"""),
    ("code", """\
print(results.summary().explain("zh"))"""),
    ("md", "## One explanation\n\nThe verdict card shows the decision, the 20 standards and, for "
           "each criterion that is not met, the value, the threshold and the clause."),
    ("code", """\
verdict = evaluate(offices["near-miss-floor-area"], ruleset)
verdict"""),
    ("code", """\
print(verdict.explain("zh"))
print(verdict.explain("en"))"""),
    ("md", "## What is missing (排查不足)\n\nThe gap lists, per criterion, the change that meets "
           "it, in the fact's own unit, grouped by standard in clause order."),
    ("code", """\
shortfall = gap(offices["failing-many"], ruleset)
shortfall"""),
    ("code", """\
print(shortfall.explain("zh"))
# applying the proposed changes makes the office a Star office by assessment
evaluate(shortfall.apply(offices["failing-many"]), ruleset).outcome"""),
    ("md", "## What if?\n\nThe difference between two verdicts of the same office: the steps "
           "whose status flipped."),
    ("code", """\
what_if(offices["near-miss-mediation-success"], ruleset, disputes_resolved_count=227)"""),
    ("md", "## The matrix at 100 offices\n\nA hundred variants of the example offices, with "
           "floor area and staff changed, as a county bureau would see its whole list."),
    ("code", """\
import random

rng = random.Random(2013)
variants = []
for number in range(100):
    office = dict(rng.choice(list(offices.values())))
    office["id"] = f"office-{number:03d}"
    office["floor_area_m2"] = rng.choice([150, 180, 200, 240, 300])
    office["staff_count"] = rng.choice([5, 6, 7, 8, 9])
    variants.append(office)
many = evaluate_many(variants, ruleset)
many"""),
    ("code", """\
frame = many.to_frame()
frame["outcome"].value_counts()"""),
    ("md", "## The campaign: Star rate against the targets (创建率与目标)\n\nThe example city's "
           "title register, county by county, against the targets of clause 二 (35 % / 55 % / "
           "70 % by 2013 / 2014 / 2015). The chart is an SVG whose labels stay text, so Chinese "
           "names render with the browser's fonts."),
    ("code", """\
from IPython.display import SVG

from mingxing_rules.campaign import load_register, rate_table
from mingxing_rules.campaign.report import render_chart

register = load_register(HERE.parent / "city" / "register.jsonl")
rates = rate_table(register, range(2012, 2016))
SVG(render_chart(rates, year=2015, fmt="svg"))"""),
]


def build() -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for kind, source in CELLS:
        notebook.cells.append(new_markdown_cell(source) if kind == "md"
                              else new_code_cell(source))
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:02d}"  # stable ids keep regenerated notebooks diff-free
    return notebook


def main() -> None:
    target = Path(__file__).with_name("exploration.ipynb")
    text = nbformat.writes(build())
    atomic_write_text(target, text if text.endswith("\n") else text + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
