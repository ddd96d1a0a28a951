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

import contextlib
import ctypes
import html
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
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
from mesa.visualization.utils import force_update, update_counter

from simulation.consumers import Stage
from simulation.levers.local_payments import LocalPayments
from simulation.metrics import METRIC_NAMES, METRICS, Counter
from simulation.model import MarketModel
from simulation.parameters import ParameterInfo
from simulation.profiles import profile_parameter_table
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
HORIZON_MIN, HORIZON_MAX, HORIZON_STEP = 10, 730, 10
"""Horizon slider in days: ten days (a quick look) to two years."""
PLAY_INTERVAL_MS, PLAY_INTERVAL_MAX_MS, PLAY_INTERVAL_STEP_MS = 100, 1_000, 50
"""Pause between frames while playing, in ms: Mesa's default, up to a second to watch slowly."""
RENDER_INTERVAL_MAX = 30
"""Days one Step click or play frame may advance (the render interval): up to a month."""
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

READABLE_NAMES: dict[str, str] = {
    "ecommerce_line": "e-commerce line",
    "gmv": "GMV",
    "kol_trust_gain": "KOL trust gain",
    "kol_views_per_consumer": "KOL views per consumer",
}
"""Names whose plain spelling (underscores to spaces) would read wrongly."""

NO_DATA = "No data yet: press Step or \u25b6"
"""What an empty plot says before the first day has run."""


def readable(name: str) -> str:
    """A code name as a person writes it (``ecommerce_line`` -> ``e-commerce line``)."""
    return READABLE_NAMES.get(name, name.replace("_", " "))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def format_value(value: float, step: float | None = None, *, is_int: bool = False) -> str:
    """A slider value as shown next to its label.

    Thousands are separated; a float has as many decimals as the slider's step resolves (a
    step of 0.01 shows two).
    """
    if is_int:
        return f"{int(value):,}"
    decimals = max(0, -math.floor(math.log10(step))) if step else 2
    return f"{float(value):,.{decimals}f}"


def slider_label(control: dict[str, Any], value: float) -> str:
    """A slider's label with its current value and unit, e.g. ``Horizon: 180 days``."""
    text = format_value(value, control.get("step"), is_int=control["type"] == "SliderInt")
    unit = control.get("unit", "")
    if value == 1 and unit.startswith("days"):
        unit = "day" + unit.removeprefix("days")
    return f"{control['label']}: {text} {unit}".rstrip()


def batch_size(day: int, horizon: int, render_interval: int) -> int:
    """Days one Step click or play frame advances: the render interval, cut at the horizon.

    A render interval that does not divide the horizon would otherwise step past it (day 39
    of a 30-day run with an interval of 13); at or past the horizon it is 0.
    """
    return max(0, min(int(render_interval), int(horizon) - int(day)))


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
    return {p.name: p for p in profile_parameter_table()}


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


PER_1K_DAILY = "USD per 1k consumers per day"
"""Unit of the spend sliders (the spec's ``*_per_1k_daily`` fields)."""


def _slider(info: ParameterInfo) -> dict[str, Any]:
    label, unit = _sentence(readable(info.name)), f"({info.unit})"
    if info.is_int:
        return {"type": "SliderInt", "value": int(info.default), "label": label, "unit": unit,
                "min": int(info.lo), "max": int(info.hi), "step": 1}
    return {"type": "SliderFloat", "value": float(info.default), "label": label, "unit": unit,
            "min": float(info.lo), "max": float(info.hi),
            "step": (info.hi - info.lo) / SLIDER_STEPS}


def _spend_slider(label: str, default: float, top: float, unit: str) -> dict[str, Any]:
    return {"type": "SliderFloat", "value": float(default), "label": label, "unit": unit,
            "min": 0.0, "max": float(top), "step": top / SLIDER_STEPS}


