"""The interactive dashboard: a market model built from plain controls, and its views.

:class:`DashboardModel` is a :class:`~simulation.model.MarketModel` whose constructor takes the
keyword arguments Mesa's SolaraViz sets from its controls (region group, population, seed,
the seller's fulfilment, marketing, payments and compliance, a few behavioural parameters),
so a student can change a lever, press Reset and watch what it does. The views below are
Solara components that read the model after every step; ``simulation.dashboard_app`` puts
them beside SolaraViz's controls and ``xbsim dashboard`` serves the page.

Slider ranges and defaults come from the spec's field defaults and from
:func:`~simulation.parameters.parameter_table`; only ranges the spec leaves open (a budget may
be anything up to 100,000) get a dashboard bound, declared once below with its reason.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import make_plot_component
from mesa.visualization.utils import update_counter

from simulation.consumers import Stage
from simulation.levers.local_payments import LocalPayments
from simulation.metrics import METRIC_NAMES, METRICS, Counter
from simulation.model import MarketModel
from simulation.parameters import ParameterInfo, parameter_table
from simulation.regions import SHIPPING_MODES, load_catalog
from simulation.spec import (
    BudgetSplit,
    FulfilmentSpec,
    MarketSpec,
    PaymentProviderSpec,
    SellerSpec,
)

# --- dashboard bounds the spec leaves open (UI choices, not model facts) --------------------
DEFAULT_SEED = 42
"""Seed the dashboard starts with (the README's examples use 42); any integer >= 0 works."""
CONSUMERS_MIN, CONSUMERS_MAX, CONSUMERS_STEP = 1_000, 100_000, 1_000
"""Population slider: a step stays well under a tenth of a second up to 100k consumers."""
HORIZON_MIN, HORIZON_MAX, HORIZON_STEP = 30, 730, 30
"""Horizon slider in days: one month to two years."""
SLIDER_SPAN = 10.0
"""Open-ended spend sliders reach this multiple of their spec default."""
REFERRAL_REBATE_MAX_USD = 10.0
"""Referral rebate slider maximum: a sizeable share of the default products' prices."""
SLIDER_STEPS = 100
"""Float sliders move in this many steps across their range."""
NETWORK_SAMPLE = 200
"""Consumers drawn in the network view: enough to see hubs, few enough to read."""
NETWORK_BRANCHING = 6
"""The network sample follows at most this many ties of each consumer (snowball sampling)."""
NETWORK_HEIGHT = 4.2
"""Inches: the network view is taller than the other plots."""
VIEW_SEED = 0
"""Seed of the network view's sample and layout; separate from the model's generator so
drawing never changes the simulation."""

BEHAVIOUR_PARAMETERS: tuple[str, ...] = (
    "initial_trust_share",
    "trust_threshold",
    "kol_trust_gain",
    "share_rate",
    "beta_delivery",
    "abandon_missing_method_rate",
)
"""Behavioural parameters with a slider: trust, KOLs, word of mouth, delivery, payments."""

CONTRAST_REGIONS: tuple[str, ...] = ("BR", "ID", "DE")
"""The default group (as in the README): markets that differ in culture, logistics, payments."""
ALL_REGIONS = "All catalog regions"
NO_WAREHOUSE = "none"
ALL_WAREHOUSES = "every chosen region"
LOCAL_PROVIDER = "local_methods"
"""Name of the provider the local-payments control adds."""

STAGE_COLOURS: dict[Stage, str] = {
    Stage.UNAWARE: "#d9d9d9",
    Stage.AWARE: "#9ecae1",
    Stage.INTERESTED: "#4292c6",
    Stage.TRUSTING: "#fdae6b",
    Stage.BUYING: "#e6550d",
    Stage.SHARING: "#31a354",
}
"""One colour per SICAS stage, greys and blues before trust, warm after."""

METRIC_UNITS: dict[str, str] = {m.name: m.unit for m in METRICS}


def _seller_field_default(name: str) -> Any:
    return SellerSpec.model_fields[name].get_default(call_default_factory=True)


def _market_field_default(name: str) -> Any:
    return MarketSpec.model_fields[name].get_default(call_default_factory=True)


@cache
def catalog_codes() -> tuple[str, ...]:
    """Region codes of the default catalog, in catalog order."""
    return tuple(load_catalog().regions)


@cache
def region_groups() -> dict[str, tuple[str, ...]]:
    """Choices of the region control: label -> codes (contrasts, each macro region, all)."""
    regions = load_catalog().regions
    groups: dict[str, list[str]] = {}
    for code, region in regions.items():
        groups.setdefault(region.macro_region, []).append(code)
    out = {f"Contrasts ({' '.join(CONTRAST_REGIONS)})": CONTRAST_REGIONS}
    out.update({f"{name} ({' '.join(codes)})": tuple(codes) for name, codes in groups.items()})
    out[ALL_REGIONS] = tuple(regions)
    return out


DEFAULT_GROUP = next(iter(region_groups()))


@cache
def _parameter_info() -> dict[str, ParameterInfo]:
    return {p.name: p for p in parameter_table()}


def _param_default(name: str) -> float:
    return float(_parameter_info()[name].default)


def parse_seed(seed: int | str) -> int:
    """The seed typed into the dashboard as an integer >= 0 (the text field gives strings)."""
    try:
        value = int(str(seed).strip())
    except ValueError:
        raise ValueError(f"seed: expected a whole number >= 0, got {seed!r}") from None
    if value < 0:
        raise ValueError(f"seed: expected a whole number >= 0, got {value}")
    return value


def resolve_regions(regions: str | Sequence[str]) -> list[str]:
    """Region codes for a group label of :func:`region_groups` or an explicit list of codes."""
    if isinstance(regions, str):
        groups = region_groups()
        if regions not in groups:
            raise ValueError(f"regions: unknown group {regions!r}; choose one of {list(groups)}")
        return list(groups[regions])
    return list(regions)


def budget_split(kol_share: float, referral_share: float) -> BudgetSplit:
    """A valid split: KOL and referral shares as given, ads the rest.

    When the two shares exceed the whole budget they are scaled down to sum to one (no ads),
    so any slider position gives a valid spec.
    """
    kols, referral = max(kol_share, 0.0), max(referral_share, 0.0)
    total = kols + referral
    if total > 1.0:
        kols, referral = kols / total, referral / total
        return BudgetSplit(ads=0.0, kols=kols, referral=1.0 - kols)
    return BudgetSplit(ads=1.0 - total, kols=kols, referral=referral)


def local_payments_provider() -> PaymentProviderSpec:
    """The provider the local-payments control adds, with the local-payments lever's terms."""
    lever = LocalPayments()
    return PaymentProviderSpec(
        name=LOCAL_PROVIDER, methods=list(lever.methods), regions=lever.regions,
        fee_rate=lever.fee_rate, fx_spread=lever.fx_spread,
        fraud_screening=lever.fraud_screening, settlement_days=lever.settlement_days,
    )


def dashboard_spec(
    *,
    regions: str | Sequence[str] = DEFAULT_GROUP,
    n_consumers: int = _market_field_default("n_consumers"),
    horizon_days: int = _market_field_default("horizon_days"),
    overseas_warehouse: str = NO_WAREHOUSE,
    direct_mode: str = FulfilmentSpec.model_fields["direct_mode"].default,
    marketing_budget: float = _seller_field_default("marketing_budget_per_1k_daily"),
    kol_share: float = BudgetSplit.model_fields["kols"].default,
    referral_share: float = BudgetSplit.model_fields["referral"].default,
    referral_rebate: float = _seller_field_default("referral_rebate_usd"),
    local_payments: bool = False,
    compliance_spend: float = _seller_field_default("compliance_spend_per_1k_daily"),
    parameters: dict[str, float] | None = None,
) -> tuple[MarketSpec, list[str]]:
    """The market spec the dashboard controls describe, and notes on choices it ignored.

    One seller (the spec's default entrant) sells in the chosen regions; a warehouse region
    outside them is ignored with a note rather than failing, because the two controls are
    set independently.
    """
    codes = resolve_regions(regions)
    notes: list[str] = []
    if overseas_warehouse == NO_WAREHOUSE:
        warehouses: list[str] = []
    elif overseas_warehouse == ALL_WAREHOUSES:
        warehouses = list(codes)
    elif overseas_warehouse in codes:
        warehouses = [overseas_warehouse]
    else:
        warehouses = []
        notes.append(f"overseas warehouse in {overseas_warehouse} ignored: not a chosen region")
    providers = list(_seller_field_default("payment_providers"))
    if local_payments:
        providers.append(local_payments_provider())
    seller = SellerSpec(
        marketing_budget_per_1k_daily=marketing_budget,
        budget_split=budget_split(kol_share, referral_share),
        referral_rebate_usd=referral_rebate,
        fulfilment=FulfilmentSpec(direct_mode=direct_mode, overseas_warehouses=warehouses),
        payment_providers=providers,
        compliance_spend_per_1k_daily=compliance_spend,
    )
    spec = MarketSpec(
        name="dashboard", regions=codes, n_consumers=n_consumers, horizon_days=horizon_days,
        sellers=[seller], parameters=parameters or {},
    )
    return spec, notes


class DashboardModel(MarketModel):
    """A MarketModel built from the dashboard's controls (plain keyword arguments).

    Behavioural parameters with a slider are the keyword arguments named in
    :data:`BEHAVIOUR_PARAMETERS`; everything else keeps its spec default.
    """

    def __init__(
        self,
        regions: str | Sequence[str] = DEFAULT_GROUP,
        n_consumers: int = _market_field_default("n_consumers"),
        horizon_days: int = _market_field_default("horizon_days"),
        seed: int | str = DEFAULT_SEED,
        overseas_warehouse: str = NO_WAREHOUSE,
        direct_mode: str = FulfilmentSpec.model_fields["direct_mode"].default,
        marketing_budget: float = _seller_field_default("marketing_budget_per_1k_daily"),
        kol_share: float = BudgetSplit.model_fields["kols"].default,
        referral_share: float = BudgetSplit.model_fields["referral"].default,
        referral_rebate: float = _seller_field_default("referral_rebate_usd"),
        local_payments: bool = False,
        compliance_spend: float = _seller_field_default("compliance_spend_per_1k_daily"),
        initial_trust_share: float = _param_default("initial_trust_share"),
        trust_threshold: float = _param_default("trust_threshold"),
        kol_trust_gain: float = _param_default("kol_trust_gain"),
        share_rate: float = _param_default("share_rate"),
        beta_delivery: float = _param_default("beta_delivery"),
        abandon_missing_method_rate: float = _param_default("abandon_missing_method_rate"),
    ) -> None:
        parameters = {
            "initial_trust_share": initial_trust_share,
            "trust_threshold": trust_threshold,
            "kol_trust_gain": kol_trust_gain,
            "share_rate": share_rate,
            "beta_delivery": beta_delivery,
            "abandon_missing_method_rate": abandon_missing_method_rate,
        }
        spec, notes = dashboard_spec(
            regions=regions, n_consumers=int(n_consumers), horizon_days=int(horizon_days),
            overseas_warehouse=overseas_warehouse, direct_mode=direct_mode,
            marketing_budget=marketing_budget, kol_share=kol_share,
            referral_share=referral_share, referral_rebate=referral_rebate,
            local_payments=local_payments, compliance_spend=compliance_spend,
            parameters=parameters,
        )
        try:
            self.seed = parse_seed(seed)
        except ValueError as e:  # a typo in the text field must not take the page down
            self.seed = DEFAULT_SEED
            notes.append(f"{e}; using {DEFAULT_SEED}")
        self.notes = notes
        # Daily flows for the views: delivered orders and their summed delivery days.
        self.delivered_log: list[float] = []
        self.delivery_days_log: list[float] = []
        super().__init__(spec, rng=self.seed)
        self._log_day()

    def _log_day(self) -> None:
        totals = self.counters.sum(axis=(0, 1))
        self.delivered_log.append(float(totals[Counter.DELIVERED]))
        self.delivery_days_log.append(float(totals[Counter.DELIVERY_DAYS]))

    def step(self) -> None:
        """Advance one day and log the day's deliveries (for the daily delivery-time view)."""
        super().step()
        self._log_day()

    def daily_delivery_days(self) -> np.ndarray:
        """Mean delivery days of the orders delivered on each day (NaN on days without)."""
        delivered = np.diff(self.delivered_log, prepend=0.0)
        days = np.diff(self.delivery_days_log, prepend=0.0)
        out = np.full(len(delivered), np.nan)
        np.divide(days, delivered, out=out, where=delivered > 0)
        return out


def _slider(info: ParameterInfo) -> dict[str, Any]:
    if info.is_int:
        return {"type": "SliderInt", "value": int(info.default), "label": info.name,
                "min": int(info.lo), "max": int(info.hi), "step": 1}
    return {"type": "SliderFloat", "value": float(info.default), "label": info.name,
            "min": float(info.lo), "max": float(info.hi),
            "step": (info.hi - info.lo) / SLIDER_STEPS}


def _spend_slider(label: str, default: float, top: float) -> dict[str, Any]:
    return {"type": "SliderFloat", "value": float(default), "label": label, "min": 0.0,
            "max": float(top), "step": top / SLIDER_STEPS}


def model_params() -> dict[str, dict[str, Any]]:
    """SolaraViz controls for :class:`DashboardModel`, defaults from the spec and parameters."""
    budget = _seller_field_default("marketing_budget_per_1k_daily")
    compliance = _seller_field_default("compliance_spend_per_1k_daily")
    info = _parameter_info()
    return {
        "seed": {"type": "InputText", "value": str(DEFAULT_SEED), "label": "Seed"},
        "regions": {"type": "Select", "value": DEFAULT_GROUP, "label": "Regions",
                    "values": list(region_groups())},
        "n_consumers": {"type": "SliderInt", "value": _market_field_default("n_consumers"),
                        "label": "Consumers", "min": CONSUMERS_MIN, "max": CONSUMERS_MAX,
                        "step": CONSUMERS_STEP},
        "horizon_days": {"type": "SliderInt", "value": _market_field_default("horizon_days"),
                         "label": "Horizon (days)", "min": HORIZON_MIN, "max": HORIZON_MAX,
                         "step": HORIZON_STEP},
        "overseas_warehouse": {"type": "Select", "value": NO_WAREHOUSE,
                               "label": "Overseas warehouse",
                               "values": [NO_WAREHOUSE, ALL_WAREHOUSES, *catalog_codes()]},
        "direct_mode": {"type": "Select",
                        "value": FulfilmentSpec.model_fields["direct_mode"].default,
                        "label": "Direct shipping", "values": list(SHIPPING_MODES)},
        "local_payments": {"type": "Checkbox", "value": False,
                           "label": "Local payment methods"},
        "marketing_budget": _spend_slider("Marketing $/day/1k", budget,
                                          SLIDER_SPAN * budget),
        "kol_share": {"type": "SliderFloat", "value": BudgetSplit.model_fields["kols"].default,
                      "label": "KOL share", "min": 0.0, "max": 1.0,
                      "step": 1.0 / SLIDER_STEPS},
        "referral_share": {"type": "SliderFloat",
                           "value": BudgetSplit.model_fields["referral"].default,
                           "label": "Referral share",
                           "min": 0.0, "max": 1.0, "step": 1.0 / SLIDER_STEPS},
        "referral_rebate": _spend_slider("Referral rebate $",
                                         _seller_field_default("referral_rebate_usd"),
                                         REFERRAL_REBATE_MAX_USD),
        "compliance_spend": _spend_slider("Compliance $/day/1k", compliance,
                                          SLIDER_SPAN * compliance),
        **{name: _slider(info[name]) for name in BEHAVIOUR_PARAMETERS},
    }


# --- views -------------------------------------------------------------------------------

def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:,.{digits}g}"


