"""Outcome metrics: each defined once (name, formula, unit) from counters and the ledger.

The model keeps flow counters per (seller, region); consumer-state counts per region come
from the population. :func:`compute_metrics` turns cumulative counters into every metric per
region and in total, so the daily reporters, the summary table and the documentation share
one definition. Ratios with an empty denominator are NaN (undefined), never a fake zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.model import MarketModel
    from simulation.sellers import Seller
    from simulation.warehouses import Warehouse


class Counter(IntEnum):
    """Flow counters accumulated per (seller, region)."""

    CHECKOUTS = 0  # legitimate checkout attempts
    ABANDONED = 1
    DECLINED_LEGIT = 2  # legitimate checkouts declined by screening
    PAID = 3  # legitimate paid orders
    GMV = 4  # USD, legitimate paid orders
    FRAUD_ATTEMPTS = 5
    FRAUD_BLOCKED = 6
    FRAUD_PASSED = 7
    PICK_ATTEMPTS = 8  # paid orders that reached a shelf at least once
    STOCKOUTS = 9  # paid orders that met an empty shelf at least once
    SHIPPED = 10
    DELIVERED = 11
    DELIVERY_DAYS = 12  # sum of days from payment to delivery, delivered orders
    LOST = 13
    REVIEWS = 14
    NEGATIVE_REVIEWS = 15
    RETURNS = 16
    KEPT = 17
    CANCELLED = 18
    NEW_CUSTOMERS = 19
    REPEAT_PURCHASES = 20
    MARKETING_SPEND = 21  # USD
    LOGISTICS_COST = 22  # USD, outbound parcels
    LIVE_ORDERS = 23  # paid orders placed on a live-stream occasion
    REFERRAL_ORDERS = 24  # paid orders by referred first-time buyers
    CARBON_KG = 25  # kg CO2e of shipped parcels
    AD_TOUCHES = 26  # noticed ad impressions
    KOL_VIEWS = 27  # KOL posts seen
    LIVE_VIEWS = 28  # live-streams watched
    WOM_TOUCHES = 29  # friends' shares seen (positive and negative)
    LOCAL_DELIVERED = 30  # orders delivered from a warehouse inside the region


N_COUNTERS = len(Counter)


@dataclass(frozen=True)
class Metric:
    """Definition of one metric: an outcome, or a mechanism quantity levers act through."""

    name: str
    unit: str
    formula: str
    is_rate: bool
    kind: str = "outcome"


METRICS: tuple[Metric, ...] = (
    Metric("awareness", "share of consumers",
           "consumers aware of at least one seller / consumers", True),
    Metric("conversion_rate", "share of aware consumers",
           "consumers with at least one paid order / aware consumers", True),
    Metric("orders", "orders", "legitimate paid orders", False),
    Metric("gmv", "USD", "value of legitimate paid orders after discounts", False),
    Metric("repurchase_rate", "share of customers",
           "customers with two or more paid orders / customers", True),
    Metric("negative_review_rate", "share of reviews", "negative reviews / reviews", True),
    Metric("return_rate", "share of delivered orders",
           "returned orders / orders whose return decision is made", True),
    Metric("mean_delivery_days", "days",
           "sum of days from payment to delivery / delivered orders", False),
    Metric("cart_abandonment_rate", "share of checkouts",
           "abandoned checkouts / legitimate checkout attempts", True),
    Metric("fraud_rate", "share of paid orders",
           "fraudulent orders that passed screening / (paid orders + those)", True),
    Metric("customer_acquisition_cost", "USD per new customer",
           "marketing spend / new customers", False),
    Metric("stockout_rate", "share of picked orders",
           "orders that met an empty shelf / orders that reached a shelf", True),
    Metric("logistics_cost_per_order", "USD per shipped order",
           "outbound logistics cost / shipped orders", False),
    Metric("profit", "USD", "revenue - refunds - costs (ledger)", False),
    Metric("carbon_kg_per_order", "kg CO2e per shipped order",
           "kg CO2e of shipped parcels / shipped orders", False),
    Metric("ad_touches_per_consumer", "touches per consumer",
           "noticed ad impressions / consumers", False, "mechanism"),
    Metric("kol_views_per_consumer", "views per consumer",
           "KOL posts seen / consumers", False, "mechanism"),
    Metric("live_views_per_consumer", "views per consumer",
           "live-streams watched / consumers", False, "mechanism"),
    Metric("wom_touches_per_consumer", "touches per consumer",
           "friends' shares seen / consumers", False, "mechanism"),
    Metric("mean_trust_aware", "trust units (0-1)",
           "mean trust in the sellers they know, over aware consumers", True, "mechanism"),
    Metric("live_order_share", "share of paid orders",
           "paid orders placed on a live-stream occasion / paid orders", True, "mechanism"),
    Metric("referral_order_share", "share of paid orders",
           "paid first orders by invited buyers / paid orders", True, "mechanism"),
    Metric("local_delivery_share", "share of delivered orders",
           "orders delivered from stock inside the region / delivered orders", True,
           "mechanism"),
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
RATE_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.is_rate)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Num / den, NaN where den is 0.

    >>> ratio(np.array([1.0, 1.0]), np.array([2.0, 0.0])).tolist()
    [0.5, nan]
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


COUNTER_ITEMS: tuple[tuple[str, Counter], ...] = tuple(Counter.__members__.items())

RATIO_METRICS: tuple[tuple[str, str, str], ...] = (
    # name, numerator, denominator (names of the inputs built in compute_metrics)
    ("awareness", "aware", "consumers"),
    ("conversion_rate", "customers", "aware"),
    ("repurchase_rate", "repeat_customers", "customers"),
    ("negative_review_rate", "NEGATIVE_REVIEWS", "REVIEWS"),
    ("return_rate", "RETURNS", "returns_and_kept"),
    ("mean_delivery_days", "DELIVERY_DAYS", "DELIVERED"),
    ("cart_abandonment_rate", "ABANDONED", "CHECKOUTS"),
    ("fraud_rate", "FRAUD_PASSED", "paid_and_fraud"),
    ("customer_acquisition_cost", "MARKETING_SPEND", "NEW_CUSTOMERS"),
    ("stockout_rate", "STOCKOUTS", "PICK_ATTEMPTS"),
    ("logistics_cost_per_order", "LOGISTICS_COST", "SHIPPED"),
    ("carbon_kg_per_order", "CARBON_KG", "SHIPPED"),
    ("ad_touches_per_consumer", "AD_TOUCHES", "consumers"),
    ("kol_views_per_consumer", "KOL_VIEWS", "consumers"),
    ("live_views_per_consumer", "LIVE_VIEWS", "consumers"),
    ("wom_touches_per_consumer", "WOM_TOUCHES", "consumers"),
    ("live_order_share", "LIVE_ORDERS", "PAID"),
    ("referral_order_share", "REFERRAL_ORDERS", "PAID"),
    ("local_delivery_share", "LOCAL_DELIVERED", "DELIVERED"),
)
"""Every metric that is a ratio, as (name, numerator, denominator): one division for all."""


def compute_metrics(
    counters: np.ndarray,
    profit: np.ndarray,
    consumers: np.ndarray,
    aware: np.ndarray,
    customers: np.ndarray,
    repeat_customers: np.ndarray,
    mean_trust_aware: np.ndarray | float = np.nan,
) -> dict[str, np.ndarray]:
    """Every metric for each row of the inputs (ratios NaN where the denominator is 0).

    Args:
        counters: (..., N_COUNTERS) cumulative counters (summed over whatever the rows are).
        profit: (...,) USD.
        consumers: (...,) consumers.
        aware: (...,) consumers aware of at least one seller.
        customers: (...,) consumers with at least one paid order.
        repeat_customers: (...,) consumers with two or more paid orders.
        mean_trust_aware: (...,) mean trust of aware consumers in the sellers they know.

    Returns:
        metric name -> (...,) values.
    """
    c = np.asarray(counters, dtype=float)
    shape = np.broadcast_shapes(c.shape[:-1], np.shape(profit), np.shape(consumers))
    inputs = {name: c[..., counter] for name, counter in COUNTER_ITEMS}
    inputs.update(consumers=consumers, aware=aware, customers=customers,
                  repeat_customers=repeat_customers,
                  returns_and_kept=inputs["RETURNS"] + inputs["KEPT"],
                  paid_and_fraud=inputs["PAID"] + inputs["FRAUD_PASSED"])
    num = np.empty((len(RATIO_METRICS), *shape))
    den = np.empty_like(num)
    for i, (_, n, d) in enumerate(RATIO_METRICS):
        num[i] = inputs[n]
        den[i] = inputs[d]
    ratios = ratio(num, den)
    out = {name: ratios[i] for i, (name, _, _) in enumerate(RATIO_METRICS)}
    out.update(orders=inputs["PAID"], gmv=inputs["GMV"], profit=np.asarray(profit, dtype=float),
               mean_trust_aware=np.asarray(mean_trust_aware, dtype=float))
    return {name: out[name] for name in METRIC_NAMES}


def count(model: MarketModel, sellers: np.ndarray, regions: np.ndarray, counter: Counter,
          amount: np.ndarray | float = 1.0) -> None:
    """Add ``amount`` to a flow counter of each (seller, region) pair (repeats add up)."""
    np.add.at(model.counters, (sellers, regions, counter), amount)


FUNNEL_COLUMNS = ("unaware", "aware", "interested", "trusting", "buying", "sharing")
"""Funnel-table columns, in Stage order."""


def measure(model: MarketModel) -> None:
    """Today's metrics per region and in total into ``model.latest`` (for the reporters).

    Also adds today's rows to the DataCollector's region and funnel tables. Regions and the
    total are computed in one pass (the total is the last row).
    """
    n_regions = model.regions.n
    counts = model.population.region_counts(n_regions)
    profit = model.ledger.profit()  # (S, R + 1)
    counters = model.counters

    def with_total(by_region: np.ndarray) -> np.ndarray:
        out = np.empty(n_regions + 1)
        out[:n_regions] = by_region
        out[n_regions] = by_region.sum()
        return out

    rows = compute_metrics(
        np.vstack([counters.sum(axis=0), counters.sum(axis=(0, 1))]),
        np.concatenate([profit[:, :n_regions].sum(axis=0), [profit.sum()]]),
        with_total(counts["consumers"]), with_total(counts["aware"]),
        with_total(counts["customers"]), with_total(counts["repeat_customers"]),
        ratio(with_total(counts["trust_sum"]), with_total(counts["aware_pairs"])),
    )
    table = np.column_stack([rows[m] for m in METRIC_NAMES])  # (R + 1, metrics)
    model.latest = {
        "by_region": {m: v[:n_regions] for m, v in rows.items()},
        "total": dict(zip(METRIC_NAMES, table[-1].tolist(), strict=True)),
        "stage_counts": counts["stage"].sum(axis=0),
        "seller_profit": profit.sum(axis=1),
        "backlog": model.orders.backlog_by_warehouse(len(model.warehouse_list)),
    }
    dc = model.datacollector
    step = model.steps
    for code, values, stages in zip(model.regions.codes, table[:n_regions].tolist(),
                                    counts["stage"].tolist(), strict=True):
        dc.add_table_row("regions", {"step": step, "region": code,
                                     **dict(zip(METRIC_NAMES, values, strict=True))})
        dc.add_table_row("funnel", {"step": step, "region": code,
                                    **dict(zip(FUNNEL_COLUMNS, stages, strict=True))})


# --- reporters (read what measure() computed today) -------------------------------------

def total_metric(model: MarketModel, name: str) -> float:
    """Model reporter: a metric over all regions and sellers."""
    return model.latest["total"][name]


def stage_count(model: MarketModel, stage: int) -> int:
    """Model reporter: consumers in a funnel stage."""
    return int(model.latest["stage_counts"][stage])


def fx_index_mean(model: MarketModel) -> float:
    """Model reporter: mean exchange-rate index over regions (1 = unchanged since day 0)."""
    return float(model.fx.index.mean())


def seller_profit(agent: Seller) -> float:
    """Agent reporter: a seller's profit to date, USD."""
    return float(agent.model.latest["seller_profit"][agent.index])


def seller_orders(agent: Seller) -> float:
    """Agent reporter: a seller's paid orders to date."""
    return float(agent.model.counters[agent.index, :, Counter.PAID].sum())


def warehouse_stock(agent: Warehouse) -> int:
    """Agent reporter: units on the shelf."""
    return int(agent.stock.sum())


def warehouse_backlog(agent: Warehouse) -> int:
    """Agent reporter: paid orders waiting to be picked at this warehouse."""
    return int(agent.model.latest["backlog"][agent.index])


def measurement_phase(model: MarketModel, day: int) -> None:
    """Phase 'measurement': today's metrics, then Mesa's DataCollector reads them."""
    measure(model)
    model.datacollector.collect(model)