def model_params() -> dict[str, dict[str, Any]]:
    """The model's controls; defaults from the spec and the parameter table.

    Mesa's ``model_params`` format, plus a ``unit`` shown after each slider's value and the
    ``labels`` a select shows instead of code names.
    """
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
                         "label": "Horizon", "unit": "days", "min": HORIZON_MIN,
                         "max": HORIZON_MAX, "step": HORIZON_STEP},
        "overseas_warehouse": {"type": "Select", "value": NO_WAREHOUSE,
                               "label": "Overseas warehouse",
                               "values": [NO_WAREHOUSE, ALL_WAREHOUSES, *catalog_codes()]},
        "direct_mode": {"type": "Select",
                        "value": FulfilmentSpec.model_fields["direct_mode"].default,
                        "label": "Direct shipping", "values": list(SHIPPING_MODES),
                        "labels": {m: readable(m) for m in SHIPPING_MODES}},
        "local_payments": {"type": "Checkbox", "value": False,
                           "label": "Local payment methods"},
        "marketing_budget": _spend_slider("Marketing budget", budget, SLIDER_SPAN * budget,
                                          PER_1K_DAILY),
        "kol_share": {"type": "SliderFloat", "value": BudgetSplit.model_fields["kols"].default,
                      "label": "KOL share", "unit": "of the budget", "min": 0.0, "max": 1.0,
                      "step": 1.0 / SLIDER_STEPS},
        "referral_share": {"type": "SliderFloat",
                           "value": BudgetSplit.model_fields["referral"].default,
                           "label": "Referral share", "unit": "of the budget",
                           "min": 0.0, "max": 1.0, "step": 1.0 / SLIDER_STEPS},
        "referral_rebate": _spend_slider("Referral rebate",
                                         _seller_field_default("referral_rebate_usd"),
                                         REFERRAL_REBATE_MAX_USD, "USD per referred purchase"),
        "compliance_spend": _spend_slider("Compliance spend", compliance,
                                          SLIDER_SPAN * compliance, PER_1K_DAILY),
        **{name: _slider(info[name]) for name in BEHAVIOUR_PARAMETERS},
    }


