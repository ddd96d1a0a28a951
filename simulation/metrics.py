"""Outcome metrics: each defined once (name, formula, unit) from counters and the ledger.

The model keeps flow counters per (seller, region); consumer-state counts per region come
from the population. :func:`compute_metrics` turns cumulative counters into every metric per
region and in total, so the daily reporters, the summary table and the documentation share
one definition. Ratios with an empty denominator are NaN (undefined), never a fake zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from simulation.ledger import profit_of

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
    LOST_DAYS = 31  # sum of days from payment to the day a lost parcel is found lost (refund)
    LEGIT_SHIPPED = 32  # legitimate orders shipped (SHIPPED without fraudsters' parcels)
    LEGIT_SHIPPED_DAYS = 33  # sum of days from payment to the end of their fixed timelines
    MARKETING_ALLOCATED = 34  # USD, the marketing budget of the days run (every channel)
    AD_SPEND = 35  # USD, ad impressions
    KOL_SPEND = 36  # USD, KOL post and stream fees and live-sale commissions
    REFERRAL_ALLOCATED = 37  # USD, referral budget accrued to the referral pot
    REFERRAL_REBATES = 38  # USD, rebates paid to sharers from the referral pot
    GROUP_BUY_SUBSIDIES = 39  # USD, group-buy price cuts paid from the referral pot
    GROUP_ORDERS = 40  # paid orders that joined a sharer's group within the window
    FIRST_VIA_AD = 41  # first purchases whose first exposure to the seller was an ad
    FIRST_VIA_KOL = 42  # ... a KOL post (short video)
    FIRST_VIA_LIVE = 43  # ... a live-stream
    FIRST_VIA_WOM = 44  # ... a friend's share without an invitation
    FIRST_VIA_REFERRAL = 45  # ... a friend's invitation (referral)
    BEFORE_FIRST_AD = 46  # first purchases preceded by >= 1 ad touch
    BEFORE_FIRST_KOL = 47  # ... by >= 1 KOL post seen
    BEFORE_FIRST_LIVE = 48  # ... by >= 1 live-stream watched
    BEFORE_FIRST_WOM = 49  # ... by >= 1 friend's share (no invitation)
    BEFORE_FIRST_REFERRAL = 50  # ... by >= 1 invitation
    TOUCHES_BEFORE_FIRST = 51  # sum over first purchases of the buyer's touches before it
    REGION_EXITS = 52  # an adaptive seller left the region (1 on the review day)
    LIVE_MISFIRES = 53  # live-streams that broke a local norm (backlash)
    MISFIRE_VIEWERS = 54  # viewers of misfired live-streams (they lose trust)
    KOL_SUSPENSIONS = 55  # KOL contracts suspended after a misfire
    LOCALISATION_SPEND = 56  # USD, content localisation (content_localisation lever)
    REFERRAL_TO_ADS = 57  # USD, referral pot overflow moved to the next day's ads
    # Measurement only (validation of the referral and group-buy effects, issue 16):
    GROUP_GMV = 58  # USD, value of the paid orders counted in GROUP_ORDERS
    FIRST_WITH_SELLER = 59  # paid first orders with this seller (its new customers)
    REPEATERS = 60  # paid second orders with this seller (customers becoming repeat buyers)
    REFERRED_REPEATERS = 61  # ... of customers whose first order was a REFERRAL_ORDERS one
    RECALLED_BEFORE_FIRST = 62  # sum over first purchases of the touches still remembered
    # Fixed-window repurchase (simulation/repurchase_window.py), counted on the day a
    # customer's first order with the seller is repurchase_window_days old:
    WINDOW_FIRST = 63  # customers whose first order with this seller is W days old
    WINDOW_REPEATERS = 64  # ... who paid a second order at most W days after the first
    WINDOW_REFERRED_FIRST = 65  # ... WINDOW_FIRST whose first order was a REFERRAL_ORDERS one
    WINDOW_REFERRED_REPEATERS = 66  # ... WINDOW_REPEATERS whose first order was referred


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
           "consumers aware of at least one seller now (memory above the awareness threshold, "
           "or a past customer) / consumers", True),
    Metric("reach", "share of consumers",
           "consumers ever touched (a noticed touch) by at least one seller / consumers", True),
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
           "sum of days from payment to delivery / delivered orders (delivered parcels only: "
           "lost ones and those still in transit are left out)", False),
    Metric("mean_days_to_resolution", "days",
           "(days from payment to delivery + days from payment to the day a lost parcel is "
           "found lost and refunded) / (delivered + lost orders): every legitimate parcel "
           "that reached an end state", False),
    Metric("mean_shipped_parcel_days", "days",
           "days from payment to the end of each legitimate shipped parcel's timeline (door, "
           "or found lost), fixed when it is picked / legitimate shipped orders: parcels "
           "still in transit count at the day they will arrive (not censored by the horizon; "
           "the figure to compare with the catalog's shipping times)", False),
    Metric("cart_abandonment_rate", "share of checkouts",
           "abandoned checkouts / legitimate checkout attempts", True),
    Metric("fraud_rate", "share of paid orders",
           "fraudulent orders that passed screening / (paid orders + those)", True),
    Metric("customer_acquisition_cost", "USD per new customer",
           "marketing spend / new customers", False),
    Metric("stockout_rate", "share of picked orders",
           "orders that met an empty shelf (or a failed pick: phantom_stock_rate) / orders that "
           "reached a shelf", True),
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
    Metric("group_order_share", "share of paid orders",
           "paid orders that joined a sharer's group within the window / paid orders", True,
           "mechanism"),
    Metric("first_exposure_ad_share", "share of first purchases",
           "first purchases whose buyer first met the seller through ads / new "
           "customers", True, "attribution"),
    Metric("first_exposure_kol_share", "share of first purchases",
           "first purchases whose buyer first met the seller through KOL posts (short video) / new "
           "customers", True, "attribution"),
    Metric("first_exposure_live_share", "share of first purchases",
           "first purchases whose buyer first met the seller through live-streams / new "
           "customers", True, "attribution"),
    Metric("first_exposure_wom_share", "share of first purchases",
           "first purchases whose buyer first met the seller through friends' shares without an "
           "invitation / new customers", True, "attribution"),
    Metric("first_exposure_referral_share", "share of first purchases",
           "first purchases whose buyer first met the seller through friends' invitations "
           "(referral) / new customers", True, "attribution"),
    Metric("touched_by_ad_share", "share of first purchases",
           "first purchases preceded by at least one touch of ads / new customers",
           True, "attribution"),
    Metric("touched_by_kol_share", "share of first purchases",
           "first purchases preceded by at least one touch of KOL posts (short video) / new "
           "customers",
           True, "attribution"),
    Metric("touched_by_live_share", "share of first purchases",
           "first purchases preceded by at least one touch of live-streams / new customers",
           True, "attribution"),
    Metric("touched_by_wom_share", "share of first purchases",
           "first purchases preceded by at least one touch of friends' shares without an "
           "invitation / new customers",
           True, "attribution"),
    Metric("touched_by_referral_share", "share of first purchases",
           "first purchases preceded by at least one touch of friends' invitations "
           "(referral) / new customers",
           True, "attribution"),
    Metric("checkout_conversion_rate", "share of checkouts",
           "paid orders / legitimate checkout attempts (started checkouts that were paid: "
           "neither abandoned nor declined)", True, "mechanism"),
    Metric("referred_repurchase_rate", "share of referred customers",
           "customers whose first order with the seller was a referred one (an invited "
           "buyer's) and who paid a second / such customers", True, "mechanism"),
    Metric("other_repurchase_rate", "share of other customers",
           "customers whose first order with the seller was not a referred one and who paid "
           "a second / such customers", True, "mechanism"),
    Metric("referred_repurchase_rate_window", "share of referred customers",
           "referred customers (first order with the seller an invited buyer's) whose first "
           "order is at least repurchase_window_days old and who paid a second within that "
           "many days of the first / such customers (equal observation window: no right "
           "censoring of late recruits)", True, "mechanism"),
    Metric("other_repurchase_rate_window", "share of other customers",
           "the other customers whose first order with the seller is at least "
           "repurchase_window_days old and who paid a second within that many days of the "
           "first / such customers", True, "mechanism"),
    Metric("group_order_value", "USD per order",
           "value of paid orders that joined a sharer's group / such orders", False,
           "mechanism"),
    Metric("solo_order_value", "USD per order",
           "value of the other paid orders / the other paid orders", False, "mechanism"),
    Metric("touches_before_first_purchase", "touches per first purchase",
           "touches (ads, KOL posts, live-streams, friends' shares) a buyer received before "
           "her first purchase / new customers", False, "attribution"),
    Metric("recalled_touches_before_first_purchase", "touches per first purchase",
           "the same touches as the buyer still remembers them at her first purchase: each "
           "counts 1 and fades at the memory's attention_decay a day (what a survey of "
           "'pieces of content seen before buying' can measure) / new customers", False,
           "attribution"),
    Metric("marketing_allocated", "USD",
           "marketing budget of the days run, every channel", False, "spend"),
    Metric("marketing_unspent", "USD",
           "marketing budget allocated - marketing spend (negative: live-sale commissions "
           "beyond the budget)", False, "spend"),
    Metric("ad_spend", "USD", "ad impressions bought", False, "spend"),
    Metric("kol_spend", "USD", "KOL post and stream fees and live-sale commissions", False,
           "spend"),
    Metric("referral_rebates", "USD", "rebates paid to sharers from the referral pot", False,
           "spend"),
    Metric("group_buy_subsidies", "USD",
           "group-buy price cuts paid from the referral pot", False, "spend"),
    Metric("referral_allocated", "USD", "referral budget accrued to the referral pot", False,
           "spend"),
    Metric("referral_to_ads", "USD",
           "referral budget beyond the pot's cap (referral_pot_days) moved to ads", False,
           "spend"),
    Metric("referral_unspent", "USD",
           "referral budget accrued - rebates - group-buy subsidies - moved to ads (left in "
           "the pot)", False, "spend"),
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
    ("reach", "reached", "consumers"),
    ("conversion_rate", "customers", "aware"),
    ("repurchase_rate", "repeat_customers", "customers"),
    ("negative_review_rate", "NEGATIVE_REVIEWS", "REVIEWS"),
    ("return_rate", "RETURNS", "returns_and_kept"),
    ("mean_delivery_days", "DELIVERY_DAYS", "DELIVERED"),
    ("mean_days_to_resolution", "resolution_days", "resolved"),
    ("mean_shipped_parcel_days", "LEGIT_SHIPPED_DAYS", "LEGIT_SHIPPED"),
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
    ("group_order_share", "GROUP_ORDERS", "PAID"),
    ("first_exposure_ad_share", "FIRST_VIA_AD", "NEW_CUSTOMERS"),
    ("first_exposure_kol_share", "FIRST_VIA_KOL", "NEW_CUSTOMERS"),
    ("first_exposure_live_share", "FIRST_VIA_LIVE", "NEW_CUSTOMERS"),
    ("first_exposure_wom_share", "FIRST_VIA_WOM", "NEW_CUSTOMERS"),
    ("first_exposure_referral_share", "FIRST_VIA_REFERRAL", "NEW_CUSTOMERS"),
    ("touched_by_ad_share", "BEFORE_FIRST_AD", "NEW_CUSTOMERS"),
    ("touched_by_kol_share", "BEFORE_FIRST_KOL", "NEW_CUSTOMERS"),
    ("touched_by_live_share", "BEFORE_FIRST_LIVE", "NEW_CUSTOMERS"),
    ("touched_by_wom_share", "BEFORE_FIRST_WOM", "NEW_CUSTOMERS"),
    ("touched_by_referral_share", "BEFORE_FIRST_REFERRAL", "NEW_CUSTOMERS"),
    ("touches_before_first_purchase", "TOUCHES_BEFORE_FIRST", "NEW_CUSTOMERS"),
    ("recalled_touches_before_first_purchase", "RECALLED_BEFORE_FIRST", "NEW_CUSTOMERS"),
    ("checkout_conversion_rate", "PAID", "CHECKOUTS"),
    ("referred_repurchase_rate", "REFERRED_REPEATERS", "REFERRAL_ORDERS"),
    ("other_repurchase_rate", "other_repeaters", "other_first"),
    ("referred_repurchase_rate_window", "WINDOW_REFERRED_REPEATERS", "WINDOW_REFERRED_FIRST"),
    ("other_repurchase_rate_window", "window_other_repeaters", "window_other_first"),
    ("group_order_value", "GROUP_GMV", "GROUP_ORDERS"),
    ("solo_order_value", "solo_gmv", "solo_orders"),
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
    reached: np.ndarray | float = np.nan,
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
        reached: (...,) consumers ever touched by at least one seller (NaN: not given).

    Returns:
        metric name -> (...,) values.
    """
    c = np.asarray(counters, dtype=float)
    shape = np.broadcast_shapes(c.shape[:-1], np.shape(profit), np.shape(consumers))
    inputs = {name: c[..., counter] for name, counter in COUNTER_ITEMS}
    inputs.update(consumers=consumers, aware=aware, reached=reached, customers=customers,
                  repeat_customers=repeat_customers,
                  returns_and_kept=inputs["RETURNS"] + inputs["KEPT"],
                  paid_and_fraud=inputs["PAID"] + inputs["FRAUD_PASSED"],
                  resolved=inputs["DELIVERED"] + inputs["LOST"],
                  resolution_days=inputs["DELIVERY_DAYS"] + inputs["LOST_DAYS"],
                  other_repeaters=inputs["REPEATERS"] - inputs["REFERRED_REPEATERS"],
                  other_first=inputs["FIRST_WITH_SELLER"] - inputs["REFERRAL_ORDERS"],
                  window_other_repeaters=(inputs["WINDOW_REPEATERS"]
                                          - inputs["WINDOW_REFERRED_REPEATERS"]),
                  window_other_first=inputs["WINDOW_FIRST"] - inputs["WINDOW_REFERRED_FIRST"],
                  solo_gmv=inputs["GMV"] - inputs["GROUP_GMV"],
                  solo_orders=inputs["PAID"] - inputs["GROUP_ORDERS"])
    num = np.empty((len(RATIO_METRICS), *shape))
    den = np.empty_like(num)
    for i, (_, n, d) in enumerate(RATIO_METRICS):
        num[i] = inputs[n]
        den[i] = inputs[d]
    ratios = ratio(num, den)
    out = {name: ratios[i] for i, (name, _, _) in enumerate(RATIO_METRICS)}
    out.update(orders=inputs["PAID"], gmv=inputs["GMV"], profit=np.asarray(profit, dtype=float),
               mean_trust_aware=np.asarray(mean_trust_aware, dtype=float),
               marketing_allocated=inputs["MARKETING_ALLOCATED"],
               marketing_unspent=inputs["MARKETING_ALLOCATED"] - inputs["MARKETING_SPEND"],
               ad_spend=inputs["AD_SPEND"], kol_spend=inputs["KOL_SPEND"],
               referral_rebates=inputs["REFERRAL_REBATES"],
               group_buy_subsidies=inputs["GROUP_BUY_SUBSIDIES"],
               referral_allocated=inputs["REFERRAL_ALLOCATED"],
               referral_to_ads=inputs["REFERRAL_TO_ADS"],
               referral_unspent=(inputs["REFERRAL_ALLOCATED"] - inputs["REFERRAL_REBATES"]
                                 - inputs["GROUP_BUY_SUBSIDIES"] - inputs["REFERRAL_TO_ADS"]))
    return {name: out[name] for name in METRIC_NAMES}


