"""Figure: ads, KOL live-streams or referrals, in three cultures."""

from __future__ import annotations

from experiments.figures._common import draw_panels, means_by_region
from experiments.figures.registry import FigureSpec

METRICS = ["orders", "customer_acquisition_cost", "wom_touches_per_consumer"]


def reduce(runs, ts, scen):
    """Mean and CI per channel and region."""
    return means_by_region(runs, METRICS)


def draw(data, fig):
    """Orders, acquisition cost and word of mouth by channel and region."""
    draw_panels(data, fig, "mean", "ci_low", "ci_high", "scenario")


FIGURE = FigureSpec(
    name="channels_by_culture",
    title="The same budget through ads, KOL live-streams or referrals (mean, 95% CI)",
    caption="Orders, acquisition cost and word-of-mouth touches per consumer in ID, MX and "
            "the US for three arms at the same total budget: ads only, KOL live-streams, "
            "referral programme (means with 95% CIs over 10 seeds; findings and their CIs in "
            "results/README.md).",
    scenario_file="referral_vs_kol_vs_ads.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(14, 4),
)
