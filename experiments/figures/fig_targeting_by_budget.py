"""Figure: precision targeting's effect on conversion and acquisition cost, by marketing budget.

A ceteris-paribus run of the entrant's budget (experiments/scenarios/
precision_targeting_by_budget.yaml): the validation market at six budgets, each with and
without the lever. It shows where the lever has attention left to win, and how saturated the
untargeted market is at each budget (awareness, first exposures through a friend, marketing
spent per unit of GMV). The bands drawn are read from the facts and levels files, never
restated here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.figures.registry import FigureSpec
from experiments.intervals import t_interval
from experiments.plausibility import FRIEND_EXPOSURE_METRICS, load_levels
from experiments.scenarios import ScenarioFile
from experiments.validation import load_facts, relative_effect
from simulation.spec import MarketSpec, SellerSpec

EFFECTS = {"conversion_rate": "precision_targeting_conversion",
           "customer_acquisition_cost": "precision_targeting_cac"}
"""Metric -> the validation fact whose band the panel shows."""
FRIEND_LEVEL = "first_exposure_via_friend"
LEVELS = ("awareness", "first_exposure_friend_share", "marketing_per_gmv")
DEFAULT_BUDGET = SellerSpec.model_fields["marketing_budget_per_1k_daily"].default


def _budget(spec: MarketSpec) -> tuple[float, bool]:
    seller = spec.sellers[0]
    return seller.marketing_budget_per_1k_daily, seller.levers.precision_targeting is not None


def _per_seed(runs: pd.DataFrame, scenario: str, metric: str) -> pd.Series:
    cell = runs[(runs.scenario == scenario) & (runs.seller == "all") & (runs.region == "all")
                & (runs.metric == metric)]
    return cell.set_index("seed")["value"].sort_index()


def reduce(runs: pd.DataFrame, ts: pd.DataFrame, scen: ScenarioFile) -> pd.DataFrame:
    """Per budget: the lever's relative effects (paired seeds) and the untargeted arm's levels."""
    arms: dict[float, dict[bool, str]] = {}
    for name, spec in scen.specs().items():
        budget, targeted = _budget(spec)
        arms.setdefault(budget, {})[targeted] = name
    rows = []
    for budget in sorted(arms):
        base, treat = arms[budget][False], arms[budget][True]
        for metric in EFFECTS:
            b, t = _per_seed(runs, base, metric), _per_seed(runs, treat, metric)
            est = relative_effect(b.to_numpy(), t.reindex(b.index).to_numpy())
            rows.append((budget, metric, est.value, est.ci_low, est.ci_high, est.n))
        friend = sum(_per_seed(runs, base, m) for m in FRIEND_EXPOSURE_METRICS)
        spent = (_per_seed(runs, base, "marketing_allocated")
                 - _per_seed(runs, base, "marketing_unspent"))
        levels = {"awareness": _per_seed(runs, base, "awareness"),
                  "first_exposure_friend_share": friend,
                  "marketing_per_gmv": spent / _per_seed(runs, base, "gmv")}
        for name in LEVELS:
            v = levels[name].to_numpy(dtype=float)
            mean, lo, hi = t_interval(v)
            rows.append((budget, name, mean, lo, hi, int(np.isfinite(v).sum())))
    return pd.DataFrame(rows, columns=["budget_per_1k_daily", "quantity", "value", "ci_low",
                                       "ci_high", "n"])


def _friend_band() -> tuple[float, float]:
    level = next(e for e in load_levels()["levels"] if e["id"] == FRIEND_LEVEL)
    return tuple(level["band"])


def _budget_axis(ax, budgets: np.ndarray) -> None:
    """Log budget axis labelled at the simulated budgets, with the declared default marked."""
    ax.set_xscale("log")
    ax.set_xticks(budgets, [f"{b:g}" for b in budgets])
    ax.minorticks_off()
    ax.axvline(DEFAULT_BUDGET, color="grey", ls=":", label="declared default budget")
    ax.set_xlabel("marketing budget (USD per 1,000 consumers a day)")


def draw(data: pd.DataFrame, fig: Figure) -> None:
    """Two effect panels with their facts' bands, one panel of the untargeted arm's levels."""
    facts = load_facts()
    budgets = np.unique(data.budget_per_1k_daily.to_numpy())
    axes = fig.subplots(1, 3)
    for ax, (metric, fact_id) in zip(axes[:2], EFFECTS.items(), strict=True):
        d = data[data.quantity == metric]
        low, high = facts.fact(fact_id).target.band
        ax.axhspan(100 * low, 100 * high, color="tab:green", alpha=0.15,
                   label=f"band of {fact_id}")
        x = d.budget_per_1k_daily.to_numpy()
        y = 100 * d.value.to_numpy()
        err = 100 * np.vstack([d.value - d.ci_low, d.ci_high - d.value])
        ax.errorbar(x, y, yerr=np.nan_to_num(err), marker="o", capsize=3, color="tab:blue")
        ax.axhline(0, color="grey", lw=0.8)
        _budget_axis(ax, budgets)
        ax.set_ylabel("relative effect of the lever (%)")
        ax.set_title(metric, fontsize=10)
        ax.legend(fontsize=7)
    ax = axes[2]
    low, high = _friend_band()
    ax.axhspan(low, high, color="tab:orange", alpha=0.12,
               label=f"band of {FRIEND_LEVEL} (level)")
    for name, colour in zip(LEVELS, ("tab:purple", "tab:orange", "tab:brown"), strict=True):
        d = data[data.quantity == name]
        err = np.vstack([d.value - d.ci_low, d.ci_high - d.value])
        ax.errorbar(d.budget_per_1k_daily, d.value, yerr=np.nan_to_num(err), marker="o",
                    capsize=3, color=colour, label=name)
    _budget_axis(ax, budgets)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share (untargeted arm)")
    ax.set_title("the market without the lever", fontsize=10)
    ax.legend(fontsize=7)


FIGURE = FigureSpec(
    name="targeting_by_budget",
    title="Precision targeting's effect by the entrant's marketing budget (95% CI)",
    caption="Relative effect of precision targeting on conversion (customers per aware "
            "consumer) and on acquisition cost in the validation market at six budgets, paired "
            "seeds (ratio of means, 95% CI over 10 seeds, calibrated profile's point values); "
            "right: the untargeted arm's awareness, first exposures through a friend and "
            "marketing spent per USD of GMV. Shaded: the facts' and the level's bands. "
            "Findings in results/README.md.",
    scenario_file="precision_targeting_by_budget.yaml",
    reduce=reduce, draw=draw, replications=10, figsize=(14, 4.2),
)
