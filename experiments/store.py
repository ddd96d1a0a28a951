"""The Parquet results store of a sweep: finished runs appended as atomically written parts.

A sweep folder holds ``manifest.json``, ``design.parquet`` (every design point and
replication with its run id), ``sample.parquet`` (the sampler's raw matrix, for SALib
designs) and ``runs/``, a Parquet dataset of part files. Finished runs are buffered briefly
and written as one part per small batch (at most every :data:`FLUSH_INTERVAL_S` seconds,
and at the end or on Ctrl-C). A part is written to a hidden temporary file and moved into
place with :func:`os.replace`, so readers and resumed sweeps see a run completely or not at
all; a killed sweep loses at most its unwritten batch, which a resume runs again. Each run
is in exactly one part: retrying errors first rewrites the parts holding them without them.

A run id is the short SHA-256 of the canonical JSON of (parameter point, seed): it names what
was simulated, so identical points share one run and a resumed sweep recognises its runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

RUNS_DIRNAME = "runs"
DESIGN_FILENAME = "design.parquet"
SAMPLE_FILENAME = "sample.parquet"
PART_PREFIX = "part-"
PART_SUFFIX = ".parquet"
TEMP_SUFFIX = ".tmp"
RUN_ID_HEX_CHARS = 16
"""64 bits of SHA-256: collisions are negligible even for millions of runs."""
FLUSH_INTERVAL_S = 2.0
"""Longest a finished run waits in memory before its batch is written."""
FLUSH_MAX_RUNS = 256
"""Largest batch in one part file."""
NEW_FILE_MODE = 0o666
"""Permissions before the umask, as for any file a program creates."""

STATUS_OK = "ok"
STATUS_ERROR = "error"

RUN_FIELDS: tuple[pa.Field, ...] = (
    pa.field("run_id", pa.string()),
    pa.field("replication", pa.int64()),
    pa.field("seed", pa.int64()),
    pa.field("status", pa.string()),
    pa.field("error", pa.string()),
    pa.field("wall_s", pa.float64()),
)
"""Per-run columns of a part, before the factor columns."""

SUMMARY_FIELDS: tuple[pa.Field, ...] = (
    pa.field("seller", pa.string()),
    pa.field("region", pa.string()),
    pa.field("metric", pa.string()),
    pa.field("value", pa.float64()),
)
"""The run's long summary (RunResult.summary), after the factor columns."""

DESIGN_FIELDS: tuple[pa.Field, ...] = (
    pa.field("point_index", pa.int64()),
    pa.field("replication", pa.int64()),
    pa.field("seed", pa.int64()),
    pa.field("run_id", pa.string()),
)
"""Leading columns of ``design.parquet``; factor columns follow."""

