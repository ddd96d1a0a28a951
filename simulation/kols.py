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

from simulation import cultural_distance, live_commerce
from simulation.metrics import Counter
from simulation.parameters import KolTier, kol_tiers
from simulation.regions import PLATFORMS

CREDIBILITY_MAX = 1.0
"""Credibility is a 0-1 scale: a KOL followers fully believe."""
KOL_CHANNEL = int(Counter.KOL_VIEWS)
"""Counter channel of KOL post views (a plain int: cheaper to spread over touches)."""

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
        income = model.regions.income_index(p.reference_income_usd)[region]
        self.fee_per_post = p.kol_fee_per_1k_followers_usd * income * len(followers) / 1000.0
        self.fee_per_stream = self.fee_per_post * p.kol_live_fee_multiplier
        self.commission_rate = p.kol_commission_rate
        self.contracts: list[Contract] = []
        self.feed_index = -1  # position in the model's KolFeed

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

    @property
    def posts_made(self) -> int:
        """Posts made for all sellers so far."""
        return int(self.model.kol_feed.posts_by_kol[self.feed_index])

    @property
    def streams_made(self) -> int:
        """Live-streams run for all sellers so far."""
        return int(self.model.kol_feed.streams_by_kol[self.feed_index])


class KolFeed:
    """All KOL contracts as arrays, so a day's posts and streams are drawn in one pass.

    A contract is a (KOL, seller) booking. Followers of every contract are concatenated in
    CSR form; a day's audience is every follower of a posting contract kept with the
    contract's reach probability. The per-KOL loop this replaces cost a Python call per KOL
    per day (profiled at a third of run time at a million consumers).
    """

    def __init__(self, model: MarketModel) -> None:
        self.model = model
        self.kols: list[KOL] = list(model.kols)
        for i, k in enumerate(self.kols):
            k.feed_index = i
        # Posts and streams so far per KOL, folded in from the per-contract tallies whenever
        # the contracts are rebuilt (see the posts_by_kol and streams_by_kol properties).
        self._posts_folded = np.zeros(len(self.kols), dtype=np.int64)
        self._streams_folded = np.zeros(len(self.kols), dtype=np.int64)
        self.n = 0
        self.rebuild()

    @property
    def posts_by_kol(self) -> np.ndarray:
        """Posts made so far per KOL (for all sellers)."""
        return self._posts_folded + self._per_kol(self._posts)

    @property
    def streams_by_kol(self) -> np.ndarray:
        """Live-streams run so far per KOL (for all sellers)."""
        return self._streams_folded + self._per_kol(self._streams)

    def _per_kol(self, per_contract: np.ndarray) -> np.ndarray:
        """Per-contract tallies summed per KOL."""
        out = np.zeros(len(self.kols), dtype=np.int64)
        np.add.at(out, self.kol, per_contract)
        return out

    def rebuild(self) -> None:
        """Recompute the contract arrays (after set-up, or when followers change)."""
        model = self.model
        p = model.params
        if self.n:
            self._posts_folded = self.posts_by_kol
            self._streams_folded = self.streams_by_kol
        rows = [(k, c) for k in self.kols for c in k.contracts]
        n = len(rows)
        self.n = n
        self.kol = np.array([k.feed_index for k, _ in rows], dtype=np.int64)
        self.kol_id = np.array([k.unique_id for k, _ in rows], dtype=np.int64)
        self.seller = np.array([c.seller for _, c in rows], dtype=np.int64)
        self.region = np.array([k.region for k, _ in rows], dtype=np.int64)
        self.posts_rate = np.array([c.posts_per_day for _, c in rows], dtype=float)
        self.streams_rate = np.array([c.streams_per_day for _, c in rows], dtype=float)
        # Sellers that schedule stream events have all their KOLs stream on event days.
        self.event_period = np.array(
            [model.seller_list[c.seller].mech.live_event_period_days for _, c in rows],
            dtype=np.int64)
        self.view_rate = np.array([k.tier.view_rate for k, _ in rows], dtype=float)
        live_habit = (p.live_reach_base_share + (1 - p.live_reach_base_share)
                      * model.regions.live_commerce_share[self.region] / p.live_commerce_reference)
        self.live_rate = np.minimum(
            1.0, np.array([k.tier.live_view_rate for k, _ in rows], dtype=float) * live_habit)
        authority = model.culture["kol_authority"][self.region]
        cred = np.array([k.credibility for k, _ in rows], dtype=float)
        # Non-local creators carry the seller's cultural distance and content language.
        self.local, trust, attention, self.misfire_p = model.content_culture.contract_factors(
            self.seller, self.region)
        self.post_gain = p.kol_trust_gain * cred * authority * trust
        self.live_gain = p.live_trust_gain * cred * authority * trust
        self.post_attention = (None if np.all(attention == 1.0)
                               else p.kol_touch_weight * attention)
        self.suspended_until = np.zeros(n, dtype=np.int64)  # misfire suspensions (day)
        self.impulse = np.minimum(1.0, p.live_impulse_rate * model.culture["impulse"][self.region])
        self.fee_post = np.array([k.fee_per_post for k, _ in rows], dtype=float)
        self.fee_stream = np.array([k.fee_per_stream for k, _ in rows], dtype=float)
        sizes = np.array([len(k.followers) for k, _ in rows], dtype=np.int64)
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.indptr[1:])
        self.followers = (np.concatenate([k.followers for k, _ in rows]).astype(np.int64)
                          if n else np.zeros(0, dtype=np.int64))
        self.owner = np.repeat(np.arange(n), sizes)  # contract of each follower slot
        scheduled = np.flatnonzero(self.event_period > 0)
        self.scheduled = scheduled if len(scheduled) else None
        self.scheduled_period = self.event_period[scheduled]
        # One shared post rate lets the day's Poisson draw take a scalar rate (same draws).
        shared = n > 0 and bool(np.all(self.posts_rate == self.posts_rate[0]))
        self.posts_rate_shared = float(self.posts_rate[0]) if shared else None
        # One seller behind every contract lets touches name it once (same touches).
        only = n > 0 and bool(np.all(self.seller == self.seller[0]))
        self.only_seller: int | None = int(self.seller[0]) if only else None
        self._posts = np.zeros(n, dtype=np.int64)  # posts per contract since the rebuild
        self._streams = np.zeros(n, dtype=np.int64)  # streams per contract since the rebuild

    def audience(self, contracts: np.ndarray, rate: np.ndarray, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Followers of ``contracts`` who see today's content: (consumer, contract) pairs.

        ``contracts`` are ascending contract indices; see :meth:`audience_of` for the draws.
        """
        chosen = np.zeros(self.n, dtype=bool)
        chosen[contracts] = True
        return self.audience_of(chosen, contracts, rate, rng)

    def audience_of(self, chosen: np.ndarray, contracts: np.ndarray, rate: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Followers of the ``chosen`` contracts who see today's content.

        ``chosen`` is a mask over contracts and ``contracts`` the same set as ascending
        indices. One uniform is drawn per follower slot of the chosen contracts, in contract
        order. A follower is kept with ``rate[j]``, where ``j`` is its contract's position
        in ``contracts`` (not its contract index).
        """
        in_chosen = chosen[self.owner]
        owner = self.owner[in_chosen]
        if len(owner) == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z
        followers = self.followers[in_chosen]
        keep = rng.random(len(owner)) < rate[contracts.searchsorted(owner)]
        return followers[keep], owner[keep]

    def publish(self) -> None:
        """Today's posts and live-streams for every contract: touches, fees, occasions.

        Post and stream fees are booked in one posting after both (same order and sums as
        booking them one after the other).
        """
        if self.n == 0:
            return
        model = self.model
        rng = model.streams.kol_feed
        p = model.params
        if self.posts_rate_shared is not None:  # same draws as the per-contract rate array
            posts = rng.poisson(self.posts_rate_shared, self.n)
        else:
            posts = rng.poisson(self.posts_rate)
        streams = rng.random(self.n) < self.streams_rate
        if self.scheduled is not None:
            streams[self.scheduled] = (model.steps % self.scheduled_period) == 0
        suspended = self.suspended_until > model.steps
        if suspended.any():  # a misfire's suspension: no posts, no streams, no fees
            posts[suspended] = 0
            streams[suspended] = False
        self._posts += posts
        self._streams += streams

        fees: list[tuple[np.ndarray, np.ndarray]] = []
        posting = posts > 0
        if np.count_nonzero(posting):
            posted = posting.nonzero()[0]
            rate = np.minimum(1.0, self.view_rate * posts)
            who, con = self.audience_of(posting, posted, rate, rng)
            if len(who):
                seller = self.seller[con] if self.only_seller is None else self.only_seller
                attention = (p.kol_touch_weight if self.post_attention is None
                             else self.post_attention[con])
                model.exposures.add(who, seller, attention=attention,
                                    trust_gain=self.post_gain[con], channel=KOL_CHANNEL)
            fees.append((posted, self.fee_post[posted] * posts[posted]))

        if np.count_nonzero(streams):
            live = streams.nonzero()[0]
            fees.append((live, live_commerce.run_streams(model, self, live, rng, streams)))
        if fees:
            paid = fees[0][0] if len(fees) == 1 else np.concatenate([c for c, _ in fees])
            amount = fees[0][1] if len(fees) == 1 else np.concatenate([a for _, a in fees])
            # Seller as an array: the ledger's broadcast of a scalar seller costs more.
            model.pay_marketing(self.seller[paid], self.region[paid], amount, Counter.KOL_SPEND)


def create_kols(model: MarketModel) -> list[KOL]:
    """Create each region's KOL pyramid, followers drawn from the platform's users there."""
    p = model.params
    rng = model.streams.kols
    pop = model.population
    kols: list[KOL] = []
    if p.kols_per_region == 0:
        return kols
    tier_table = kol_tiers(p)
    tier_shares = np.array([t.share_of_kols for t in tier_table])
    tier_shares /= tier_shares.sum()
    starts = np.concatenate([[0], np.cumsum(model.simulated_counts)])
    for r in range(model.regions.n):
        members = np.arange(starts[r], starts[r + 1])
        if len(members) == 0:
            continue
        # KOLs post on platforms with feeds (those selling ads), not on messaging-only apps.
        plat_share = np.where(model.regions.ad_platforms[r], model.regions.platform_share[r], 0.0)
        plat_p = plat_share / plat_share.sum() if plat_share.sum() > 0 else None
        tiers = rng.choice(len(tier_table), size=p.kols_per_region, p=tier_shares)
        platforms = rng.choice(len(PLATFORMS), size=p.kols_per_region, p=plat_p)
        member_platforms = pop.platforms[members]
        users_on: dict[int, np.ndarray] = {}  # the region's users of each platform, made once
        for tier_i, plat in zip(tiers.tolist(), platforms.tolist(), strict=True):
            tier = tier_table[tier_i]
            users = users_on.get(plat)
            if users is None:
                users = users_on[plat] = members[(member_platforms >> plat) & 1 == 1]
            k = min(len(users), max(1, round(tier.follower_share * len(users))))
            followers = users
            if k:
                followers = rng.choice(users, size=k, replace=False)
                followers.sort()
            # Clipped credibility (plain floats: np.clip on a scalar costs microseconds).
            cred = min(max(tier.credibility + p.kol_credibility_sd * rng.standard_normal(),
                           p.kol_credibility_floor), CREDIBILITY_MAX)
            kols.append(KOL(model, r, plat, tier, followers, cred))
    return kols


def content_phase(model: MarketModel, day: int) -> None:
    """Phase 'KOL content': every contracted KOL posts and streams as booked.

    Content localisation is paid here too (a daily cost of producing the content).
    """
    model.kol_feed.publish()
    cultural_distance.pay_localisation(model)
