"""Compare scenarios side by side with common random numbers and confidence intervals.

Every scenario runs with the same replication seeds, so scenario differences are paired:
the difference for seed k is scenario(k) - baseline(k), and its confidence interval comes
from the spread of those paired differences (much narrower than comparing two means).

With posterior draws (``--posterior N`` or ``posterior_draws: N``) replication k also runs
parameter draw k of the posterior in every scenario (common draws): the spec's own explicit
parameters win, the draw is laid over the profile's values. The paired intervals then hold
seed noise and parameter uncertainty together. Each replication is a pure function of
(spec, seed, draw), so the serial and the process backends give the same tables.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.intervals import (
    ALPHA,
    holm_adjust,
    is_noise,
    paired_p_value,
    rate_interval,
    relative_change,
    t_interval,
)
from experiments.manifest import atomic_write_text, build_manifest, write_manifest
from experiments.pnl import pnl_lines
from experiments.posterior import POSTERIOR_FILE, load_posterior
from experiments.report import interval_kind, write_report
from experiments.runner import replication_seeds, summary_frame
from experiments.scenarios import ScenarioFile, merge_patch
from experiments.store import atomic_write_frame
from simulation.metrics import METRICS, RATE_METRICS
from simulation.model import MarketModel
from simulation.profiles import explicit_parameters
from simulation.spec import MarketSpec

COMPARE_BACKENDS: tuple[str, ...] = ("serial", "processes")
"""Where a comparison's replications run (a comparison is small: no dask cluster)."""
POSTERIOR_STREAM = 0x706F7374
"""Entropy word ('post') that separates the posterior draws' seed from the replication seeds
spawned from the same master seed (assumption: any fixed word distinct from a spawn key)."""
HASH_CHUNK = 1 << 16
"""Bytes read at a time when hashing the posterior file."""
UNITS = {m.name: m.unit for m in METRICS}
"""Unit of every metric (simulation.metrics), for the report and differences.csv."""

@dataclass(frozen=True)
class Replication:
    """One run of a comparison: scenario, replication index, seed and the spec as JSON."""

    scenario: str
    replication: int
    seed: int
    spec_json: str


def run_replication(job: Replication) -> dict[str, Any]:
    """Simulate one replication; returns its summary, time series and P&L (picklable)."""
    spec = MarketSpec.model_validate_json(job.spec_json)
    model = MarketModel(spec, rng=int(job.seed))
    days = 0
    while model.running:
        model.step()
        days += 1
    names = [s.name for s in model.seller_list]
    pnl = [(seller, line, value)
           for i, seller in enumerate(names)
           for line, value in pnl_lines(model.ledger.accounts[i], model.counters[i]).items()]
    pnl += [("all", line, value) for line, value in
            pnl_lines(model.ledger.accounts.sum(axis=0), model.counters.sum(axis=0)).items()]
    tags = {"scenario": job.scenario, "replication": job.replication, "seed": job.seed}
    return {
        "summary": summary_frame(model).assign(**tags),
        "timeseries": model.datacollector.get_table_dataframe("regions").assign(**tags),
        "pnl": pd.DataFrame(pnl, columns=["seller", "line", "value"]).assign(**tags),
        "days": days,
    }


def execute_replications(jobs: list[Replication], backend: str = "serial",
                         workers: int | None = None) -> Iterator[dict[str, Any]]:
    """Run ``jobs`` in order on ``backend``; results come back in the jobs' order."""
    if backend == "serial":
        yield from map(run_replication, jobs)
        return
    if backend != "processes":
        raise ValueError(f"backend: {backend!r} is not one of {', '.join(COMPARE_BACKENDS)}")
    from experiments.backends import default_workers, process_context

    with ProcessPoolExecutor(max_workers=default_workers(workers),
                             mp_context=process_context()) as pool:
        yield from pool.map(run_replication, jobs)


def scenario_spec(scen: ScenarioFile, name: str, draw: dict[str, float] | None = None
                  ) -> MarketSpec:
    """Scenario ``name`` as a spec, with a posterior ``draw`` laid over its profile's values.

    The scenario's own explicit parameters still win over the draw.
    """
    if draw is None:
        return scen.specs()[name]
    raw = merge_patch(scen.base, scen.scenarios[name])
    raw.setdefault("name", name)
    explicit = explicit_parameters(raw.get("parameters")) or {}
    raw["parameters"] = {**draw, **explicit}
    return MarketSpec.model_validate(raw)


def posterior_seed(master_seed: int) -> int:
    """The seed of a comparison's posterior draws, derived from its master seed."""
    state = np.random.SeedSequence([int(master_seed), POSTERIOR_STREAM]).generate_state(1)
    return int(state[0])


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the posterior's identity in the manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(HASH_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_replications(scen: ScenarioFile, replications: int | None,
                         posterior: int | None) -> tuple[int, int | None]:
    """(replications, posterior draws) from the options and the scenario file.

    With posterior draws every replication runs its own draw, so the two counts are one: a
    ``--replications`` that disagrees with ``--posterior`` is an error, not a silent choice.
    """
    draws = posterior if posterior is not None else scen.posterior_draws
    if draws is None:
        return replications or scen.replications, None
    if draws < 1:
        raise ValueError(f"--posterior: {draws} draws, allowed >= 1")
    if replications is not None and replications != draws:
        raise ValueError(f"--replications {replications} and --posterior {draws}: each "
                         "replication runs its own posterior draw, so give one of them "
                         "(or equal values)")
    return draws, draws