PLAYBACK_CONTROLS: dict[str, dict[str, Any]] = {
    "play_interval": {"type": "SliderInt", "value": PLAY_INTERVAL_MS, "label": "Play interval",
                      "unit": "ms between frames", "min": 0, "max": PLAY_INTERVAL_MAX_MS,
                      "step": PLAY_INTERVAL_STEP_MS},
    "render_interval": {"type": "SliderInt", "value": 1, "label": "Render interval",
                        "unit": "days per Step or frame", "min": 1, "max": RENDER_INTERVAL_MAX,
                        "step": 1},
}
"""Sliders of the playback card (same format as :func:`model_params`)."""


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
        ("direct_mode", "Direct shipping", readable(seller.fulfilment.direct_mode)),
        ("providers", "Payment providers", ", ".join(p.name for p in seller.payment_providers)),
        ("marketing", f"Marketing budget ({PER_1K_DAILY})",
         f"{seller.marketing_budget_per_1k_daily:g}"),
        ("split", "Ads / KOLs / referral",
         f"{split.ads:.2f} / {split.kols:.2f} / {split.referral:.2f}"),
        ("rebate", "Referral rebate (USD)", f"{seller.referral_rebate_usd:g}"),
        ("compliance", f"Compliance spend ({PER_1K_DAILY})",
         f"{seller.compliance_spend_per_1k_daily:g}"),
        *[(name, _sentence(readable(name)), f"{getattr(params, name):.3g}")
          for name in BEHAVIOUR_PARAMETERS],
    ]
    metrics = [
        ("day", "Day", f"{model.steps}"),
        ("awareness", "Awareness", _fmt(total["awareness"])),
        ("reach", "Reach (ever touched)", _fmt(total["reach"])),
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
        f'<td class="xb-value" data-key="{key}" style="overflow-wrap: break-word">'
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
<p><b>How to use.</b> Set the controls under <i>Model parameters</i>, then press <b>Reset</b>:
the model is rebuilt with them (the <i>Set-up</i> table shows what it runs). <b>Step</b>
advances <i>Render interval</i> days per click; <b>&#9654;</b> plays until the horizon and
stops there (<b>&#10074;&#10074;</b> pauses). At the horizon the run is over: press
<b>Reset</b> to run again.</p>
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
DAY_AXIS = "day"
"""The x label of every plot over time."""


def _figure(legend_beside: bool = False, height: float = FIGURE_SIZE[1]) -> tuple[Figure, Any]:
    fig = Figure(figsize=(FIGURE_SIZE[0], height))
    fig.subplots_adjust(**{**MARGINS, "right": LEGEND_RIGHT if legend_beside else
                           MARGINS["right"]})
    ax = fig.subplots()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig, ax


def _days_axis(ax: Any, model: DashboardModel, pad: float = 0.0) -> None:
    """Days 0 to the horizon on x: the plot fills in as the run goes, the axes stay put."""
    ax.set(xlabel=DAY_AXIS, xlim=(-pad, model.spec.horizon_days + pad))


def _empty(ax: Any, message: str = NO_DATA, keep_y: bool = False) -> None:
    """Say so on a plot with nothing to show, instead of drawing a meaningless y range."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            color="#555555", fontsize="large")
    if not keep_y:
        ax.set_ylim(0, 1)
        ax.set_yticks([])


def _value_axis(ax: Any, values: np.ndarray) -> None:
    """A y range that means something (matplotlib draws +-0.05 around a flat zero line).

    0 to 1 while every value is zero or missing; from 0 up when none is negative.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.any():
        ax.set_ylim(0, 1)
    elif finite.min() >= 0:
        ax.set_ylim(bottom=0)


def funnel_figure(model: DashboardModel) -> Figure:
    """Share of consumers in each SICAS stage over time, all chosen regions together."""
    funnel = model.datacollector.get_table_dataframe("funnel")
    stages = [s.name.lower() for s in Stage]
    by_day = funnel.groupby("step")[stages].sum()
    shares = by_day.div(by_day.sum(axis=1), axis=0)
    fig, ax = _figure(legend_beside=True)
    ax.stackplot(shares.index, shares.T.to_numpy(), labels=stages,
                 colors=[STAGE_COLOURS[s] for s in Stage])
    ax.set(ylabel="share of consumers", title="SICAS funnel", ylim=(0, 1))
    _days_axis(ax, model)
    ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small")
    if model.steps == 0:
        _empty(ax, keep_y=True)
    return fig


def orders_figure(model: DashboardModel) -> Figure:
    """Paid orders per day: the flow behind the cumulative metric."""
    orders = model.datacollector.get_model_vars_dataframe()["orders"].to_numpy()
    daily = np.diff(orders, prepend=0.0)
    fig, ax = _figure()
    ax.stairs(daily, np.arange(len(daily) + 1) - 0.5, fill=True, color=STAGE_COLOURS[Stage.BUYING])
    ax.set(ylabel="paid orders", title="Orders per day")
    _days_axis(ax, model, pad=0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if model.steps == 0:
        _empty(ax)
    else:
        _value_axis(ax, daily)
    return fig


def delivery_figure(model: DashboardModel) -> Figure:
    """Mean delivery days of each day's deliveries, and the running mean (the metric)."""
    daily = model.daily_delivery_days()
    running = model.datacollector.get_model_vars_dataframe()["mean_delivery_days"]
    fig, ax = _figure()
    days = np.arange(len(daily))
    ax.scatter(days, daily, s=8, color=STAGE_COLOURS[Stage.INTERESTED], label="delivered that day")
    ax.plot(running.index, running.to_numpy(), color="black", label="mean to date")
    ax.set(ylabel="days from payment to door", title="Delivery time")
    _days_axis(ax, model)
    if model.steps == 0:
        _empty(ax)
    elif not np.isfinite(daily).any():
        _empty(ax, "No parcel delivered yet")
    else:
        ax.set_ylim(bottom=0)
        ax.legend(loc="best", fontsize="small")
    return fig


def profit_figure(model: DashboardModel) -> Figure:
    """Profit to date of the seller, all regions together, with a zero line."""
    profit = model.datacollector.get_model_vars_dataframe()["profit"]
    fig, ax = _figure()
    ax.plot(profit.index, profit.to_numpy(), color=STAGE_COLOURS[Stage.SHARING])
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set(ylabel="USD to date", title="Profit (all regions)")
    _days_axis(ax, model)
    if model.steps == 0:
        _empty(ax)
    elif not profit.to_numpy().any():
        ax.set_ylim(-1, 1)  # nothing earned or spent yet: around the zero line
    return fig


def region_figure(model: DashboardModel, metric: str) -> Figure:
    """One metric for each chosen region as bars, valued on the model's current day."""
    values = np.asarray(model.latest["by_region"][metric], dtype=float)
    codes = list(model.regions.codes)
    fig, ax = _figure()
    ax.bar(codes, np.nan_to_num(values), color=STAGE_COLOURS[Stage.TRUSTING])
    ax.set(ylabel=METRIC_UNITS[metric],
           title=f"{_sentence(readable(metric))} by region, day {model.steps}")
    if model.steps == 0:
        _empty(ax)
        return fig
    _value_axis(ax, values)
    for i, v in enumerate(values):
        ax.annotate(_fmt(v), (i, np.nan_to_num(v)), ha="center", va="bottom", fontsize="small")
    return fig


@solara.component
def FunnelPlot(model: DashboardModel) -> None:
    """The SICAS funnel over time (:func:`funnel_figure`)."""
    update_counter.get()
    solara.FigureMatplotlib(funnel_figure(model), format="png")


@solara.component
def OrdersPlot(model: DashboardModel) -> None:
    """Paid orders per day (:func:`orders_figure`)."""
    update_counter.get()
    solara.FigureMatplotlib(orders_figure(model), format="png")


@solara.component
def DeliveryPlot(model: DashboardModel) -> None:
    """Delivery days, daily and to date (:func:`delivery_figure`)."""
    update_counter.get()
    solara.FigureMatplotlib(delivery_figure(model), format="png")


@solara.component
def ProfitPlot(model: DashboardModel) -> None:
    """Profit to date (:func:`profit_figure`)."""
    update_counter.get()
    solara.FigureMatplotlib(profit_figure(model), format="png")


@solara.component
def RegionBars(model: DashboardModel) -> None:
    """One metric per chosen region as bars; the metric is chosen in the panel."""
    update_counter.get()
    metric, set_metric = solara.use_state("conversion_rate")
    names = {_sentence(readable(m)): m for m in METRIC_NAMES}
    solara.Select("Metric by region", values=list(names),
                  value=_sentence(readable(metric)),
                  on_value=lambda label: set_metric(names[label]), dense=True)
    solara.FigureMatplotlib(region_figure(model, metric), format="png")


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


# --- controls ------------------------------------------------------------------------------
# Mesa 3.5's SolaraViz steps with a ModelController that, when ``model.running`` turns False
# while playing, leaves ``playing`` set and disables both ▶ (showing ❚❚) and Step, so the page
# froze until Reset; it also steps a whole render interval past the horizon. The page
# therefore has its own controller (and inputs that show their values), built from the same
# Solara pieces and Mesa's ``update_counter``.


def run_over(model: MarketModel) -> bool:
    """True once the model has reached its horizon (or stopped itself)."""
    return not model.running or model.steps >= model.spec.horizon_days


def advance(model: MarketModel, render_interval: int) -> int:
    """Step the model one batch of :func:`batch_size` days (never past its horizon).

    Returns the days stepped: 0 when the run is over.
    """
    days = batch_size(model.steps, model.spec.horizon_days, render_interval)
    stepped = 0
    while stepped < days and model.running:
        model.step()
        stepped += 1
    return stepped


def over_message(model: MarketModel) -> str:
    """What Step and ▶ say at the horizon."""
    return (f"The run is over: day {model.steps} is its horizon. "
            "Press Reset to run it again (with any new parameters).")


@solara.component
def ControlInput(control: dict[str, Any], value: Any, on_value: Callable[[Any], None]) -> None:
    """One control of :func:`model_params` or :data:`PLAYBACK_CONTROLS`.

    A slider's label shows its current value and unit.
    """
    kind, label = control["type"], control["label"]
    if kind in ("SliderInt", "SliderFloat"):
        slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
        slider(slider_label(control, value), value=value, min=control["min"],
               max=control["max"], step=control["step"], on_value=on_value)
    elif kind == "Select":
        shown = control.get("labels", {})
        by_label = {shown.get(v, v): v for v in control["values"]}
        solara.Select(label, values=list(by_label), value=shown.get(value, value),
                      on_value=lambda text: on_value(by_label[text]))
    elif kind == "Checkbox":
        solara.Checkbox(label=label, value=value, on_value=on_value)
    elif kind == "InputText":
        solara.InputText(label=label, value=value, on_value=on_value)
    else:
        raise ValueError(f"{kind} is not a supported control type")


@solara.component
def ParameterInputs(controls: dict[str, dict[str, Any]],
                    values: solara.Reactive[dict[str, Any]]) -> None:
    """The model's controls; their values are used at the next Reset."""
    for name, control in controls.items():
        def set_value(value: Any, name: str = name) -> None:
            values.set({**values.value, name: value})

        ControlInput(control, values.value[name], set_value)


@solara.component
def Playback(model: solara.Reactive[DashboardModel],
             values: solara.Reactive[dict[str, Any]]) -> None:
    """Reset, ▶/❚❚ and Step with the play and render intervals; play stops at the horizon.

    A lock keeps stepping and Reset apart (the play loop runs in a thread), so a Reset while
    playing never steps the new model; pages are redrawn outside the lock.
    """
    update_counter.get()  # redraw after every step: the status and buttons follow the day
    playing = solara.use_reactive(False)
    speed = solara.use_reactive({k: c["value"] for k, c in PLAYBACK_CONTROLS.items()})
    notice = solara.use_reactive("")
    error = solara.use_reactive("")
    lock = solara.use_memo(threading.Lock, dependencies=[])

    def play() -> None:
        try:
            while playing.value:
                time.sleep(speed.value["play_interval"] / 1000)  # the chosen pace (ms)
                with lock:
                    if not playing.value:  # Reset or ❚❚ while waiting
                        return
                    current = model.value
                    advance(current, speed.value["render_interval"])
                    over = run_over(current)
                force_update()
                if over:
                    playing.set(False)
        except Exception as e:  # shown on the page; the loop must not die silently
            error.set(f"error while playing: {e}")
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def do_step() -> None:
        error.set("")
        with lock:
            current = model.value
            stepped = advance(current, speed.value["render_interval"])
        notice.set("" if stepped else over_message(current))
        force_update()

    def do_play_pause() -> None:
        if playing.value:
            playing.set(False)
        elif run_over(model.value):
            notice.set(over_message(model.value))
        else:
            notice.set("")
            error.set("")
            playing.set(True)

    def do_reset() -> None:
        playing.set(False)
        notice.set("")
        error.set("")
        try:
            fresh = DashboardModel(**values.value)
        except Exception as e:  # a bad combination of controls must not take the page down
            error.set(f"could not build the model: {e}")
            return
        with lock:
            model.set(fresh)
        force_update()

    for name, control in PLAYBACK_CONTROLS.items():
        def set_speed(value: int, name: str = name) -> None:
            speed.set({**speed.value, name: value})

        ControlInput(control, speed.value[name], set_speed)
    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=do_reset)
        solara.Button(label="❚❚" if playing.value else "▶", color="primary",
                      on_click=do_play_pause)
        solara.Button(label="Step", color="primary", on_click=do_step,
                      disabled=playing.value)
    current = model.value
    state = ("playing" if playing.value else
             "the run is over; Reset runs it again" if run_over(current) else "paused")
    solara.Text(f"Day {current.steps} of {current.spec.horizon_days}: {state}",
                classes=["xb-status"])
    if notice.value:
        solara.Info(notice.value, classes=["xb-notice"], dense=True)
    if error.value:
        solara.Error(error.value, classes=["xb-error"], dense=True)


SIDEBAR_CSS = """
.xb-controls .v-slider.v-input--horizontal, .xb-parameters .v-slider.v-input--horizontal {
  grid-template-areas: "prepend" "control" "messages";
  grid-template-columns: minmax(0, 1fr);
}
.xb-controls .v-slider .v-input__prepend, .xb-parameters .v-slider .v-input__prepend {
  margin-inline-end: 0;
}
.xb-controls .v-slider .v-input__slot, .xb-parameters .v-slider .v-input__slot {
  flex-wrap: wrap;
}
.xb-controls .v-label, .xb-parameters .v-label {
  white-space: normal; overflow: visible; opacity: 0.85;
}
"""
"""A slider's label (with its value and unit) on its own line above the track, wrapped
rather than cut: beside the track a long label squeezed the slider to nothing (the grid
rules are Vuetify 3's, the slot rule Vuetify 2's)."""


@solara.component
def DashboardControls(model: solara.Reactive[DashboardModel]) -> None:
    """The sidebar: playback, then the model's parameters (used at the next Reset)."""
    controls = solara.use_memo(model_params, dependencies=[])
    values = solara.use_reactive({name: c["value"] for name, c in controls.items()})
    solara.Style(SIDEBAR_CSS)
    with solara.Card("Controls", classes=["xb-controls"]):
        Playback(model, values)
    with solara.Card("Model parameters", classes=["xb-parameters"]):
        ParameterInputs(controls, values)


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


# --- serving: the server process must not outlive ``xbsim dashboard`` ----------------------
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
"""Signals that stop ``xbsim dashboard`` and every process it started."""
STOP_GRACE_S = 10.0
"""Seconds the server gets to shut down after SIGTERM before it is killed."""
PR_SET_PDEATHSIG = 1
"""prctl(2) option (linux/prctl.h): the signal a process gets when its parent dies."""


class ServerStopped(Exception):
    """SIGTERM or SIGINT stopped ``xbsim dashboard`` (the server is already stopped)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop_children(grace_s: float = STOP_GRACE_S) -> list[int]:
    """SIGTERM every process this one started, wait up to ``grace_s``, SIGKILL the rest.

    Returns their pids. Without psutil (a dependency of dask.distributed) nothing is done
    here and :func:`subprocess.run` kills the server when the stop propagates.
    """
    try:
        import psutil
    except ImportError:
        return []
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace_s)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=grace_s)
    return [c.pid for c in children]


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when ``parent`` dies.

    Even a SIGKILL of the parent then stops the server: the backstop for when the stop
    handlers cannot run.
    """

    def setup() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return setup


def serve(command: list[str], env: dict[str, str]) -> int:
    """Run the server command until it exits; return its exit status.

    SIGTERM or SIGINT stops the server and everything it started (:func:`stop_children`)
    and then raises :class:`ServerStopped`; on Linux the server also gets SIGTERM if this
    process dies without running its handlers.
    """

    def on_stop(signum: int, frame: Any) -> None:
        for s in STOP_SIGNALS:  # one stop at a time; it is bounded by STOP_GRACE_S
            signal.signal(s, signal.SIG_IGN)
        stop_children()
        raise ServerStopped(signum)

    in_main = threading.current_thread() is threading.main_thread()  # signal() needs it
    previous = {s: signal.signal(s, on_stop) for s in STOP_SIGNALS} if in_main else {}
    extra = {"preexec_fn": _die_with_parent(os.getpid())} if sys.platform == "linux" else {}
    try:
        return subprocess.run(command, env=env, check=False, **extra).returncode
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


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
    "NO_DATA",
    "PLAYBACK_CONTROLS",
    "ControlInput",
    "DashboardControls",
    "DashboardModel",
    "DashboardViews",
    "DeliveryPlot",
    "FunnelPlot",
    "HowTo",
    "NetworkView",
    "OrdersPlot",
    "ParameterInputs",
    "Playback",
    "ProfitPlot",
    "Readout",
    "RegionBars",
    "ServerStopped",
    "advance",
    "batch_size",
    "budget_split",
    "dashboard_spec",
    "delivery_figure",
    "format_value",
    "frontend_packages",
    "funnel_figure",
    "local_payments_provider",
    "model_params",
    "network_layout",
    "network_sample",
    "orders_figure",
    "over_message",
    "parse_seed",
    "profit_figure",
    "readable",
    "region_figure",
    "region_groups",
    "resolve_regions",
    "run_over",
    "serve",
    "slider_label",
    "stop_children",
    "vendor_frontend_assets",
]