def readout_rows(model: DashboardModel) -> dict[str, list[tuple[str, str, str]]]:
    """(key, label, value) rows of the readout: what the model runs with, and where it is.

    The set-up is read back from the model's spec, so it shows what a Reset really built.
    """
    total = model.latest["total"]
    orders = model.datacollector.get_model_vars_dataframe()["orders"].to_numpy()
    today = orders[-1] - orders[-2] if len(orders) > 1 else 0.0
    seller = model.spec.sellers[0]
    split = seller.budget_split
    params = model.spec.parameters
    setup = [
        ("seed", "Seed", f"{model.seed}"),
        ("regions", "Regions", " ".join(model.regions.codes)),
        ("consumers", "Consumers", f"{model.population.n:,}"),
        ("horizon", "Horizon (days)", f"{model.spec.horizon_days}"),
        ("warehouses", "Overseas warehouses",
         " ".join(seller.fulfilment.overseas_warehouses) or NO_WAREHOUSE),
        ("direct_mode", "Direct shipping", seller.fulfilment.direct_mode),
        ("providers", "Payment providers", ", ".join(p.name for p in seller.payment_providers)),
        ("marketing", "Marketing $/day/1k", f"{seller.marketing_budget_per_1k_daily:g}"),
        ("split", "Ads / KOLs / referral",
         f"{split.ads:.2f} / {split.kols:.2f} / {split.referral:.2f}"),
        ("rebate", "Referral rebate $", f"{seller.referral_rebate_usd:g}"),
        ("compliance", "Compliance $/day/1k", f"{seller.compliance_spend_per_1k_daily:g}"),
        *[(name, name, f"{getattr(params, name):.3g}") for name in BEHAVIOUR_PARAMETERS],
    ]
    metrics = [
        ("day", "Day", f"{model.steps}"),
        ("awareness", "Awareness", _fmt(total["awareness"])),
        ("conversion_rate", "Conversion", _fmt(total["conversion_rate"])),
        ("orders", "Orders to date", f"{total['orders']:,.0f}"),
        ("orders_today", "Orders today", f"{today:,.0f}"),
        ("mean_delivery_days", "Mean delivery days", _fmt(total["mean_delivery_days"])),
        ("cart_abandonment_rate", "Cart abandonment", _fmt(total["cart_abandonment_rate"])),
        ("repurchase_rate", "Repurchase", _fmt(total["repurchase_rate"])),
        ("negative_review_rate", "Negative reviews", _fmt(total["negative_review_rate"])),
        ("profit", "Profit to date (USD)", f"{total['profit']:,.0f}"),
    ]
    return {"Metrics": metrics, "Set-up": setup}


