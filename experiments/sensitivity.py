"""Sensitivity analysis of a finished sweep with SALib: Sobol indices or Morris screening.

For a Sobol (Saltelli) design, :func:`analyze_sweep` computes first-order and total indices
with bootstrap confidence intervals (``SALib.analyze.sobol``, with the same problem and
``calc_second_order`` flag as the sampling); for a Morris design, mu, mu* (with its
confidence interval) and sigma (``SALib.analyze.morris`` on the sampled matrix).

Replications are averaged per design point first: the analysis sees each point's mean
outcome over its seeds, which removes most of the simulation noise from the indices (it does
not estimate the noise's own share of the variance). Undefined replications (NaN, e.g. a
return rate with no deliveries) are left out of a point's mean; an outcome that is undefined
at some point, or constant over the design, cannot be analysed and is listed as skipped.
Results go to ``<sweep>/sensitivity/``: ``indices.csv``, a bar chart per outcome (with a
mu*/sigma scatter for Morris), an overview heatmap and a manifest.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from experiments.manifest import atomic_write_text, build_manifest, write_manifest
from experiments.store import STATUS_OK, load_results, read_design, read_sample, run_statuses
from experiments.sweep import ALL, MANIFEST_KIND, outcome_key

SENSITIVITY_DIRNAME = "sensitivity"
CONF_LEVEL = 0.95
NUM_RESAMPLES = 100
"""Bootstrap resamples for the confidence intervals (SALib's default)."""
PARAMETERS_PREFIX = "parameters."
FIG_WIDTH_IN = 8.0
FIG_ROW_HEIGHT_IN = 0.35
FIG_MIN_HEIGHT_IN = 3.0
FIG_DPI = 110
BAR_HEIGHT = 0.4
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu", "mu_star", "mu_star_conf", "sigma")


class SensitivityError(ValueError):
    """The sweep folder cannot be analysed (wrong design, unfinished, unknown outcome)."""


@dataclass
class SensitivityResult:
    """Indices of every analysed outcome, the outcomes skipped with why, and files written."""

    method: str
    indices: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    second_order: pd.DataFrame | None = None
    files: list[Path] = field(default_factory=list)


def point_means(results: pd.DataFrame, metric: str, region: str = ALL, seller: str = ALL,
                n_points: int | None = None) -> pd.Series:
    """Mean outcome per design point over its replications (NaN replications left out)."""
    rows = results[(results["status"] == STATUS_OK) & (results["metric"] == metric)
                   & (results["region"] == region) & (results["seller"] == seller)]
    means = rows.groupby("point_index")["value"].mean()
    if n_points is not None:
        means = means.reindex(range(n_points))
    return means


def _short(path: str) -> str:
    return path.removeprefix(PARAMETERS_PREFIX)


def _safe_name(outcome: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", outcome)


def _load_sweep_meta(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "manifest.json"
    if not path.exists():
        raise SensitivityError(f"{folder}: no manifest.json; is this a sweep folder?")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("kind") != MANIFEST_KIND:
        raise SensitivityError(f"{folder}: not a sweep folder")
    return manifest


def analyze_sweep(
    folder: Path | str,
    outcomes: Sequence[str] | None = None,
    write: bool = True,
    seed: int | None = None,
) -> SensitivityResult:
    """Sobol or Morris indices per outcome of a finished sweep, written to ``sensitivity/``.

    Args:
        folder: a sweep folder made by :func:`experiments.sweep.run_sweep`.
        outcomes: metric or metric@REGION names; default: the sweep's outcomes.
        write: write the CSV, plots and manifest (else only return the tables).
        seed: seed of the bootstrap confidence intervals; default: the design's seed.
    """
    t0 = time.perf_counter()
    folder = Path(folder)
    manifest = _load_sweep_meta(folder)
    design = manifest["design"]
    method = design["method"]
    if method not in ("sobol", "morris"):
        raise SensitivityError(f"{folder}: a {method} design has no Sobol or Morris analysis; "
                               "sweep with design.method sobol or morris")
    problem = design["problem"]
    n_points = int(design["n_points"])
    design_runs = read_design(folder)["run_id"]
    statuses = run_statuses(folder)
    missing = int((~design_runs.isin(list(statuses))).sum())
    if missing:
        raise SensitivityError(f"{folder}: {missing} of {len(design_runs)} runs are not "
                               "finished; resume the sweep first (--resume)")
    results = load_results(folder, columns=["status", "seller", "region", "metric", "value"],
                           where={"seller": ALL})
    chosen = list(outcomes) if outcomes else list(manifest["outcomes"])
    known_metrics = set(results["metric"].dropna())
    known_regions = set(results["region"].dropna())
    for o in chosen:
        metric, region = outcome_key(o)
        if metric not in known_metrics or region not in known_regions:
            raise SensitivityError(f"outcome {o!r}: no such metric/region in the results "
                                   f"(metrics: {sorted(known_metrics)}; regions: "
                                   f"{sorted(known_regions)})")
    boot_seed = int(design["seed"] if seed is None else seed)
    raw = read_sample(folder)[problem["names"]].to_numpy() if method == "morris" else None
    n_errors = sum(st != STATUS_OK for st in statuses.values())
    errors_note = f"; {n_errors} run(s) raised, see the error column" if n_errors else ""

    rows, second, skipped = [], [], {}
    for o in chosen:
        metric, region = outcome_key(o)
        y = point_means(results, metric, region, n_points=n_points).to_numpy(dtype=float)
        if np.isnan(y).any():
            skipped[o] = (f"undefined (NaN) at {int(np.isnan(y).sum())} of {n_points} points"
                          + errors_note)
            continue
        if np.ptp(y) == 0:
            skipped[o] = "constant over the design"
            continue
        base = {"outcome": o, "metric": metric, "region": region}
        if method == "sobol":
            si = sobol_analyze.analyze(problem, y, calc_second_order=design["calc_second_order"],
                                       num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL,
                                       seed=boot_seed)
            for j, name in enumerate(problem["names"]):
                rows.append({**base, "factor": name,
                             **{c: float(si[c][j]) for c in SOBOL_COLUMNS}})
            if design["calc_second_order"]:
                names = problem["names"]
                for j, k in zip(*np.triu_indices(len(names), 1), strict=True):
                    second.append({**base, "factor": names[j], "factor_2": names[k],
                                   "S2": float(si["S2"][j, k]),
                                   "S2_conf": float(si["S2_conf"][j, k])})
        else:
            si = morris_analyze.analyze(problem, raw, y, num_resamples=NUM_RESAMPLES,
                                        conf_level=CONF_LEVEL, num_levels=design["num_levels"],
                                        seed=boot_seed)
            for j, name in enumerate(problem["names"]):
                rows.append({**base, "factor": name,
                             **{c: float(si[c][j]) for c in MORRIS_COLUMNS}})
    value_cols = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
    indices = pd.DataFrame(rows, columns=["outcome", "metric", "region", "factor",
                                          *value_cols])
    result = SensitivityResult(method, indices, skipped,
                               pd.DataFrame(second) if second else None)
    if write:
        _write(folder, result, manifest, boot_seed, time.perf_counter() - t0)
    return result


def _write(folder: Path, result: SensitivityResult, sweep_manifest: dict[str, Any],
           boot_seed: int, elapsed: float) -> None:
    out = folder / SENSITIVITY_DIRNAME
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "indices.csv"]
    atomic_write_text(files[0], result.indices.to_csv(index=False, float_format="%.6g"))
    if result.second_order is not None:
        files.append(out / "second_order.csv")
        atomic_write_text(files[-1], result.second_order.to_csv(index=False,
                                                                float_format="%.6g"))
    if result.skipped:
        files.append(out / "skipped.csv")
        skipped = pd.DataFrame(list(result.skipped.items()), columns=["outcome", "reason"])
        atomic_write_text(files[-1], skipped.to_csv(index=False))
    for outcome, table in result.indices.groupby("outcome", sort=False):
        path = out / f"{result.method}_{_safe_name(str(outcome))}.png"
        plot = plot_sobol if result.method == "sobol" else plot_morris
        plot(table, str(outcome), path)
        files.append(path)
    if not result.indices.empty:
        files.append(out / "overview.png")
        plot_overview(result, files[-1])
    result.files = files
    manifest = build_manifest(
        sweep_manifest["spec"], sweep_manifest["seeds"], {"analysis": elapsed},
        command="xbsim sensitivity", method=result.method, conf_level=CONF_LEVEL,
        num_resamples=NUM_RESAMPLES, bootstrap_seed=boot_seed,
        replications="averaged per design point before the analysis",
        skipped=result.skipped, files=[p.name for p in files],
        sweep_spec_hash=sweep_manifest["spec_hash"],
    )
    write_manifest(out, manifest)


def _figure(n_rows: int, n_cols: int = 1) -> Figure:
    height = max(FIG_MIN_HEIGHT_IN, FIG_ROW_HEIGHT_IN * n_rows + 1.5)
    return Figure(figsize=(FIG_WIDTH_IN * (1 if n_cols == 1 else 1.5), height),
                  layout="constrained")


def plot_sobol(table: pd.DataFrame, outcome: str, path: Path) -> None:
    """Horizontal bars of first-order and total indices with their confidence intervals."""
    t = table.sort_values("ST")
    y = np.arange(len(t))
    fig = _figure(len(t))
    ax = fig.add_subplot()
    ax.barh(y - BAR_HEIGHT / 2, t["S1"], BAR_HEIGHT, xerr=t["S1_conf"], label="first order S1",
            color="tab:blue", capsize=2)
    ax.barh(y + BAR_HEIGHT / 2, t["ST"], BAR_HEIGHT, xerr=t["ST_conf"], label="total ST",
            color="tab:orange", capsize=2)
    ax.set_yticks(y, [_short(f) for f in t["factor"]])
    ax.axvline(0, color="k", lw=0.5)
    ax.set(title=f"Sobol indices: {outcome}", xlabel="share of output variance")
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=FIG_DPI)


def plot_morris(table: pd.DataFrame, outcome: str, path: Path) -> None:
    """Bars of mu* with confidence intervals, and the mu*/sigma scatter."""
    t = table.sort_values("mu_star")
    y = np.arange(len(t))
    fig = _figure(len(t), n_cols=2)
    ax_bar, ax_sc = fig.subplots(1, 2)
    ax_bar.barh(y, t["mu_star"], xerr=t["mu_star_conf"], color="tab:blue", capsize=2)
    ax_bar.set_yticks(y, [_short(f) for f in t["factor"]])
    ax_bar.set(title=f"Morris mu*: {outcome}", xlabel="mean |elementary effect|")
    ax_sc.scatter(t["mu_star"], t["sigma"], color="tab:red")
    for _, row in t.iterrows():
        ax_sc.annotate(_short(row["factor"]), (row["mu_star"], row["sigma"]), fontsize=7,
                       xytext=(3, 3), textcoords="offset points")
    top = float(max(t["mu_star"].max(), t["sigma"].max(), 0.0))
    if top > 0:
        ax_sc.plot([0, top], [0, top], color="0.6", lw=0.8, ls="--", label="sigma = mu*")
        ax_sc.legend(loc="upper left", fontsize=7)
    ax_sc.set(title="interaction / non-linearity", xlabel="mu*", ylabel="sigma")
    fig.savefig(path, dpi=FIG_DPI)


def plot_overview(result: SensitivityResult, path: Path) -> None:
    """Heatmap of factors x outcomes: Sobol ST, or Morris mu* scaled by each outcome's max."""
    t = result.indices
    column = "ST" if result.method == "sobol" else "mu_star"
    wide = t.pivot(index="factor", columns="outcome", values=column)
    wide = wide.loc[t["factor"].unique(), t["outcome"].unique()]
    if result.method == "morris":
        wide = wide / wide.max(axis=0).replace(0, np.nan)
    fig = _figure(len(wide), n_cols=2)
    ax = fig.add_subplot()
    image = ax.imshow(wide.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0,
                      vmax=1)
    ax.set_yticks(np.arange(len(wide)), [_short(f) for f in wide.index])
    ax.set_xticks(np.arange(wide.shape[1]), list(wide.columns), rotation=60, ha="right")
    label = "total Sobol index ST" if result.method == "sobol" else "mu* / max mu*"
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(f"{result.method}: which factors matter for which outcome")
    fig.savefig(path, dpi=FIG_DPI)
