"""Write ``examples/columnar.ipynb`` (outputs cleared): 100,000 generated offices evaluated by the
columnar engine, with the pass rate of every criterion and of every standard per county.

Run ``python examples/build_columnar_notebook.py`` after editing the cells below. The test suite
runs the generated notebook with ``COUNT`` lowered to a few thousand offices
(tests/test_columnar_notebook.py), so its execution stays out of the suite's time budget.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mingxing_rules.atomic import atomic_write_text

COUNT_LINE = "COUNT = 100_000"

CELLS: list[tuple[str, str]] = [
    ("md", """\
# A population at once: pass rates per criterion and per county

100,000 generated offices (realistic, biased to the thresholds) are evaluated against the Star
Judicial Office standards (明星司法所创建标准) by the columnar engine (`docs/columnar.md`): one
frame in, one frame out, with every criterion's status per office. Then: the pass rate of each
criterion, each standard per county, the verdicts per county, and the impact of the 2014
amendment."""),
    ("code", f"""\
import matplotlib.pyplot as plt
import numpy as np
import polars as pl

from mingxing_rules import load_ruleset
from mingxing_rules.columnar import evaluate_frame, generate_offices, impact_frame

{COUNT_LINE}
COUNTIES = ["东城县", "西山县", "南湖区", "北塘区", "中原区", "临江县"]
star = load_ruleset("star-judicial-office")
offices = generate_offices(star, COUNT, seed=2013)
offices = offices.with_columns(
    county=pl.Series(np.random.default_rng(7).choice(COUNTIES, COUNT)))
offices.shape"""),
    ("code", """\
result = evaluate_frame(offices, star, undecided="skip")
result.counts(), result.problems.height"""),
    ("md", "## Pass rate of every criterion\n\nA criterion that does not apply counts as met in "
           "its standard; here the rate is over the offices where it applies."),
    ("code", """\
verdicts = result.verdicts
criteria = [n for n in star.plan.of_kind("criterion")]
rates = verdicts.select(
    [((pl.col(f"status.{n.id}") == "pass").sum()
      / (pl.col(f"status.{n.id}") != "not_applicable").sum()).alias(n.id) for n in criteria]
).transpose(include_header=True, header_name="criterion", column_names=["rate"]).sort("rate")
fig, ax = plt.subplots(figsize=(7, 16))
ax.barh(rates["criterion"], rates["rate"])
ax.set_xlabel("share of offices meeting the criterion")
ax.set_xlim(0, 1)
fig.tight_layout()
rates.head(10)"""),
    ("md", "## Standards per county\n\nThe share of offices of each county meeting each of the "
           "20 standards (四(一)–(三))."),
    ("code", """\
standards = [n.id for n in star.plan.of_kind("standard")]
per_county = (verdicts.group_by("county")
              .agg([(pl.col(f"status.{s}") != "fail").mean().alias(s) for s in standards])
              .sort("county"))
fig, ax = plt.subplots(figsize=(11, 4))
image = ax.imshow(per_county.select(standards).to_numpy(), vmin=0, vmax=1, aspect="auto")
ax.set_yticks(range(per_county.height), per_county["county"].to_list())
ax.set_xticks(range(len(standards)), [s.split("_")[0] for s in standards])
fig.colorbar(image, ax=ax, label="share meeting the standard")
per_county"""),
    ("code", """\
outcomes = (verdicts.group_by("county", "outcome").len()
            .pivot(on="outcome", index="county", values="len").fill_null(0).sort("county"))
outcomes.to_pandas().set_index("county").plot.bar(stacked=True, figsize=(8, 4))
outcomes"""),
    ("md", "## Impact of the 2014 amendment (mediation success 96 % → 97 %)\n\nEvaluated on "
           "columns for every office; only the offices that flip are explained office by "
           "office."),
    ("code", """\
new = load_ruleset("../examples/amendment/star-judicial-office-2014.yaml"
                   if not __import__("pathlib").Path("examples").is_dir()
                   else "examples/amendment/star-judicial-office-2014.yaml")
report = impact_frame(star, new, offices, explain=3)
print(report.counts())
for flip in report.flips:
    print(flip.summary())"""),
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
    target = Path(__file__).with_name("columnar.ipynb")
    text = nbformat.writes(build())
    atomic_write_text(target, text if text.endswith("\n") else text + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