def _html_table(title: str, rows: list[tuple[str, str, str]]) -> str:
    cells = "".join(
        f'<tr><td style="padding-right: 0.8em">{html.escape(label)}</td>'
        f'<td class="xb-value" data-key="{key}" style="overflow-wrap: anywhere">'
        f"<b>{html.escape(value)}</b></td></tr>"
        for key, label, value in rows
    )
    return (f'<div style="flex: 1 1 18em"><h4>{html.escape(title)}</h4>'
            f'<table style="width: 100%">{cells}</table></div>')


@solara.component
def Readout(model: DashboardModel) -> None:
    """Set-up and metrics as text, so the run can be read (and checked), not only seen."""
    update_counter.get()
    tables = "".join(_html_table(t, rows) for t, rows in readout_rows(model).items())
    notes = "".join(f'<p class="xb-note" style="color: #b71c1c"><b>Note:</b> '
                    f"{html.escape(n)}</p>"
                    for n in model.notes)
    solara.HTML(tag="div", unsafe_innerHTML=f'{notes}<div style="display: flex; '
                f'flex-wrap: wrap; gap: 1em">{tables}</div>', classes=["xb-readout"])


HOW_TO = """
<p><b>How to use.</b> Set the controls under <i>Model Parameters</i>, then press <b>Reset</b>:
the model is rebuilt with them (the <i>Set-up</i> table shows what it runs). <b>Step</b>
advances one day (<i>Render Interval</i> days per click); <b>&#9654;</b> plays until the
horizon.</p>
<p><b>What to try.</b> Put an overseas warehouse in BR and watch delivery days and
repurchase; switch on local payment methods and watch cart abandonment; move budget from ads
to KOLs and watch the funnel. The same seed gives the same market, so differences come from
your change.</p>
<p><b>The network.</b> A snowball sample of one region's consumers (ties followed from a
random start); bigger dots have more ties. Word of mouth travels along these ties.</p>
"""
"""Short guide at the foot of the page (HTML: Solara's Markdown would fetch a diagram
library from a CDN on every page)."""