def simulate_scenarios(scen: ScenarioFile, replications: int | None = None,
                       show_progress: bool = True
                       ) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Run every scenario with the common replication seeds (the figures' entry point).

    Returns:
        (runs: long summaries with scenario, replication and seed columns; time series;
        the seeds).
    """
    runs, ts, seeds, _ = simulate_comparison(scen, replications, show_progress)
    return runs, ts, seeds


def simulate_comparison(scen: ScenarioFile, replications: int | None = None,
                        show_progress: bool = True, posterior: int | None = None,
                        posterior_file: Path | str | None = None, backend: str = "serial",
                        workers: int | None = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame, list[int], dict[str, Any]]:
    """Run every scenario with the common replication seeds (and common posterior draws).

    Returns:
        (runs: long summaries with scenario, replication and seed columns; time series;
        the seeds; extra: the P&L frame and the posterior's provenance, or None).
    """
    n, draws_n = resolve_replications(scen, replications, posterior)
    seeds = replication_seeds(scen.master_seed, n)
    provenance = None
    draws: list[dict[str, float] | None] = [None] * n
    if draws_n is not None:
        path = Path(posterior_file or scen.posterior_file or POSTERIOR_FILE)
        post = load_posterior(path)
        seed = posterior_seed(scen.master_seed)
        draws = list(post.draws(draws_n, seed))
        provenance = {"file": str(path), "sha256": file_sha256(path), "draws": draws_n,
                      "seed": seed, "parameters": list(post.names)}
    names = list(scen.scenarios)
    specs = scen.specs()  # validates every scenario (every problem at once) before running
    jobs = []
    for name in names:
        for k, seed in enumerate(seeds):
            spec = specs[name] if draws[k] is None else scenario_spec(scen, name, draws[k])
            jobs.append(Replication(name, k, seed, spec.model_dump_json()))
    total_days = sum(specs[name].horizon_days for name in names) * n
    summaries, series, pnls = [], [], []
    with tqdm(total=total_days, unit="day", desc="simulating",
              disable=not show_progress) as bar:
        for result in execute_replications(jobs, backend, workers):
            summaries.append(result["summary"])
            series.append(result["timeseries"])
            pnls.append(result["pnl"])
            bar.update(result["days"])
    runs = pd.concat(summaries, ignore_index=True)
    if scen.metrics:
        keep = {*scen.metrics, "profit", scen.headline_metric}
        runs = runs[runs["metric"].isin(keep)].reset_index(drop=True)
    extra = {"pnl": pd.concat(pnls, ignore_index=True), "posterior": provenance}
    return runs, pd.concat(series, ignore_index=True), seeds, extra


def _interval(metric: str) -> Callable[[np.ndarray], tuple[float, float, float]]:
    """The interval for a metric's mean: logit-scale for rates in [0, 1], t otherwise."""
    return rate_interval if metric in RATE_METRICS else t_interval


def _se(values: np.ndarray) -> float:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) >= 2 else np.nan


def summarise(runs: pd.DataFrame, keys: list[str], value_key: str = "metric"
              ) -> pd.DataFrame:
    """Mean, CI (inside [0, 1] for rates) and n of ``value`` per group."""
    rows = []
    for group, g in runs.groupby(keys, sort=False):
        v = g["value"].to_numpy(dtype=float)
        metric = group[keys.index(value_key)] if value_key in keys else ""
        mean, lo, hi = _interval(metric)(v)
        rows.append((*group, mean, lo, hi, int(np.isfinite(v).sum())))
    return pd.DataFrame(rows, columns=[*keys, "mean", "ci_low", "ci_high", "n"])


HOLM_FAMILY = ("seller", "region")
"""Holm's adjustment runs over each (seller, region) slice of the differences: every scenario x
metric the reader compares in one table (the report's is seller 'all', region 'all'). One
family over every row would make the regional breakdowns cost the headline its power."""
DIFF_COLUMNS = ["scenario", "seller", "region", "metric", "unit", "baseline_mean",
                "scenario_mean", "diff_mean", "diff_ci_low", "diff_ci_high", "relative_change",
                "p_value", "p_holm", "significant", "significant_holm", "noise", "n"]


def paired_differences(runs: pd.DataFrame, baseline: str, metric_key: str = "metric"
                       ) -> pd.DataFrame:
    """Per (scenario, seller, region, metric): the mean paired difference against the baseline.

    Columns: the difference with its t interval (clipped to [-1, 1] for rates); the relative
    change only where the baseline is positive and well away from 0
    (:func:`experiments.intervals.relative_change`); the paired t test's p-value and its
    Holm-adjusted value within each :data:`HOLM_FAMILY` slice; ``significant`` (the CI
    excludes 0) and ``significant_holm`` (adjusted p < alpha), both False for differences below
    numerical noise (``noise``) and for a single replication.
    """
    cells = ["seller", "region", metric_key]
    keys = [*cells, "seed"]
    base = runs[runs["scenario"] == baseline].set_index(keys)["value"]
    base_groups = {k: g.to_numpy(dtype=float) for k, g in base.groupby(level=[0, 1, 2],
                                                                        sort=False)}
    rows = []
    for scen, g in runs[runs["scenario"] != baseline].groupby("scenario", sort=False):
        indexed = g.set_index(keys)["value"]
        diff = (indexed - base.reindex(indexed.index)).reset_index()
        own = indexed.reset_index()
        for cell, gg in diff.groupby(cells, sort=False):
            d = gg["value"].to_numpy(dtype=float)
            b = base_groups.get(cell, np.array([np.nan]))
            s = own.loc[gg.index, "value"].to_numpy(dtype=float)
            b_mean = float(np.nanmean(b)) if np.isfinite(b).any() else np.nan
            s_mean = float(np.nanmean(s)) if np.isfinite(s).any() else np.nan
            mean, lo, hi = t_interval(d)
            metric = cell[2]
            if metric in RATE_METRICS and np.isfinite(lo):
                lo, hi = max(lo, -1.0), min(hi, 1.0)
            scale = np.nanmax(np.abs([b_mean, s_mean, 0.0]))
            noise = is_noise(mean, scale)
            p = paired_p_value(d, scale)
            excludes_zero = bool(np.isfinite(lo) and (lo > 0 or hi < 0))
            rows.append((scen, *cell, UNITS.get(metric, "USD"), b_mean, s_mean, mean, lo, hi,
                         relative_change(mean, b_mean, _se(b)), p, np.nan,
                         excludes_zero and not noise, False, noise,
                         int(np.isfinite(d).sum())))
    out = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    if not out.empty:
        for _, idx in out.groupby(list(HOLM_FAMILY), sort=False).groups.items():
            out.loc[idx, "p_holm"] = holm_adjust(out.loc[idx, "p_value"].to_numpy())
        out["significant_holm"] = (out["p_holm"] < ALPHA) & ~out["noise"]
        out["significant"] = out["significant"].astype(bool)
    return out


def pnl_tables(pnl: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """P&L per scenario (mean, CI in USD) and its paired differences against the baseline."""
    frame = pnl.assign(region="all").rename(columns={"line": "metric"})
    levels = summarise(frame, ["scenario", "seller", "metric"]).rename(
        columns={"metric": "line"})
    diffs = paired_differences(frame, baseline).drop(columns="region").rename(
        columns={"metric": "line"})
    diffs["unit"] = "USD"
    return levels, diffs


def run_comparison(scen: ScenarioFile, out: Path, replications: int | None = None,
                   show_progress: bool = True, posterior: int | None = None,
                   posterior_file: Path | str | None = None, backend: str = "serial",
                   workers: int | None = None) -> dict[str, Any]:
    """Run every scenario ``replications`` times with common seeds; write tables and a report.

    Files: comparison.csv (levels with CIs), differences.csv (paired differences, p-values,
    Holm), pnl.csv and pnl_differences.csv (the P&L by line), report.md with figures,
    runs.parquet, timeseries.parquet and manifest.json.
    """
    out = Path(out)
    t0 = time.perf_counter()
    runs, ts, seeds, extra = simulate_comparison(scen, replications, show_progress, posterior,
                                                 posterior_file, backend, workers)
    out.mkdir(parents=True, exist_ok=True)
    table = summarise(runs, ["scenario", "seller", "region", "metric"])
    diffs = paired_differences(runs, scen.baseline_name)
    pnl_levels, pnl_diffs = pnl_tables(extra["pnl"], scen.baseline_name)
    for name, frame in (("runs", runs), ("timeseries", ts)):
        atomic_write_frame(frame, out / f"{name}.parquet")
    for name, frame in (("comparison", table), ("differences", diffs), ("pnl", pnl_levels),
                        ("pnl_differences", pnl_diffs)):
        atomic_write_text(out / f"{name}.csv", frame.to_csv(index=False, float_format="%.6g"))
    kind = interval_kind(extra["posterior"])
    write_report(scen, table, diffs, ts, out, pnl=pnl_levels, pnl_diffs=pnl_diffs,
                 interval=kind)
    timings = {"total": time.perf_counter() - t0}
    write_manifest(out, build_manifest(scen.model_dump(), seeds, timings,
                                       command="xbsim compare", replications=len(seeds),
                                       intervals=kind, posterior=extra["posterior"]))
    return {"runs": runs, "table": table, "differences": diffs, "timeseries": ts,
            "pnl": pnl_levels, "pnl_differences": pnl_diffs, "posterior": extra["posterior"],
            "intervals": kind}
