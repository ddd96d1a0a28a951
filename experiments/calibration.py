"""Calibration: fit declared free parameters to a subset of the stylized facts.

The objective is the sum over the fitted facts of ((model effect - band centre) / band
half-width)^2, computed with fixed common seeds so that it is a deterministic function of
the parameters (runs are pure functions of spec and seed). SciPy's differential evolution
searches the prior box (seeded, small population, no polishing, one worker) under a budget
of objective evaluations (never wall-clock time, so the same config gives the same fit on any
machine); the declared defaults are always in the first generation, so the result is
never worse than them on the calibration seeds.

Only declared model parameters move, within prior ranges that must lie inside their declared
ranges; nothing touches a metric. The best set is written to
``simulation/data/calibrated_parameters.yaml`` (``parameters:`` plus ``provenance:``), which
the model reads at import so that the calibrated values become its defaults.

Out-of-sample check: fit on one declared half of the facts, then validate both halves with
the validation seeds (not the calibration seeds) and compare with the declared defaults.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import optimize

from experiments.manifest import (
    PROJECT_ROOT,
    atomic_write_text,
    build_manifest,
    code_version,
    write_manifest,
)
from experiments.plotting import new_figure
from experiments.runner import replication_seeds
from experiments.validation import (
    VALIDATION_DIR,
    FactResult,
    FactsFile,
    RunCache,
    evaluate_facts,
    results_table,
    run_validation,
)
from simulation.parameters import PRIOR_DEFAULTS, ModelParameters
from simulation.spec import format_validation_error
from simulation.yaml_loading import load_yaml_file

CALIBRATION_CONFIG = VALIDATION_DIR / "calibration.yaml"
"""The shipped calibration settings: free parameters, fitted facts, seeds, optimiser."""

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "simulation" / "data" / (
    "calibrated_parameters.yaml")
"""Where the calibrated set is written (what :mod:`simulation.parameters` reads)."""

UNDEFINED_DISTANCE = 10.0
"""Band distance charged when a fitted effect is undefined (NaN): ten half-widths, worse than
any effect the model actually produces, so the optimiser leaves such regions."""

SECONDS_PER_MINUTE = 60.0

_STRICT = ConfigDict(frozen=True, extra="forbid")


class FreeParameter(BaseModel):
    """A parameter the calibration may move, with its prior (search) range."""

    model_config = _STRICT

    prior: tuple[float, float]
    start: float | None = Field(
        None, description="where the search starts (e.g. a previous fit's best); "
                          "default: the declared default")
    why: str = ""

    @model_validator(mode="after")
    def _start_in_prior(self) -> FreeParameter:
        if self.start is not None and not self.prior[0] <= self.start <= self.prior[1]:
            raise ValueError(f"start {self.start} lies outside the prior {list(self.prior)}")
        return self


class Optimiser(BaseModel):
    """Settings of scipy.optimize.differential_evolution."""

    model_config = _STRICT

    method: Literal["differential_evolution"] = "differential_evolution"
    popsize: int = Field(2, ge=1, le=50, description="candidates per generation / parameters")
    maxiter: int = Field(8, ge=0, le=1_000, description="generations after the first")
    init: Literal["sobol", "halton", "latinhypercube", "random"] = "sobol"
    mutation: tuple[float, float] = (0.5, 1.0)
    recombination: float = Field(0.7, ge=0, le=1)
    seed: int = Field(2026, ge=0)


class Split(BaseModel):
    """The out-of-sample split: facts fitted and facts held out."""

    model_config = _STRICT

    fit: list[str] = Field(min_length=1)
    holdout: list[str] = Field(min_length=1)
    max_evaluations: int | None = Field(None, ge=1, le=100_000)
    replications: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _disjoint(self) -> Split:
        both = sorted(set(self.fit) & set(self.holdout))
        if both:
            raise ValueError(f"fact(s) {both} are both fitted and held out")
        return self


class CalibrationConfig(BaseModel):
    """A validated calibration file."""

    model_config = _STRICT

    parameters: dict[str, FreeParameter] = Field(min_length=1)
    fit: list[str] = Field(min_length=1)
    replications: int = Field(4, ge=1, le=1_000)
    master_seed: int = Field(777, ge=0)
    optimiser: Optimiser = Field(default_factory=Optimiser)
    max_evaluations: int = Field(49, ge=1, le=100_000)
    split: Split | None = None

    @model_validator(mode="after")
    def _declared(self) -> CalibrationConfig:
        problems = [p for name, fp in self.parameters.items()
                    for p in prior_problems(name, fp.prior)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def names(self) -> list[str]:
        """Free parameter names, in file order."""
        return list(self.parameters)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """Prior ranges, in file order."""
        return [fp.prior for fp in self.parameters.values()]


def prior_problems(name: str, prior: tuple[float, float]) -> list[str]:
    """Why a prior range is not acceptable for ``name`` (empty when it is)."""
    fields = ModelParameters.model_fields
    if name not in fields:
        return [f"parameters.{name}: not a model parameter"]
    f = fields[name]
    if f.annotation is int:
        return [f"parameters.{name}: an integer parameter; calibrate continuous ones only"]
    extra = f.json_schema_extra or {}
    lo, hi = extra["lo"], extra["hi"]
    a, b = prior
    if not a < b:
        return [f"parameters.{name}: prior [{a}, {b}] must have its lower bound below its "
                "upper bound"]
    if a < lo or b > hi:
        return [f"parameters.{name}: prior [{a}, {b}] lies outside the declared range "
                f"[{lo}, {hi}]"]
    return []


class CalibrationError(ValueError):
    """A calibration file or request that cannot run (the message names the field)."""


def load_calibration_config(path: Path | str | None = None) -> CalibrationConfig:
    """Read and validate a calibration file (default: the shipped one)."""
    path = Path(path) if path is not None else CALIBRATION_CONFIG
    data = load_yaml_file(path) or {}  # strict: duplicate keys are refused
    if not isinstance(data, dict):
        raise CalibrationError(f"{path}: expected a mapping at the top level")
    # Range problems first, one line per parameter (the model validator joins them).
    problems = []
    raw = data.get("parameters")
    for name, spec in (raw.items() if isinstance(raw, dict) else ()):
        prior = spec.get("prior") if isinstance(spec, dict) else None
        if (isinstance(prior, list | tuple) and len(prior) == 2
                and all(isinstance(v, int | float) for v in prior)):
            problems += prior_problems(str(name), (float(prior[0]), float(prior[1])))
        elif name not in ModelParameters.model_fields:
            problems.append(f"parameters.{name}: not a model parameter")
    if problems:
        raise CalibrationError(f"{path}:\n" + "\n".join(f"  {p}" for p in problems))
    try:
        return CalibrationConfig.model_validate(data)
    except ValidationError as e:
        raise CalibrationError(f"{path}:\n" + format_validation_error(e, prefix="  ")) from None


def check_fit_facts(facts: FactsFile, ids: Sequence[str]) -> None:
    """Every fitted id exists and can be fitted (errors name the id)."""
    known = {f.id: f for f in facts.facts}
    for i in ids:
        if i not in known:
            raise CalibrationError(f"fit: no fact {i!r}; known: {sorted(known)}")
        if known[i].by_construction:
            raise CalibrationError(f"fit: {i!r} is reproduced by construction (the model "
                                   f"takes it from {known[i].input_parameter}); nothing to fit")


# --- objective ---------------------------------------------------------------------------------
def objective_value(results: Sequence[FactResult]) -> float:
    """Sum of squared band distances of every tested quantity (undefined ones charged)."""
    total = 0.0
    for res in results:
        for row in res.rows:
            d = row["distance"]
            total += (d if np.isfinite(d) else UNDEFINED_DISTANCE) ** 2
    return float(total)


class BudgetExhausted(RuntimeError):
    """Raised inside the objective once the budget of evaluations is spent."""


@dataclass
class Objective:
    """The calibration objective as a deterministic function of the free parameters.

    Attributes:
        facts: the facts to fit (already subset).
        names: free parameter names, in the order of the vector ``x``.
        seeds: common seeds of every evaluation.
        base: full parameter mapping the free values are laid over (the declared defaults).
        max_evaluations: evaluations allowed; the next new point raises BudgetExhausted.
        log: called with each evaluation's record (for progress and the history file).
    """

    facts: FactsFile
    names: list[str]
    seeds: list[int]
    base: dict[str, float] = field(default_factory=lambda: dict(PRIOR_DEFAULTS))
    max_evaluations: int | None = None
    log: Callable[[dict[str, Any]], None] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    _memo: dict[tuple[float, ...], float] = field(default_factory=dict)
    _results: dict[tuple[float, ...], list[FactResult]] = field(default_factory=dict)

    def parameters(self, x: Sequence[float]) -> dict[str, float]:
        """The full parameter mapping for the vector ``x``."""
        return {**self.base, **{n: float(v) for n, v in zip(self.names, x, strict=True)}}

    def evaluate(self, x: Sequence[float]) -> tuple[float, list[FactResult]]:
        """Objective and fact results at ``x`` (no budget check, no memo)."""
        results = evaluate_facts(self.facts, self.seeds, self.parameters(x), RunCache())
        return objective_value(results), results

    def __call__(self, x: np.ndarray) -> float:
        """Objective at ``x``, memoised; BudgetExhausted once the evaluations are spent."""
        key = tuple(float(v) for v in x)
        if key in self._memo:
            return self._memo[key]
        if self.exhausted():
            raise BudgetExhausted
        t0 = time.perf_counter()
        value, results = self.evaluate(x)
        record = {"evaluation": len(self.history) + 1, "objective": value,
                  "seconds": time.perf_counter() - t0,
                  **{n: float(v) for n, v in zip(self.names, x, strict=True)},
                  **{f"{r['fact']}|{r['quantity']}": r["estimate"]
                     for res in results for r in res.rows}}
        self.history.append(record)
        self._memo[key] = value
        self._results[key] = results
        if self.log is not None:
            self.log(record)
        return value

    def exhausted(self) -> bool:
        """Whether the budget of evaluations is spent (the first one always runs)."""
        return (self.max_evaluations is not None and bool(self.history)
                and len(self.history) >= self.max_evaluations)

    def results(self, x: Sequence[float]) -> list[FactResult]:
        """Fact results at an evaluated ``x`` (evaluated now if it never was)."""
        key = tuple(float(v) for v in x)
        if key not in self._results:
            return self.evaluate(x)[1]
        return self._results[key]

    def best(self) -> dict[str, Any]:
        """The evaluation with the lowest objective so far."""
        if not self.history:
            raise CalibrationError("no evaluation finished within the budget")
        return min(self.history, key=lambda r: r["objective"])


@dataclass
class FitResult:
    """What :func:`fit` found."""

    names: list[str]
    bounds: list[tuple[float, float]]
    x0: list[float]
    best: dict[str, float]
    objective: float
    objective_at_defaults: float
    results_at_defaults: list[FactResult]
    results_at_best: list[FactResult]
    history: list[dict[str, Any]]
    evaluations: int
    seconds: float
    stopped_by: str
    seeds: list[int]
    fitted: list[str]


def fit(facts: FactsFile, config: CalibrationConfig, fit_ids: Sequence[str] | None = None,
        max_evaluations: int | None = None, replications: int | None = None,
        log: Callable[[dict[str, Any]], None] | None = None) -> FitResult:
    """Minimise the objective over the prior box with differential evolution.

    Args:
        facts: every fact (the fitted ones are picked by ``fit_ids``).
        config: free parameters, seeds and optimiser settings.
        fit_ids: facts to fit (default: ``config.fit``).
        max_evaluations: objective evaluations allowed (default:
            ``config.max_evaluations``); then the best so far is returned. A count, not a
            time, so the fit is the same on any machine.
        replications: common seeds per arm (default: ``config.replications``).
        log: called with each evaluation's record.
    """
    ids = list(fit_ids or config.fit)
    check_fit_facts(facts, ids)
    subset = facts.subset(ids)
    seeds = replication_seeds(config.master_seed, replications or config.replications)
    budget = max_evaluations if max_evaluations is not None else config.max_evaluations
    t0 = time.monotonic()
    obj = Objective(subset, config.names, seeds, max_evaluations=budget, log=log)
    bounds = config.bounds
    x0 = [float(np.clip(PRIOR_DEFAULTS[n], lo, hi)) for n, (lo, hi) in
          zip(config.names, bounds, strict=True)]
    at_defaults = obj(np.array(x0))
    # the search starts from the declared defaults, or from given starting values (its first
    # generation evaluates the start, so it needs no evaluation of its own here)
    start = [fp.start if fp.start is not None else x for fp, x in
             zip(config.parameters.values(), x0, strict=True)]
    opt = config.optimiser
    stopped_by = "maxiter"

    def out_of_budget(intermediate_result: optimize.OptimizeResult) -> bool:
        return obj.exhausted()

    try:
        res = optimize.differential_evolution(
            obj, bounds, x0=np.array(start), seed=opt.seed, popsize=opt.popsize,
            maxiter=opt.maxiter, init=opt.init, mutation=opt.mutation,
            recombination=opt.recombination, polish=False, workers=1, tol=0.0, atol=0.0,
            updating="immediate", callback=out_of_budget,
        )
        if obj.exhausted() or (
                not res.success and "callback" in str(res.message).lower()):
            stopped_by = "budget"
    except BudgetExhausted:
        stopped_by = "budget"
    best = obj.best()
    x_best = [best[n] for n in config.names]
    results_best = obj.results(x_best)
    results_defaults = obj.results(x0)
    return FitResult(
        names=config.names, bounds=bounds, x0=x0,
        best={n: float(best[n]) for n in config.names}, objective=float(best["objective"]),
        objective_at_defaults=float(at_defaults), results_at_defaults=results_defaults,
        results_at_best=results_best, history=obj.history, evaluations=len(obj.history),
        seconds=time.monotonic() - t0, stopped_by=stopped_by, seeds=seeds, fitted=ids,
    )


# --- outputs -----------------------------------------------------------------------------------
def provenance(result: FitResult, config: CalibrationConfig, facts: FactsFile,
               max_evaluations: int) -> dict[str, Any]:
    """Where a calibrated set comes from (written beside the values)."""
    code = code_version()
    market = facts.market
    return {
        "facts_fitted": list(result.fitted),
        "seeds": [int(s) for s in result.seeds],
        "master_seed": config.master_seed,
        "objective": round(result.objective, 6),
        "objective_at_declared_defaults": round(result.objective_at_defaults, 6),
        "objective_definition": "sum over fitted facts of ((effect - band centre) / band "
                                "half-width)^2 on the seeds above",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": code.get("git_commit"),
        "git_dirty": code.get("git_dirty"),
        "priors": {n: list(b) for n, b in zip(result.names, result.bounds, strict=True)},
        "declared_defaults": {n: PRIOR_DEFAULTS[n] for n in result.names},
        "optimiser": config.optimiser.model_dump(),
        "evaluations": result.evaluations,
        "seconds": round(result.seconds, 1),
        "max_evaluations": max_evaluations,
        "stopped_by": result.stopped_by,
        "market": {k: market.get(k) for k in ("regions", "n_consumers", "horizon_days")},
        "command": "xbsim calibrate",
    }


def write_calibrated_parameters(path: Path | str, values: Mapping[str, float],
                                prov: Mapping[str, Any]) -> Path:
    """Write the calibrated set where :func:`simulation.parameters.load_calibration` reads it.

    Raises:
        CalibrationError: naming the parameter, if a value is unknown or out of range.
    """
    for name, value in values.items():
        problems: list[str] = []
        fields = ModelParameters.model_fields
        if name not in fields:
            problems.append(f"parameters.{name}: not a model parameter")
        else:
            extra = fields[name].json_schema_extra or {}
            if not extra["lo"] <= value <= extra["hi"]:
                problems.append(f"parameters.{name}: {value} outside the declared range "
                                f"[{extra['lo']}, {extra['hi']}]")
        if problems:
            raise CalibrationError("; ".join(problems))
    header = ("# Calibrated values of xbsim's free parameters, written by `xbsim calibrate`.\n"
              "# simulation/parameters.py reads 'parameters' at import: each value replaces the "
              "declared\n# default of its parameter (the declared default stays visible as the "
              "prior).\n# Regenerate with `xbsim calibrate`; see experiments/validation/README.md."
              "\n")
    body = yaml.safe_dump({"parameters": {k: float(v) for k, v in values.items()},
                           "provenance": dict(prov)}, sort_keys=False, width=100)
    path = Path(path)
    atomic_write_text(path, header + body)
    return path


def _fact_rows(results: Sequence[FactResult]) -> list[dict[str, Any]]:
    table = results_table(results)
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in row.items()} for row in table.to_dict("records")]


def convergence_plot(history: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Objective of each evaluation and the best so far."""
    values = np.array([h["objective"] for h in history])
    fig, ax = new_figure(figsize=(6.5, 3.2))
    ax.plot(np.arange(1, len(values) + 1), values, ".", color="tab:grey", label="evaluation")
    ax.plot(np.arange(1, len(values) + 1), np.minimum.accumulate(values), color="tab:blue",
            label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("evaluation")
    ax.set_ylabel("objective (sum of squared band distances)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=120)
    return path


def _result_cell(row: Mapping[str, Any]) -> str:
    """One tested quantity as 'estimate [CI] pass|fail' for the report tables."""
    mark = "pass" if row["pass"] else "fail"
    return (f"{row['estimate']:+.3g} [{row['ci_low']:+.3g}, {row['ci_high']:+.3g}] {mark}"
            if np.isfinite(row["estimate"]) else "n/a fail")


def _fit_table_md(result: FitResult) -> list[str]:
    lines = ["| fact | quantity | band | declared defaults | calibrated |",
             "|---|---|---|---|---|"]
    before = results_table(result.results_at_defaults)
    after = results_table(result.results_at_best)
    for (_, b), (_, a) in zip(before.iterrows(), after.iterrows(), strict=True):
        lines.append(f"| `{b['fact']}` | {b['quantity']} | [{b['band_low']:g}, "
                     f"{b['band_high']:g}] | {_result_cell(b)} | {_result_cell(a)} |")
    return lines


def fit_report(result: FitResult, config: CalibrationConfig, out: Path, title: str,
               max_evaluations: int, extra_md: Sequence[str] = ()) -> list[Path]:
    """Write the fit report (JSON and Markdown), the evaluation history and its plot."""
    out.mkdir(parents=True, exist_ok=True)
    history_path = out / "history.csv"
    keys: list[str] = []
    for h in result.history:
        keys += [k for k in h if k not in keys]
    with open(history_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(result.history)
    plot = convergence_plot(result.history, out / "convergence.png")
    data = {
        "title": title,
        "fitted_facts": result.fitted,
        "seeds": result.seeds,
        "parameters": [
            {"name": n, "prior": list(b), "declared_default": PRIOR_DEFAULTS[n],
             "calibrated": result.best[n], "why": config.parameters[n].why}
            for n, b in zip(result.names, result.bounds, strict=True)],
        "objective_at_declared_defaults": result.objective_at_defaults,
        "objective_calibrated": result.objective,
        "evaluations": result.evaluations,
        "seconds": result.seconds,
        "max_evaluations": max_evaluations,
        "stopped_by": result.stopped_by,
        "optimiser": config.optimiser.model_dump(),
        "facts_at_declared_defaults": _fact_rows(result.results_at_defaults),
        "facts_calibrated": _fact_rows(result.results_at_best),
    }
    json_path = out / "fit_report.json"
    atomic_write_text(json_path, json.dumps(data, indent=2, default=str) + "\n")
    lines = [f"# {title}", "",
             f"Fitted facts: {', '.join(f'`{i}`' for i in result.fitted)}; "
             f"{len(result.seeds)} common seeds per arm (SeedSequence({config.master_seed})).",
             "",
             f"Objective (sum of squared distances from the band centres in half-widths; 1 per "
             f"quantity = at the band's edge): **{result.objective_at_defaults:.3g}** at the "
             f"declared defaults -> **{result.objective:.3g}** calibrated, after "
             f"{result.evaluations} evaluations in {result.seconds / SECONDS_PER_MINUTE:.1f} "
             f"min (stopped by {result.stopped_by}; budget {max_evaluations} evaluations).", "",
             "## Parameters", "",
             "| parameter | prior range | declared default | calibrated | why free |",
             "|---|---|---|---|---|"]
    for n, b in zip(result.names, result.bounds, strict=True):
        lines.append(f"| `{n}` | [{b[0]:g}, {b[1]:g}] | {PRIOR_DEFAULTS[n]:g} | "
                     f"{result.best[n]:.4g} | {config.parameters[n].why} |")
    lines += ["", "## Fitted facts on the calibration seeds", "",
              "Model effect [95% CI] and pass/fail.", "", *_fit_table_md(result), "",
              "![convergence](convergence.png)", "", *extra_md]
    md_path = out / "fit_report.md"
    atomic_write_text(md_path, "\n".join(lines) + "\n")
    return [json_path, md_path, history_path, plot]


@dataclass
class CalibrationRun:
    """What :func:`run_calibration` produced."""

    fit: FitResult
    files: list[Path]
    written: Path | None


def _shown(path: Path) -> str:
    """A path relative to the project when inside it (reports travel between machines)."""
    path = Path(path).resolve()
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def run_calibration(facts: FactsFile, config: CalibrationConfig, out: Path | str,
                    fit_ids: Sequence[str] | None = None, max_evaluations: int | None = None,
                    replications: int | None = None, write_to: Path | str | None = DEFAULT_OUTPUT,
                    log: Callable[[dict[str, Any]], None] | None = None) -> CalibrationRun:
    """Fit, write the calibrated set (unless ``write_to`` is None) and the fit report."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    budget = max_evaluations if max_evaluations is not None else config.max_evaluations
    result = fit(facts, config, fit_ids, budget, replications, log=_tee(log, out))
    written = None
    if write_to is not None:
        written = write_calibrated_parameters(write_to, result.best,
                                              provenance(result, config, facts, budget))
    files = fit_report(result, config, out, "Calibration fit report", budget,
                       [f"Calibrated set written to `{_shown(written)}`." if written else
                        "The calibrated set was not written (report only)."])
    files.append(write_manifest(out, build_manifest(
        config, result.seeds, {"total": result.seconds}, command="xbsim calibrate",
        fitted=result.fitted, calibrated=result.best, objective=result.objective,
        objective_at_declared_defaults=result.objective_at_defaults,
        written=str(written) if written else None)))
    return CalibrationRun(result, files, written)


def _tee(log: Callable[[dict[str, Any]], None] | None, out: Path
         ) -> Callable[[dict[str, Any]], None]:
    """Log each evaluation and append it to ``out/evaluations.jsonl`` (readable while running)."""
    path = out / "evaluations.jsonl"
    path.write_text("")

    def record(rec: dict[str, Any]) -> None:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, default=str) + "\n")
        if log is not None:
            log(rec)
    return record


@dataclass
class OutOfSampleRun:
    """What :func:`run_out_of_sample` produced."""

    fit: FitResult
    calibrated: list[FactResult]
    defaults: list[FactResult]
    files: list[Path]


def run_out_of_sample(facts: FactsFile, config: CalibrationConfig, out: Path | str,
                      max_evaluations: int | None = None, replications: int | None = None,
                      validation_replications: int | None = None, show_progress: bool = False,
                      log: Callable[[dict[str, Any]], None] | None = None) -> OutOfSampleRun:
    """Fit on ``split.fit``; validate both halves with the validation seeds; compare.

    The calibrated defaults are not touched: the check reports how a fit to one half does on
    the other half, against the declared defaults on the same seeds.
    """
    if config.split is None:
        raise CalibrationError("split: the calibration file declares no out-of-sample split")
    split = config.split
    check_fit_facts(facts, split.fit)
    for i in split.holdout:
        facts.fact(i)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    budget = max_evaluations or split.max_evaluations or config.max_evaluations
    result = fit(facts, config, split.fit, budget, replications or split.replications,
                 log=_tee(log, out))
    both = facts.subset([*split.fit, *split.holdout])
    calibrated = {**PRIOR_DEFAULTS, **result.best}
    v_cal = run_validation(both, out / "validation_calibrated", validation_replications,
                           parameters=calibrated, show_progress=show_progress,
                           heading="Out-of-sample check: parameters fitted on half the facts",
                           command="xbsim calibrate --out-of-sample",
                           parameters_note="Parameters: declared defaults with the values "
                                           "fitted on the 'fit' half: " + ", ".join(
                                               f"`{k}` = {v:.4g}" for k, v in result.best.items()))
    v_def = run_validation(both, out / "validation_declared_defaults", validation_replications,
                           parameters=dict(PRIOR_DEFAULTS), show_progress=show_progress,
                           heading="Out-of-sample check: declared defaults (reference)",
                           command="xbsim calibrate --out-of-sample",
                           parameters_note="Parameters: the declared defaults (no calibration).")
    lines = ["## Out-of-sample check", "",
             "Fitted on the 'fit' half with the calibration seeds; both halves then validated "
             f"with the validation seeds ({len(v_cal.seeds)} per arm, SeedSequence("
             f"{facts.master_seed})), with the fitted values and with the declared defaults.",
             "", "| half | fact | quantity | band | declared defaults | fitted on 'fit' half |",
             "|---|---|---|---|---|---|"]
    before = results_table(v_def.results)
    after = results_table(v_cal.results)
    for (_, b), (_, a) in zip(before.iterrows(), after.iterrows(), strict=True):
        half = "fit" if b["fact"] in split.fit else "holdout"
        lines.append(f"| {half} | `{b['fact']}` | {b['quantity']} | [{b['band_low']:g}, "
                     f"{b['band_high']:g}] | {_result_cell(b)} | {_result_cell(a)} |")
    for name, res in (("declared defaults", v_def.results), ("fitted", v_cal.results)):
        for half, ids in (("fit", split.fit), ("holdout", split.holdout)):
            chosen = [r for r in res if r.fact.id in ids]
            lines.append("")
            lines.append(f"- {name}, {half} half: {sum(r.passed for r in chosen)} of "
                         f"{len(chosen)} pass; objective "
                         f"{objective_value(chosen):.3g}.")
    lines += ["", "Full reports: `validation_calibrated/report.md`, "
              "`validation_declared_defaults/report.md`."]
    files = fit_report(result, config, out, "Out-of-sample calibration check", budget, lines)
    files.append(write_manifest(out, build_manifest(
        config, result.seeds, {"total": result.seconds}, command="xbsim calibrate "
        "--out-of-sample", fitted=result.fitted, holdout=split.holdout,
        calibrated=result.best)))
    return OutOfSampleRun(result, v_cal.results, v_def.results, files)


__all__ = [
    "CALIBRATION_CONFIG",
    "DEFAULT_OUTPUT",
    "UNDEFINED_DISTANCE",
    "BudgetExhausted",
    "CalibrationConfig",
    "CalibrationError",
    "FitResult",
    "Objective",
    "check_fit_facts",
    "fit",
    "load_calibration_config",
    "objective_value",
    "prior_problems",
    "run_calibration",
    "run_out_of_sample",
    "write_calibrated_parameters",
]
