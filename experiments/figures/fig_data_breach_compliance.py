"""Figure: a data breach under strict and lax regimes, with and without compliance."""

from __future__ import annotations

from experiments.figures._common import draw_panels, means_by_region
from experiments.figures.registry import FigureSpec

METRICS = ["profit", "mean_trust_aware", "conversion_rate"]


def reduce(runs, ts, scen):
    """Mean and CI per scenario and region."""
    return means_by_region(runs, METRICS)


def draw(data, fig):
    """Profit, trust and conversion by regime and compliance."""
    draw_panels(data, fig, "mean", "ci_low", "ci_high", "scenario")


FIGURE = FigureSpec(
    name="data_breach_compliance",
    title="Data breach and compliance by regime (mean, 95% CI)",
    caption="Trust among aware consumers, conversion and profit per data-protection regime "
            "with and without a compliance programme (means with 95% CIs over 10 seeds; "
            "findings in results/README.md).",
    scenario_file="data_compliance_regimes.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(14, 4),
)
