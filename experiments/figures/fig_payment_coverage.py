"""Figure: payment-method coverage and checkout abandonment by region."""

from __future__ import annotations

from experiments.figures._common import draw_panels, means_by_region
from experiments.figures.registry import FigureSpec

METRICS = ["cart_abandonment_rate", "conversion_rate"]


def reduce(runs, ts, scen):
    """Mean and CI per scenario and region."""
    return means_by_region(runs, METRICS)


def draw(data, fig):
    """Abandonment and conversion, cards only vs with local methods."""
    draw_panels(data, fig, "mean", "ci_low", "ci_high", "scenario")


FIGURE = FigureSpec(
    name="payment_coverage_abandonment",
    title="Payment-method coverage and abandonment by region (mean, 95% CI)",
    caption="Checkout abandonment and conversion per region with cards only and with local "
            "methods (wallets, bank transfer, cash on delivery, BNPL) (means with 95% CIs "
            "over 10 seeds; findings in results/README.md).",
    scenario_file="local_payments.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(11, 4),
)