def count(model: MarketModel, sellers: np.ndarray, regions: np.ndarray, counter: Counter,
          amount: np.ndarray | float = 1.0) -> None:
    """Add ``amount`` to a flow counter of each (seller, region) pair (repeats add up)."""
    np.add.at(model.counters, (sellers, regions, counter), amount)


FUNNEL_COLUMNS = ("unaware", "aware", "interested", "trusting", "buying", "sharing")
"""Funnel-table columns, in Stage order."""

MARKET_TABLES = ("regions", "funnel")
"""Tables the DataCollector offers: metrics and funnel stage counts per (day, region)."""


# --- reporters (read model.latest, computed from the day's record) ----------------------

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


# --- the daily record and the DataCollector that reads it ------------------------------

SPARE_DAYS = 2
"""Days preallocated beyond the horizon: day 0 at set-up, and one more for drivers that run
the phases by hand and measure day 0 twice; longer runs grow the arrays."""

GROWTH_FACTOR = 2
"""How much the daily arrays grow when a run outlives them (amortised O(1) per day)."""

N_POPULATION_COUNTS = 5
"""Integer counts per region recorded daily from the population: consumers aware of a seller,
with >= 1 and >= 2 paid orders, ever reached by a seller, and aware (consumer, seller) pairs
(mean trust's denominator)."""

