"""Export the Parquet tables of a result folder as CSV, for spreadsheets and R.

A sweep folder gives ``results.csv`` (the tidy table of
:func:`experiments.store.load_results`: one row per point, replication, seller, region and
metric), ``design.csv`` and, for SALib designs, ``sample.csv`` (the sampler's raw matrix);
an ``xbsim run`` or ``xbsim compare`` folder gives one CSV per Parquet file
(``timeseries``, ``funnel``; ``runs``, ``timeseries``). Files are UTF-8 with a header row, no
index column, empty cells for missing values, and floats written with Python's shortest
round-tripping representation (``repr``), so reading them back gives the very same numbers.
Each file is written to a temporary name and moved into place, so a reader never sees half a
file. The folder's ``manifest.json`` is copied alongside for provenance.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from experiments.manifest import atomic_write_text
from experiments.store import (
    DESIGN_FILENAME,
    SAMPLE_FILENAME,
    load_results,
    read_design,
    read_sample,
)
from experiments.sweep import MANIFEST_KIND

EXPORT_DIRNAME = "csv"
"""Default output folder, inside the exported folder."""
MANIFEST_FILENAME = "manifest.json"
FOLDER_COMMANDS: dict[str, str] = {"xbsim run": "run", "xbsim compare": "compare"}
"""Manifest ``command`` of the non-sweep folders that can be exported, and their kind."""
SWEEP = "sweep"
CSV_CHUNK_ROWS = 100_000
"""Rows formatted at a time, so a large table is not turned into one huge string."""


class ExportError(ValueError):
    """The folder is not one that can be exported (not a sweep, run or compare folder)."""


def folder_kind(folder: Path) -> str:
    """'sweep', 'run' or 'compare', from the folder's manifest; ExportError otherwise."""
    folder = Path(folder)
    path = folder / MANIFEST_FILENAME
    if not folder.is_dir():
        raise ExportError(f"{folder}: no such folder")
    if not path.is_file():
        raise ExportError(f"{folder}: neither a sweep nor an xbsim run/compare folder "
                          f"(no {MANIFEST_FILENAME})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ExportError(f"{path}: not a readable manifest (invalid JSON)") from None
    if not isinstance(manifest, dict):
        raise ExportError(f"{path}: not a readable manifest (not a JSON object)")
    if manifest.get("kind") == MANIFEST_KIND:
        return SWEEP
    command = manifest.get("command")
    if command in FOLDER_COMMANDS:
        return FOLDER_COMMANDS[command]
    raise ExportError(f"{folder}: neither a sweep nor an xbsim run/compare folder (its "
                      f"manifest is from {command or 'an unknown command'!s})")


def atomic_write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as CSV (UTF-8, header, exact floats) so readers see all or nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            # float_format=None: pandas writes repr(), the shortest text that reads back equal
            frame.to_csv(fh, index=False, float_format=None, na_rep="", lineterminator="\n",
                         chunksize=CSV_CHUNK_ROWS)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink(missing_ok=True)
        raise


def _tables(folder: Path, kind: str) -> dict[str, pd.DataFrame | Path]:
    """Name of each CSV to write and its table (or the Parquet file holding it)."""
    if kind == SWEEP:
        tables: dict[str, pd.DataFrame | Path] = {"results": load_results(folder),
                                                  "design": read_design(folder)}
        if (folder / SAMPLE_FILENAME).exists():
            tables["sample"] = read_sample(folder)
        return tables
    skip = {DESIGN_FILENAME, SAMPLE_FILENAME}
    return {p.stem: p for p in sorted(folder.glob("*.parquet")) if p.name not in skip}


def export_csv(folder: Path | str, out: Path | str | None = None) -> list[Path]:
    """Write a sweep's, run's or comparison's tables as CSV; returns the files written.

    Args:
        folder: a sweep folder, or an ``xbsim run`` or ``xbsim compare`` output folder.
        out: the folder to write to (default: ``FOLDER/csv``).

    Raises:
        ExportError: the folder is neither (one line naming why).
    """
    folder = Path(folder)
    kind = folder_kind(folder)
    target = Path(out) if out is not None else folder / EXPORT_DIRNAME
    tables = _tables(folder, kind)
    if not tables:
        raise ExportError(f"{folder}: an xbsim {kind} folder without Parquet tables")
    written = []
    for name, table in tables.items():
        frame = pq.read_table(table).to_pandas() if isinstance(table, Path) else table
        path = target / f"{name}.csv"
        atomic_write_csv(frame, path)
        written.append(path)
    if target.resolve() != folder.resolve():
        written.append(target / MANIFEST_FILENAME)
        atomic_write_text(written[-1], (folder / MANIFEST_FILENAME).read_text(encoding="utf-8"))
    return written
