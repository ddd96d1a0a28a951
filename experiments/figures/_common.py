"""Reductions and drawings shared by several figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.compare import paired_differences, summarise


def differences_by_region(runs: pd.DataFrame, baseline: str, metrics: list[str],
                          seller: str = "all") -> pd.DataFrame:
    """Paired differences against the baseline per region, for the given metrics."""
    d = paired_differences(runs, baseline)
    d = d[(d.seller == seller) & d.metric.isin(metrics)]
    return d[["scenario", "region", "metric", "diff_mean", "diff_ci_low", "diff_ci_high",
              "relative_change", "n"]].sort_values(["metric", "scenario", "region"])


def means_by_region(runs: pd.DataFrame, metrics: list[str], seller: str = "all"
                    ) -> pd.DataFrame:
    """Mean and 95% CI per scenario and region, for the given metrics."""
    t = summarise(runs[(runs.seller == seller) & runs.metric.isin(metrics)],
                  ["scenario", "region", "metric"])
    return t.sort_values(["metric", "scenario", "region"])


def draw_panels(data: pd.DataFrame, fig: Figure, value: str, low: str, high: str,
                group: str, ylabel: dict[str, str] | None = None) -> None:
    """One panel per metric: bars per region, one colour per ``group`` value, 95% CI."""
    metrics = list(dict.fromkeys(data["metric"]))
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, m in zip(axes, metrics, strict=True):
        d = data[data.metric == m]
        groups = list(dict.fromkeys(d[group]))
        regions = list(dict.fromkeys(d["region"]))
        width = 0.8 / len(groups)
        for i, g in enumerate(groups):
            dd = d[d[group] == g].set_index("region").reindex(regions)
            x = np.arange(len(regions)) + i * width
            err = np.vstack([dd[value] - dd[low], dd[high] - dd[value]])
            ax.bar(x, dd[value], width=width, yerr=np.nan_to_num(err), capsize=3, label=g)
        ax.set_xticks(np.arange(len(regions)) + width * (len(groups) - 1) / 2, regions)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(m, fontsize=10)
        if ylabel and m in ylabel:
            ax.set_ylabel(ylabel[m])
    axes[0].legend(fontsize=8)
