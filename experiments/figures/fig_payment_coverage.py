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
    caption="Offering wallets, bank transfer, cash on delivery and BNPL cuts checkout "
            "abandonment from 46-66% to about 20% in all four regions and doubles conversion "
            "in ID, where cards are a minority.",
    scenario_file="local_payments.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(11, 4),
)
