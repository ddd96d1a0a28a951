"""Figure: what an overseas warehouse changes, region by region, and through what."""

from __future__ import annotations

from experiments.figures._common import differences_by_region, draw_panels
from experiments.figures.registry import FigureSpec

METRICS = ["mean_delivery_days", "negative_review_rate", "repurchase_rate"]


def reduce(runs, ts, scen):
    """Paired differences (warehouse minus direct) per region."""
    return differences_by_region(runs, scen.baseline_name, METRICS)


def draw(data, fig):
    """Delivery days, negative reviews and repurchase: difference with 95% CI."""
    draw_panels(data, fig, "diff_mean", "diff_ci_low", "diff_ci_high", "scenario",
                ylabel={"mean_delivery_days": "days (warehouse - direct)"})


FIGURE = FigureSpec(
    name="overseas_warehouse_by_region",
    title="Overseas warehouse vs direct parcels: paired differences by region (95% CI)",
    caption="Delivery days, negative-review rate and repurchase rate in BR, ID and DE with "
            "and without overseas warehouses in BR and ID (paired differences with 95% CIs "
            "over 10 seeds; findings in results/README.md).",
    scenario_file="overseas_warehouse_vs_direct.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(12, 4),
)
