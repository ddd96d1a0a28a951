"""Parameter sweeps: a validated sweep spec, its design, and a resumable driver.

A sweep varies *factors* (dotted paths into a base :class:`MarketSpec`, such as
``parameters.trust_threshold`` or ``sellers.0.marketing_budget_per_1k_daily``) over a design
drawn with SALib's samplers (Latin hypercube, Sobol/Saltelli, Morris) or a full factorial of
explicit levels, and replicates every point over the same replication seeds (common random
numbers, from :func:`experiments.runner.replication_seeds`). Every point is validated as a
market spec before the first run starts.

:func:`run_sweep` runs each (point, seed) once on a backend (:mod:`experiments.backends`) and
appends results to the Parquet store of the output folder (:mod:`experiments.store`) as runs
finish; with ``resume=True`` it skips finished runs. A sweep is a pure function of its spec:
serial, process-pool and dask runs, and interrupted-then-resumed runs, give identical tables.
"""

from __future__ import annotations

import copy
import errno
import itertools
import json
import os
import time
from collections.abc import Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from SALib.sample import latin, morris, sobol
from tqdm.auto import tqdm

from experiments import backends
from experiments.manifest import build_manifest, code_version, write_manifest
from experiments.runner import replication_seeds
from experiments.store import (
    RESERVED_COLUMNS,
    STATUS_ERROR,
    STATUS_OK,
    ResultStore,
    canonical_json,
    load_results,
    read_design,
    remove_temp_files,
    run_ids,
    run_statuses,
    write_design,
    write_sample,
)
from simulation.declarations import Declaration, resolve
from simulation.metrics import METRIC_NAMES
from simulation.spec import MarketSpec, SpecError, validate_spec
from simulation.yaml_loading import load_yaml_file

DesignMethod = Literal["full_factorial", "lhs", "sobol", "morris"]
SALIB_METHODS: tuple[str, ...] = ("lhs", "sobol", "morris")
PARAMETERS_PREFIX = "parameters."
OUTCOME_REGION_SEP = "@"
ALL = "all"
"""The label of totals over sellers or regions in a run summary."""
MANIFEST_KIND = "xbsim-sweep"
MAX_DIFFERENCES_SHOWN = 5
DEFAULT_MORRIS_LEVELS = 4
SCALARS = (str, int, float, bool, type(None))
"""Immutable values that are set without copying."""
PATH_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$"


class SweepSpecError(ValueError):
    """A sweep spec that cannot run; the message names the field."""


class SweepFolderError(ValueError):
    """The output folder does not fit the request (holds other results, or needs --resume)."""


class SweepWorkerError(RuntimeError):
    """A worker process died (not a run raising, which is recorded): finished runs are kept."""


class SweepStorageError(OSError):
    """The sweep folder cannot be written (read-only, full): runs already stored are kept."""

    def __init__(self, out_dir: Path, cause: OSError) -> None:
        self.out_dir = Path(out_dir)
        reason = cause.strerror or str(cause) or type(cause).__name__
        super().__init__(
            cause.errno,
            f"cannot write to the sweep folder {out_dir} ({reason}); the runs stored so far "
            "are kept: make it writable again (free space, permissions) and continue with "
            "--resume (resume=True)",
        )


STORAGE_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC,
                            errno.EFBIG, errno.EDQUOT})
"""Errors of a write that the folder refused (a network error of a backend is none of them)."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a sweep; finished runs are kept and ``resume=True`` continues it."""

    def __init__(self, done: int, total: int, out_dir: Path) -> None:
        self.done, self.total, self.out_dir = done, total, Path(out_dir)
        super().__init__(
            f"sweep interrupted: {done} of {total} runs finished and kept in {out_dir}; "
            "continue with resume=True (xbsim sweep ... --resume)"
        )


_STRICT = ConfigDict(frozen=True, extra="forbid")


