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

from typing import TYPE_CHECKING

import numpy as np

from simulation.metrics import Counter

if TYPE_CHECKING:
    from simulation.model import MarketModel
    from simulation.sellers import Seller

IMPRESSIONS_PER_CPM = 1000.0
"""CPM prices a thousand impressions."""


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

    def refresh(self, region: int) -> None:
        """Recompute a region's audience after its consumers' platforms changed."""
        self.users[region] = self._social_users(region)
        self._cdf = {k: v for k, v in self._cdf.items() if k[0] != region}


def buy_impressions(model: MarketModel, seller: Seller, rng: np.random.Generator) -> None:
    """A seller's ad budget buys impressions per region; noticed ones become touches."""
    p = model.params
    budget = seller.daily_budget("ads")
    regions = model.regions
    cpm = p.ad_cpm_usd_at_reference_income * regions.gdp_per_capita / p.reference_income_usd
    power = seller.mech.targeting_power
    for r in np.flatnonzero(budget > 0).tolist():
        pw = float(power[r]) if power is not None else p.ad_targeting_power
        pool, cdf = model.ad_audiences.audience(r, pw)
        if len(pool) == 0:
            continue
        impressions = int(budget[r] / cpm[r] * IMPRESSIONS_PER_CPM)
        noticed = rng.binomial(impressions, p.ad_notice_rate)
        if noticed == 0:
            continue
        # Sorted draws make the binary searches cache-friendly; order is irrelevant here.
        u = np.sort(rng.random(noticed))
        who = pool[np.minimum(np.searchsorted(cdf, u, side="right"), len(pool) - 1)]
        model.exposures.add(who, seller.index, attention=p.ad_touch_weight,
                            channel=Counter.AD_TOUCHES)
        model.pay_marketing(seller.index, r, budget[r], Counter.AD_SPEND)


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
