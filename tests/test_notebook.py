"""The exploration notebook runs top to bottom and renders (examples/exploration.ipynb)."""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "exploration.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nbformat.NotebookNode]:
    """The notebook executed once, by a ``python3`` kernel spec that runs this interpreter (the
    test venv), ahead of any user-level ``python3`` kernel that may point at another Python."""
    kernels = tmp_path_factory.mktemp("jupyter")
    spec = kernels / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (test)",
        "language": "python",
    }), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(kernels))
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()  # raises CellExecutionError on the first cell that fails
        yield notebook


def test_the_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_the_notebook_is_what_its_builder_writes() -> None:
    # If this fails after editing the cells: python examples/build_exploration_notebook.py
    sys.path.insert(0, str(NOTEBOOK.parent))
    try:
        import build_exploration_notebook as builder
    finally:
        sys.path.remove(str(NOTEBOOK.parent))
    built = builder.build()
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in built.cells] == [c.source for c in stored.cells]


def test_the_notebook_runs_top_to_bottom(executed: nbformat.NotebookNode) -> None:
    outputs = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 5  # the matrix twice, a verdict card, a gap, a what-if
    assert any("mx-matrix" in h for h in html)
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "办公用房面积180平方米，低于200平方米的标准（四（一）1）" in text


def test_the_notebook_shows_a_chart_and_renders_to_html(
        executed: nbformat.NotebookNode) -> None:
    from nbconvert import HTMLExporter

    charts = [o["data"]["image/svg+xml"] for cell in executed.cells
              if cell.cell_type == "code" for o in cell.outputs
              if "image/svg+xml" in o.get("data", {})]
    assert len(charts) == 1 and "清河区" in charts[0]
    page, _ = HTMLExporter().from_notebook_node(executed)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert '<meta charset="utf-8"' in page.lower()
    assert "Star rate against the targets" in page  # the chart's heading
    # the chart, embedded as an SVG image with its Chinese labels as text
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) == 1
    assert "清河区" in base64.b64decode(images[0]).decode("utf-8")
    assert "mx-matrix" in page  # and the HTML displays of the library
