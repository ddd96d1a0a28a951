"""Time every teaching notebook, top to bottom in a fresh kernel (timings live here, not in tests).

Usage: ``python benchmarks/notebooks.py [--out benchmarks/results/notebooks.md]``. Each notebook
runs once, as ``tests/test_notebooks.py`` runs it; the table gives the wall time of each.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_HANG_GUARD_S = 900
"""Stops a hung cell; not a timing."""


def time_notebook(path: Path) -> float:
    """Wall seconds to execute ``path`` in a fresh kernel with the project importable."""
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=CELL_HANG_GUARD_S, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    """Run every notebook once and write a Markdown table of wall times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/notebooks.md")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    rows = []
    for path in NOTEBOOKS:
        seconds = time_notebook(path)
        rows.append(f"| {path.name} | {seconds:.1f} |")
        print(f"{path.name}: {seconds:.1f} s", flush=True)
    lines = ["# Notebook wall times", "",
             f"One run each in a fresh kernel; {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}.", "",
             "| notebook | seconds |", "|---|---:|", *rows, ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