RESERVED_COLUMNS: frozenset[str] = frozenset(
    f.name for f in (*RUN_FIELDS, *SUMMARY_FIELDS, *DESIGN_FIELDS)
)
LEAD_COLUMNS: tuple[str, ...] = (
    "run_id", "point_index", "replication", "seed", "status", "error", "wall_s",
)
"""Leading columns of the tidy results frame; factor and summary columns follow."""


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: equal data gives equal text (run ids, hashes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def make_run_id(point: Mapping[str, Any], seed: int) -> str:
    """Short SHA-256 of the canonical JSON of (point values by factor path, seed)."""
    return run_ids(point, [seed])[0]


def run_ids(point: Mapping[str, Any], seeds: Sequence[int]) -> list[str]:
    """:func:`make_run_id` of one point with each seed (the point is encoded once)."""
    encoded = canonical_json(dict(point))
    # the canonical JSON of {"point": point, "seed": seed}: keys sorted, no spaces
    texts = (f'{{"point":{encoded},"seed":{int(s)}}}' for s in seeds)
    return [hashlib.sha256(t.encode()).hexdigest()[:RUN_ID_HEX_CHARS] for t in texts]


def part_files(folder: Path) -> list[Path]:
    """Finished part files of a sweep folder, sorted; temporary files are never listed."""
    runs = Path(folder) / RUNS_DIRNAME
    if not runs.is_dir():
        return []
    return sorted(
        p for p in runs.iterdir()
        if p.name.startswith(PART_PREFIX) and p.name.endswith(PART_SUFFIX)
    )


def remove_temp_files(folder: Path) -> int:
    """Delete temporary part files left by a killed sweep; returns how many were removed."""
    runs = Path(folder) / RUNS_DIRNAME
    if not runs.is_dir():
        return 0
    stale = [p for p in runs.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def run_schema(factor_types: Mapping[str, pa.DataType]) -> pa.Schema:
    """Schema of every part: run columns, one column per factor (named by path), summary."""
    factors = [pa.field(name, typ) for name, typ in factor_types.items()]
    return pa.schema([*RUN_FIELDS, *factors, *SUMMARY_FIELDS])


def design_schema(factor_types: Mapping[str, pa.DataType]) -> pa.Schema:
    """Schema of ``design.parquet``: point, replication, seed, run id, then the factors."""
    factors = [pa.field(name, typ) for name, typ in factor_types.items()]
    return pa.schema([*DESIGN_FIELDS, *factors])


def atomic_write_parquet(table: pa.Table, path: Path) -> None:
    """Write ``table`` so that readers see the whole file or nothing (temp file + replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of our own rather than mkstemp, so the file gets the umask's permissions.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):  # a read-only folder refuses this too
            tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = str(path)  # a failed write (full disk) names no file by itself
        raise


def atomic_write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame (without its index) as Parquet, atomically."""
    atomic_write_parquet(pa.Table.from_pandas(frame, preserve_index=False), path)


class ResultStore:
    """Appends finished runs of one sweep to ``<folder>/runs/`` in small atomic batches.

    Args:
        folder: the sweep folder.
        factor_types: Arrow type of each factor column, in factor order.
        flush_interval_s: write the buffered runs once this long has passed since the last
            write (a run arriving after a long gap is written at once).
        flush_max_runs: write when this many runs are buffered.
    """

    def __init__(self, folder: Path, factor_types: Mapping[str, pa.DataType],
                 flush_interval_s: float = FLUSH_INTERVAL_S,
                 flush_max_runs: int = FLUSH_MAX_RUNS) -> None:
        self.folder = Path(folder)
        self.factor_types = dict(factor_types)
        self.schema = run_schema(self.factor_types)
        self.flush_interval_s = flush_interval_s
        self.flush_max_runs = flush_max_runs
        self._buffer: list[pa.Table] = []
        self._buffer_ids: list[str] = []
        self._last_flush = time.monotonic()

    def add(self, record: Mapping[str, Any], point: Mapping[str, Any], replication: int,
            seed: int) -> Path | None:
        """Buffer one finished run (a record of :func:`experiments.backends.run_task`).

        Returns the part written if this run completed a batch, else None.
        """
        self._buffer.append(self.run_table(record, point, replication, seed))
        self._buffer_ids.append(str(record["run_id"]))
        due = time.monotonic() - self._last_flush >= self.flush_interval_s
        if due or len(self._buffer) >= self.flush_max_runs:
            return self.flush()
        return None

    def run_table(self, record: Mapping[str, Any], point: Mapping[str, Any],
                  replication: int, seed: int) -> pa.Table:
        """One run as rows of the part schema (an error run is one row without summary)."""
        summary = record.get("summary") or {}
        n = len(summary.get("metric", [])) or 1
        columns: dict[str, list[Any]] = {
            "run_id": [record["run_id"]] * n,
            "replication": [int(replication)] * n,
            "seed": [int(seed)] * n,
            "status": [record["status"]] * n,
            "error": [record.get("error", "")] * n,
            "wall_s": [float(record["wall_s"])] * n,
        }
        for name in self.factor_types:
            columns[name] = [point[name]] * n
        for f in SUMMARY_FIELDS:
            columns[f.name] = list(summary.get(f.name, [None] * n))
        return pa.Table.from_pydict(columns, schema=self.schema)

    def flush(self) -> Path | None:
        """Write the buffered runs as one part; returns its path (None if nothing buffered)."""
        self._last_flush = time.monotonic()
        if not self._buffer:
            return None
        name = hashlib.sha256(",".join(sorted(self._buffer_ids)).encode()).hexdigest()
        path = Path(self.folder) / RUNS_DIRNAME / f"{PART_PREFIX}{name[:24]}{PART_SUFFIX}"
        atomic_write_parquet(pa.concat_tables(self._buffer), path)
        self._buffer.clear()
        self._buffer_ids.clear()
        return path

    def statuses(self) -> dict[str, str]:
        """Run id -> status ('ok' or 'error') of every run written so far."""
        return run_statuses(self.folder)

    def forget(self, run_ids: Collection[str]) -> int:
        """Remove runs from the store (to run them again): rewrite each part holding them.

        A kill between rewrites leaves every run either stored once or not at all.
        Returns the number of parts changed.
        """
        drop = pa.array(sorted(run_ids), pa.string())
        changed = 0
        for path in part_files(self.folder):
            table = pq.read_table(path)
            hit = pc.is_in(table.column("run_id"), value_set=drop)
            if not pc.any(hit).as_py():
                continue
            kept = table.filter(pc.invert(hit))
            if kept.num_rows:
                atomic_write_parquet(kept, path)
            else:
                path.unlink()
            changed += 1
        return changed


def run_statuses(folder: Path) -> dict[str, str]:
    """Run id -> status ('ok' or 'error') of every run stored in a sweep folder."""
    table = read_runs(folder, columns=["run_id", "status"])
    if table is None:
        return {}
    return dict(zip(table.column("run_id").to_pylist(), table.column("status").to_pylist(),
                    strict=True))


def _expression(where: Mapping[str, Any] | None) -> ds.Expression | None:
    """A pyarrow filter from {column: value or list of values}."""
    expr = None
    for column, wanted in (where or {}).items():
        if isinstance(wanted, list | tuple | set | frozenset):
            term = ds.field(column).isin(list(wanted))
        else:
            term = ds.field(column) == wanted
        expr = term if expr is None else expr & term
    return expr


def read_runs(folder: Path, columns: Sequence[str] | None = None,
              where: Mapping[str, Any] | None = None) -> pa.Table | None:
    """Stored runs as one Arrow table (None when there are none).

    Args:
        folder: the sweep folder.
        columns: columns to read (default: all).
        where: keep rows whose column equals a value, or is in a list of values.
    """
    files = part_files(folder)
    if not files:
        return None
    dataset = ds.dataset([str(p) for p in files], format="parquet")
    return dataset.to_table(columns=list(columns) if columns is not None else None,
                            filter=_expression(where))


def write_design(folder: Path, design: pd.DataFrame, factor_types: Mapping[str, pa.DataType]
                 ) -> Path:
    """Write the design table (every point x replication with its run id) atomically."""
    table = pa.Table.from_pandas(design, schema=design_schema(factor_types),
                                 preserve_index=False)
    path = Path(folder) / DESIGN_FILENAME
    atomic_write_parquet(table, path)
    return path


def _read_table(folder: Path, filename: str, why_missing: str) -> pd.DataFrame:
    """A Parquet file of a sweep folder as a DataFrame; FileNotFoundError saying why if absent."""
    path = Path(folder) / filename
    if not path.exists():
        raise FileNotFoundError(f"{folder}: no {filename}{why_missing}")
    return pq.read_table(path).to_pandas()


def read_design(folder: Path) -> pd.DataFrame:
    """The design table of a sweep folder."""
    return _read_table(folder, DESIGN_FILENAME, "; is this a sweep folder?")


def write_sample(folder: Path, sample: np.ndarray, names: Sequence[str]) -> Path:
    """Write the raw sampler matrix (points x factors, before integer rounding) atomically."""
    table = pa.table({name: pa.array(sample[:, j], pa.float64())
                      for j, name in enumerate(names)})
    path = Path(folder) / SAMPLE_FILENAME
    atomic_write_parquet(table, path)
    return path


def read_sample(folder: Path) -> pd.DataFrame:
    """The raw sampler matrix of a sweep folder, one row per design point."""
    return _read_table(folder, SAMPLE_FILENAME, " (a full factorial has none)")


def design_factor_types(folder: Path) -> dict[str, pa.DataType]:
    """Factor columns of a sweep folder and their Arrow types, read from its design."""
    schema = pq.read_schema(Path(folder) / DESIGN_FILENAME)
    return {f.name: f.type for f in schema if f.name not in RESERVED_COLUMNS}


def load_results(folder: Path | str, columns: Sequence[str] | None = None,
                 where: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Tidy results of a sweep folder: one row per (point, replication, seller, region, metric).

    Columns: run_id, point_index, replication, seed, status, error, wall_s, one column per
    factor (named by its path), seller, region, metric, value. A run that raised has one row
    with its error and no summary. Points that coincide share one run and its rows. Rows are
    sorted by point, replication, seller, region and metric, whatever order runs finished in.

    Args:
        folder: the sweep folder.
        columns: keep only these columns (run_id and point_index are always kept); reading
            fewer columns saves memory on large sweeps.
        where: keep rows whose column equals a value or is in a list, e.g.
            ``{"seller": "all", "region": "all"}`` (read-side filter; error rows have no
            seller, region or metric).
    """
    folder = Path(folder)
    design = read_design(folder)
    factor_types = design_factor_types(folder)
    order = [*LEAD_COLUMNS, *factor_types, *(f.name for f in SUMMARY_FIELDS)]
    wanted = order if columns is None else [
        c for c in order if c in {"run_id", "point_index", *columns}]
    from_runs = [c for c in wanted if c not in ("point_index", "replication", "seed")]
    table = read_runs(folder, from_runs, where)
    if table is None:
        table = run_schema(factor_types).empty_table().select(from_runs)
    points = design[["point_index", "replication", "seed", "run_id"]]
    frame = points.merge(table.to_pandas(), on="run_id", how="inner", sort=False)
    keys = [c for c in ("point_index", "replication", "seller", "region", "metric")
            if c in frame.columns]
    frame = frame.sort_values(keys, kind="stable", na_position="first")
    return frame[wanted].reset_index(drop=True)
