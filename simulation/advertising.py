"""Advertising: who paid social ads can reach, targeting, and the day's impressions.

Reads: the ad share of each seller's marketing budget, ``ad_cpm_usd_at_reference_income``,
``ad_notice_rate``, ``ad_touch_weight``, ``ad_targeting_power`` (or a seller's
``Mechanics.targeting_power``, set by the precision-targeting lever), consumers' platforms and
affinity. Writes: touches (:class:`~simulation.consumers.Exposures`, channel AD_TOUCHES) and
marketing spend. A platform ban (shock) shrinks the audience.

Audience: consumers of a region who use at least one social platform. Targeting: an
impression lands on a user with probability proportional to affinity^power, so a higher
power concentrates impressions on likely buyers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.channels import transferred_trust
from simulation.cultural_distance import ad_attention, ad_trust
from simulation.metrics import Counter

if TYPE_CHECKING:
    from simulation.model import MarketModel
    from simulation.sellers import Seller

IMPRESSIONS_PER_CPM = 1000.0
"""CPM prices a thousand impressions."""

AD_CHANNEL = int(Counter.AD_TOUCHES)
"""Counter channel of ad touches (a plain int: cheaper to spread over touches)."""


def ad_trust_gain(params) -> float:
    """Share of the trust gap an ad noticed closes: platform trust transferred to the seller."""
    return float(transferred_trust(params.platform_trust, params.ad_platform_trust_transfer))


def targeting_cdf(affinity: np.ndarray, power: float) -> np.ndarray:
    """Cumulative targeting weights (affinity^power), normalised to end at 1.

    >>> targeting_cdf(np.array([1.0, 3.0]), 1.0).tolist()
    [0.25, 1.0]
    """
    cdf = np.cumsum(np.asarray(affinity, dtype=float) ** power)
    cdf = cdf / cdf[-1] if len(cdf) else cdf
    return np.minimum(cdf, 1.0)


class AdAudiences:
    """Social-media users per region, and their targeting weights per targeting power."""

    def __init__(self, model: MarketModel) -> None:
        self.model = model
        self.users = [self._social_users(r) for r in range(model.regions.n)]
        self._cdf: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}
        self._plans: dict[int, list[AdBuy]] = {}

    def _social_users(self, region: int) -> np.ndarray:
        """Consumers of ``region`` on at least one social platform."""
        pop = self.model.population
        start, end = int(pop.block_starts[region]), int(pop.block_ends[region])
        return np.flatnonzero(pop.platforms[start:end] != 0) + start

    def audience(self, region: int, power: float) -> tuple[np.ndarray, np.ndarray]:
        """(users, cumulative targeting weights) of a region at a targeting power."""
        key = (region, power)
        if key not in self._cdf:
            pool = self.users[region]
            self._cdf[key] = (pool, targeting_cdf(self.model.population.affinity[pool], power))
        return self._cdf[key]

    def plan(self, seller: Seller) -> list[AdBuy]:
        """The seller's daily ad buys (worked out once: budgets, prices and power are fixed).

        Regions whose budget buys no whole impression are left out: a binomial draw over zero
        impressions draws nothing and notices nothing.
        """
        plan = self._plans.get(seller.index)
        if plan is None:
            plan = self._plans[seller.index] = daily_ad_buys(self.model, seller)
        return plan

    def forget_plan(self, seller: int) -> None:
        """Drop a seller's cached ad buys (its budget changed; redone on the next buy)."""
        self._plans.pop(seller, None)

    def refresh(self, region: int) -> None:
        """Recompute a region's audience after its consumers' platforms changed."""
        self.users[region] = self._social_users(region)
        self._cdf = {k: v for k, v in self._cdf.items() if k[0] != region}


class AdBuy(NamedTuple):
    """A seller's daily ad purchase in one region."""

    region: int
    budget: float  # USD per day
    impressions: int  # impressions the budget buys
    power: float  # targeting power


def daily_ad_buys(model: MarketModel, seller: Seller) -> list[AdBuy]:
    """The impressions a seller's daily ad budget buys per region, at the region's CPM."""
    p = model.params
    budget = seller.daily_budget("ads")
    regions = model.regions
    cpm = p.ad_cpm_usd_at_reference_income * regions.gdp_per_capita / p.reference_income_usd
    power = seller.mech.targeting_power
    buys = []
    for r in np.flatnonzero(budget > 0).tolist():
        pw = float(power[r]) if power is not None else p.ad_targeting_power
        impressions = int(budget[r] / cpm[r] * IMPRESSIONS_PER_CPM)
        if impressions > 0:
            buys.append(AdBuy(r, budget[r], impressions, pw))
    return buys


def buy_impressions(model: MarketModel, seller: Seller, rng: np.random.Generator) -> None:
    """A seller's ad budget buys impressions per region; noticed ones become touches.

    Touches and spend of all regions are booked in one call each (same order and sums as
    region by region: the spend of distinct regions lands in distinct cells).
    """
    audiences = model.ad_audiences
    plan = audiences.plan(seller)
    if not plan:
        return
    notice_rate = model.params.ad_notice_rate
    reached, paid_regions, paid = [], [], []
    for r, budget, impressions, power in plan:
        pool, cdf = audiences.audience(r, power)
        if len(pool) == 0:
            continue
        noticed = rng.binomial(impressions, notice_rate)
        if noticed == 0:
            continue
        # Sorted draws make the binary searches cache-friendly; order is irrelevant here.
        u = rng.random(noticed)
        u.sort()
        hit = cdf.searchsorted(u, side="right")
        np.minimum(hit, len(pool) - 1, out=hit)
        reached.append(pool[hit])
        paid_regions.append(r)
        paid.append(budget)
    if not paid:
        return
    who = reached[0] if len(reached) == 1 else np.concatenate(reached)
    p = model.params
    # Ads carry little trust: a sliver of trust in the platform (simulation.channels), less
    # for a culturally distant seller's creative; ads in a language the region does not
    # read earn less attention and trust (simulation.cultural_distance).
    sizes = [len(x) for x in reached]
    attention = ad_attention(model, seller.index, paid_regions, sizes, p.ad_touch_weight)
    trust = ad_trust(model, seller.index, paid_regions, sizes, ad_trust_gain(p))
    model.exposures.add(who, seller.index, attention=attention, trust_gain=trust,
                        channel=AD_CHANNEL)
    if len(paid) == 1:
        model.pay_marketing(seller.index, paid_regions[0], paid[0], Counter.AD_SPEND)
    else:
        # Seller as an array: the ledger's broadcast of a scalar seller costs more.
        model.pay_marketing(np.full(len(paid), seller.index), np.array(paid_regions),
                            np.array(paid), Counter.AD_SPEND)


def ads_phase(model: MarketModel, day: int) -> None:
    """Phase 'ads': each seller (random order) buys the day's ad impressions."""
    model.sellers.shuffle_do("advertise")


def ban_platform(model: MarketModel, region: int, platform: int) -> None:
    """Consumers of the region stop being reachable on the platform (ads and KOLs)."""
    pop = model.population
    members = pop.region == region
    pop.platforms[members] &= np.uint8(~(1 << platform) & 0xFF)
    model.ad_audiences.refresh(region)
    for kol in model.kols:
        if kol.region == region and kol.platform == platform:
            kol.followers = kol.followers[:0]
    model.kol_feed.rebuild()
