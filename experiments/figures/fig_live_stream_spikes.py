"""Figure: live-stream demand spikes and the stock-outs they cause."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.figures._common import means_by_region
from experiments.figures.registry import FigureSpec
from experiments.intervals import t_interval


def reduce(runs, ts, scen):
    """Daily paid orders over all regions (mean and CI over seeds) and final stock-outs."""
    daily = (ts.groupby(["scenario", "replication", "step"])["orders"].sum()
             .groupby(level=[0, 1]).diff().fillna(0.0).rename("daily_orders").reset_index())
    rows = []
    for (scen_name, step), g in daily.groupby(["scenario", "step"], sort=False):
        mean, lo, hi = t_interval(g["daily_orders"].to_numpy())
        rows.append(("daily_orders", scen_name, "all", float(step), mean, lo, hi))
    s = means_by_region(runs, ["stockout_rate", "mean_delivery_days", "live_order_share"])
    s = s[s.region == "all"]
    for r in s.itertuples():
        rows.append((r.metric, r.scenario, r.region, np.nan, r.mean, r.ci_low, r.ci_high))
    return pd.DataFrame(rows, columns=["metric", "scenario", "region", "step", "mean",
                                       "ci_low", "ci_high"])


def draw(data, fig):
    """Daily orders with bands; stock-out and delivery by scenario."""
    ax_ts, ax_so, ax_dd = fig.subplots(1, 3, width_ratios=[3, 1, 1])
    d = data[data.metric == "daily_orders"]
    for name, g in d.groupby("scenario", sort=False):
        ax_ts.plot(g["step"], g["mean"], lw=1, label=name)
        ax_ts.fill_between(g["step"], g["ci_low"], g["ci_high"], alpha=0.2)
    ax_ts.set(xlabel="day", ylabel="paid orders per day", title="daily orders (all regions)")
    ax_ts.legend(fontsize=8)
    for ax, metric in ((ax_so, "stockout_rate"), (ax_dd, "mean_delivery_days")):
        s = data[data.metric == metric]
        ax.bar(s["scenario"], s["mean"], yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
               capsize=3, color=["tab:blue", "tab:orange", "tab:green"][: len(s)])
        ax.set_title(metric, fontsize=10)
        ax.tick_params(axis="x", rotation=30, labelsize=7)


FIGURE = FigureSpec(
    name="live_stream_spikes",
    title="Live-streams: demand spikes and stock-outs (mean, 95% CI)",
    caption="Daily orders with KOL posts only, with live-streams, and with live-streams plus "
            "a 14-day reserve stock; live share of orders, stock-out rate and delivery days "
            "per arm (means with 95% CIs over 10 seeds; findings in results/README.md).",
    scenario_file="live_streaming_peaks.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(14, 4),
)
