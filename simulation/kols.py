"""KOLs (influencers): followers on one platform in one region; posts and live-streams.

A KOL's posts reach a share of its followers and transfer trust to the sellers it promotes
(parasocial trust, raised by cultural power distance); its live-streams reach fewer people but
touch them harder and give viewers an impulse purchase occasion at the live price, which
concentrates demand on the stream's day (brief: live-streams hit the supply chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.metrics import Counter
from simulation.parameters import KOL_TIER_TABLE, KolTier
from simulation.regions import PLATFORMS

if TYPE_CHECKING:
    from simulation.model import MarketModel


@dataclass
class Contract:
    """A seller's booking of a KOL: expected posts and streams per day."""

    seller: int
    posts_per_day: float
    streams_per_day: float


class KOL(mesa.Agent):
    """An influencer with a follower set, a tier, credibility and a fee."""

    def __init__(
        self,
        model: MarketModel,
        region: int,
        platform: int,
        tier: KolTier,
        followers: np.ndarray,
        credibility: float,
    ) -> None:
        super().__init__(model)
        self.region = region
        self.platform = platform
        self.tier = tier
        self.followers = followers
        self.credibility = credibility
        p = model.params
        # Creator rates follow local income, as ad prices do.
        income = model.regions.gdp_per_capita[region] / p.reference_income_usd
        self.fee_per_post = p.kol_fee_per_1k_followers_usd * income * len(followers) / 1000.0
        self.fee_per_stream = self.fee_per_post * p.kol_live_fee_multiplier
        self.commission_rate = p.kol_commission_rate
        self.contracts: list[Contract] = []
        self.posts_made = 0
        self.streams_made = 0

    @property
    def platform_name(self) -> str:
        """Name of the KOL's platform."""
        return PLATFORMS[self.platform]

    @property
    def n_followers(self) -> int:
        """Follower count within the modelled population."""
        return len(self.followers)

    def weekly_cost(self, posts_per_week: float, streams_per_week: float) -> float:
        """USD a seller pays per week for the given activity."""
        return self.fee_per_post * posts_per_week + self.fee_per_stream * streams_per_week

    def publish(self) -> None:
        """Post and stream for each contracted seller today, queueing touches and occasions."""
        if not self.contracts or len(self.followers) == 0:
            return
        model = self.model
        rng = model.rng
        p = model.params
        authority = model.culture["kol_authority"][self.region]
        for c in self.contracts:
            posts = rng.poisson(c.posts_per_day)
            if posts:
                seen = self._reach(self.tier.view_rate * posts, rng)
                model.exposures.add(
                    seen, c.seller, attention=p.kol_touch_weight,
                    trust_gain=p.kol_trust_gain * self.credibility * authority,
                    channel=Counter.KOL_VIEWS,
                )
                model.pay_marketing(c.seller, self.region, self.fee_per_post * posts)
                self.posts_made += posts
            if rng.random() < c.streams_per_day:
                live_share = model.regions.live_commerce_share[self.region]
                viewers = self._reach(self.tier.live_view_rate * (0.5 + live_share), rng)
                model.exposures.add(
                    viewers, c.seller, attention=p.live_touch_weight,
                    trust_gain=p.live_trust_gain * self.credibility * authority,
                    channel=Counter.LIVE_VIEWS,
                )
                impulse = p.live_impulse_rate * model.culture["impulse"][self.region]
                buyers = viewers[rng.random(len(viewers)) < min(1.0, impulse)]
                model.queue_live_occasions(buyers, c.seller, self.unique_id)
                model.pay_marketing(c.seller, self.region, self.fee_per_stream)
                self.streams_made += 1

    def _reach(self, rate: float, rng: np.random.Generator) -> np.ndarray:
        """Followers who see a piece of content: each with probability ``rate`` (capped at 1)."""
        return self.followers[rng.random(len(self.followers)) < min(1.0, rate)]


def create_kols(model: MarketModel) -> list[KOL]:
    """Create each region's KOL pyramid, followers drawn from the platform's users there."""
    p = model.params
    rng = model.rng
    pop = model.population
    kols: list[KOL] = []
    if p.kols_per_region == 0:
        return kols
    tier_shares = np.array([t.share_of_kols for t in KOL_TIER_TABLE])
    tier_shares /= tier_shares.sum()
    starts = np.concatenate([[0], np.cumsum(model.region_counts)])
    for r in range(model.regions.n):
        members = np.arange(starts[r], starts[r + 1])
        if len(members) == 0:
            continue
        plat_share = model.regions.platform_share[r]
        plat_p = plat_share / plat_share.sum() if plat_share.sum() > 0 else None
        tiers = rng.choice(len(KOL_TIER_TABLE), size=p.kols_per_region, p=tier_shares)
        platforms = rng.choice(len(PLATFORMS), size=p.kols_per_region, p=plat_p)
        for tier_i, plat in zip(tiers.tolist(), platforms.tolist(), strict=True):
            tier = KOL_TIER_TABLE[tier_i]
            users = members[(pop.platforms[members] >> plat) & 1 == 1]
            k = min(len(users), max(1, round(tier.follower_share * len(users))))
            followers = np.sort(rng.choice(users, size=k, replace=False)) if k else users
            cred = float(np.clip(tier.credibility + 0.1 * rng.standard_normal(), 0.05, 1.0))
            kols.append(KOL(model, r, plat, tier, followers, cred))
    return kols
