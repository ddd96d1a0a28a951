"""Every teaching notebook runs top to bottom in a fresh kernel of this environment.

Notebooks are found by globbing ``notebooks/*.ipynb``, so a new one is tested without touching
this file. Each must be committed without outputs and run with no cell raising. Nothing here
asserts on time: the limits below only stop a hung kernel, far above any real run; how long
each notebook takes is measured by ``benchmarks/notebooks.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tools are in the dev profile")
nbclient = pytest.importorskip("nbclient", reason="notebook tools are in the dev profile")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"  # ipykernel's spec; jupyter_client runs it with this interpreter
CELL_TIMEOUT_S = 900
"""Hang guard per cell (a stuck kernel), not a timing: cells take seconds."""
NOTEBOOK_HANG_GUARD_S = 3600
"""Hang guard per notebook (pytest-timeout), not a timing: notebooks take about a minute."""


def notebook_client(book, path: Path):
    """An nbclient runner for ``book`` in a fresh kernel of this environment, cwd notebooks/."""
    return nbclient.NotebookClient(
        book, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL,
        resources={"metadata": {"path": str(path.parent)}},
    )


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5  # 01-05 at least; later ones are picked up automatically
    names = [p.name for p in NOTEBOOKS]
    assert all(name[:2].isdigit() and name[2] == "_" for name in names), names


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.timeout(NOTEBOOK_HANG_GUARD_S)  # a hard stop if a kernel hangs
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code"
    committed = [i for i, c in enumerate(code) if c.outputs or c.execution_count is not None]
    assert not committed, f"{path.name}: outputs committed in code cells {committed}; strip them"

    # The kernel inherits the environment: make the project importable even when it is not
    # installed (it is, editable, in the project's .venv).
    path_entries = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path_entries))
    probe = nbformat.v4.new_code_cell("import sys; print(sys.executable)")
    book.cells.insert(0, probe)

    client = notebook_client(book, path)
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails

    ran_with = "".join(o.get("text", "") for o in book.cells[0].outputs).strip()
    assert os.path.abspath(ran_with) == os.path.abspath(sys.executable), (
        f"kernel ran {ran_with!r}, not this environment's {sys.executable!r}")
    figures = sum("image/png" in o.get("data", {}) for c in book.cells
                  if c.cell_type == "code" for o in c.outputs)
    assert figures >= 1, f"{path.name} draws no figure"
