"""The comparison report: Markdown with PNG figures, for strategists.

Figures: every metric by scenario with 95% CI error bars (all regions), the chosen metrics
by region, paired differences against the baseline with their CIs, and time series with
bands. A mechanism table shows the intermediate quantities each lever moves.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from experiments.intervals import t_interval
from experiments.manifest import atomic_write_text
from experiments.plotting import new_figure
from experiments.scenarios import ScenarioFile

OUTCOMES = ("orders", "gmv", "profit", "conversion_rate", "repurchase_rate",
            "customer_acquisition_cost")
"""Outcome metrics strategists read first."""

ATTRIBUTION = (*(f"first_exposure_{c}_share" for c in ("ad", "kol", "live", "wom", "referral")),
               *(f"touched_by_{c}_share" for c in ("ad", "kol", "live", "wom", "referral")),
               "touches_before_first_purchase")
"""Channel attribution of first purchases (simulation.channels)."""

MECHANISMS = ("mean_delivery_days", "local_delivery_share", "negative_review_rate",
              "return_rate", "cart_abandonment_rate", "fraud_rate", "stockout_rate",
              "logistics_cost_per_order", "awareness", "reach", "mean_trust_aware",
              "ad_touches_per_consumer", "kol_views_per_consumer", "live_views_per_consumer",
              "wom_touches_per_consumer", "live_order_share", "referral_order_share",
              "carbon_kg_per_order", *ATTRIBUTION)
"""Intermediate quantities through which levers act (delivery, trust, payments, stock...)."""



def _bar_with_ci(ax, table: pd.DataFrame, metric: str) -> None:
    t = table[(table.metric == metric) & (table.region == "all") & (table.seller == "all")]
    err = np.vstack([t["mean"] - t["ci_low"], t["ci_high"] - t["mean"]])
    ax.bar(t["scenario"], t["mean"], yerr=np.nan_to_num(err), capsize=4,
           color=matplotlib.colormaps["tab10"](np.arange(len(t)) % 10))
    ax.set_title(metric, fontsize=10)
    ax.tick_params(axis="x", rotation=30, labelsize=8)


def write_report(scen: ScenarioFile, table: pd.DataFrame, diffs: pd.DataFrame,
                 ts: pd.DataFrame, out: Path) -> Path:
    """Write ``report.md`` and its figures into ``out``; returns the report path."""
    out = Path(out)
    metrics = [m for m in (*OUTCOMES, *MECHANISMS) if m in set(table.metric)]
    n_cols = 4
    n_rows = int(np.ceil(len(metrics) / n_cols))
    fig, axes = new_figure(n_rows, n_cols, figsize=(4 * n_cols, 3.2 * n_rows), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        _bar_with_ci(ax, table, m)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"{scen.name}: all regions, mean and 95% CI")
    fig.savefig(out / "metrics_by_scenario.png", dpi=110)

    by_region = table[(table.seller == "all") & (table.region != "all")]
    fig, axes = new_figure(1, 3, figsize=(15, 4))
    for ax, m in zip(axes, ("repurchase_rate", "negative_review_rate", "mean_delivery_days"),
                     strict=True):
        piv = by_region[by_region.metric == m].pivot(index="region", columns="scenario",
                                                      values="mean")
        lo = by_region[by_region.metric == m].pivot(index="region", columns="scenario",
                                                     values="ci_low")
        hi = by_region[by_region.metric == m].pivot(index="region", columns="scenario",
                                                     values="ci_high")
        if piv.empty:
            continue
        yerr = np.stack([(piv - lo).to_numpy().T, (hi - piv).to_numpy().T], axis=1)
        piv.plot.bar(ax=ax, yerr=np.nan_to_num(yerr), capsize=2, width=0.8)
        ax.set_title(m)
    fig.savefig(out / "metrics_by_region.png", dpi=110)

    d = diffs[(diffs.seller == "all") & (diffs.region == "all") & diffs.metric.isin(metrics)]
    if not d.empty:
        fig, ax = new_figure(figsize=(8, 0.35 * len(d) + 1.5))
        labels = [f"{r.scenario}: {r.metric}" for r in d.itertuples()]
        rel = d["relative_change"].to_numpy()
        dm = d["diff_mean"].to_numpy()
        scale = np.full(len(d), np.nan)
        np.divide(rel, dm, out=scale, where=np.isfinite(rel) & (dm != 0))
        y = np.arange(len(d))
        ax.errorbar(rel, y, xerr=np.nan_to_num(np.abs(np.vstack([
            (d["diff_mean"] - d["diff_ci_low"]).to_numpy() * scale,
            (d["diff_ci_high"] - d["diff_mean"]).to_numpy() * scale]))), fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel(f"relative change against '{scen.baseline_name}' (paired, 95% CI)")
        fig.savefig(out / "differences.png", dpi=110)

    fig, axes = new_figure(1, 3, figsize=(15, 4))
    for ax, m in zip(axes, ("orders", "repurchase_rate", "mean_delivery_days"), strict=True):
        agg = ts.groupby(["scenario", "replication", "step"])[m].mean().reset_index()
        for name, g in agg.groupby("scenario", sort=False):
            band = g.groupby("step")[m].apply(lambda v: t_interval(v.to_numpy()))
            mean = np.array([b[0] for b in band])
            lo = np.array([b[1] for b in band])
            hi = np.array([b[2] for b in band])
            ax.plot(band.index, mean, label=name)
            ax.fill_between(band.index, lo, hi, alpha=0.25)
        ax.set(title=f"{m} (mean over regions, 95% band)", xlabel="day")
        ax.legend(fontsize=8)
    fig.savefig(out / "timeseries.png", dpi=110)

    total = table[(table.seller == "all") & (table.region == "all")]
    lines = [f"# {scen.name}", "", scen.description, "",
             f"Baseline: **{scen.baseline_name}**. Replications: {int(total['n'].max())} per "
             "scenario with common random numbers (the same seeds in every scenario).", "",
             "## Outcomes (all regions; mean [95% CI])", "", _md_table(total, OUTCOMES), "",
             "## Mechanisms: the intermediate quantities the levers move", "",
             _md_table(total, MECHANISMS), "",
             "## Paired differences against the baseline (all regions)", "",
             _diff_table(d), "",
             "![metrics](metrics_by_scenario.png)", "", "![regions](metrics_by_region.png)", "",
             "![differences](differences.png)", "", "![time series](timeseries.png)", ""]
    path = out / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def _md_table(total: pd.DataFrame, metrics: tuple[str, ...]) -> str:
    scen = list(dict.fromkeys(total["scenario"]))
    rows = ["| metric | " + " | ".join(scen) + " |", "|---" * (len(scen) + 1) + "|"]
    for m in metrics:
        t = total[total.metric == m].set_index("scenario")
        if t.empty:
            continue
        cells = [f"{t.loc[s, 'mean']:.4g} [{t.loc[s, 'ci_low']:.4g}, {t.loc[s, 'ci_high']:.4g}]"
                 for s in scen]
        rows.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _diff_table(d: pd.DataFrame) -> str:
    rows = ["| scenario | metric | difference [95% CI] | relative |", "|---|---|---|---|"]
    for r in d.itertuples():
        rows.append(f"| {r.scenario} | {r.metric} | {r.diff_mean:.4g} [{r.diff_ci_low:.4g}, "
                    f"{r.diff_ci_high:.4g}] | {r.relative_change:+.1%} |")
    return "\n".join(rows)
