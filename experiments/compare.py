"""Compare scenarios side by side with common random numbers and confidence intervals.

Every scenario runs with the same replication seeds, so scenario differences are paired:
the difference for seed k is scenario(k) - baseline(k), and its confidence interval comes
from the spread of those paired differences (much narrower than comparing two means).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.intervals import t_interval
from experiments.manifest import atomic_write_text, build_manifest, write_manifest
from experiments.report import write_report
from experiments.runner import replication_seeds, run_spec
from experiments.scenarios import ScenarioFile
from experiments.store import atomic_write_frame


def summarise(runs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean, CI and n of ``value`` per group of ``keys``."""
    rows = []
    for group, g in runs.groupby(keys, sort=False):
        mean, lo, hi = t_interval(g["value"].to_numpy())
        rows.append((*group, mean, lo, hi, int(g["value"].notna().sum())))
    return pd.DataFrame(rows, columns=[*keys, "mean", "ci_low", "ci_high", "n"])


def paired_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per (scenario, seller, region, metric): mean paired difference against the baseline."""
    keys = ["seller", "region", "metric", "seed"]
    base = runs[runs["scenario"] == baseline].set_index(keys)["value"]
    rows = []
    for scen, g in runs[runs["scenario"] != baseline].groupby("scenario", sort=False):
        diff = g.set_index(keys)["value"] - base.reindex(g.set_index(keys).index)
        d = diff.reset_index()
        for (seller, region, metric), gg in d.groupby(["seller", "region", "metric"], sort=False):
            mean, lo, hi = t_interval(gg["value"].to_numpy())
            b = float(base.xs((seller, region, metric), level=[0, 1, 2]).mean())
            rows.append((scen, seller, region, metric, mean, lo, hi,
                         mean / b if b not in (0.0,) and np.isfinite(b) else np.nan,
                         int(gg["value"].notna().sum())))
    return pd.DataFrame(rows, columns=["scenario", "seller", "region", "metric", "diff_mean",
                                       "diff_ci_low", "diff_ci_high", "relative_change", "n"])


def simulate_scenarios(scen: ScenarioFile, replications: int | None = None,
                       show_progress: bool = True
                       ) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Run every scenario with the common replication seeds.

    Returns:
        (runs: long summaries with scenario, replication and seed columns; time series;
        the seeds).
    """
    n = replications or scen.replications
    seeds = replication_seeds(scen.master_seed, n)
    specs = scen.specs()
    summaries, series = [], []
    total_days = sum(s.horizon_days for s in specs.values()) * n
    with tqdm(total=total_days, unit="day", desc="simulating", disable=not show_progress) as bar:
        for name, spec in specs.items():
            for k, seed in enumerate(seeds):
                r = run_spec(spec, seed, progress=bar.update)
                summaries.append(r.summary.assign(scenario=name, replication=k, seed=seed))
                series.append(r.timeseries.assign(scenario=name, replication=k, seed=seed))
    runs = pd.concat(summaries, ignore_index=True)
    if scen.metrics:
        runs = runs[runs["metric"].isin(scen.metrics)]
    return runs, pd.concat(series, ignore_index=True), seeds


def run_comparison(scen: ScenarioFile, out: Path, replications: int | None = None,
                   show_progress: bool = True) -> dict[str, pd.DataFrame]:
    """Run every scenario ``replications`` times with common seeds; write tables and a report."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    runs, ts, seeds = simulate_scenarios(scen, replications, show_progress)
    table = summarise(runs, ["scenario", "seller", "region", "metric"])
    diffs = paired_differences(runs, scen.baseline_name)
    for name, frame in (("runs", runs), ("timeseries", ts)):
        atomic_write_frame(frame, out / f"{name}.parquet")
    atomic_write_text(out / "comparison.csv", table.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(out / "differences.csv", diffs.to_csv(index=False, float_format="%.6g"))

    write_report(scen, table, diffs, ts, out)
    timings = {"total": time.perf_counter() - t0}
    write_manifest(out, build_manifest(scen.model_dump(), seeds, timings,
                                       command="xbsim compare", replications=len(seeds)))
    return {"runs": runs, "table": table, "differences": diffs, "timeseries": ts}
