"""Warehouses: the China hub and overseas (or local) warehouses of each seller.

A warehouse holds stock per product, replenishes it with a periodic-review order-up-to
policy from a moving-average forecast, picks waiting orders first-in first-out within its
daily capacity, and hands parcels to carriers: direct cross-border modes from the hub, local
last-mile delivery from a warehouse inside the region (which also takes local returns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation import fulfilment, logistics
from simulation.ledger import Account
from simulation.metrics import Counter
from simulation.orders import OrderState

if TYPE_CHECKING:
    from simulation.levers import Mechanics
    from simulation.model import MarketModel
    from simulation.sellers import Seller

HUB = -1
"""Region index of a seller's home hub (outside the modelled regions)."""


class Warehouse(mesa.Agent):
    """Stock, replenishment and picking for one seller at one location."""

    def __init__(
        self,
        model: MarketModel,
        seller: Seller,
        region: int,
        consumers_served: int,
    ) -> None:
        super().__init__(model)
        self.seller = seller
        self.region = region  # HUB for the home hub
        self.index = len(model.warehouse_list)
        model.warehouse_list.append(self)
        self.kind = "hub" if region == HUB else (
            "local" if seller.spec.origin == "local" else "overseas"
        )
        p = model.params
        rep = seller.spec.replenishment
        n_products = len(seller.spec.products)
        self.capacity = max(1, round(p.warehouse_capacity_per_1k_consumers
                                     * consumers_served / 1000.0))
        self.processing_days = (
            p.hub_processing_days if self.kind == "hub" else p.overseas_processing_days
        )
        prior = rep.prior_daily_orders_per_1k * consumers_served / 1000.0 / n_products
        self.prior_daily_demand = np.full(n_products, prior)
        self.demand_history = np.zeros((rep.forecast_window_days, n_products))
        self.stock = np.zeros(n_products, dtype=np.int64)
        self.pipeline: list[tuple[float, np.ndarray]] = []
        self.review_offset = int(model.streams.warehouses.integers(rep.review_period_days))
        initial = np.ceil(self.prior_daily_demand * rep.initial_stock_days).astype(np.int64)
        self._buy(initial, arrival=0.0)
        self.receive_stock()

    # --- replenishment --------------------------------------------------------------------
    @property
    def lead_time_days(self) -> float:
        """Days from a replenishment order to stock on the shelf."""
        lead = self.seller.spec.replenishment.factory_lead_time_days
        if self.kind == "overseas":
            # Bulk sea freight from China to the region's port, then into the warehouse.
            lead += float(self.model.regions.ship_days[self.region, 3])
        return lead

    def forecast(self) -> np.ndarray:
        """Daily demand per product: moving average once a full window is observed."""
        window = len(self.demand_history)
        if self.model.steps < window:
            seen = max(1, self.model.steps)
            observed = self.demand_history.sum(axis=0) / seen
            return np.maximum(observed, self.prior_daily_demand)
        return self.demand_history.mean(axis=0)

    def receive_stock(self) -> None:
        """Put replenishment that has arrived on the shelf."""
        today = self.model.steps
        arrived = [q for t, q in self.pipeline if t <= today]
        self.pipeline = [(t, q) for t, q in self.pipeline if t > today]
        for q in arrived:
            self.stock += q

    def replenish(self) -> None:
        """Periodic review: order up to forecast x (lead time + review period) x safety."""
        rep = self.seller.spec.replenishment
        day = self.model.steps
        if (day + self.review_offset) % rep.review_period_days:
            return
        on_order = sum((q for _, q in self.pipeline), np.zeros_like(self.stock))
        cover = (self.lead_time_days + rep.review_period_days
                 + self.seller.mech.live_stock_reserve_days)
        target = np.ceil(self.forecast() * cover * rep.safety_factor).astype(np.int64)
        qty = np.maximum(0, target - self.stock - on_order)
        if qty.sum() > 0:
            self._buy(qty, arrival=day + self.lead_time_days)

    def _buy(self, qty: np.ndarray, arrival: float) -> None:
        """Pay for goods (and inbound freight and duty for an overseas warehouse)."""
        if qty.sum() == 0:
            return
        model = self.model
        s = self.seller.index
        costs = self.seller.unit_costs
        model.ledger.buy_inventory(s, float(qty @ costs))
        if self.kind == "overseas":
            r = self.region
            inbound = float(qty.sum()) * model.params.bulk_freight_cost_per_unit_usd
            duty = float(qty @ costs) * model.regions.import_duty_rate[r]
            model.ledger.expense(Account.LOGISTICS, s, r, inbound + duty)
            model.counters[s, r, Counter.LOGISTICS_COST] += inbound + duty
        self.pipeline.append((arrival, qty.astype(np.int64)))

    def hold(self) -> None:
        """Pay the day's holding cost on stock on hand."""
        value = float(self.stock @ self.seller.unit_costs)
        if value > 0:
            col = self.model.ledger.global_column if self.region == HUB else self.region
            self.model.ledger.expense(
                Account.HOLDING, self.seller.index, col, value * self.model.params.holding_cost_rate
            )

    # --- picking --------------------------------------------------------------------------
    def pick(self) -> None:
        """Pick waiting orders FIFO within capacity and stock; ship them; cancel stale ones."""
        model = self.model
        book = model.orders
        day = model.steps
        p = model.params
        waiting = np.flatnonzero(
            (book["state"] == OrderState.PAID) & (book["warehouse"] == self.index)
        )
        if len(waiting) == 0:
            self.demand_history = np.roll(self.demand_history, 1, axis=0)
            self.demand_history[0] = 0
            return
        waiting = waiting[np.argsort(book["id"][waiting], kind="stable")]
        products = book["product"][waiting].astype(np.int64)

        # Demand seen today (new orders) feeds the forecast.
        new = book["t_created"][waiting] == day
        self.demand_history = np.roll(self.demand_history, 1, axis=0)
        self.demand_history[0] = np.bincount(products[new], minlength=len(self.stock))

        served, short = fulfilment.fifo_allocate(products, self.stock, self.capacity)
        first_short = short & ~book["stockout"][waiting]
        reached = served | short
        first_reach = reached & ~book["stockout"][waiting]
        s = self.seller.index
        regions = book["region"][waiting]
        np.add.at(model.counters[s], (regions[first_reach], Counter.PICK_ATTEMPTS), 1)
        np.add.at(model.counters[s], (regions[first_short], Counter.STOCKOUTS), 1)
        book["stockout"][waiting[short]] = True
        if self.kind == "overseas":
            # An empty overseas shelf falls back to direct shipping from the hub.
            book["warehouse"][waiting[short]] = self.seller.hub.index

        rows = waiting[served]
        if len(rows):
            self.stock -= np.bincount(products[served], minlength=len(self.stock))
            self._ship(rows)

        # Backorders that waited too long are cancelled and refunded.
        stale = waiting[~served & (day - book["t_created"][waiting] > p.max_backorder_days)]
        if len(stale):
            model.cancel_orders(stale)

    def _ship(self, rows: np.ndarray) -> None:
        """Book cost of goods and carriage, and fix each parcel's timeline."""
        model = self.model
        book = model.orders
        p = model.params
        regions = model.regions
        r = book["region"][rows].astype(np.int64)
        s = self.seller.index
        n = len(rows)
        unit_cost = book["unit_cost"][rows]
        model.ledger.cost_of_sale(s, r, unit_cost)
        rng = model.streams.logistics
        mech = self.seller.mech
        processing = np.full(n, model.steps + self.processing_days)
        if self.kind == "hub":
            mode = self.seller.direct_mode_for(book["product"][rows])
            mean = direct_transit_mean(model, mech, r, mode)
            cv = p.transit_cv * mech.transit_cv_factor
            transit = logistics.lognormal_days(mean, cv, rng, n)
            customs = logistics.customs_days(customs_mean(model, mech, r), rng, n)
            cost = regions.ship_cost[r, mode] * mech.ship_cost_factor[r, mode]
            lost = rng.random(n) < regions.ship_loss[r, mode]
            cross = np.ones(n, dtype=bool)
            carbon = model.carbon_per_mode[mode] * mech.carbon_factor[mode]
            # A stopped mode or route holds parcels at the hub until it reopens.
            processing = np.maximum(processing, model.mode_closed_until[r, mode])
        else:
            mode = np.full(n, -1)
            transit = logistics.lognormal_days(regions.last_mile_days[r], p.transit_cv, rng, n)
            customs = np.zeros(n)
            cost = np.full(n, p.last_mile_cost_usd)
            lost = np.zeros(n, dtype=bool)
            cross = np.zeros(n, dtype=bool)
            carbon = np.full(n, p.carbon_last_mile_kg * mech.carbon_factor[-1])
        cost = cost + mech.extra_cost_per_order
        t_ship, t_cin, t_cout, t_arrive = fulfilment.schedule(
            0.0, processing, transit, customs, cross, p.international_leg_share
        )
        book["state"][rows] = OrderState.PICKED
        book["warehouse"][rows] = self.index
        book["mode"][rows] = mode
        book["t_ship"][rows] = t_ship
        book["t_customs_in"][rows] = t_cin
        book["t_customs_out"][rows] = t_cout
        book["t_arrive"][rows] = t_arrive
        book["lost"][rows] = lost
        book["local"][rows] = ~cross
        model.ledger.expense(Account.LOGISTICS, s, r, cost)
        np.add.at(model.counters[s], (r, Counter.LOGISTICS_COST), cost)
        np.add.at(model.counters[s], (r, Counter.SHIPPED), 1)
        np.add.at(model.counters[s], (r, Counter.CARBON_KG), carbon)

    def restock_returns(self, product: np.ndarray) -> None:
        """Locally returned items go back on the shelf."""
        self.stock += np.bincount(product, minlength=len(self.stock))


def direct_transit_mean(model: MarketModel, mech: Mechanics, r: np.ndarray | slice,
                        mode: np.ndarray) -> np.ndarray:
    """Mean transit days of a seller's direct parcels (route, lever, disruptions)."""
    return (model.regions.ship_days[r, mode] * mech.transit_factor[r, mode]
            * model.mode_delay_factor[r, mode])


def customs_mean(model: MarketModel, mech: Mechanics, r: np.ndarray | slice) -> np.ndarray:
    """Mean customs delay days of a seller's direct parcels in regions ``r``."""
    return model.customs_delay[r] * mech.customs_factor[r]


def settlement_and_replenishment_phase(model: MarketModel, day: int) -> None:
    """Phase 'settlement and replenishment': payouts, stock reviews, holding costs, compaction."""
    model.payment_providers.do("settle")
    model.warehouses.do("replenish")
    model.warehouses.do("hold")
    if day % model.params.order_compaction_interval == 0:
        model.orders.compact()
