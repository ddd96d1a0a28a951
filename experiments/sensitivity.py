"""Sensitivity analysis of a finished sweep with SALib: one analysis for every design kind.

:func:`analyze_sweep` picks the analysis from the sweep's design (or ``analysis=``):

- ``sobol`` (Saltelli designs): first-order and total indices S1/ST with bootstrap confidence
  intervals (``SALib.analyze.sobol``, same problem and ``calc_second_order`` as the sampling);
- ``morris`` (Morris designs): mu, mu* (with its confidence interval) and sigma
  (``SALib.analyze.morris`` on the sampled matrix);
- ``given_data`` (Latin hypercube designs; also possible for Sobol and Morris designs, which
  sample the factor space too): Borgonovo's moment-independent delta (``SALib.analyze.delta``),
  first-order S1 by RBD-FAST (``SALib.analyze.rbd_fast``), standardised regression
  coefficients (SRC) and partial rank correlation coefficients (PRCC), which SALib 1.6 lacks
  and :func:`src` and :func:`prcc` compute;
- ``factorial`` (full factorial designs): each factor's main effect, as its share of the
  variance of the outcome over the design (eta squared of a one-way ANOVA by its levels) and
  the range of its level means; SALib's ``ff`` analyzer does not fit, as it ignores the given
  inputs and assumes its own two-level Hadamard sample.

Replications are averaged per design point first: the analysis sees each point's mean
outcome over its seeds, which removes most of the simulation noise from the indices (it does
not estimate the noise's own share of the variance). For a full factorial, whose points are
fixed rather than sampled, the confidence intervals come from resampling the replication
seeds instead (common to all points, so common random numbers are kept). Undefined
replications (NaN, e.g. a return rate with no deliveries) are left out of a point's mean; an
outcome that is undefined at some point, or constant over the design, cannot be analysed and
is listed as skipped. Results go to ``<sweep>/sensitivity/`` (an analysis other than the
design's own to ``sensitivity/<analysis>/``): ``indices.csv``, a chart per outcome, an
overview heatmap and a manifest.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import delta as delta_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import rbd_fast as rbd_fast_analyze
from SALib.analyze import sobol as sobol_analyze
from scipy import stats

from experiments.manifest import atomic_write_text, build_manifest, write_manifest
from experiments.store import STATUS_OK, load_results, read_design, read_sample, run_statuses
from experiments.sweep import ALL, MANIFEST_KIND, outcome_key

SENSITIVITY_DIRNAME = "sensitivity"
CONF_LEVEL = 0.95
NUM_RESAMPLES = 100
"""Bootstrap resamples for the confidence intervals (SALib's default)."""
RBD_HARMONICS = 10
"""Harmonics M of RBD-FAST (SALib's default)."""
MIN_GIVEN_DATA_POINTS = 4 * RBD_HARMONICS
"""Fewest design points for the given-data analysis: RBD-FAST's bias correction, 2M/N,
is then at most one half."""
PARAMETERS_PREFIX = "parameters."
FIG_WIDTH_IN = 8.0
FIG_ROW_HEIGHT_IN = 0.35
FIG_MIN_HEIGHT_IN = 3.0
FIG_DPI = 110
BAR_HEIGHT = 0.4

SOBOL, MORRIS, GIVEN_DATA, FACTORIAL = "sobol", "morris", "given_data", "factorial"
ANALYSES: tuple[str, ...] = (SOBOL, MORRIS, GIVEN_DATA, FACTORIAL)
DEFAULT_ANALYSIS: dict[str, str] = {"sobol": SOBOL, "morris": MORRIS, "lhs": GIVEN_DATA,
                                    "full_factorial": FACTORIAL}
"""The analysis of each design method."""
DESIGNS_OF: dict[str, tuple[str, ...]] = {
    SOBOL: ("sobol",), MORRIS: ("morris",), GIVEN_DATA: ("lhs", "sobol", "morris"),
    FACTORIAL: ("full_factorial",),
}
"""Design methods each analysis can analyse."""

SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu", "mu_star", "mu_star_conf", "sigma")
GIVEN_DATA_COLUMNS = ("delta", "delta_conf", "S1", "S1_conf", "SRC", "SRC_conf", "PRCC",
                      "PRCC_low", "PRCC_high")
FACTORIAL_COLUMNS = ("main_share", "main_share_conf", "effect_range", "effect_range_conf")
COLUMNS: dict[str, tuple[str, ...]] = {SOBOL: SOBOL_COLUMNS, MORRIS: MORRIS_COLUMNS,
                                       GIVEN_DATA: GIVEN_DATA_COLUMNS,
                                       FACTORIAL: FACTORIAL_COLUMNS}
RANK_BY: dict[str, str] = {SOBOL: "ST", MORRIS: "mu_star", GIVEN_DATA: "S1",
                           FACTORIAL: "main_share"}
"""The index factors are ranked by (console, overview heatmap). Not delta for given data:
at a few hundred points a non-influential factor's delta is biased well above 0."""
ROUNDING_TOL = 1e-12
"""Relative size below which a level mean's deviation from the grand mean is float rounding
(of an exactly equal mean), so a factor without effect gets a share of exactly 0."""


class SensitivityError(ValueError):
    """The sweep folder cannot be analysed (wrong design, unfinished, unknown outcome)."""


@dataclass(frozen=True)
class IndexSpec:
    """An index and where its 95% interval is: a half-width column or low/high columns."""

    name: str
    conf: str | None = None
    low: str | None = None
    high: str | None = None
    nonnegative: bool = False
    """The estimate cannot be negative, so neither can its interval (lower end clipped)."""


INDEX_SPECS: dict[str, tuple[IndexSpec, ...]] = {
    SOBOL: (IndexSpec("S1", "S1_conf"), IndexSpec("ST", "ST_conf")),
    MORRIS: (IndexSpec("mu_star", "mu_star_conf", nonnegative=True), IndexSpec("sigma")),
    GIVEN_DATA: (IndexSpec("delta", "delta_conf"), IndexSpec("S1", "S1_conf"),
                 IndexSpec("SRC", "SRC_conf"), IndexSpec("PRCC", low="PRCC_low",
                                                         high="PRCC_high")),
    FACTORIAL: (IndexSpec("main_share", "main_share_conf", nonnegative=True),
                IndexSpec("effect_range", "effect_range_conf", nonnegative=True)),
}
"""The indices shown per analysis (console and charts), with their intervals."""


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


def replicate_values(results: pd.DataFrame, metric: str, region: str, n_points: int
                     ) -> np.ndarray:
    """Outcome per (design point, replication), NaN where undefined or not ok."""
    rows = results[(results["status"] == STATUS_OK) & (results["metric"] == metric)
                   & (results["region"] == region) & (results["seller"] == ALL)]
    wide = rows.pivot_table(index="point_index", columns="replication", values="value",
                            aggfunc="mean", dropna=False)
    return wide.reindex(range(n_points)).to_numpy(dtype=float)


# --- interval helpers -----------------------------------------------------------------------


def index_interval(table: pd.DataFrame, spec: IndexSpec) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of an index's 95% interval.

    NaN for an index without one; the lower end is clipped at 0 for an index that cannot be
    negative.
    """
    value = table[spec.name].to_numpy(dtype=float)
    if spec.conf is not None:
        conf = table[spec.conf].to_numpy(dtype=float)
        low, high = value - conf, value + conf
    elif spec.low is not None and spec.high is not None:
        low = table[spec.low].to_numpy(dtype=float)
        high = table[spec.high].to_numpy(dtype=float)
    else:
        low = high = np.full(len(table), np.nan)
    if spec.nonnegative:
        low = np.maximum(low, 0.0)
    return low, high


def error_bars(table: pd.DataFrame, spec: IndexSpec) -> np.ndarray:
    """The matplotlib ``xerr`` (2 x n: distances below and above) of an index's interval."""
    value = table[spec.name].to_numpy(dtype=float)
    low, high = index_interval(table, spec)
    return np.nan_to_num(np.vstack([value - low, high - value]), nan=0.0)


def morris_error_bars(table: pd.DataFrame) -> np.ndarray:
    """Error bars of mu*: its confidence interval with the lower end clipped at 0."""
    return error_bars(table, INDEX_SPECS[MORRIS][0])


def _fmt(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.3g}"


def ranking_lines(result: SensitivityResult, top: int) -> list[str]:
    """Console lines: per outcome, its ``top`` factors with each index and its 95% interval."""
    key = RANK_BY[result.method]
    specs = INDEX_SPECS[result.method]
    lines = []
    for outcome, table in result.indices.groupby("outcome", sort=False):
        shown = table.sort_values(key, ascending=False, na_position="last").head(top)
        lines.append(f"{outcome}: top {len(shown)} of {len(table)} factors by {key} "
                     f"(index [{CONF_LEVEL:.0%} CI])")
        intervals = {s.name: index_interval(shown, s) for s in specs}
        for i, (_, row) in enumerate(shown.iterrows()):
            cells = []
            for s in specs:
                low, high = intervals[s.name][0][i], intervals[s.name][1][i]
                ci = (f" [{_fmt(low)}, {_fmt(high)}]" if np.isfinite(low) and np.isfinite(high)
                      else " [no CI]")
                cells.append(f"{s.name} {_fmt(float(row[s.name]))}{ci}")
            lines.append(f"  {_short(str(row['factor'])):30} " + "  ".join(cells))
    return lines


# --- pure analyses --------------------------------------------------------------------------


def _z(conf_level: float = CONF_LEVEL) -> float:
    """Two-sided standard normal quantile (1.96 for 95%)."""
    return float(stats.norm.ppf(0.5 + conf_level / 2))


def src(x: np.ndarray, y: np.ndarray, conf_level: float = CONF_LEVEL
        ) -> tuple[np.ndarray, np.ndarray]:
    """Standardised regression coefficients of y on the columns of x, with CI half-widths.

    The least-squares coefficients of the linear model with every variable scaled to unit
    standard deviation: a factor's SRC squared is its share of the variance when the model
    is linear and the inputs independent. Half-widths: t quantile times the standard error.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    sd_x = x.std(axis=0, ddof=1)
    design = np.column_stack([np.ones(n), (x - x.mean(axis=0)) / np.where(sd_x > 0, sd_x, 1)])
    ys = (y - y.mean()) / y.std(ddof=1)
    coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
    dof = n - k - 1
    if dof <= 0:
        return coef[1:], np.full(k, np.nan)
    sigma2 = float(np.sum((ys - design @ coef) ** 2)) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    half = float(stats.t.ppf(0.5 + conf_level / 2, dof)) * np.sqrt(np.diag(cov)[1:])
    return coef[1:], half


def prcc(x: np.ndarray, y: np.ndarray, conf_level: float = CONF_LEVEL
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partial rank correlation of y with each column of x, and its Fisher-z interval.

    Ranks every variable, removes from rank(x_i) and rank(y) their linear regression on the
    other factors' ranks, and correlates the residuals: a monotone effect of x_i with the
    others held fixed, in [-1, 1]. Interval: tanh(atanh(r) +- z / sqrt(n - k - 2)) for n
    points and k factors. Returns (prcc, low, high); NaN where undefined.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    rx = np.column_stack([stats.rankdata(x[:, j]) for j in range(k)])
    ry = stats.rankdata(y)
    r = np.full(k, np.nan)
    for j in range(k):
        others = np.column_stack([np.ones(n), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        denom = float(np.sqrt(np.sum(res_x**2) * np.sum(res_y**2)))
        if denom > 0:
            r[j] = float(np.clip(np.sum(res_x * res_y) / denom, -1.0, 1.0))
    dof = n - k - 2
    if dof <= 0:
        return r, np.full(k, np.nan), np.full(k, np.nan)
    with np.errstate(divide="ignore"):
        z = np.arctanh(r)
    half = _z(conf_level) / np.sqrt(dof)
    return r, np.tanh(z - half), np.tanh(z + half)


@contextlib.contextmanager
def _numpy_global_seed(seed: int) -> Iterator[None]:
    """Seed numpy's global generator (which SALib's delta draws from) and restore it after."""
    # the legacy global generator is SALib's choice, not ours: the state is put back after
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def given_data_indices(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int
                       ) -> pd.DataFrame:
    """delta, S1 (RBD-FAST), SRC and PRCC of one outcome from any sample of the factors.

    Args:
        problem: the SALib problem (names, bounds) of the columns of ``x``.
        x: the sampled factor values, points x factors.
        y: the outcome at each point.
        seed: seed of the bootstrap intervals.
    """
    # SALib's delta seeds numpy's global generator only for a non-zero seed, and changes the
    # warning filters; its bias notices concern the 'balanced' variant, which is not used
    with _numpy_global_seed(seed), warnings.catch_warnings(record=True):
        d = delta_analyze.analyze(problem, x, y, num_resamples=NUM_RESAMPLES,
                                  conf_level=CONF_LEVEL, method="delta")
    s1 = rbd_fast_analyze.analyze(problem, x, y, M=RBD_HARMONICS, num_resamples=NUM_RESAMPLES,
                                  conf_level=CONF_LEVEL, seed=seed)
    coef, coef_conf = src(x, y)
    r, r_low, r_high = prcc(x, y)
    return pd.DataFrame({
        "factor": problem["names"],
        "delta": np.asarray(d["delta_raw"], dtype=float),
        "delta_conf": np.asarray(d["delta_raw_conf"], dtype=float),
        "S1": np.asarray(s1["S1"], dtype=float),
        "S1_conf": np.asarray(s1["S1_conf"], dtype=float),
        "SRC": coef, "SRC_conf": coef_conf, "PRCC": r, "PRCC_low": r_low, "PRCC_high": r_high,
    })


def main_effects(levels: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """Each factor's main effect over a full factorial: variance share and level-mean range.

    ``main_share`` is the between-levels sum of squares of y grouped by the factor's levels
    over the total sum of squares (eta squared of a one-way ANOVA; in a full factorial the
    shares of different factors do not overlap, and one minus their sum is the interactions'
    share). ``effect_range`` is the largest minus the smallest level mean, in y's units.

    Args:
        levels: one row per design point, one column per factor (any hashable level values).
        y: the outcome at each point.
    """
    y = np.asarray(y, dtype=float)
    total = float(np.sum((y - y.mean()) ** 2))
    tol = ROUNDING_TOL * float(np.max(np.abs(y), initial=0.0))
    rows = []
    for name in levels.columns:
        group = pd.Series(y).groupby(levels[name].to_numpy())
        means, counts = group.mean(), group.size()
        deviation = np.array(means - y.mean(), dtype=float)  # a writable copy
        deviation[np.abs(deviation) <= tol] = 0.0
        between = float(np.sum(counts.to_numpy() * deviation**2))
        rows.append({"factor": name, "main_share": between / total if total > 0 else np.nan,
                     "effect_range": float(means.max() - means.min())})
    return pd.DataFrame(rows)


def factorial_indices(levels: pd.DataFrame, values: np.ndarray, seed: int) -> pd.DataFrame:
    """:func:`main_effects` of the replication means, with intervals from resampling seeds.

    Args:
        levels: one row per design point, one column per factor.
        values: outcome per (point, replication); NaN replications are left out of means.
        seed: seed of the bootstrap over replications (NaN intervals with one replication).
    """
    table = main_effects(levels, np.nanmean(values, axis=1))
    n_reps = values.shape[1]
    if n_reps < 2:
        table["main_share_conf"] = np.nan
        table["effect_range_conf"] = np.nan
    else:
        rng = np.random.default_rng(seed)
        boots = []
        for _ in range(NUM_RESAMPLES):
            # the same seeds for every point: common random numbers are kept
            pick = rng.integers(0, n_reps, size=n_reps)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN point: NaN mean
                y = np.nanmean(values[:, pick], axis=1)
            if np.isfinite(y).all():
                boots.append(main_effects(levels, y)[["main_share", "effect_range"]]
                             .to_numpy())
        spread = np.std(np.array(boots), axis=0, ddof=1) if len(boots) > 1 else np.full(
            (len(table), 2), np.nan)
        table["main_share_conf"] = _z() * spread[:, 0]
        table["effect_range_conf"] = _z() * spread[:, 1]
    return table[["factor", *FACTORIAL_COLUMNS]]


# --- the sweep ------------------------------------------------------------------------------


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


def _choose_analysis(folder: Path, design_method: str, analysis: str | None) -> str:
    chosen = analysis or DEFAULT_ANALYSIS[design_method]
    if chosen not in ANALYSES:
        raise SensitivityError(f"analysis: unknown analysis {chosen!r}; use one of "
                               f"{', '.join(ANALYSES)}")
    if design_method not in DESIGNS_OF[chosen]:
        fits = [a for a in ANALYSES if design_method in DESIGNS_OF[a]]
        raise SensitivityError(f"{folder}: a {design_method} design has no {chosen} analysis; "
                               f"use {' or '.join(fits)}")
    return chosen


def analyze_sweep(
    folder: Path | str,
    outcomes: Sequence[str] | None = None,
    write: bool = True,
    seed: int | None = None,
    analysis: str | None = None,
) -> SensitivityResult:
    """Sensitivity indices per outcome of a finished sweep, written to ``sensitivity/``.

    Args:
        folder: a sweep folder made by :func:`experiments.sweep.run_sweep`.
        outcomes: metric or metric@REGION names; default: the sweep's outcomes.
        write: write the CSV, plots and manifest (else only return the tables).
        seed: seed of the bootstrap confidence intervals; default: the design's seed.
        analysis: sobol, morris, given_data or factorial; default: the design's own
            (given_data for a Latin hypercube, factorial for a full factorial).
    """
    t0 = time.perf_counter()
    folder = Path(folder)
    manifest = _load_sweep_meta(folder)
    design = manifest["design"]
    method = _choose_analysis(folder, design["method"], analysis)
    problem = design["problem"]
    n_points = int(design["n_points"])
    if method == GIVEN_DATA and n_points < MIN_GIVEN_DATA_POINTS:
        raise SensitivityError(f"{folder}: the given-data analysis needs at least "
                               f"{MIN_GIVEN_DATA_POINTS} design points (this design has "
                               f"{n_points}); sweep with a larger design.n")
    design_table = read_design(folder)
    statuses = run_statuses(folder)
    missing = int((~design_table["run_id"].isin(list(statuses))).sum())
    if missing:
        raise SensitivityError(f"{folder}: {missing} of {len(design_table)} runs are not "
                               "finished; resume the sweep first (--resume)")
    results = load_results(folder, columns=["replication", "status", "seller", "region",
                                            "metric", "value"],
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
    raw = (read_sample(folder)[problem["names"]].to_numpy() if method in (MORRIS, GIVEN_DATA)
           else None)
    levels = None
    if method == FACTORIAL:
        first = design_table.drop_duplicates("point_index").sort_values("point_index")
        levels = first[list(manifest["factors"])].reset_index(drop=True)
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
        if method == SOBOL:
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
        elif method == MORRIS:
            si = morris_analyze.analyze(problem, raw, y, num_resamples=NUM_RESAMPLES,
                                        conf_level=CONF_LEVEL, num_levels=design["num_levels"],
                                        seed=boot_seed)
            for j, name in enumerate(problem["names"]):
                rows.append({**base, "factor": name,
                             **{c: float(si[c][j]) for c in MORRIS_COLUMNS}})
        else:
            table = (given_data_indices(problem, raw, y, boot_seed) if method == GIVEN_DATA
                     else factorial_indices(levels, replicate_values(results, metric, region,
                                                                     n_points), boot_seed))
            rows.extend({**base, **r} for r in table.to_dict("records"))
    indices = pd.DataFrame(rows, columns=["outcome", "metric", "region", "factor",
                                          *COLUMNS[method]])
    result = SensitivityResult(method, indices, skipped,
                               pd.DataFrame(second) if second else None)
    if write:
        out = folder / SENSITIVITY_DIRNAME
        if method != DEFAULT_ANALYSIS[design["method"]]:
            out = out / method  # keep the design's own analysis
        _write(out, result, manifest, boot_seed, time.perf_counter() - t0)
    return result


ANALYSIS_NOTES: dict[str, str] = {
    SOBOL: "SALib.analyze.sobol: S1, ST (and S2) with bootstrap half-widths",
    MORRIS: "SALib.analyze.morris on the sampled matrix: mu, mu* (bootstrap half-width), sigma",
    GIVEN_DATA: ("SALib.analyze.delta (Plischke's estimator with plain bootstrap, 'delta_raw'),"
                 " SALib.analyze.rbd_fast (S1), standardised regression coefficients (t "
                 "half-widths) and partial rank correlation (Fisher-z interval), on the sampled "
                 "matrix"),
    FACTORIAL: ("main effects: eta squared by factor levels and range of level means; "
                "half-widths from a bootstrap over replication seeds"),
}


def _write(out: Path, result: SensitivityResult, sweep_manifest: dict[str, Any],
           boot_seed: int, elapsed: float) -> None:
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
    plot = {SOBOL: plot_sobol, MORRIS: plot_morris, GIVEN_DATA: plot_given_data,
            FACTORIAL: plot_factorial}[result.method]
    for outcome, table in result.indices.groupby("outcome", sort=False):
        path = out / f"{result.method}_{_safe_name(str(outcome))}.png"
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
        analysis=ANALYSIS_NOTES[result.method],
        replications="averaged per design point before the analysis",
        skipped=result.skipped, files=[p.name for p in files],
        sweep_spec_hash=sweep_manifest["spec_hash"],
    )
    write_manifest(out, manifest)


# --- plots ----------------------------------------------------------------------------------


def _figure(n_rows: int, n_cols: int = 1) -> Figure:
    height = max(FIG_MIN_HEIGHT_IN, FIG_ROW_HEIGHT_IN * n_rows + 1.5)
    return Figure(figsize=(FIG_WIDTH_IN * (1 if n_cols == 1 else 1.5), height),
                  layout="constrained")


def _paired_bars(ax: Any, t: pd.DataFrame, first: IndexSpec, second: IndexSpec,
                 labels: tuple[str, str]) -> None:
    """Two bars per factor (``first`` below, ``second`` above) with their intervals."""
    y = np.arange(len(t))
    ax.barh(y - BAR_HEIGHT / 2, t[first.name], BAR_HEIGHT, xerr=error_bars(t, first),
            label=labels[0], color="tab:blue", capsize=2)
    ax.barh(y + BAR_HEIGHT / 2, t[second.name], BAR_HEIGHT, xerr=error_bars(t, second),
            label=labels[1], color="tab:orange", capsize=2)
    ax.set_yticks(y, [_short(f) for f in t["factor"]])
    ax.axvline(0, color="k", lw=0.5)
    ax.legend(loc="lower right", fontsize=7)


def plot_sobol(table: pd.DataFrame, outcome: str, path: Path) -> Figure:
    """Horizontal bars of first-order and total indices with their confidence intervals."""
    t = table.sort_values("ST")
    fig = _figure(len(t))
    ax = fig.add_subplot()
    s1, st = INDEX_SPECS[SOBOL]
    _paired_bars(ax, t, s1, st, ("first order S1", "total ST"))
    ax.set(title=f"Sobol indices: {outcome}", xlabel="share of output variance")
    fig.savefig(path, dpi=FIG_DPI)
    return fig


def plot_morris(table: pd.DataFrame, outcome: str, path: Path) -> Figure:
    """Bars of mu* with confidence intervals (never below 0), and the mu*/sigma scatter."""
    t = table.sort_values("mu_star")
    y = np.arange(len(t))
    fig = _figure(len(t), n_cols=2)
    ax_bar, ax_sc = fig.subplots(1, 2)
    ax_bar.barh(y, t["mu_star"], xerr=morris_error_bars(t), color="tab:blue", capsize=2)
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
    return fig


def plot_given_data(table: pd.DataFrame, outcome: str, path: Path) -> Figure:
    """Bars of delta and S1, and of SRC and PRCC bars, each with its confidence interval."""
    t = table.sort_values("S1")
    fig = _figure(len(t), n_cols=2)
    ax_var, ax_lin = fig.subplots(1, 2, sharey=True)
    delta, s1, coef, rank = INDEX_SPECS[GIVEN_DATA]
    _paired_bars(ax_var, t, delta, s1, ("delta (moment-independent)", "S1 (RBD-FAST)"))
    ax_var.set(title=f"delta and S1: {outcome}", xlabel="index")
    _paired_bars(ax_lin, t, coef, rank, ("SRC", "PRCC"))
    ax_lin.set(title="linear / monotone effects", xlabel="coefficient")
    fig.savefig(path, dpi=FIG_DPI)
    return fig


def plot_factorial(table: pd.DataFrame, outcome: str, path: Path) -> Figure:
    """Bars of each factor's main-effect share of the variance, with confidence intervals."""
    t = table.sort_values("main_share")
    y = np.arange(len(t))
    fig = _figure(len(t))
    ax = fig.add_subplot()
    ax.barh(y, t["main_share"], xerr=error_bars(t, INDEX_SPECS[FACTORIAL][0]),
            color="tab:blue", capsize=2)
    ax.set_yticks(y, [_short(f) for f in t["factor"]])
    rest = 1.0 - float(t["main_share"].sum())
    ax.set(title=f"Main effects: {outcome} (interactions: {rest:.0%} of the variance)",
           xlabel="share of output variance (eta squared)")
    fig.savefig(path, dpi=FIG_DPI)
    return fig