FIGURE_SIZE = (5.5, 3.2)
"""Inches of one plot; two fit side by side on a laptop screen."""
MARGINS = {"left": 0.14, "right": 0.96, "bottom": 0.15, "top": 0.9}
"""Fixed subplot margins: automatic layout would double the time to draw each plot."""
LEGEND_RIGHT = 0.74
"""Right edge of the axes when the legend sits beside them."""


def _figure(legend_beside: bool = False, height: float = FIGURE_SIZE[1]) -> tuple[Figure, Any]:
    fig = Figure(figsize=(FIGURE_SIZE[0], height))
    fig.subplots_adjust(**{**MARGINS, "right": LEGEND_RIGHT if legend_beside else
                           MARGINS["right"]})
    ax = fig.subplots()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig, ax


@solara.component
def FunnelPlot(model: DashboardModel) -> None:
    """Share of consumers in each SICAS stage over time, all chosen regions together."""
    update_counter.get()
    funnel = model.datacollector.get_table_dataframe("funnel")
    stages = [s.name.lower() for s in Stage]
    by_day = funnel.groupby("step")[stages].sum()
    shares = by_day.div(by_day.sum(axis=1), axis=0)
    fig, ax = _figure(legend_beside=True)
    ax.stackplot(shares.index, shares.T.to_numpy(), labels=stages,
                 colors=[STAGE_COLOURS[s] for s in Stage])
    ax.set(xlabel="day", ylabel="share of consumers", title="SICAS funnel", ylim=(0, 1),
           xlim=(0, max(model.steps, 1)))
    ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small")
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def OrdersPlot(model: DashboardModel) -> None:
    """Paid orders per day: the flow behind the cumulative metric."""
    update_counter.get()
    orders = model.datacollector.get_model_vars_dataframe()["orders"].to_numpy()
    daily = np.diff(orders, prepend=0.0)
    fig, ax = _figure()
    ax.stairs(daily, np.arange(len(daily) + 1) - 0.5, fill=True, color=STAGE_COLOURS[Stage.BUYING])
    ax.set(xlabel="day", ylabel="paid orders", title="Orders per day",
           xlim=(-0.5, max(model.steps, 1) + 0.5))
    ax.set_ylim(bottom=0)
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def DeliveryPlot(model: DashboardModel) -> None:
    """Mean delivery days of each day's deliveries, and the running mean (the metric)."""
    update_counter.get()
    daily = model.daily_delivery_days()
    running = model.datacollector.get_model_vars_dataframe()["mean_delivery_days"]
    fig, ax = _figure()
    days = np.arange(len(daily))
    ax.scatter(days, daily, s=8, color=STAGE_COLOURS[Stage.INTERESTED], label="delivered that day")
    ax.plot(running.index, running.to_numpy(), color="black", label="mean to date")
    ax.set(xlabel="day", ylabel="days from payment to door", title="Delivery time",
           xlim=(0, max(model.steps, 1)))
    if np.isfinite(daily).any():
        ax.legend(loc="best", fontsize="small")
    solara.FigureMatplotlib(fig, format="png")