AGENT_REPORTERS = {
    "seller": {"seller_profit": seller_profit, "seller_orders": seller_orders},
    "warehouse": {"warehouse_stock": warehouse_stock, "warehouse_backlog": warehouse_backlog},
}
"""Per-agent columns by role; the names carry the agent type, so they never shadow a market
metric of the same name (mesa.batch_run merges both into one row)."""


class MarketDataCollector(mesa.DataCollector):
    """Mesa's DataCollector for the market: records each day's raw state, computes metrics on read.

    :meth:`collect` stores what the metrics are made of (copies of the counters and the
    ledger's accounts, the population's counts per region, exchange rates, stock and backlog)
    in arrays preallocated for the horizon; :attr:`model_vars`, :attr:`tables`, the agent-type
    records and the DataFrames are computed from them for all days at once when read (cached
    until the next collect). A day's numbers are the same floats a per-day computation gives:
    every float reduction runs over the same elements in the same order. ``mesa.batch_run``
    reads ``_collection_steps``, ``model_vars`` and ``_agenttype_records`` as usual.

    Args:
        model: the market, fully set up (its sellers and warehouses do not change later).
        seller_type: the sellers' agent class (key of their agent-type reporters).
        warehouse_type: the warehouses' agent class.
    """

    def __init__(self, model: MarketModel, seller_type: type, warehouse_type: type) -> None:
        # Mesa's __init__ is not called: model_vars, tables and _agenttype_records are computed
        # properties here, not the dicts it assigns. The reporters are declared as usual
        # (batch_run reads their names) but never called: values come from the record.
        self.model_reporters = {
            **{m: partial(total_metric, name=m) for m in METRIC_NAMES},
            "fx_index_mean": partial(fx_index_mean),
            **{f"consumers_{col}": partial(stage_count, stage=k)
               for k, col in enumerate(FUNNEL_COLUMNS)},
        }
        self.agent_reporters: dict = {}
        self.agenttype_reporters: dict = {}
        self._types = {"seller": seller_type, "warehouse": warehouse_type}
        for role, reporters in AGENT_REPORTERS.items():
            for name, reporter in reporters.items():
                self._new_agenttype_reporter(self._types[role], name, reporter)
        self._collection_steps: list[float] = []
        self._agent_records: dict = {}
        self._validated = True

        pop = model.population
        self._population = pop
        self._codes = list(model.regions.codes)
        n_regions = model.regions.n
        self._n_regions = n_regions
        simulated = pop.block_ends - pop.block_starts
        # Consumers represented per region; online_only simulates only the online ones, the
        # others are counted (unaware, unreached, no orders) but not simulated.
        self._consumers = np.asarray(model.region_counts, dtype=np.int64)
        self._unsimulated = self._consumers - simulated
        nonempty = simulated > 0
        self._starts = pop.block_starts[nonempty]
        self._cols = None if nonempty.all() else np.flatnonzero(nonempty)
        self._one_seller = pop.n_sellers == 1  # then aware pairs = aware consumers
        # Per consumer: aware of a seller, >= 1 paid order, >= 2, reached (bytes, as bools).
        self._flags = np.zeros((N_POPULATION_COUNTS - 1, pop.n), dtype=np.uint8)
        self._trust_known = np.zeros(pop.trust.shape, dtype=pop.trust.dtype)
        self._stage_key = pop.stage_key_base.astype(np.intp)  # region * stages, for bincount
        self._key = np.zeros(pop.n, dtype=np.intp)
        self._agents = {
            role: [(a.unique_id, a.index) for a in model.agents_by_type.get(cls, ())]
            for role, cls in self._types.items()
        }
        self._warehouses = list(model.warehouse_list)
        ends = np.cumsum([len(wh.stock) for wh in self._warehouses], dtype=np.int64)
        self._shelves = [(int(e - len(wh.stock)), int(e))  # each warehouse's stock columns
                         for wh, e in zip(self._warehouses, ends, strict=True)]
        self._shapes = {
            # Copies, not sums, where a day's sum would cost more than the copy: counters and
            # accounts are reduced on read (about S x R x 45 floats a day).
            "_step": ((), np.int64),
            "_counters": (model.counters.shape, np.float64),
            "_accounts": (model.ledger.accounts.shape, np.float64),
            "_counts": ((N_POPULATION_COUNTS, n_regions), np.int64),
            "_trust_sum": ((n_regions,), np.float64),
            "_stage": ((n_regions * len(FUNNEL_COLUMNS),), np.int64),  # (region, stage)
            "_fx": (np.shape(model.fx.index), np.float64),
            "_stock": ((int(ends[-1]) if len(ends) else 0,), np.int64),  # per product
            "_backlog": ((len(self._warehouses),), np.int64),
        }
        self._n = 0
        self._allocate(model.spec.horizon_days + SPARE_DAYS)
        self._cache: dict[str, object] = {}
        self._cache_n = -1

    def _allocate(self, capacity: int) -> None:
        """(Re)allocate the daily arrays for ``capacity`` days, keeping what is recorded."""
        for name, (shape, dtype) in self._shapes.items():
            new = np.zeros((capacity, *shape), dtype=dtype)
            if self._n:
                new[: self._n] = getattr(self, name)[: self._n]
            setattr(self, name, new)
        self._capacity = capacity

    # --- recording (every day) ------------------------------------------------------------
    def collect(self, model: MarketModel) -> None:
        """Record today's raw state (the metrics are computed when read)."""
        i = self._n
        if i == self._capacity:
            self._allocate(self._capacity * GROWTH_FACTOR)
        self._collection_steps.append(model.time)
        self._step[i] = model.steps
        self._counters[i] = model.counters
        self._accounts[i] = model.ledger.accounts  # profit follows on read (see _profit)
        self._record_population(i)
        self._fx[i] = model.fx.index
        if len(model.orders):  # no orders: no backlog (the row stays zero)
            self._backlog[i] = model.orders.backlog_by_warehouse(len(self._warehouses))
        stock = self._stock[i]
        for wh, (start, end) in zip(self._warehouses, self._shelves, strict=True):
            stock[start:end] = wh.stock
        self._n = i + 1

    def _record_population(self, i: int) -> None:
        """Today's counts per region: those of ``ConsumerPopulation.region_counts``, fewer calls."""
        pop = self._population
        aware = pop.aware
        flags = self._flags
        is_set = flags.view(np.bool_)
        trust_known = np.multiply(pop.trust, aware, out=self._trust_known)
        if self._one_seller:
            np.copyto(is_set[0], aware[:, 0])
            total_orders = pop.orders[:, 0]
            trust_known = trust_known[:, 0]
        else:
            aware_pairs = aware.sum(axis=1)
            np.greater(aware_pairs, 0, out=is_set[0])
            total_orders = pop.orders.sum(axis=1)
            trust_known = trust_known.sum(axis=1)
        np.greater_equal(total_orders, 1, out=is_set[1])
        np.greater_equal(total_orders, 2, out=is_set[2])
        if self._one_seller:
            np.copyto(is_set[3], pop.reached[:, 0])
        else:
            np.logical_or.reduce(pop.reached, axis=1, out=is_set[3])
        # Integer counts are exact in any order; the trust sum repeats per_region's reduction.
        cols, starts = self._cols, self._starts
        counts = self._counts[i]
        if cols is None:  # every region has consumers
            np.add.reduceat(flags, starts, axis=1, dtype=np.int64, out=counts[:-1])
            np.add.reduceat(trust_known, starts, dtype=np.float64, out=self._trust_sum[i])
            if not self._one_seller:
                np.add.reduceat(aware_pairs, starts, out=counts[-1])
        else:
            counts[:-1, cols] = np.add.reduceat(flags, starts, axis=1, dtype=np.int64)
            self._trust_sum[i][cols] = np.add.reduceat(trust_known, starts, dtype=np.float64)
            if not self._one_seller:
                counts[-1, cols] = np.add.reduceat(aware_pairs, starts)
        self._stage[i] = np.bincount(np.add(self._stage_key, pop.stage, out=self._key),
                                     minlength=self._stage.shape[1])

    # --- computing (on read) --------------------------------------------------------------
    def _metrics(self, days: slice) -> dict[str, np.ndarray]:
        """Every metric on the recorded ``days``: name -> (days, regions + 1), total last."""
        n_regions = self._n_regions
        profit = self._profit(days)
        n = len(profit)
        by_region_profit = np.empty((n, n_regions + 1))
        by_region_profit[:, :n_regions] = profit[:, :, :n_regions].sum(axis=1)
        by_region_profit[:, n_regions] = profit.reshape(n, -1).sum(axis=1)

        def with_total(by_region: np.ndarray) -> np.ndarray:
            out = np.empty((n, n_regions + 1))
            out[:, :n_regions] = by_region
            out[:, n_regions] = by_region.sum(axis=1)
            return out

        counts = self._counts[days]
        if self._one_seller:  # one seller: aware pairs are aware consumers
            counts = counts[:, [0, 1, 2, 3, 0]]
        aware, customers, repeat, reached, pairs = (with_total(counts[:, k])
                                           for k in range(N_POPULATION_COUNTS))
        counters = self._counters[days]
        by_region_counters = np.empty((n, n_regions + 1, N_COUNTERS))
        by_region_counters[:, :n_regions] = counters.sum(axis=1)
        by_region_counters[:, n_regions] = counters.sum(axis=(1, 2))
        return compute_metrics(
            by_region_counters, by_region_profit,
            with_total(np.broadcast_to(self._consumers, (n, n_regions))),
            aware, customers, repeat, ratio(with_total(self._trust_sum[days]), pairs),
            reached=reached,
        )

    def _profit(self, days: slice) -> np.ndarray:
        """Ledger profit on the recorded ``days``: (days, sellers, regions + 1)."""
        return profit_of(self._accounts[days])

    def _stages(self, days: slice) -> np.ndarray:
        """Consumers per funnel stage on the recorded ``days``: (days, regions, stages).

        Represented consumers who are not simulated (online_only) count as unaware.
        """
        stages = self._stage[days].reshape(-1, self._n_regions, len(FUNNEL_COLUMNS))
        if self._unsimulated.any():
            stages = stages.copy()
            stages[:, :, 0] += self._unsimulated
        return stages

    def _computed(self) -> dict[str, object]:
        """Metric arrays over every recorded day (cached until the next collect)."""
        if self._cache_n != self._n:
            n, n_regions = self._n, self._n_regions
            rows = self._metrics(slice(0, n))
            self._cache = {
                "rows": rows,
                "fx_index_mean": self._fx[:n].reshape(n, -1).mean(axis=1),
                "stage_counts": self._stages(slice(0, n)).sum(axis=1),
                "region_step": np.repeat(self._step[:n], n_regions),
                "region_code": self._codes * n,
            }
            self._cache_n = n
        return self._cache

    def _model_columns(self) -> dict[str, np.ndarray]:
        """One array per model reporter, in the reporters' order."""
        c = self._computed()
        n_regions = self._n_regions
        cols = {m: c["rows"][m][:, n_regions] for m in METRIC_NAMES}
        cols["fx_index_mean"] = c["fx_index_mean"]
        for k, col in enumerate(FUNNEL_COLUMNS):
            cols[f"consumers_{col}"] = c["stage_counts"][:, k]
        return cols

    def _table_columns(self, table_name: str) -> dict[str, np.ndarray | list]:
        """The columns of a computed table, one row per (day, region)."""
        c = self._computed()
        n_regions = self._n_regions
        head = {"step": c["region_step"], "region": c["region_code"]}
        if table_name == "regions":
            return {**head, **{m: c["rows"][m][:, :n_regions].reshape(-1)
                               for m in METRIC_NAMES}}
        if table_name == "funnel":
            stages = self._stage[: self._n].reshape(-1, len(FUNNEL_COLUMNS))  # (day, region)
            return {**head, **{col: stages[:, k] for k, col in enumerate(FUNNEL_COLUMNS)}}
        raise KeyError(f"no table {table_name!r}; known: {', '.join(MARKET_TABLES)}")

    @property
    def model_vars(self) -> dict[str, list]:
        """Model reporter -> its value on each collected day (computed from the record)."""
        return {name: v.tolist() for name, v in self._model_columns().items()}

    @property
    def tables(self) -> dict[str, dict[str, list]]:
        """The region and funnel tables as Mesa keeps them: table -> column -> values."""
        return {name: {col: v if isinstance(v, list) else v.tolist()
                       for col, v in self._table_columns(name).items()}
                for name in MARKET_TABLES}

    @property
    def _agenttype_records(self) -> dict[float, dict[type, list[tuple]]]:
        """Mesa's per-agent records (time -> agent type -> (time, id, values...) per agent)."""
        n = self._n
        profit = self._profit(slice(0, n)).sum(axis=2).tolist()
        orders = self._counters[:n, :, :, Counter.PAID].sum(axis=2).tolist()
        stock = np.stack([self._stock[:n, a:b].sum(axis=1) for a, b in self._shelves],
                         axis=1).tolist() if self._shelves else [[]] * n
        backlog = self._backlog[:n].tolist()
        sellers, warehouses = self._agents["seller"], self._agents["warehouse"]
        records: dict[float, dict[type, list[tuple]]] = {}
        for i, t in enumerate(self._collection_steps):
            records[t] = {
                self._types["seller"]: [(t, uid, profit[i][k], orders[i][k])
                                        for uid, k in sellers],
                self._types["warehouse"]: [(t, uid, stock[i][k], backlog[i][k])
                                           for uid, k in warehouses],
            }
        return records

    def add_table_row(self, table_name: str, row: dict, ignore_missing: bool = False) -> None:
        """Refused: the market's tables are computed from the daily record."""
        raise ValueError(f"table {table_name!r} is computed from the daily record; "
                         "record what it needs in MarketDataCollector.collect instead")

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """Model reporters by collected day (index 0, 1, ...), as Mesa's DataCollector gives."""
        return pd.DataFrame(self._model_columns())

    def totals_frame(self) -> pd.DataFrame:
        """(step = collection index, one column per metric) over all regions and sellers.

        The metric columns of :meth:`get_model_vars_dataframe` after a ``step`` column, built
        directly (the run tables use it; reset_index and a column selection cost more).
        """
        n, n_regions = self._n, self._n_regions
        rows = self._computed()["rows"]
        return pd.DataFrame({"step": np.arange(n, dtype=np.int64),
                             **{m: rows[m][:, n_regions] for m in METRIC_NAMES}})

    def get_table_dataframe(self, table_name: str) -> pd.DataFrame:
        """The 'regions' (metrics) or 'funnel' (stage counts) table, one row per day and region."""
        return pd.DataFrame(self._table_columns(table_name))

    def latest(self) -> dict:
        """The last collected day's metrics: per region, in total, stages, profit, backlog."""
        if self._cache.get("latest_n") != self._n:
            last = self._n - 1
            n_regions = self._n_regions
            rows = self._metrics(slice(last, last + 1))
            self._cache["latest"] = {
                "by_region": {m: v[0, :n_regions] for m, v in rows.items()},
                "total": {m: float(rows[m][0, n_regions]) for m in METRIC_NAMES},
                "stage_counts": self._stages(slice(last, last + 1))[0].sum(axis=0),
                "seller_profit": self._profit(slice(last, last + 1))[0].sum(axis=1),
                "backlog": self._backlog[last].copy(),
            }
            self._cache["latest_n"] = self._n
        return self._cache["latest"]


def measurement_phase(model: MarketModel, day: int) -> None:
    """Phase 'measurement': the DataCollector records today's state (metrics follow on read)."""
    model.datacollector.collect(model)