OVERVIEW_LABELS: dict[str, str] = {
    SOBOL: "total Sobol index ST", MORRIS: "mu* / max mu*",
    GIVEN_DATA: "first-order index S1 (RBD-FAST)", FACTORIAL: "main-effect share of the variance",
}


def plot_overview(result: SensitivityResult, path: Path) -> Figure:
    """Heatmap of factors x outcomes of the ranking index.

    Morris mu* is scaled by each outcome's largest value (it has no fixed scale).
    """
    t = result.indices
    column = RANK_BY[result.method]
    wide = t.pivot(index="factor", columns="outcome", values=column)
    wide = wide.loc[t["factor"].unique(), t["outcome"].unique()]
    if result.method == MORRIS:
        wide = wide / wide.max(axis=0).replace(0, np.nan)
    fig = _figure(len(wide), n_cols=2)
    ax = fig.add_subplot()
    image = ax.imshow(wide.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0,
                      vmax=1)
    ax.set_yticks(np.arange(len(wide)), [_short(f) for f in wide.index])
    ax.set_xticks(np.arange(wide.shape[1]), list(wide.columns), rotation=60, ha="right")
    fig.colorbar(image, ax=ax, label=OVERVIEW_LABELS[result.method])
    ax.set_title(f"{result.method}: which factors matter for which outcome")
    fig.savefig(path, dpi=FIG_DPI)
    return fig