def profit_axes(ax: Any) -> None:
    """Post-process for Mesa's profit plot: units, a zero line and a title."""
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set(ylabel="USD to date", title="Profit (all regions)")


@solara.component
def RegionBars(model: DashboardModel) -> None:
    """One metric per chosen region as bars; the metric is chosen in the panel."""
    update_counter.get()
    metric, set_metric = solara.use_state("conversion_rate")
    solara.Select("Metric by region", values=list(METRIC_NAMES), value=metric,
                  on_value=set_metric, dense=True)
    values = np.asarray(model.latest["by_region"][metric], dtype=float)
    codes = list(model.regions.codes)
    fig, ax = _figure()
    ax.bar(codes, np.nan_to_num(values), color=STAGE_COLOURS[Stage.TRUSTING])
    for i, v in enumerate(values):
        ax.annotate(_fmt(v), (i, np.nan_to_num(v)), ha="center", va="bottom", fontsize="small")
    ax.set(ylabel=METRIC_UNITS[metric], title=f"{metric} by region, day {model.steps}")
    solara.FigureMatplotlib(fig, format="png")


def network_sample(model: MarketModel, region: int, size: int = NETWORK_SAMPLE,
                   branching: int = NETWORK_BRANCHING, seed: int = VIEW_SEED) -> np.ndarray:
    """A snowball sample of one region's consumers: follow a few ties of each, breadth first.

    A uniform sample of a sparse graph has almost no ties between its members; following ties
    keeps the local structure (hubs, clusters) visible. Uses its own generator, not the model's.
    """
    rng = np.random.default_rng(seed)
    members = np.flatnonzero(model.population.region == region)
    size = min(size, len(members))
    in_region = np.zeros(model.population.n, dtype=bool)
    in_region[members] = True
    chosen: dict[int, None] = {}
    frontier: list[int] = []
    while len(chosen) < size:
        if not frontier:  # start (or restart) from a random member not yet chosen
            rest = members[~np.isin(members, list(chosen))]
            frontier.append(int(rng.choice(rest)))
        node = frontier.pop(0)
        if node in chosen:
            continue
        chosen[node] = None
        ties = model.graph.neighbours(node)
        ties = ties[in_region[ties]]
        picks = rng.permutation(ties)[:branching]
        frontier.extend(int(t) for t in picks if int(t) not in chosen)
    return np.fromiter(chosen, dtype=np.int64)


