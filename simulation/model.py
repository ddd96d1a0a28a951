"""The market model: wires regions, agents and the order lifecycle, and sequences a day.

One step is one day: the named phases of :data:`simulation.schedule.PHASES`, in order (the
ODD's process overview is generated from the same list).
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.agentset import AgentSet
from pydantic import ValidationError

from simulation import expectations, fulfilment
from simulation.advertising import AdAudiences
from simulation.cart_recovery import CartRecovery
from simulation.checkout import PaymentRouting
from simulation.consumers import Consumer, ConsumerPopulation, Exposures
from simulation.cultural_distance import ContentCulture
from simulation.culture import culture_multipliers
from simulation.fission import Fission
from simulation.kols import KOL, KolFeed, create_kols
from simulation.ledger import Account, Ledger
from simulation.levers import apply_levers
from simulation.live_commerce import LiveCommerce
from simulation.metrics import (
    METRIC_NAMES,
    N_COUNTERS,
    Counter,
    MarketDataCollector,
    compute_metrics,
    count,
    ratio,
)
from simulation.network import build_social_graph
from simulation.orders import OrderBook
from simulation.payments import ExchangeRates, PaymentProvider
from simulation.pricing import OfferBook
from simulation.reach import online_counts
from simulation.regions import Catalog, RegionTable, load_catalog
from simulation.repurchase_window import RepurchaseWindow
from simulation.schedule import PHASES
from simulation.seller_policy import review_states
from simulation.sellers import Seller
from simulation.spec import (
    MarketSpec,
    PaymentProviderSpec,
    catalog_problems,
    check_region_references,
)
from simulation.streams import RandomStreams
from simulation.warehouses import Warehouse
from simulation.word_of_mouth import ReferralProgrammes


def split_evenly(total: int, parts: int) -> np.ndarray:
    """Split ``total`` into ``parts`` integers differing by at most one (first ones larger).

    >>> split_evenly(10, 3).tolist()
    [4, 3, 3]
    """
    base, extra = divmod(total, parts)
    return np.array([base + (i < extra) for i in range(parts)], dtype=np.int64)


class MarketModel(mesa.Model):
    """Cross-border social e-commerce market (see module docstring for the daily protocol).

    Args:
        spec: what to simulate; the default spec when None.
        rng: seed or generator; the same spec and seed give identical results.
        catalog: a region catalog to use instead of the spec's (already validated).
    """

    def __init__(
        self,
        spec: MarketSpec | None = None,
        *,
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.streams = RandomStreams.spawn_from(self.rng)
        spec = spec if spec is not None else MarketSpec()
        self.params = p = spec.parameters
        if catalog is None:
            overrides = {"regions": spec.region_overrides} if spec.region_overrides else None
            try:
                catalog = load_catalog(spec.catalog, overrides)
            except ValidationError:
                problems = catalog_problems(spec.model_dump())
                if not problems:
                    raise
                raise ValueError("\n".join(problems)) from None
        regions = catalog.select(spec.regions)
        self.regions = RegionTable.from_regions(regions)
        check_region_references(spec, list(self.regions.codes))
        # Levers rewrite seller specs before anything is built (structural changes).
        configured = [apply_levers(s) for s in spec.sellers]
        self.input_spec = spec
        self.spec = spec = spec.model_copy(update={"sellers": configured})
        self.culture = culture_multipliers(self.regions.hofstede, p)
        n_regions = self.regions.n
        self.region_counts = split_evenly(spec.n_consumers, n_regions)  # represented
        # Simulated consumers per region: the online ones only if spec.online_only.
        self.simulated_counts = (online_counts(self.region_counts, self.regions.internet_share)
                                 if spec.online_only else self.region_counts)
        self.customs_delay = self.regions.customs_delay_days.copy()
        self.fx = ExchangeRates(self.regions.fx_volatility, p.fx_mean_reversion)
        # The sellers' home currency (CNY): their costs in USD move with it.
        self.home_fx = ExchangeRates(np.array([p.home_fx_daily_volatility]), p.fx_mean_reversion)
        # Logistics state that shocks can change: slowdowns and closures per (region, mode).
        n_modes = self.regions.ship_days.shape[1]
        self.mode_delay_factor = np.ones((n_regions, n_modes))
        self.mode_closed_until = np.zeros((n_regions, n_modes))
        self.carbon_per_mode = np.array([p.carbon_express_air_kg, p.carbon_postal_air_kg,
                                         p.carbon_ecommerce_line_kg, p.carbon_sea_freight_kg])
        self.occasion_boost = 1.0  # peak sale days multiply purchase occasions

        # Sellers, their warehouses and payment providers.
        self.seller_list: list[Seller] = []
        self.warehouse_list: list[Warehouse] = []
        self.provider_list: list[PaymentProvider] = []
        n_sellers = len(spec.sellers)
        self.counters = np.zeros((n_sellers, n_regions, N_COUNTERS))
        self.ledger = Ledger(n_sellers, n_regions)
        self.orders = OrderBook(capacity=max(1024, spec.n_consumers // 4))
        providers = self._create_providers(spec)
        for s in spec.sellers:
            Seller(self, s, [providers[pr.name] for pr in s.payment_providers])
        self._index_sellers()
        self.cost_fx = np.ones(n_sellers)  # USD cost of a day-0 USD of costs (payments)
        self.seller_reviews = review_states(self)

        # Consumers, their social graph, and the KOLs they follow.
        trust_factor = np.stack([s.initial_trust_factor() for s in self.seller_list])
        self.population = ConsumerPopulation(
            self.regions, self.simulated_counts, trust_factor, self.culture, p,
            self.streams.population, reach_rng=self.streams.reach,
            online_only=spec.online_only,
        )
        self.population.set_sellers_regions(self.sells_in)
        self.population.attach(self)
        self.graph = build_social_graph(
            self.population.region, p.mean_degree, p.degree_exponent,
            p.cross_region_tie_share, self.streams.graph,
            min_weight_share=p.min_tie_weight_share,
        )
        self.degree = self.graph.degree()
        self.ad_audiences = AdAudiences(self)
        self.exposures = Exposures()
        self.fission = Fission(self)  # referral pots, invitations, groups
        self.cart_recovery = CartRecovery(self)  # abandoned-cart reminders (CRM lever)
        self.repurchase_window = RepurchaseWindow(  # measurement only: window repurchase
            self.population.n, n_sellers, p.repurchase_window_days)
        self.offer_book: OfferBook | None = None  # made by pricing.offer_book on first use
        kols = create_kols(self)
        by_region: dict[int, list[KOL]] = {}
        for k in kols:
            by_region.setdefault(k.region, []).append(k)
        for seller in self.seller_list:
            seller.contract_kols(by_region)
        self.content_culture = ContentCulture(self)  # cultural distance, language
        self.kol_feed = KolFeed(self)

        # Records each day's state; metrics and tables are computed when read.
        self.datacollector = MarketDataCollector(self, Seller, Warehouse)
        self.datacollector.collect(self)

    @property
    def latest(self) -> dict:
        """The last measured day's metrics (per region, total, stages, seller profit, backlog)."""
        return self.datacollector.latest()

    # --- wiring helpers -------------------------------------------------------------------
    def _create_providers(self, spec: MarketSpec) -> dict[str, PaymentProvider]:
        """One PaymentProvider agent per distinct provider name across sellers."""
        seen: dict[str, PaymentProviderSpec] = {}
        for i, s in enumerate(spec.sellers):
            for pr in s.payment_providers:
                if pr.name in seen and seen[pr.name] != pr:
                    raise ValueError(
                        f"sellers.{i}.payment_providers: provider {pr.name!r} is defined twice "
                        "with different terms; give it another name"
                    )
                seen[pr.name] = pr
        return {name: PaymentProvider(self, pr) for name, pr in seen.items()}

    def _index_sellers(self) -> None:
        """Flat lookup arrays over (seller, product) and (seller, region)."""
        sellers = self.seller_list
        self.n_products = np.array([len(s.prices) for s in sellers])
        width = int(self.n_products.max())
        self._price = np.zeros((len(sellers), width))
        self._cost = np.zeros((len(sellers), width))
        self._quality = np.zeros((len(sellers), width))
        for s in sellers:
            k = len(s.prices)
            self._price[s.index, :k] = s.prices
            self._cost[s.index, :k] = s.unit_costs
            self._quality[s.index, :k] = s.quality
        # Content claims: quality the sellers' KOL posts and streams claim (misleading content).
        inflation = np.array([s.spec.claim_inflation for s in sellers], dtype=float)
        self.claims_inflated = bool(np.any(inflation > 0))
        self._claimed = expectations.claimed_quality(self._quality, inflation[:, None])
        self.warehouse_in = np.stack([s.warehouse_in for s in sellers])
        self.hub_of = np.array([s.hub.index for s in sellers])
        self.sells_in = np.stack([s.targets for s in sellers])
        self.payment_routing = PaymentRouting(sellers, self.provider_list)
        self.referrals = ReferralProgrammes.of(sellers)
        self.live_commerce = LiveCommerce(sellers, self.params)

    def set_list_prices(self, seller: int, prices: np.ndarray) -> None:
        """A seller's new list prices (USD) in the price table checkouts read."""
        self._price[seller, :len(prices)] = prices

    def price_of(self, seller: np.ndarray, product: np.ndarray) -> np.ndarray:
        """List price, USD."""
        return self._price[seller, product]

    def unit_cost_of(self, seller: np.ndarray, product: np.ndarray) -> np.ndarray:
        """Unit cost, USD."""
        return self._cost[seller, product]

    def claimed_quality_of(self, seller: np.ndarray, product: np.ndarray) -> np.ndarray:
        """Quality the seller's content claims, 0-1 (the true quality when honest)."""
        return self._claimed[seller, product]

    def quality_of(self, seller: np.ndarray, product: np.ndarray) -> np.ndarray:
        """Product quality, 0-1."""
        return self._quality[seller, product]

    def consumer(self, index: int) -> Consumer:
        """A read-only view of consumer ``index`` (made on demand; see simulation.consumers)."""
        return self.population.view(index)

    # --- agent sets -----------------------------------------------------------------------
    def _agents_of(self, cls: type) -> AgentSet:
        return self.agents_by_type.get(cls) or AgentSet([], random=self.random)

    @property
    def sellers(self) -> AgentSet:
        """All sellers."""
        return self._agents_of(Seller)

    @property
    def kols(self) -> AgentSet:
        """All KOLs."""
        return self._agents_of(KOL)

    @property
    def warehouses(self) -> AgentSet:
        """All warehouses (hubs and overseas/local)."""
        return self._agents_of(Warehouse)

    @property
    def payment_providers(self) -> AgentSet:
        """All payment providers."""
        return self._agents_of(PaymentProvider)

    @property
    def consumers(self) -> ConsumerPopulation:
        """All consumers: the vectorised agent set (arrays; views on demand)."""
        return self.population

    @property
    def agents_by_type(self) -> dict[type, AgentSet | ConsumerPopulation]:
        """Mesa's agents by type, with the consumers' vectorised set under ``Consumer``."""
        types: dict[type, AgentSet | ConsumerPopulation] = dict(super().agents_by_type)
        if hasattr(self, "population"):
            types[Consumer] = self.population
        return types

    # --- callbacks used by agents ---------------------------------------------------------
    def pay_marketing(self, seller, region, amount, channel: Counter) -> None:
        """Book marketing spend and its channel's counter (AD_SPEND, KOL_SPEND, ...)."""
        self.ledger.expense(Account.MARKETING, seller, region, amount)
        if (isinstance(amount, (int, float, np.number)) and isinstance(seller, (int, np.integer))
                and isinstance(region, (int, np.integer))):  # one flow: one addition, no add.at
            self.counters[seller, region, Counter.MARKETING_SPEND] += amount
            self.counters[seller, region, channel] += amount
            return
        count(self, seller, region, Counter.MARKETING_SPEND, amount)
        count(self, seller, region, channel, amount)

    def cancel_orders(self, rows: np.ndarray) -> None:
        """Cancel and refund backorders (see :func:`simulation.fulfilment.cancel_orders`)."""
        fulfilment.cancel_orders(self, rows)

    def seller_index(self, name: str) -> int:
        """Index of the seller called ``name``."""
        for s in self.seller_list:
            if s.name == name:
                return s.index
        raise KeyError(f"no seller named {name!r}")

    # --- the day --------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the market by one day: run :data:`simulation.schedule.PHASES` in order."""
        day = self.steps
        for phase in PHASES:
            phase.run(self, day)
        if day >= self.spec.horizon_days:
            self.running = False

    # --- measurement ----------------------------------------------------------------------
    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        """Final metrics per seller ('all' = every seller) and region ('all' = every region)."""
        n_regions = self.regions.n
        codes = [*self.regions.codes, "all"]
        sr = self.population.seller_region_counts()
        everyone = self.population.region_counts(n_regions)
        consumers = self.region_counts  # represented (online_only simulates a part of them)
        profit = self.ledger.profit()
        out: dict[str, dict[str, dict[str, float]]] = {}
        for s in [*self.seller_list, None]:
            if s is None:
                name, sel = "all", slice(None)
                aware, cust, rep = everyone["aware"], everyone["customers"], (
                    everyone["repeat_customers"])
                trust_sum, pairs = everyone["trust_sum"], everyone["aware_pairs"]
                reached = everyone["reached"]
            else:
                name, sel = s.name, slice(s.index, s.index + 1)
                aware, cust = sr["aware"][s.index], sr["customers"][s.index]
                rep, trust_sum = sr["repeat_customers"][s.index], sr["trust_sum"][s.index]
                pairs = aware
                reached = sr["reached"][s.index]
            ctr = self.counters[sel].sum(axis=0)
            pr = profit[sel].sum(axis=0)
            per_region = compute_metrics(ctr, pr[:n_regions], consumers, aware, cust, rep,
                                         ratio(trust_sum, pairs), reached=reached)
            total = compute_metrics(ctr.sum(axis=0), pr.sum(), consumers.sum(), aware.sum(),
                                    cust.sum(), rep.sum(), ratio(trust_sum.sum(), pairs.sum()),
                                    reached=reached.sum())
            out[name] = {
                code: {m: float(per_region[m][i]) if i < n_regions else float(total[m])
                       for m in METRIC_NAMES}
                for i, code in enumerate(codes)
            }
        return out