class Factor(BaseModel):
    """One varied input: a dotted path into the market spec and its range or levels."""

    model_config = _STRICT

    path: str = Field(pattern=PATH_PATTERN,
                      description="dotted path into the spec, e.g. parameters.trust_threshold")
    bounds: tuple[float, float] | None = Field(
        None, description="[lo, hi]; default: the declared range of the field")
    levels: list[Any] | None = Field(None, min_length=1, description="full factorial only")
    integer: bool = Field(False, description="round sampled values to integers")

    @model_validator(mode="after")
    def _check(self) -> Factor:
        if self.bounds is not None:
            lo, hi = self.bounds
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise ValueError(f"bounds: need finite lo < hi, got [{lo}, {hi}]")
            if self.levels is not None:
                raise ValueError("give bounds or levels, not both")
        if self.path in RESERVED_COLUMNS:
            raise ValueError(f"path: {self.path!r} clashes with a result column")
        info = declared_parameter(self.path)
        if self.path.startswith(PARAMETERS_PREFIX) and info is None:
            raise ValueError(f"path: unknown parameter {self.path!r} (see `xbsim parameters`)")
        if info is not None and self.bounds is not None:
            lo, hi = self.bounds
            if lo < info.lo or hi > info.hi:
                raise ValueError(
                    f"bounds: [{lo:g}, {hi:g}] outside the declared range "
                    f"[{info.lo:g}, {info.hi:g}] of {self.path}"
                )
        return self


class Design(BaseModel):
    """How points are drawn: the method and its size, options and sampling seed."""

    model_config = _STRICT

    method: DesignMethod
    n: int | None = Field(
        None, ge=1, le=10_000_000,
        description="lhs: points; sobol: base samples N (power of 2); morris: trajectories",
    )
    calc_second_order: bool = Field(False, description="sobol: also second-order indices")
    num_levels: int = Field(DEFAULT_MORRIS_LEVELS, ge=2, le=1000, description="morris grid")
    seed: int = Field(0, ge=0, description="seed of the sampler (not of the simulations)")

    @model_validator(mode="after")
    def _check(self) -> Design:
        if self.method in SALIB_METHODS and self.n is None:
            raise ValueError(f"n: required for method {self.method}")
        if self.method == "sobol" and self.n is not None and self.n & (self.n - 1):
            raise ValueError(f"n: sobol needs a power of 2 (got {self.n})")
        return self


class SweepSpec(BaseModel):
    """A complete, validated sweep: base market, factors, design, replications, outcomes."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    base: dict[str, Any] | None = Field(None, description="a MarketSpec mapping")
    base_spec: str | None = Field(None, description="path to a MarketSpec YAML")
    factors: list[Factor] = Field(min_length=1)
    design: Design
    replications: int = Field(1, ge=1, le=100_000)
    master_seed: int = Field(0, ge=0)
    outcomes: list[str] | None = Field(
        None, description="metric or metric@REGION; default: every metric, all regions")

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        if self.base is not None and self.base_spec is not None:
            raise ValueError("base, base_spec: give one of them, not both")
        paths = [f.path for f in self.factors]
        dup = sorted({p for p in paths if paths.count(p) > 1})
        if dup:
            raise ValueError(f"factors: duplicate path(s) {dup}")
        for i, f in enumerate(self.factors):
            if self.design.method == "full_factorial" and f.levels is None:
                raise ValueError(f"factors.{i}.levels: required by a full factorial design")
            if self.design.method != "full_factorial" and f.levels is not None:
                raise ValueError(f"factors.{i}.levels: only for full_factorial; use bounds")
            if (self.design.method != "full_factorial" and f.bounds is None
                    and declared_parameter(f.path) is None):
                raise ValueError(f"factors.{i}.bounds: required for {f.path} "
                                 "(it names no declared number with a range)")
        for i, o in enumerate(self.outcomes or []):
            metric = o.split(OUTCOME_REGION_SEP)[0]
            if metric not in METRIC_NAMES or o.count(OUTCOME_REGION_SEP) > 1:
                raise ValueError(f"outcomes.{i}: {o!r} is not metric or metric@REGION; "
                                 f"metrics: {', '.join(METRIC_NAMES)}")
        return self


def declared_parameter(path: str) -> Declaration | None:
    """The declaration (unit, range, source) behind a spec path, e.g. a lever's field, or None.

    Every number of a spec is declared once (:mod:`simulation.declarations`); sweeps take a
    factor's default bounds and integer-ness from it.
    """
    return resolve(MarketSpec, path)


def load_sweep(source: Path | str | Mapping[str, Any]) -> SweepSpec:
    """Load a sweep spec from YAML or a mapping; ``base_spec`` is resolved next to the YAML."""
    if isinstance(source, Mapping):
        data, root = dict(source), Path.cwd()
    else:
        path = Path(source)
        data = load_yaml_file(path) or {}  # strict: duplicate keys are refused
        if not isinstance(data, dict):
            raise SweepSpecError(f"{path}: expected a mapping at the top level")
        root = path.resolve().parent
    if isinstance(data.get("base_spec"), str):
        data["base_spec"] = str((root / data["base_spec"]).resolve())
    return SweepSpec.model_validate(data)


def outcome_key(outcome: str) -> tuple[str, str]:
    """(metric, region) of an outcome name: 'gmv' -> ('gmv', 'all'), 'gmv@BR' -> ('gmv', 'BR')."""
    metric, _, region = outcome.partition(OUTCOME_REGION_SEP)
    return metric, region or ALL


def default_outcomes() -> list[str]:
    """Every metric in total over sellers and regions."""
    return list(METRIC_NAMES)


# --- design ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedFactor:
    """A factor with its bounds filled in, its kind and its column type."""

    path: str
    bounds: tuple[float, float] | None
    levels: tuple[Any, ...] | None
    integer: bool
    kind: Literal["float", "int", "bool", "str", "json"]

    @property
    def arrow_type(self) -> pa.DataType:
        """Arrow type of this factor's column in the result store."""
        return {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(),
                "str": pa.string(), "json": pa.string()}[self.kind]

    def value(self, raw: Any) -> Any:
        """The value set in the spec for one sampled number or one level."""
        if self.levels is not None:
            return float(raw) if self.kind == "float" else raw
        if self.integer:
            lo, hi = self.bounds  # type: ignore[misc]
            # hi - lo + 1 equal-width bins over [lo, hi]: the end values are as likely as
            # inner ones (rounding would halve their chance)
            bins = hi - lo + 1
            return int(min(hi, lo + np.floor((float(raw) - lo) * bins / (hi - lo))))
        return float(raw)

    def stored(self, value: Any) -> Any:
        """The value as written to the store (JSON text for lists, mappings and nulls)."""
        return canonical_json(value) if self.kind == "json" else value