def network_layout(model: MarketModel, nodes: np.ndarray) -> tuple[nx.Graph, dict]:
    """The induced subgraph of ``nodes`` and its spring layout (fixed seed: a stable picture)."""
    graph = model.graph.to_networkx(nodes)
    return graph, nx.spring_layout(graph, seed=VIEW_SEED)


@solara.component
def NetworkView(model: DashboardModel) -> None:
    """A sample of one region's social network, consumers coloured by funnel stage."""
    update_counter.get()
    codes = list(model.regions.codes)
    code, set_code = solara.use_state(codes[0])
    if code not in codes:  # the region group changed on reset
        code = codes[0]
    solara.Select("Network of region", values=codes, value=code, on_value=set_code, dense=True)
    region = codes.index(code)
    nodes = solara.use_memo(lambda: network_sample(model, region), dependencies=[model, region])
    graph, pos = solara.use_memo(lambda: network_layout(model, nodes),
                                 dependencies=[model, region])
    stage = model.population.stage[nodes]
    degree = model.degree[nodes]
    fig, ax = _figure(legend_beside=True, height=NETWORK_HEIGHT)
    xy = np.array([pos[int(n)] for n in nodes])
    edges = [(pos[u], pos[v]) for u, v in graph.edges()]
    ax.add_collection(LineCollection(edges, colors="#bbbbbb", linewidths=0.5, zorder=1))
    colours = [to_hex(STAGE_COLOURS[Stage(int(s))]) for s in stage]
    ax.scatter(xy[:, 0], xy[:, 1], s=8 + 4 * np.sqrt(degree), c=colours,
               edgecolors="#555555", linewidths=0.3, zorder=2)
    for s in Stage:
        ax.scatter([], [], color=STAGE_COLOURS[s], label=f"{s.name.lower()} "
                   f"({int((stage == s).sum())})")
    ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small",
              title="stage (sample)")
    ax.set_axis_off()
    ax.set_title(f"{code}: {len(nodes)} consumers, {graph.number_of_edges()} ties "
                 f"(size ~ degree), day {model.steps}", fontsize="medium")
    solara.FigureMatplotlib(fig, format="png")


