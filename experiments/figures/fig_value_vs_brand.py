"""Figure: value versus brand positioning in emerging and developed regions."""

from __future__ import annotations

from experiments.figures._common import differences_by_region, draw_panels
from experiments.figures.registry import FigureSpec

METRICS = ["orders", "gmv", "repurchase_rate"]


def reduce(runs, ts, scen):
    """Paired differences of each positioning against the current line."""
    return differences_by_region(runs, scen.baseline_name, METRICS)


def draw(data, fig):
    """Difference in orders, GMV and repurchase by region."""
    draw_panels(data, fig, "diff_mean", "diff_ci_low", "diff_ci_high", "scenario")


FIGURE = FigureSpec(
    name="value_vs_brand",
    title="Value vs brand positioning: paired differences against the current line (95% CI)",
    caption="GMV, orders and repurchase per region for a value line and a brand line against "
            "the default product (paired differences with 95% CIs over 10 seeds; findings in "
            "results/README.md).",
    scenario_file="value_vs_brand.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(14, 4),
)
