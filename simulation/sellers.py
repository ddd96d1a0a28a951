"""Sellers: products, marketing, fulfilment and payment set-up, compliance and books.

A seller decides how to spend its marketing budget (ads, KOL bookings, referral rebates),
where to stock goods (the hub, overseas warehouses) and which payment providers to offer;
the settlement of what follows (prices, checkout, parcels) is done by pure functions
elsewhere, and the money lands in the model's :class:`~simulation.ledger.Ledger`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation import advertising, data_protection, logistics, pricing
from simulation.budget import CHANNELS, initial_budget
from simulation.ledger import Account
from simulation.levers import Mechanics
from simulation.parameters import kol_tiers
from simulation.regions import SHIPPING_MODES
from simulation.spec import KOL_TIERS, SellerSpec
from simulation.warehouses import HUB, Warehouse, customs_mean, direct_transit_mean, hub_days

if TYPE_CHECKING:
    from simulation.kols import KOL
    from simulation.model import MarketModel
    from simulation.payments import PaymentProvider

DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 30.0


class Seller(mesa.Agent):
    """A seller competing for consumers in the model's regions."""

    def __init__(self, model: MarketModel, spec: SellerSpec, providers: list[PaymentProvider]
                 ) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.index = len(model.seller_list)
        model.seller_list.append(self)
        self.stream = model.streams.seller(self.index)  # contracts, ads and breaches
        regions = model.regions
        self.prices = np.array([p.price_usd for p in spec.products])
        self.unit_costs = np.array([p.unit_cost_usd for p in spec.products])
        self.quality = np.array([p.quality for p in spec.products])
        self.green = np.array([p.green for p in spec.products])

        if spec.target_regions is not None:
            targets = spec.target_regions
        elif spec.origin == "local":
            targets = [spec.home_region]
        else:
            targets = list(regions.codes)
        self.targets = np.isin(np.array(regions.codes), targets)
        self.consumers_in = np.where(self.targets, model.region_counts, 0)

        self.providers = providers
        self.offered_methods = np.zeros(regions.n, dtype=np.int64)
        for prov in providers:
            self.offered_methods |= np.where(prov.covers, prov.methods, 0)
        self.fx_spread = self._fx_spread()  # providers are fixed for the run

        self.direct_mode = SHIPPING_MODES.index(spec.fulfilment.direct_mode)
        self.mech = Mechanics(regions.n, len(SHIPPING_MODES))
        for lever in spec.levers.active():
            lever.tune(self.mech, regions)
        self.hub = Warehouse(model, self, HUB, int(self.consumers_in.sum()))
        self.warehouse_in = np.full(regions.n, -1, dtype=np.int64)
        local_sites = (
            [spec.home_region] if spec.origin == "local" else spec.fulfilment.overseas_warehouses
        )
        self.local_warehouses: list[Warehouse] = []
        for code in local_sites:
            r = regions.index(code)
            wh = Warehouse(model, self, r, int(model.region_counts[r]))
            self.warehouse_in[r] = wh.index
            self.local_warehouses.append(wh)

        # Daily marketing budget (USD) per channel (ads, kols, referral) and region: the
        # spec's total spread over regions by expected revenue (simulation.budget); an
        # adaptive seller's reviews move it (simulation.seller_policy).
        self.budget = initial_budget(
            spec.marketing_budget_per_1k_daily, spec.budget_split.model_dump(),
            self.consumers_in, regions.income_index(model.params.reference_income_usd),
            model.params.budget_income_elasticity)
        self.kol_contracts: list[KOL] = []
        self.left = np.zeros(regions.n, dtype=bool)  # regions the seller has left
        self.breaches = 0
        self._set_daily_costs()  # spec, consumers served and levers are fixed for the run

    def _set_daily_costs(self) -> None:
        """The day's fixed costs and breach hazard, which depend only on set-up."""
        model = self.model
        p = model.params
        fixed = self.spec.fulfilment.overseas_fixed_cost_per_1k_daily
        self._warehouse_fixed = [
            (wh.region, fixed * model.region_counts[wh.region] / 1000.0)
            for wh in self.local_warehouses if self.spec.origin != "local"
        ]
        spend_per_1k = self.spec.compliance_spend_per_1k_daily
        spend = spend_per_1k * self.consumers_in / 1000.0
        self._compliance = spend.tolist() if spend.sum() > 0 else None
        services = self.mech.fixed_cost_per_1k_daily * self.consumers_in / 1000.0
        self._services = services.tolist() if services.sum() > 0 else None
        self._breach_hazard = data_protection.breach_hazard(
            p.breach_base_daily_rate, self.mech.data_volume_factor, spend_per_1k,
            p.compliance_halving_spend_per_1k)

    # --- set-up ---------------------------------------------------------------------------
    def initial_trust_factor(self) -> np.ndarray:
        """(R,) initial trust relative to propensity: foreign sellers start lower."""
        p = self.model.params
        base = 1.0 if self.spec.origin == "local" else p.foreign_seller_trust_discount
        if self.spec.certified:
            base = base * (1.0 + p.certification_trust_bonus)
        return np.minimum(1.0, base * (1.0 + self.mech.trust_bonus))

    def daily_budget(self, channel: str) -> np.ndarray:
        """(R,) USD per day for a marketing channel ('ads', 'kols' or 'referral')."""
        return self.budget[CHANNELS.index(channel)].copy()

    def stop_fixed_costs(self, region: int) -> None:
        """The seller left ``region``: its warehouse lease, compliance and services end there."""
        self.left[region] = True
        self._set_daily_costs()
        self._warehouse_fixed = [(r, c) for r, c in self._warehouse_fixed if not self.left[r]]

    def contract_kols(self, kols_by_region: dict[int, list[KOL]]) -> None:
        """Book KOLs per region and tier until each tier's weekly budget is used up."""
        p = self.model.params
        rng = self.stream
        weekly = self.daily_budget("kols") * DAYS_PER_WEEK
        mix = np.array([self.spec.kol_tier_mix.get(t, 0.0) for t in KOL_TIERS])
        mix = mix / mix.sum()
        mech = self.mech
        posts_pw = mech.kol_posts_per_week if mech.kol_posts_per_week is not None else (
            p.kol_posts_per_week)
        per_month = mech.live_streams_per_month if mech.live_streams_per_month is not None else (
            p.live_streams_per_month)
        streams_pw = per_month * DAYS_PER_WEEK / DAYS_PER_MONTH
        from simulation.kols import Contract

        for r in np.flatnonzero(weekly > 0).tolist():
            pool = kols_by_region.get(r, [])
            for t_i, tier in enumerate(kol_tiers(p)):
                budget = weekly[r] * mix[t_i]
                candidates = [k for k in pool if k.tier.name == tier.name and (
                    mech.kol_platforms is None or k.platform in mech.kol_platforms)]
                for j in rng.permutation(len(candidates)).tolist():
                    kol = candidates[j]
                    cost = kol.weekly_cost(posts_pw, streams_pw)
                    if cost <= 0 or cost > budget:
                        continue
                    budget -= cost
                    kol.contracts.append(
                        Contract(self.index, posts_pw / DAYS_PER_WEEK, streams_pw / DAYS_PER_WEEK)
                    )
                    self.kol_contracts.append(kol)

    # --- offers ---------------------------------------------------------------------------
    def direct_mode_for(self, products: np.ndarray) -> np.ndarray:
        """Shipping mode index for direct parcels of these products (by value if multimodal)."""
        products = np.asarray(products, dtype=np.int64)
        mech = self.mech
        if mech.multimodal_threshold_usd is None:
            return np.full(len(products), self.direct_mode, dtype=np.int64)
        return logistics.multimodal_mode(self.prices[products], mech.multimodal_threshold_usd,
                                         mech.high_value_mode, mech.low_value_mode)

    def fulfilled_locally(self) -> np.ndarray:
        """(R,) True where the seller delivers from a warehouse inside the region."""
        return self.warehouse_in >= 0

    def _fx_spread(self) -> np.ndarray:
        """(R,) FX spread the consumer pays: the cheapest of the providers covering the region."""
        regions = self.model.regions
        spread = np.zeros(regions.n)
        if self.spec.origin == "local":
            return spread
        for r in range(regions.n):
            covering = [pr.fx_spread for pr in self.providers if pr.covers[r]]
            spread[r] = min(covering) if covering else 0.0
        return spread

    def landed_prices(self, fx_index: np.ndarray, discount: float = 0.0) -> np.ndarray:
        """Landed price (P, R) in start-of-run USD, after ``discount``."""
        regions = self.model.regions
        local = self.fulfilled_locally()
        return pricing.landed_price(
            self.prices[:, None], fx_index[None, :] if self.spec.origin != "local" else 1.0,
            self.fx_spread[None, :], regions.import_duty_rate[None, :],
            regions.de_minimis_usd[None, :], ~local[None, :], discount,
        )

    def promised_days(self) -> np.ndarray:
        """Promised delivery days (P, R): local stock, or hub, transit and customs."""
        model = self.model
        regions = model.regions
        p = model.params
        local = self.fulfilled_locally()
        modes = self.direct_mode_for(np.arange(len(self.prices)))
        every = slice(None)  # all regions
        transit = direct_transit_mean(model, self.mech, every, modes).T
        customs = customs_mean(model, self.mech, every)
        direct_days = logistics.promised_days(hub_days(p, self.mech), transit,
                                               customs[None, :])
        local_days = p.overseas_processing_days + regions.last_mile_days
        return np.where(local[None, :], local_days[None, :], direct_days)

    # --- daily actions --------------------------------------------------------------------
    def plan_day(self) -> None:
        """Pay fixed costs and compliance; a data breach may become public."""
        model = self.model
        s = self.index
        ledger = model.ledger
        for region, cost in self._warehouse_fixed:
            ledger.expense(Account.WAREHOUSE_FIXED, s, region, cost)
        fx = model.cost_fx[s]  # compliance and services are paid in the home currency
        if self._compliance is not None:
            ledger.expense_by_region(Account.COMPLIANCE, s, self._compliance if fx == 1.0
                                     else [c * fx for c in self._compliance])
        if self._services is not None:
            ledger.expense_by_region(Account.SERVICES, s, self._services if fx == 1.0
                                     else [c * fx for c in self._services])
        if self.stream.random() < self._breach_hazard:
            data_protection.data_breach(model, s)

    def advertise(self) -> None:
        """Buy the day's social ad impressions (see :mod:`simulation.advertising`)."""
        advertising.buy_impressions(self.model, self, self.stream)


def plan_phase(model: MarketModel, day: int) -> None:
    """Phase 'sellers plan': due stock arrives, then each seller (random order) plans its day."""
    # The agents' own lists: warehouses in creation order (as AgentSet.do), sellers shuffled
    # with the model's random generator exactly as AgentSet.shuffle_do shuffles them.
    for wh in model.warehouse_list:
        wh.receive_stock()
    sellers = list(model.seller_list)
    model.random.shuffle(sellers)
    for seller in sellers:
        seller.plan_day()
