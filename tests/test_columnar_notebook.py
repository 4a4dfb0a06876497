"""The columnar notebook (examples/columnar.ipynb) runs top to bottom, on a small population."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("polars")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "columnar.ipynb"
sys.path.insert(0, str(ROOT / "examples"))

from build_columnar_notebook import COUNT_LINE, build  # noqa: E402


def test_the_stored_notebook_is_the_built_one_without_outputs() -> None:
    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in stored.cells] == [c.source for c in build().cells]
    assert all(c.outputs == [] for c in stored.cells if c.cell_type == "code")


def test_the_notebook_runs_on_a_small_population(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (test)", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        cell.source = cell.source.replace(COUNT_LINE, "COUNT = 3_000")
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "examples")}})
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # criteria, standards per county, outcomes per county
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "mediation_success_96" in text