def _level_kind(levels: list[Any]) -> Literal["float", "int", "bool", "str", "json"]:
    if all(isinstance(v, bool) for v in levels):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in levels):
        return "int"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in levels):
        return "float"
    if all(isinstance(v, str) for v in levels):
        return "str"
    return "json"


def resolve_factor(factor: Factor) -> ResolvedFactor:
    """Fill in default bounds and integer-ness from the field's declaration."""
    info = declared_parameter(factor.path)
    if factor.levels is not None:
        return ResolvedFactor(factor.path, None, tuple(factor.levels), False,
                              _level_kind(factor.levels))
    if factor.bounds is None and info is not None and info.lo_open:
        raise SweepSpecError(f"{factor.path}: give bounds (the declared range "
                             f"{info.range_text} excludes its lower end)")
    bounds = factor.bounds if factor.bounds is not None else (info.lo, info.hi)  # type: ignore
    integer = factor.integer or (info is not None and info.is_int)
    if integer and not all(float(b).is_integer() for b in bounds):
        raise SweepSpecError(f"{factor.path}: an integer factor needs integer bounds "
                             f"(got {list(bounds)})")
    return ResolvedFactor(factor.path, (float(bounds[0]), float(bounds[1])), None, integer,
                          "int" if integer else "float")


def salib_problem(factors: list[ResolvedFactor]) -> dict[str, Any]:
    """The SALib problem dict for bounded factors."""
    return {"num_vars": len(factors), "names": [f.path for f in factors],
            "bounds": [list(f.bounds) for f in factors]}  # type: ignore[arg-type]


def sample_design(design: Design, factors: list[ResolvedFactor]) -> np.ndarray | None:
    """The raw SALib sample (points x factors), or None for a full factorial."""
    if design.method == "full_factorial":
        return None
    problem = salib_problem(factors)
    if design.method == "lhs":
        return latin.sample(problem, design.n, seed=design.seed)
    if design.method == "sobol":
        return sobol.sample(problem, design.n, calc_second_order=design.calc_second_order,
                            seed=design.seed)
    return morris.sample(problem, design.n, num_levels=design.num_levels, seed=design.seed)


