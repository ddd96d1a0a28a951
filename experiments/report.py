"""The comparison report: Markdown with PNG figures, for strategists.

It opens with a decision summary (which scenario is ahead on the seller's profit and on the
question's headline metric, by how much with its CI; a descriptive decomposition of the
difference over the P&L lines and the funnel and attribution metrics; the P&L by channel per
scenario), then the details: differences ranked by Holm-adjusted significance and size, the
levels with CIs, and figures of the differences against the baseline (each metric on its own
scale, so small effects stay visible) in one colour per scenario throughout.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd

from experiments.intervals import CONFIDENCE, RELATIVE_MIN_SE_MULTIPLE, t_interval
from experiments.manifest import atomic_write_text
from experiments.plotting import new_figure
from experiments.pnl import PNL_LINES
from experiments.scenarios import ScenarioFile

OUTCOMES = ("orders", "gmv", "profit", "conversion_rate", "repurchase_rate",
            "customer_acquisition_cost")
"""Outcome metrics strategists read first."""

ATTRIBUTION = (*(f"first_exposure_{c}_share" for c in ("ad", "kol", "live", "wom", "referral")),
               *(f"touched_by_{c}_share" for c in ("ad", "kol", "live", "wom", "referral")),
               "touches_before_first_purchase", "recalled_touches_before_first_purchase")
"""Channel attribution of first purchases (simulation.channels)."""

MECHANISMS = ("mean_delivery_days", "local_delivery_share", "negative_review_rate",
              "return_rate", "cart_abandonment_rate", "fraud_rate", "stockout_rate",
              "logistics_cost_per_order", "awareness", "reach", "mean_trust_aware",
              "ad_touches_per_consumer", "kol_views_per_consumer", "live_views_per_consumer",
              "wom_touches_per_consumer", "live_order_share", "referral_order_share",
              "carbon_kg_per_order", *ATTRIBUTION)
"""Intermediate quantities through which levers act (delivery, trust, payments, stock...)."""

SEED_NOISE = "seed noise only"
"""Interval kind without posterior draws: replications differ only in their seeds."""
TOP_MECHANISMS = 5
"""Funnel/attribution metrics and P&L lines named in the decision summary (the largest)."""
DIFF_FIGURE_METRICS = 16
"""Metrics drawn in differences.png: profit, the headline, then the top of the ranking."""
DETAIL_ROWS = 40
"""Ranked differences listed in the report (differences.csv has every one)."""
NA = "n/a"
"""What the report prints for an undefined number (never 'nan')."""
PALETTE = "tab10"
"""Colour map of the scenarios: scenario i of the file has colour i in every figure."""


def interval_kind(posterior: dict[str, Any] | None) -> str:
    """Which uncertainty the intervals hold: seeds only, or seeds and posterior draws."""
    if not posterior:
        return SEED_NOISE
    return (f"seed noise and parameter uncertainty ({posterior['draws']} posterior draws "
            f"from {Path(posterior['file']).name})")


def scenario_colours(names: list[str]) -> dict[str, Any]:
    """One colour per scenario, fixed by its place in the scenario file."""
    cmap = matplotlib.colormaps[PALETTE]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def num(x: float, signed: bool = False) -> str:
    """A number with 4 significant digits (thousands separated), or n/a; never 'nan'."""
    if x is None or not np.isfinite(x):
        return NA
    sign = "+" if signed else ""
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return f"{x:{sign}.3e}"
    if abs(x) >= 1000:
        return f"{x:{sign},.0f}"
    return f"{x:{sign}.4g}"


def with_ci(mean: float, lo: float, hi: float, unit: str = "", signed: bool = False) -> str:
    """``mean [lo, hi] unit``; the interval is n/a when undefined (one replication)."""
    u = f" {unit}" if unit in ("USD", "days") else ""
    ci = (f" [{num(lo, signed)}, {num(hi, signed)}]" if np.isfinite(lo) and np.isfinite(hi)
          else " [CI n/a]")
    return f"{num(mean, signed)}{ci}{u}"


def percent(x: float) -> str:
    """A relative change as a signed percentage, or an em dash where it is not reported."""
    return f"{x:+.1%}" if x is not None and np.isfinite(x) else "—"


def ranked(d: pd.DataFrame) -> pd.DataFrame:
    """Differences ranked: Holm-significant first, then CI-significant, then by size.

    Size is scale-free: |difference| over the mean of |baseline| and |scenario| (a symmetric
    relative difference, defined even where the baseline is 0 or negative).
    """
    if d.empty:
        return d
    scale = (d["baseline_mean"].abs() + d["scenario_mean"].abs()) / 2
    size = (d["diff_mean"].abs() / scale.where(scale > 0)).fillna(0.0)
    size = size.where(~d["noise"], 0.0)
    return (d.assign(_size=size)
            .sort_values(["significant_holm", "significant", "_size"],
                         ascending=[False, False, False], kind="stable")
            .drop(columns="_size"))


def _mark(r) -> str:
    """Significance mark of a difference row."""
    if r.noise:
        return "numerical noise"
    if r.significant_holm:
        return "**yes** (Holm)"
    if r.significant:
        return "CI only"
    return "no"


def _row_diff(r) -> str:
    return with_ci(r.diff_mean, r.diff_ci_low, r.diff_ci_high, r.unit, signed=True)


def decision_summary(scen: ScenarioFile, total: pd.DataFrame, d: pd.DataFrame,
                     pnl_diffs: pd.DataFrame | None) -> list[str]:
    """The report's opening lines: who is ahead on profit and on the headline, and how."""
    base = scen.baseline_name
    names = list(scen.scenarios)
    lines = ["## Decision summary", ""]
    for metric in dict.fromkeys(("profit", scen.headline_metric)):
        t = total[total.metric == metric].set_index("scenario")
        if t.empty:
            continue
        unit = d.loc[d.metric == metric, "unit"].iloc[0] if (d.metric == metric).any() else ""
        best = max((s for s in names if s in t.index), key=lambda s: t.loc[s, "mean"])
        head = "Seller's profit" if metric == "profit" else f"Headline metric `{metric}`"
        b = t.loc[best]
        lines.append(f"- **{head}** (all sellers, all regions): highest mean in **{best}** "
                     f"({with_ci(b['mean'], b['ci_low'], b['ci_high'], unit)}).")
        for r in d[d.metric == metric].itertuples():
            verdict = ("differs from the baseline after Holm adjustment" if r.significant_holm
                       else "CI excludes 0, but not after Holm adjustment" if r.significant
                       else "not distinguishable from the baseline")
            rel = f", {percent(r.relative_change)}" if np.isfinite(r.relative_change) else ""
            lines.append(f"  - {r.scenario} − {base}: {_row_diff(r)}{rel} ({verdict}).")
    lines.append("")
    if not d.empty:
        lines += ["**Through which mechanism (descriptive).** The scenarios differ only in "
                  "their levers (by construction of the comparison); which lever setting moves "
                  "which quantity is not separated here. The largest differences:", ""]
        mech = d[d.metric.isin(MECHANISMS)]
        for scen_name, g in mech.groupby("scenario", sort=False):
            top = ranked(g[g.significant_holm | g.significant]).head(TOP_MECHANISMS)
            items = ", ".join(f"`{r.metric}` {_row_diff(r)}" for r in top.itertuples())
            lines.append(f"- {scen_name}, funnel and attribution: "
                         + (items or "none whose CI excludes 0") + ".")
        if pnl_diffs is not None and not pnl_diffs.empty:
            p = pnl_diffs[(pnl_diffs.seller == "all") & (pnl_diffs.line != "profit")]
            for scen_name, g in p.groupby("scenario", sort=False):
                top = g.reindex(g["diff_mean"].abs().sort_values(ascending=False).index)
                top = top[~top.noise].head(TOP_MECHANISMS)
                items = ", ".join(f"{r.line} {_row_diff(r)}" for r in top.itertuples())
                lines.append(f"- {scen_name}, P&L lines (largest absolute differences): "
                             + (items or "none") + ".")
        lines.append("")
    return lines


