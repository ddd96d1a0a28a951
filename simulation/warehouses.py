"""Warehouses: the China hub and overseas (or local) warehouses of each seller.

A warehouse holds stock per product, replenishes it with a periodic-review order-up-to
policy from a moving-average forecast (batches may arrive late:
:mod:`simulation.replenishment_delays`), picks waiting orders first-in first-out within its
daily capacity (a pick the records serve may find no unit: :mod:`simulation.inventory_accuracy`),
and hands parcels to carriers: direct cross-border modes from the hub, local
last-mile delivery from a warehouse inside the region (which also takes local returns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation import fulfilment, inventory_accuracy, logistics, replenishment_delays
from simulation.ledger import Account
from simulation.metrics import Counter
from simulation.orders import OrderState

if TYPE_CHECKING:
    from simulation.levers import Mechanics
    from simulation.model import MarketModel
    from simulation.parameters import ModelParameters
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
            hub_days(p, seller.mech) if self.kind == "hub" else p.overseas_processing_days
        )
        prior = rep.prior_daily_orders_per_1k * consumers_served / 1000.0 / n_products
        self.prior_daily_demand = np.full(n_products, prior)
        # Ring buffer of daily new orders per product: row ``_demand_head`` is the latest day,
        # the rows after it (wrapping round) go back in time (see :attr:`demand_history`).
        self._demand = np.zeros((rep.forecast_window_days, n_products))
        self._demand_head = 0
        # Units on hand per product; change it only through this class's methods, which
        # forget the cached value at cost (:meth:`stock_value`) when they do.
        self.stock = np.zeros(n_products, dtype=np.int64)
        self._stock_value: float | None = None
        self.pipeline: list[tuple[float, np.ndarray]] = []
        # The earliest timeline point (ship, customs in/out, arrival) still ahead of a parcel
        # this warehouse has picked; before it, none of its parcels changes state.
        self.next_parcel_event = np.inf
        # ``model.orders.created`` when this warehouse last had no paid order left waiting
        # (-1: not known). Only new orders can join a backlog, so while nothing has been
        # created since, there is nothing to pick (see :func:`simulation.fulfilment.pick_all`).
        self.backlog_clear_at = -1
        self.review_offset = int(model.streams.warehouses.integers(rep.review_period_days))
        initial = np.ceil(self.prior_daily_demand * rep.initial_stock_days).astype(np.int64)
        self._buy(initial, arrival=0.0)
        self.receive_stock()

    # --- replenishment --------------------------------------------------------------------
    @property
    def sea_days(self) -> float:
        """Planned days of bulk sea freight to this warehouse (0 at the hub or a local one)."""
        if self.kind == "overseas":
            # Bulk sea freight from China to the region's port, then into the warehouse.
            return float(self.model.regions.ship_days[self.region, 3])
        return 0.0

    @property
    def lead_time_days(self) -> float:
        """Planned days from a replenishment order to stock on the shelf."""
        return self.seller.spec.replenishment.factory_lead_time_days + self.sea_days

    @property
    def demand_history(self) -> np.ndarray:
        """(window, P) new orders per product and day, the latest day first (a copy)."""
        head = self._demand_head
        return np.concatenate((self._demand[head:], self._demand[:head]))

    def _record_demand(self, new_orders: np.ndarray | None) -> None:
        """Today's new orders per product (None: none) replace the oldest day of the window."""
        head = (self._demand_head - 1) % len(self._demand)
        self._demand_head = head
        if new_orders is None:
            self._demand[head] = 0
        else:
            self._demand[head] = new_orders

    def forecast(self) -> np.ndarray:
        """Daily demand per product: moving average once a full window is observed."""
        # Daily counts are whole numbers, so their sum is exact in any order: the ring buffer
        # is summed as it lies, without putting the days in order first.
        total = self._demand.sum(axis=0)
        window = len(self._demand)
        if self.model.steps < window:
            seen = max(1, self.model.steps)
            return np.maximum(total / seen, self.prior_daily_demand)
        return total / window

    def receive_stock(self) -> None:
        """Put replenishment that has arrived on the shelf."""
        today = self.model.steps
        for t, _ in self.pipeline:
            if t <= today:
                break
        else:  # nothing due today
            return
        arrived = [q for t, q in self.pipeline if t <= today]
        self.pipeline = [(t, q) for t, q in self.pipeline if t > today]
        for q in arrived:
            self.stock += q
        self._stock_value = None

    def replenish(self) -> None:
        """Periodic review: order up to forecast x (lead time + review period) x safety.

        The cover uses the planned lead time; the batch's arrival adds its late-supply delay
        (:func:`simulation.replenishment_delays.batch_delay`).
        """
        rep = self.seller.spec.replenishment
        day = self.model.steps
        if (day + self.review_offset) % rep.review_period_days:
            return
        on_order = 0  # units ordered, not yet arrived (whole numbers: any order of sums)
        for _, q in self.pipeline:
            on_order = on_order + q
        cover = (self.lead_time_days + rep.review_period_days
                 + self.seller.mech.live_stock_reserve_days)
        target = np.ceil(self.forecast() * cover * rep.safety_factor).astype(np.int64)
        qty = np.maximum(0, target - self.stock - on_order)
        if qty.sum() > 0:
            # The policy plans with the nominal lead time; the batch may arrive late.
            delay = replenishment_delays.batch_delay(
                self.model.params, rep.factory_lead_time_days, self.sea_days,
                self.model.streams.replenishment)
            self._buy(qty, arrival=day + self.lead_time_days + delay)

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

    def stock_value(self) -> float:
        """Stock on hand at unit cost, USD (cached until the stock changes)."""
        if self._stock_value is None:
            self._stock_value = float(self.stock @ self.seller.unit_costs)
        return self._stock_value

    def hold(self) -> None:
        """Pay the day's holding cost on stock on hand."""
        value = self._stock_value
        if value is None:
            value = self.stock_value()
        if value > 0:
            model = self.model
            ledger = model.ledger
            col = ledger.global_column if self.region == HUB else self.region
            ledger.expense(Account.HOLDING, self.seller.index, col,
                           value * model.params.holding_cost_rate)

    # --- picking --------------------------------------------------------------------------
    def pick(self, waiting: np.ndarray | None = None) -> None:
        """Pick waiting orders FIFO within capacity and stock; ship them; cancel stale ones.

        A failed pick (phantom stock) is a stock-out and its unit is written off.

        Args:
            waiting: rows of the orders paid and waiting at this warehouse, if the caller has
                them already (:func:`simulation.fulfilment.pick_all`); found here when None.
        """
        model = self.model
        book = model.orders
        if waiting is None:
            waiting = np.flatnonzero(
                (book["state"] == OrderState.PAID) & (book["warehouse"] == self.index)
            )
        if len(waiting) == 0:
            self._record_demand(None)
            self.backlog_clear_at = book.created
            return
        day = model.steps
        p = model.params
        if len(waiting) > 1:
            waiting = waiting[np.argsort(book["id"][waiting], kind="stable")]
        products = book["product"][waiting].astype(np.int64)
        created = book["t_created"][waiting]

        # Demand seen today (new orders) feeds the forecast.
        self._record_demand(np.bincount(products[created == day], minlength=len(self.stock)))

        served, short = fulfilment.fifo_allocate(products, self.stock, self.capacity)
        # Units the records serve leave the stock: shipped, or written off when the pick
        # finds none there (inventory_accuracy); a failed pick is a stock-out.
        taken = np.bincount(products[served], minlength=len(self.stock))
        phantom = inventory_accuracy.draw_phantom_picks(
            served, p.phantom_stock_rate, model.streams.inventory_accuracy)
        regions = book["region"][waiting]
        if phantom.any():
            served &= ~phantom
            short |= phantom
            self._write_off(products[phantom], regions_of=regions[phantom])
        first = ~book["stockout"][waiting]  # reaching the shelf for the first time
        counters = model.counters[self.seller.index]
        _count_orders(counters[:, Counter.PICK_ATTEMPTS], regions[(served | short) & first])
        left = ~served
        if short.any():
            _count_orders(counters[:, Counter.STOCKOUTS], regions[short & first])
            book["stockout"][waiting[short]] = True
            if self.kind == "overseas":
                # An empty overseas shelf falls back to direct shipping from the hub.
                book["warehouse"][waiting[short]] = self.seller.hub.index
                self.seller.hub.backlog_clear_at = -1
                left &= ~short

        if taken.any():
            self.stock -= taken
            self._stock_value = None
        rows = waiting[served]
        if len(rows):
            self._ship(rows)

        # Backorders that waited too long are cancelled and refunded.
        too_old = ~served & (day - created > p.max_backorder_days)
        stale = waiting[too_old]
        if len(stale):
            model.cancel_orders(stale)
        self.backlog_clear_at = -1 if (left & ~too_old).any() else book.created

    def _write_off(self, products: np.ndarray, regions_of: np.ndarray) -> None:
        """Book the phantom units of failed picks as inventory lost (at unit cost).

        Args:
            products: product of each failed pick.
            regions_of: region of each failed pick's order (where the loss is booked).
        """
        cost = self.seller.unit_costs[products]
        self.model.ledger.write_off(self.seller.index, regions_of.astype(np.int64), cost)

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
        fx = model.cost_fx[s]
        if fx != 1.0:  # goods are replaced at today's home-currency price (seller_policy)
            model.ledger.expense(Account.FX_COST, s, r, unit_cost * (fx - 1.0))
        rng = model.streams.logistics
        mech = self.seller.mech
        processing = model.steps + self.processing_days
        if self.kind == "hub":
            mode = self.seller.direct_mode_for(book["product"][rows])
            mean = direct_transit_mean(model, mech, r, mode)
            cv = p.transit_cv * mech.transit_cv_factor
            transit = logistics.lognormal_days(mean, cv, rng, n)
            customs = logistics.customs_days(customs_mean(model, mech, r), rng, n)
            cost = regions.ship_cost[r, mode] * mech.ship_cost_factor[r, mode]
            lost = rng.random(n) < regions.ship_loss[r, mode]
            cross = True  # every parcel crosses a border
            carbon = model.carbon_per_mode[mode] * mech.carbon_factor[mode]
            # A stopped mode or route holds parcels at the hub until it reopens.
            processing = np.maximum(processing, model.mode_closed_until[r, mode])
        else:
            mode = np.full(n, -1)
            transit = logistics.lognormal_days(regions.last_mile_days[r], p.transit_cv, rng, n)
            customs = 0.0
            cost = np.full(n, p.last_mile_cost_usd)
            lost = False
            cross = False  # delivered inside the region
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
        book["local"][rows] = not cross
        # Every later point of a timeline comes at or after its ship time.
        self.next_parcel_event = min(self.next_parcel_event, float(t_ship.min()))
        model.ledger.expense(Account.LOGISTICS, s, r, cost)
        counters = model.counters[s]
        # Legitimate parcels' days from payment to the end of their (fixed) timelines.
        legit = ~book["fraud"][rows]
        days = fulfilment.days_to_end(book["t_created"][rows], t_arrive)
        if n == 1:
            r0 = r[0]
            counters[r0, Counter.LOGISTICS_COST] += cost[0]
            counters[r0, Counter.SHIPPED] += 1
            counters[r0, Counter.CARBON_KG] += carbon[0]
            if legit[0]:
                counters[r0, Counter.LEGIT_SHIPPED] += 1
                counters[r0, Counter.LEGIT_SHIPPED_DAYS] += days[0]
        else:
            np.add.at(counters[:, Counter.LOGISTICS_COST], r, cost)
            _count_orders(counters[:, Counter.SHIPPED], r)
            np.add.at(counters[:, Counter.CARBON_KG], r, carbon)
            _count_orders(counters[:, Counter.LEGIT_SHIPPED], r[legit])
            np.add.at(counters[:, Counter.LEGIT_SHIPPED_DAYS], r[legit], days[legit])

    def restock_returns(self, product: np.ndarray) -> None:
        """Locally returned items go back on the shelf."""
        self.stock += np.bincount(product, minlength=len(self.stock))
        self._stock_value = None