def design_points(design: Design, factors: list[ResolvedFactor],
                  raw: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Every design point as {factor path: value set in the spec}, in design order.

    Args:
        design: the design.
        factors: resolved factors.
        raw: the sampled matrix if already drawn (see :func:`sample_design`).
    """
    if raw is None and design.method != "full_factorial":
        raw = sample_design(design, factors)
    if raw is None:
        combos = itertools.product(*(f.levels for f in factors))  # type: ignore[misc]
        return [{f.path: f.value(v) for f, v in zip(factors, combo, strict=True)}
                for combo in combos]
    return [{f.path: f.value(v) for f, v in zip(factors, row, strict=True)} for row in raw]


# --- applying points ------------------------------------------------------------------------


def apply_paths(base: Mapping[str, Any], point: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of nested plain data with each dotted path of ``point`` set (integers index lists).

    Only the containers along the paths are copied, once each; the rest is shared with
    ``base``, which is not modified. A missing mapping key is created (free-form mappings
    such as ``region_overrides``).
    """
    tree: dict[str, Any] = dict(base)
    copied = {id(tree)}
    for path, value in point.items():
        keys = path.split(".")
        node: Any = tree
        for depth, key in enumerate(keys):
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    raise SweepSpecError(f"{path}: {'.'.join(keys[:depth])} is a list of "
                                         f"{len(node)}; {key!r} is not an index in it")
                slot: Any = int(key)
                child = node[slot]
            elif isinstance(node, dict):
                slot = key
                child = node.get(key, {})
            else:
                raise SweepSpecError(f"{path}: {'.'.join(keys[:depth])} is {node!r} in the "
                                     "base spec, not a mapping or list; set it in the base "
                                     "first")
            if depth == len(keys) - 1:
                node[slot] = value if isinstance(value, SCALARS) else copy.deepcopy(value)
            else:
                if id(child) not in copied and isinstance(child, dict | list):
                    child = dict(child) if isinstance(child, dict) else list(child)
                    copied.add(id(child))
                node[slot] = child
                node = child
    return tree


def apply_point(base: Mapping[str, Any], point: Mapping[str, Any]) -> MarketSpec:
    """The market spec of one design point: the base with each factor path set, validated.

    Args:
        base: a complete spec as plain data (``MarketSpec.model_dump(mode="json")``), so
            that paths such as ``sellers.0.…`` exist; it is not modified.
        point: {dotted path: value}.
    """
    return validate_spec(apply_paths(base, point))  # fields, ranges and references


def _describe(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in point.items())


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """One run to execute: its point, replication and seed."""

    run_id: str
    point_index: int
    replication: int
    seed: int


@dataclass
class SweepPlan:
    """Everything a sweep will run, derived deterministically from its spec."""

    sweep: SweepSpec
    base: dict[str, Any]
    factors: list[ResolvedFactor]
    points: list[dict[str, Any]]
    seeds: list[int]
    raw: np.ndarray | None
    design: pd.DataFrame
    runs: dict[str, RunPlan] = field(default_factory=dict)

    @property
    def factor_types(self) -> dict[str, pa.DataType]:
        """Arrow type of each factor column."""
        return {f.path: f.arrow_type for f in self.factors}

    @property
    def outcomes(self) -> list[str]:
        """The outcomes to analyse (the spec's, else every metric in total)."""
        return list(self.sweep.outcomes or default_outcomes())

    @property
    def identity(self) -> dict[str, Any]:
        """What determines the runs (not the outcomes analysed): compared on resume."""
        sweep = self.sweep.model_dump(mode="json", exclude={"base", "base_spec", "outcomes"})
        sweep["factors"] = [
            {"path": f.path, "bounds": list(f.bounds) if f.bounds else None,
             "levels": list(f.levels) if f.levels is not None else None,
             "integer": f.integer} for f in self.factors
        ]
        return json.loads(canonical_json({"sweep": sweep, "base": self.base}))

    def spec_json(self, run_id: str) -> str:
        """The complete market spec of a run, as JSON."""
        plan = self.runs[run_id]
        return apply_point(self.base, self.points[plan.point_index]).model_dump_json()

    def stored_point(self, point_index: int) -> dict[str, Any]:
        """A point's factor values as written to the store."""
        point = self.points[point_index]
        return {f.path: f.stored(point[f.path]) for f in self.factors}

    def task(self, run_id: str) -> backends.Task:
        """The picklable task of a run."""
        return backends.Task(run_id, self.spec_json(run_id), self.runs[run_id].seed)


def _base_dict(sweep: SweepSpec) -> dict[str, Any]:
    if sweep.base_spec is not None:
        path = Path(sweep.base_spec)
        data = load_yaml_file(path) or {}  # strict: duplicate keys are refused
        where = f"base_spec ({path})"
    else:
        data, where = dict(sweep.base or {}), "base"
    try:
        return validate_spec(data).model_dump(mode="json")
    except SpecError as e:
        raise SweepSpecError(f"{where} is not a valid market spec:\n"
                             + "\n".join(f"  {line}" for line in e.lines)) from None


def _check_factor(base: dict[str, Any], index: int, f: ResolvedFactor) -> None:
    """Fail early, naming the factor, if its path or a bound/level gives an invalid spec."""
    probes = list(f.levels) if f.levels is not None else [f.value(b) for b in f.bounds]
    for value in probes:
        try:
            apply_point(base, {f.path: value})
        except SweepSpecError as e:
            raise SweepSpecError(f"factors.{index}.path: {e}") from None
        except SpecError as e:
            what = "levels" if f.levels is not None else "bounds"
            raise SweepSpecError(
                f"factors.{index}.{what}: {f.path}={value!r} gives an invalid spec:\n"
                + "\n".join(f"  {line}" for line in e.lines)
            ) from None


def plan_sweep(sweep: SweepSpec) -> SweepPlan:
    """Resolve the base, draw the design, validate every point and assign run ids.

    Raises:
        SweepSpecError: naming the field, for a bad base, factor, bound, level or point.
    """
    base = _base_dict(sweep)
    factors = []
    for i, f in enumerate(sweep.factors):
        try:
            factors.append(resolve_factor(f))
        except SweepSpecError as e:
            raise SweepSpecError(f"factors.{i}.bounds: {e}") from None
        _check_factor(base, i, factors[-1])
    region_codes = set(base.get("regions") or [])
    for i, o in enumerate(sweep.outcomes or []):
        _, region = outcome_key(o)
        if region_codes and region != ALL and region not in region_codes:
            raise SweepSpecError(f"outcomes.{i}: region {region!r} is not in the base spec's "
                                 f"regions {sorted(region_codes)}")
    raw = sample_design(sweep.design, factors)
    points = design_points(sweep.design, factors, raw)
    for i, point in enumerate(points):
        try:
            apply_point(base, point)
        except SpecError as e:
            raise SweepSpecError(f"design point {i} ({_describe(point)}) is not a valid "
                                 "market spec:\n" + "\n".join(
                                     f"  {line}" for line in e.lines)) from None
    seeds = replication_seeds(sweep.master_seed, sweep.replications)
    rows, runs = [], {}
    for p, point in enumerate(points):
        for r, (seed, rid) in enumerate(zip(seeds, run_ids(point, seeds), strict=True)):
            runs.setdefault(rid, RunPlan(rid, p, r, seed))
            rows.append({"point_index": p, "replication": r, "seed": seed, "run_id": rid,
                         **{f.path: f.stored(point[f.path]) for f in factors}})
    design = pd.DataFrame(rows)
    # Run replication 0 of every point first, so a partial sweep covers the whole design.
    ordered = dict(sorted(runs.items(), key=lambda kv: (kv[1].replication, kv[1].point_index)))
    return SweepPlan(sweep, base, factors, points, seeds, raw, design, ordered)


# --- running --------------------------------------------------------------------------------


def _prepare_folder(out: Path, plan: SweepPlan, resume: bool) -> None:
    """Refuse a folder holding other results, or this sweep's results without ``resume``."""
    if not out.exists() or not any(out.iterdir()):
        return
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        raise SweepFolderError(f"{out} is not empty and holds no sweep manifest; "
                               "give an empty or new folder")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("kind") != MANIFEST_KIND:
        raise SweepFolderError(f"{out} holds other results (not a sweep); give another folder")
    # a key absent on one side and null or empty on the other is no difference: a new
    # optional field of the spec that defaults to off does not change what was run
    differs = _differences(manifest.get("spec", {}), plan.identity)
    if differs:
        shown = ", ".join(differs[:MAX_DIFFERENCES_SHOWN])
        more = f" and {len(differs) - MAX_DIFFERENCES_SHOWN} more" if len(
            differs) > MAX_DIFFERENCES_SHOWN else ""
        hint = (" (the base spec's defaults come from the model code: did it change since?)"
                if all(d.startswith("base.") for d in differs) else "")
        raise SweepFolderError(
            f"{out} holds a different sweep; differs in {shown}{more}{hint}. Give another "
            "folder, or restore the original sweep spec to resume it"
        )
    if not resume:
        done = len(run_statuses(out))
        raise SweepFolderError(f"{out} already holds this sweep ({done} of {len(plan.runs)} "
                               "runs finished); pass --resume (resume=True) to continue it, "
                               "or give another folder")
    stored = read_design(out)
    if stored["run_id"].tolist() != plan.design["run_id"].tolist():
        raise SweepFolderError(f"{out}: the stored design differs from the one drawn now "
                               "(another SALib version?); give another folder")


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Dotted paths at which two JSON-like values differ (missing, null and empty are alike)."""
    if old in (None, {}, []) and new in (None, {}, []):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in sorted(set(old) | set(new), key=str)
                for d in _differences(old.get(k), new.get(k), f"{where}.{k}" if where else k)]
    if (isinstance(old, list) and isinstance(new, list) and len(old) == len(new)):
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True))
                for d in _differences(a, b, f"{where}.{i}")]
    return [] if old == new else [where or "(spec)"]


def _manifest(plan: SweepPlan, status: str, counts: dict[str, int], sessions: list[dict],
              timings: dict[str, float]) -> dict[str, Any]:
    d = plan.sweep.design
    return build_manifest(
        plan.identity, plan.seeds, timings,
        kind=MANIFEST_KIND,
        command="xbsim sweep",
        name=plan.sweep.name,
        status=status,
        design={
            "method": d.method, "n": d.n, "calc_second_order": d.calc_second_order,
            "num_levels": d.num_levels, "seed": d.seed, "n_points": len(plan.points),
            "problem": (salib_problem(plan.factors) if d.method != "full_factorial"
                        else None),
        },
        factors=[f.path for f in plan.factors],
        outcomes=plan.outcomes,
        replications=plan.sweep.replications,
        master_seed=plan.sweep.master_seed,
        counts={"runs": len(plan.runs), "design_rows": len(plan.design), **counts},
        sessions=sessions,
        sweep_spec=plan.sweep.model_dump(mode="json"),
    )


def _counts(statuses: Mapping[str, str]) -> dict[str, int]:
    """Finished runs by status."""
    values = list(statuses.values())
    return {STATUS_OK: values.count(STATUS_OK), STATUS_ERROR: values.count(STATUS_ERROR)}


def _previous_sessions(out: Path) -> list[dict]:
    path = out / "manifest.json"
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("sessions", []))


def run_sweep(
    sweep: SweepSpec | Path | str | Mapping[str, Any],
    out_dir: Path | str,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    retry_errors: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run a sweep into ``out_dir`` and return its tidy results (see :func:`load_results`).

    Args:
        sweep: a SweepSpec, a path to its YAML, or a mapping.
        out_dir: the sweep folder (manifest.json, design.parquet, runs/).
        backend: 'serial', 'processes' or 'dask'.
        workers: worker processes for 'processes' and a local dask cluster (default: CPUs).
        scheduler: address of an existing dask scheduler (backend 'dask' only).
        resume: continue a sweep in ``out_dir``, skipping finished runs (errors included).
        retry_errors: with ``resume``, run again the runs that raised.
        progress: show a progress bar (runs done, failures, ETA).

    Raises:
        SweepSpecError, SweepFolderError: before any run, naming the problem.
        SweepInterrupted: on Ctrl-C, after keeping finished runs.
        SweepStorageError: the folder cannot be written (read-only, full), naming it;
            runs already stored are kept and ``resume=True`` continues once it is writable.
        SweepWorkerError: a worker process died; finished runs are kept.
    """
    if not isinstance(sweep, SweepSpec):
        sweep = load_sweep(sweep)
    if backend not in backends.BACKENDS:
        raise ValueError(f"backend: unknown backend {backend!r}; use one of "
                         f"{', '.join(backends.BACKENDS)}")
    if scheduler and backend != "dask":
        raise ValueError("scheduler: only the dask backend connects to a scheduler")
    if workers is not None:
        backends.default_workers(workers)  # validates
    if retry_errors and not resume:
        raise ValueError("retry_errors: only meaningful with resume")
    out = Path(out_dir)
    plan = plan_sweep(sweep)
    _prepare_folder(out, plan, resume)
    try:
        return _run_plan(plan, out, backend, workers, scheduler, resume, retry_errors, progress)
    except OSError as e:
        if isinstance(e, SweepStorageError) or not _is_storage_error(e, out):
            raise
        raise SweepStorageError(out, e) from e


def _is_storage_error(error: OSError, out: Path) -> bool:
    """Whether ``error`` is the sweep folder refusing a write (not, say, a dask network error)."""
    name = error.filename
    if isinstance(name, str | bytes | os.PathLike):
        try:
            return Path(os.fsdecode(name)).resolve().is_relative_to(out.resolve())
        except (OSError, ValueError):
            pass
    return error.errno in STORAGE_ERRNOS


def _run_plan(plan: SweepPlan, out: Path, backend: str, workers: int | None,
              scheduler: str | None, resume: bool, retry_errors: bool, progress: bool
              ) -> pd.DataFrame:
    """Run a planned sweep into its checked folder (see :func:`run_sweep`)."""
    out.mkdir(parents=True, exist_ok=True)
    remove_temp_files(out)
    store = ResultStore(out, plan.factor_types)
    statuses = store.statuses()
    if retry_errors:
        redo = {rid for rid, st in statuses.items() if st == STATUS_ERROR}
        store.forget(redo)
        statuses = {rid: st for rid, st in statuses.items() if rid not in redo}
    todo = [rid for rid in plan.runs if rid not in statuses]
    counts = _counts(statuses)
    sessions = _previous_sessions(out)
    session: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"), "backend": backend,
        "workers": workers, "scheduler": scheduler, "resume": resume,
        "retry_errors": retry_errors, "runs_to_do": len(todo), "runs_done": 0,
        "status": "running", "code": code_version(),
    }
    sessions.append(session)
    t0 = time.perf_counter()
    write_design(out, plan.design, plan.factor_types)
    if plan.raw is not None:
        write_sample(out, plan.raw, [f.path for f in plan.factors])
    write_manifest(out, _manifest(plan, "running", counts, sessions, {}))

    bar = tqdm(total=len(plan.runs), initial=len(plan.runs) - len(todo), unit="run",
               desc=f"sweep {plan.sweep.name} [{backend}]", disable=not progress,
               dynamic_ncols=True)
    bar.set_postfix(failed=counts[STATUS_ERROR], refresh=False)
    # nothing left (a finished sweep resumed): no pool or cluster to start
    results = (backends.execute((plan.task(rid) for rid in todo), backend, workers, scheduler)
               if todo else (r for r in ()))
    status = "complete"
    try:
        for record in results:
            run = plan.runs[record["run_id"]]
            store.add(record, plan.stored_point(run.point_index), run.replication, run.seed)
            counts[record["status"]] += 1
            bar.update(1)
            bar.set_postfix(failed=counts[STATUS_ERROR], refresh=False)
    except KeyboardInterrupt:
        status = "interrupted"
    except BrokenProcessPool as e:
        status = "failed"
        raise SweepWorkerError(
            f"a worker process died ({e}); finished runs are kept in {out}, continue with "
            "--resume. Out of memory? Fewer --workers help. From a script, call run_sweep "
            "under `if __name__ == '__main__':`, as multiprocessing requires."
        ) from e
    except BaseException:
        status = "failed"
        raise
    finally:
        results.close()
        bar.close()
        store.flush()  # runs that finished are kept, whatever stopped the sweep
        counts = _counts(store.statuses())
        wall = time.perf_counter() - t0
        done_now = counts[STATUS_OK] + counts[STATUS_ERROR] - (len(plan.runs) - len(todo))
        session.update(status=status, wall_s=round(wall, 3), runs_done=done_now)
        timings = {"session": wall}
        if done_now:
            timings["session_per_run"] = wall / done_now
        write_manifest(out, _manifest(plan, status, counts, sessions, timings))
    if status == "interrupted":
        raise SweepInterrupted(counts[STATUS_OK] + counts[STATUS_ERROR], len(plan.runs), out)
    return load_results(out)


__all__ = [
    "Design",
    "Factor",
    "SweepFolderError",
    "SweepInterrupted",
    "SweepPlan",
    "SweepSpec",
    "SweepSpecError",
    "SweepStorageError",
    "SweepWorkerError",
    "apply_point",
    "load_results",
    "load_sweep",
    "plan_sweep",
    "run_sweep",
]