def pnl_table(pnl: pd.DataFrame, names: list[str]) -> str:
    """The P&L per scenario (all sellers): mean [CI] USD per line."""
    t = pnl[pnl.seller == "all"]
    rows = ["| line (USD) | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for line, _ in PNL_LINES:
        g = t[t.line == line].set_index("scenario")
        if g.empty or (g["mean"].abs().max() == 0 and line != "profit"):
            continue
        cells = [with_ci(g.loc[s, "mean"], g.loc[s, "ci_low"], g.loc[s, "ci_high"])
                 if s in g.index else NA for s in names]
        label = f"**{line}**" if line == "profit" else line
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _points_with_ci(ax, table: pd.DataFrame, metric: str, colours: dict[str, Any]) -> None:
    """Mean and CI per scenario as points (the axis is not forced to include 0)."""
    t = table[(table.metric == metric) & (table.region == "all") & (table.seller == "all")]
    for i, r in enumerate(t.itertuples()):
        err = [[r.mean - r.ci_low], [r.ci_high - r.mean]] if np.isfinite(r.ci_low) else None
        ax.errorbar([i], [r.mean], yerr=err, fmt="o", capsize=4, color=colours[r.scenario])
    ax.set_xticks(range(len(t)), list(t["scenario"]), rotation=30, fontsize=8)
    ax.set_title(metric, fontsize=10)


def _differences_figure(scen: ScenarioFile, d: pd.DataFrame, colours: dict[str, Any],
                        out: Path) -> None:
    """Paired differences against the baseline with CIs, one panel per metric (own scale)."""
    order = list(dict.fromkeys(["profit", scen.headline_metric,
                                *ranked(d)["metric"].tolist()]))
    metrics = [m for m in order if (d.metric == m).any()][:DIFF_FIGURE_METRICS]
    n_cols = 4
    n_rows = max(1, math.ceil(len(metrics) / n_cols))
    fig, axes = new_figure(n_rows, n_cols, figsize=(4 * n_cols, 2.6 * n_rows), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        g = d[d.metric == m]
        for i, r in enumerate(g.itertuples()):
            err = ([[r.diff_mean - r.diff_ci_low], [r.diff_ci_high - r.diff_mean]]
                   if np.isfinite(r.diff_ci_low) else None)
            ax.errorbar([r.diff_mean], [i], xerr=err, fmt="o", capsize=3,
                        color=colours[r.scenario], label=r.scenario)
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(range(len(g)), list(g["scenario"]), fontsize=8)
        ax.set_ylim(-0.8, len(g) - 0.2)
        unit = g["unit"].iloc[0]
        ax.set_title(f"{m} ({unit})" if unit in ("USD", "days") else m, fontsize=9)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"{scen.name}: difference against '{scen.baseline_name}' (paired, "
                 f"{CONFIDENCE:.0%} CI; each panel on its own scale)")
    fig.savefig(out / "differences.png", dpi=110)


def _pnl_figure(scen: ScenarioFile, pnl_diffs: pd.DataFrame, colours: dict[str, Any],
                out: Path) -> None:
    """P&L lines: difference against the baseline (USD) with CIs, per scenario colour."""
    p = pnl_diffs[(pnl_diffs.seller == "all")]
    lines = [ln for ln in dict.fromkeys(p["line"]) if (p.loc[p.line == ln, "diff_mean"]
                                                        .abs().max() > 0)]
    if not lines:
        fig, ax = new_figure(figsize=(6, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"no P&L line differs from '{scen.baseline_name}'", ha="center")
        fig.savefig(out / "pnl_differences.png", dpi=110)
        return
    names = list(dict.fromkeys(p["scenario"]))
    fig, ax = new_figure(figsize=(8, 0.4 * len(lines) * max(1, len(names)) + 1.5))
    step = 0.8 / max(1, len(names))
    for j, name in enumerate(names):
        g = p[p.scenario == name].set_index("line").reindex(lines)
        y = np.arange(len(lines)) + (j - (len(names) - 1) / 2) * step
        err = np.vstack([(g["diff_mean"] - g["diff_ci_low"]).to_numpy(),
                         (g["diff_ci_high"] - g["diff_mean"]).to_numpy()])
        ax.errorbar(g["diff_mean"], y, xerr=np.nan_to_num(err), fmt="o", capsize=3,
                    color=colours[name], label=name)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(range(len(lines)), lines, fontsize=8)
    ax.set_xlabel(f"USD against '{scen.baseline_name}' (costs and income as booked; "
                  f"paired, {CONFIDENCE:.0%} CI)")
    ax.legend(fontsize=8)
    fig.savefig(out / "pnl_differences.png", dpi=110)


def write_report(scen: ScenarioFile, table: pd.DataFrame, diffs: pd.DataFrame,
                 ts: pd.DataFrame, out: Path, pnl: pd.DataFrame | None = None,
                 pnl_diffs: pd.DataFrame | None = None, interval: str = SEED_NOISE) -> Path:
    """Write ``report.md`` and its figures into ``out``; returns the report path."""
    out = Path(out)
    names = list(scen.scenarios)
    colours = scenario_colours(names)
    metrics = [m for m in (*OUTCOMES, *MECHANISMS) if m in set(table.metric)]
    n_cols = 4
    n_rows = max(1, math.ceil(len(metrics) / n_cols))
    fig, axes = new_figure(n_rows, n_cols, figsize=(4 * n_cols, 3.2 * n_rows), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        _points_with_ci(ax, table, m, colours)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"{scen.name}: all regions, mean and {CONFIDENCE:.0%} CI")
    fig.savefig(out / "metrics_by_scenario.png", dpi=110)

    by_region = table[(table.seller == "all") & (table.region != "all")]
    regions = list(dict.fromkeys(by_region["region"]))
    fig, axes = new_figure(1, 3, figsize=(15, 4))
    step = 0.8 / max(1, len(names))
    for ax, m in zip(axes, ("repurchase_rate", "negative_review_rate", "mean_delivery_days"),
                     strict=True):
        for j, name in enumerate(names):
            g = by_region[(by_region.metric == m) & (by_region.scenario == name)]
            g = g.set_index("region").reindex(regions)
            x = np.arange(len(regions)) + (j - (len(names) - 1) / 2) * step
            err = np.vstack([(g["mean"] - g["ci_low"]).to_numpy(),
                             (g["ci_high"] - g["mean"]).to_numpy()])
            ax.errorbar(x, g["mean"], yerr=np.nan_to_num(err), fmt="o", capsize=2,
                        color=colours[name], label=name)
        ax.set_xticks(range(len(regions)), regions)
        ax.set_title(m)
        ax.legend(fontsize=8)
    fig.savefig(out / "metrics_by_region.png", dpi=110)

    all_rows = diffs[(diffs.seller == "all") & (diffs.region == "all")] if not diffs.empty \
        else diffs
    d = all_rows[all_rows.metric.isin(metrics)] if not all_rows.empty else all_rows
    if not d.empty:
        _differences_figure(scen, all_rows, colours, out)
    if pnl_diffs is not None and not pnl_diffs.empty:
        _pnl_figure(scen, pnl_diffs, colours, out)

    fig, axes = new_figure(1, 3, figsize=(15, 4))
    for ax, m in zip(axes, ("orders", "repurchase_rate", "mean_delivery_days"), strict=True):
        agg = ts.groupby(["scenario", "replication", "step"])[m].mean().reset_index()
        for name, g in agg.groupby("scenario", sort=False):
            band = g.groupby("step")[m].apply(lambda v: t_interval(v.to_numpy()))
            mean = np.array([b[0] for b in band])
            lo = np.array([b[1] for b in band])
            hi = np.array([b[2] for b in band])
            ax.plot(band.index, mean, label=name, color=colours[name])
            ax.fill_between(band.index, lo, hi, alpha=0.25, color=colours[name])
        ax.set(title=f"{m} (mean over regions, {CONFIDENCE:.0%} band)", xlabel="day")
        ax.legend(fontsize=8)
    fig.savefig(out / "timeseries.png", dpi=110)

    total = table[(table.seller == "all") & (table.region == "all")]
    n_reps = int(total["n"].max()) if not total.empty else 0
    lines = [f"# {scen.name}", "", scen.description.strip(), "",
             f"Baseline: **{scen.baseline_name}**. Replications: {n_reps} per scenario with "
             "common random numbers (the same seeds in every scenario"
             + (", and the same posterior draw for the same replication" if
                interval != SEED_NOISE else "") + ").", "",
             f"**Intervals: {interval}** ({CONFIDENCE:.0%}; t intervals of the means and of "
             "the paired differences, rates on the logit scale so they stay inside [0, 1]).",
             ""]
    if n_reps < 2:
        lines += ["> **Warning: one replication.** No confidence interval or test is "
                  "possible from a single run per scenario (intervals read 'CI n/a'); the "
                  "differences below are one seed's luck as much as the levers. Run with "
                  "`--replications 2` or more.", ""]
    lines += decision_summary(scen, total, d if not d.empty else all_rows, pnl_diffs)
    if pnl is not None and not pnl.empty:
        lines += ["### P&L and spend by channel (all sellers, USD over the horizon; mean "
                  f"[{CONFIDENCE:.0%} CI])", "", pnl_table(pnl, names), "",
                  "Import duty on direct parcels is paid by the buyer (landed price); on "
                  "overseas-warehouse stock it is part of logistics. Lines that are 0 in every "
                  "scenario are left out; pnl.csv has all, per seller.", ""]
        if pnl_diffs is not None and not pnl_diffs.empty:
            lines += ["![P&L differences](pnl_differences.png)", ""]
    lines += ["## Details", "",
              f"### Differences against the baseline, ranked (all sellers, all regions; top "
              f"{DETAIL_ROWS})", "",
              "Ranked by Holm-adjusted significance, then by size. *Survives* = Holm-adjusted "
              "p < 0.05, the family being every scenario x metric of the all-sellers, "
              "all-regions rows of differences.csv (each seller x region slice is its own "
              "family); *CI only* = the "
              f"{CONFIDENCE:.0%} CI excludes 0 before adjustment; *numerical noise* = below "
              "1e-9 of the quantities' scale, never significant. Relative change only where "
              f"the baseline is positive and more than {RELATIVE_MIN_SE_MULTIPLE:g} standard "
              "errors above 0 (—: not reported; read the absolute difference).", "",
              _diff_table(ranked(d).head(DETAIL_ROWS) if not d.empty else d), "",
              "![differences](differences.png)" if not d.empty else "", "",
              f"### Outcomes (all regions; mean [{CONFIDENCE:.0%} CI])", "",
              _md_table(total, OUTCOMES, names), "",
              "### Mechanisms: the intermediate quantities the levers move", "",
              _md_table(total, MECHANISMS, names), "",
              "![metrics](metrics_by_scenario.png)", "", "![regions](metrics_by_region.png)",
              "", "![time series](timeseries.png)", ""]
    path = out / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def _md_table(total: pd.DataFrame, metrics: tuple[str, ...], names: list[str]) -> str:
    scen = [s for s in names if s in set(total["scenario"])]
    rows = ["| metric | " + " | ".join(scen) + " |", "|---" * (len(scen) + 1) + "|"]
    for m in metrics:
        t = total[total.metric == m].set_index("scenario")
        if t.empty:
            continue
        cells = [with_ci(t.loc[s, "mean"], t.loc[s, "ci_low"], t.loc[s, "ci_high"])
                 for s in scen]
        rows.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _diff_table(d: pd.DataFrame) -> str:
    rows = ["| scenario | metric | difference [95% CI] | relative | p (Holm) | survives |",
            "|---|---|---|---|---|---|"]
    for r in d.itertuples():
        p = f"{r.p_holm:.3g}" if np.isfinite(r.p_holm) else NA
        rows.append(f"| {r.scenario} | {r.metric} | {_row_diff(r)} | "
                    f"{percent(r.relative_change)} | {p} | {_mark(r)} |")
    return "\n".join(rows)