def _count_orders(counter: np.ndarray, regions: np.ndarray) -> None:
    """Add one to ``counter`` (a view over regions) per order in ``regions`` (repeats add up).

    Counts are whole numbers, so adding each region's count at once gives the same floats as
    adding one per order (what ``np.add.at`` did).
    """
    if len(regions) == 1:
        counter[regions[0]] += 1
    elif len(regions):
        counter += np.bincount(regions, minlength=len(counter))


MIN_TRANSIT_DAYS = 1.0
"""Shortest mean transit leg of a cross-border parcel (definition: a parcel crosses a border
in no less than a day), the floor under catalog days less routine customs."""


def hub_days(params: ModelParameters, mech: Mechanics) -> float:
    """Days a seller's direct parcel spends at the hub: pick-pack and the line-haul wait.

    ``hub_processing_days`` as it stands without route planning; with it, the wait for the
    next of ``linehaul_departures_per_week`` departures gives way to the wait on the planned
    lanes (:func:`simulation.logistics.planned_hub_days`).
    """
    if mech.linehaul_departures_per_week is None:
        return params.hub_processing_days
    return logistics.planned_hub_days(params.hub_processing_days,
                                      params.linehaul_departures_per_week,
                                      mech.linehaul_departures_per_week)


def direct_transit_mean(model: MarketModel, mech: Mechanics, r: np.ndarray | slice,
                        mode: np.ndarray) -> np.ndarray:
    """Mean transit days of a seller's direct parcels (route, lever, disruptions).

    The catalog's ``ship_days`` are door to door, routine customs included (carriers quote
    them so); customs is simulated as its own stage (:func:`customs_mean`), so the transit
    leg is the catalog figure less the region's routine customs delay, at least
    :data:`MIN_TRANSIT_DAYS`. Adding customs on top double-counted it (simulated direct
    parcels took 2-7 days longer than the catalog's sourced times).
    """
    door = model.regions.ship_days[r, mode]
    routine = model.regions.customs_delay_days[r]
    if np.ndim(door) > np.ndim(routine):
        routine = routine[:, None]
    transit = np.maximum(door - routine, MIN_TRANSIT_DAYS)
    return transit * mech.transit_factor[r, mode] * model.mode_delay_factor[r, mode]


def customs_mean(model: MarketModel, mech: Mechanics, r: np.ndarray | slice) -> np.ndarray:
    """Mean customs delay days of a seller's direct parcels in regions ``r``."""
    return model.customs_delay[r] * mech.customs_factor[r]


def settlement_and_replenishment_phase(model: MarketModel, day: int) -> None:
    """Phase 'settlement and replenishment': payouts, stock reviews, holding costs, compaction."""
    # The agents' own lists, in creation order: the order AgentSet.do calls them in.
    for provider in model.provider_list:
        provider.settle()
    warehouses = model.warehouse_list
    for wh in warehouses:
        wh.replenish()
    for wh in warehouses:
        wh.hold()
    if day % model.params.order_compaction_interval == 0:
        model.orders.compact()