# --- front-end assets for machines without the CDN -----------------------------------------
NPM_TIMEOUT_S = 300
"""Longest wait for ``npm pack`` of one package (the page bundle is ~18 MB)."""

_CDN_REF = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+[\w.-]*)/")


def frontend_packages() -> list[str]:
    """Packages on npm (``name@version``) the page loads through Solara's CDN proxy.

    Read from the installed Solara's page template (and its Font Awesome setting), so an
    upgrade of Solara asks for its own versions.
    """
    import solara.server
    from solara.server import server, settings

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    app = "@widgetti/solara-vuetify3-app@" if server.vue3 else "@widgetti/solara-vuetify-app@"
    found = set(_CDN_REF.findall(template.read_text(encoding="utf-8")))
    found = {f for f in found if "solara-vuetify" not in f or f.startswith(app)}
    if settings.assets.fontawesome_enabled:
        found.add(settings.assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(found)


def vendor_frontend_assets(cache_dir: Path | None = None) -> list[str]:
    """Put the page's npm packages into Solara's CDN cache with ``npm pack``, if missing.

    Solara fetches them from a public CDN on first use; on a machine that reaches only the
    package registries that fails and the page stays blank. Returns one line per package
    still missing (none when all are cached; npm absent or failing leaves them to the CDN).
    """
    from solara.server import settings

    cache_dir = Path(cache_dir or settings.assets.proxy_cache_dir)
    missing = [p for p in frontend_packages() if not (cache_dir / p).is_dir()]
    if not missing:
        return []
    npm = shutil.which("npm")
    if npm is None:
        return [f"{p}: not cached and npm not found (Solara will try its CDN)" for p in missing]
    problems = []
    cache_dir.mkdir(parents=True, exist_ok=True)
    for package in missing:
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            try:
                out = subprocess.run([npm, "pack", "--silent", package], cwd=tmp, check=True,
                                     capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
                tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
                with tarfile.open(tarball) as tar:
                    tar.extractall(Path(tmp) / "x", filter="data")
                target = cache_dir / package
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(tmp) / "x" / "package", target)
            except (OSError, IndexError, subprocess.SubprocessError, tarfile.TarError) as e:
                problems.append(f"{package}: npm pack failed ({e})")
    return problems


ProfitPlot, _ = make_plot_component("profit", post_process=profit_axes)
"""Mesa's own plot component for the profit reporter (a function of the model)."""


def _card(name: str, view: Any, model: DashboardModel) -> None:
    with solara.Card(margin=0, classes=[f"xb-view-{name}"]):
        view(model)


@solara.component
def DashboardViews(model: DashboardModel) -> None:
    """Every view of the dashboard in two columns (the main area of the page)."""
    with solara.Columns([1, 1]):
        _card("readout", Readout, model)
        with solara.Column():
            _card("funnel", FunnelPlot, model)
            _card("orders", OrdersPlot, model)
    with solara.Columns([1, 1]):
        _card("delivery", DeliveryPlot, model)
        _card("profit", ProfitPlot, model)
    with solara.Columns([1, 1]):
        _card("regions", RegionBars, model)
        _card("network", NetworkView, model)
    _card("help", HowTo, model)


@solara.component
def HowTo(model: DashboardModel) -> None:
    """The short guide (takes the model only to fit the views' signature)."""
    solara.HTML(tag="div", unsafe_innerHTML=HOW_TO)


__all__ = [
    "BEHAVIOUR_PARAMETERS",
    "DEFAULT_SEED",
    "DashboardModel",
    "DashboardViews",
    "DeliveryPlot",
    "FunnelPlot",
    "HowTo",
    "NetworkView",
    "OrdersPlot",
    "ProfitPlot",
    "Readout",
    "RegionBars",
    "budget_split",
    "dashboard_spec",
    "frontend_packages",
    "local_payments_provider",
    "model_params",
    "network_layout",
    "network_sample",
    "parse_seed",
    "region_groups",
    "resolve_regions",
    "vendor_frontend_assets",
]
