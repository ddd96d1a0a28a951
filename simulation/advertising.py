"""Advertising: who paid social ads can reach, targeting, and the day's impressions.

Reads: the ad share of each seller's marketing budget, ``ad_cpm_usd_at_reference_income``,
``ad_notice_rate``, ``ad_touch_weight``, ``ad_targeting_power`` (or a seller's
``Mechanics.targeting_power``), a seller's ``Mechanics.targeting_data_share`` (both set by the
precision-targeting lever: :mod:`simulation.targeting`), consumers' platforms, affinity and
trust propensity. Writes: touches (:class:`~simulation.consumers.Exposures`, channel AD_TOUCHES) and
marketing spend. A platform ban (shock) shrinks the audience.

Audience: consumers of a region who use at least one platform that sells ads there
(:mod:`simulation.reach`: offline consumers and messaging-only users are not in it).
Targeting: an impression lands on a user with probability proportional to affinity^power, so
a higher power concentrates impressions on likely buyers; a seller targeting with its own data
sends a share of its impressions to a lookalike audience instead (:mod:`simulation.targeting`).

Frequency cap and wear-out (diminishing returns to spend): a user is shown at most
``ad_frequency_cap_per_day`` impressions of one seller a day; impressions beyond the cap are
not served and not paid (the budget stays unspent). A user's impressions of the day are
Poisson(impressions x her targeting weight); the noticed ones are drawn as before, and where
her impressions exceed the cap the noticed ones among the served are a hypergeometric draw.
The seller pays for the expected served impressions. A noticed ad adds
``ad_touch_weight / (1 + ad_wearout_rate x recent)`` attention, where ``recent`` counts the
ads of that seller she noticed before (this one included from the second of the day on),
decaying at ``ad_wearout_decay`` a day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.channels import transferred_trust
from simulation.cultural_distance import ad_attention, ad_trust
from simulation.metrics import Counter
from simulation.reach import ad_platform_mask
from simulation.targeting import delivery_shares

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


def expected_capped(lam: np.ndarray, cap: int) -> np.ndarray:
    """E[min(N, cap)] for N ~ Poisson(lam): the impressions a frequency cap lets through.

    E[min(N, c)] = sum_{k=0}^{c-1} P(N > k).

    >>> round(float(expected_capped(np.array([2.0]), 1)[0]), 4)  # 1 - e^-2
    0.8647
    >>> round(float(expected_capped(np.array([2.0]), 2)[0]), 4)  # + 1 - 3 e^-2
    1.4587
    """
    lam = np.asarray(lam, dtype=float)
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    out = np.zeros_like(lam)
    for k in range(int(cap)):
        out += 1.0 - cdf  # P(N > k)
        pmf = pmf * lam / (k + 1)
        cdf = cdf + pmf
    return out


def wearout_attention(weight: float, rate: float, seen_before: np.ndarray,
                      order: np.ndarray) -> np.ndarray:
    """Attention of each noticed ad: weight / (1 + rate x (ads noticed before + order)).

    ``order`` is the ad's position among the user's noticed ads of the day (0 first).

    >>> wearout_attention(0.4, 0.5, np.array([0.0, 0.0, 2.0]), np.array([0, 1, 0])).tolist()
    [0.4, 0.26666666666666666, 0.2]
    """
    return weight / (1.0 + rate * (np.asarray(seen_before, dtype=float) + order))


def targeting_cdf(affinity: np.ndarray, power: float) -> np.ndarray:
    """Cumulative targeting weights (affinity^power), normalised to end at 1.

    >>> targeting_cdf(np.array([1.0, 3.0]), 1.0).tolist()
    [0.25, 1.0]
    """
    return cumulative_shares(np.asarray(affinity, dtype=float) ** power)


def cumulative_shares(weights: np.ndarray) -> np.ndarray:
    """Cumulative sum of delivery weights, normalised to end at 1 (for sampling by search).

    >>> cumulative_shares(np.array([1.0, 3.0])).tolist()
    [0.25, 1.0]
    """
    cdf = np.cumsum(weights)
    cdf = cdf / cdf[-1] if len(cdf) else cdf
    return np.minimum(cdf, 1.0)


def data_targeting_cdf(affinity: np.ndarray, trust_prop: np.ndarray, platform_power: float,
                       power: float, data_share: float) -> np.ndarray:
    """Cumulative delivery shares with the seller's data audience, normalised to end at 1.

    ``data_share`` of the impressions go through it (:func:`simulation.targeting.delivery_shares`).

    >>> data_targeting_cdf(np.array([1.0, 3.0]), np.array([0.5, 0.5]), 1.0, 1.0, 0.0).tolist()
    [0.25, 1.0]
    """
    return cumulative_shares(delivery_shares(affinity, trust_prop, platform_power, power,
                                             data_share))


class AdAudiences:
    """Social-media users per region, and their targeting weights per targeting power."""

    def __init__(self, model: MarketModel) -> None:
        self.model = model
        self.ad_mask = ad_platform_mask(model.regions)
        self.users = [self._social_users(r) for r in range(model.regions.n)]
        self._cdf: dict[tuple[int, float, float], tuple[np.ndarray, np.ndarray]] = {}
        self._served: dict[tuple[int, float, float, int], tuple[float, np.ndarray]] = {}
        self._plans: dict[int, list[AdBuy]] = {}

    def _social_users(self, region: int) -> np.ndarray:
        """Consumers of ``region`` on at least one platform that sells ads there.

        Offline consumers use no platform; users of a messaging-only local app (WhatsApp,
        Messenger) are reached by friends, not by ads (:mod:`simulation.reach`).
        """
        pop = self.model.population
        start, end = int(pop.block_starts[region]), int(pop.block_ends[region])
        on_ads = pop.platforms[start:end] & self.ad_mask[region]
        return np.flatnonzero(on_ads) + start

    def audience(self, region: int, power: float, data_share: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(users, cumulative targeting weights) of a region at a targeting power.

        ``data_share`` > 0: that share of impressions goes to the seller's lookalike audience
        (``power`` on the buyer-likeness score), the rest to the platform's default delivery.
        """
        key = (region, power, data_share)
        if key not in self._cdf:
            pool = self.users[region]
            pop = self.model.population
            if data_share > 0:
                cdf = data_targeting_cdf(pop.affinity[pool], pop.trust_prop[pool],
                                         self.model.params.ad_targeting_power, power, data_share)
            else:
                cdf = targeting_cdf(pop.affinity[pool], power)
            self._cdf[key] = (pool, cdf)
        return self._cdf[key]

    def served(self, region: int, power: float, impressions: int, data_share: float = 0.0
               ) -> tuple[float, np.ndarray]:
        """(share of impressions served under the frequency cap, each user's expected ones).

        Worked out once per daily buy: it is the same every day.
        """
        key = (region, power, data_share, impressions)
        if key not in self._served:
            _, cdf = self.audience(region, power, data_share)
            lam = np.diff(cdf, prepend=0.0) * impressions
            cap = int(self.model.params.ad_frequency_cap_per_day)
            share = float(expected_capped(lam, cap).sum() / impressions) if impressions else 0.0
            self._served[key] = (min(share, 1.0), lam)
        return self._served[key]

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
        self._served = {k: v for k, v in self._served.items() if k[0] != region}


class AdBuy(NamedTuple):
    """A seller's daily ad purchase in one region."""

    region: int
    budget: float  # USD per day
    impressions: int  # impressions the budget buys
    power: float  # targeting power
    data_share: float  # share of impressions sent to the seller's data audience


def daily_ad_buys(model: MarketModel, seller: Seller, extra: np.ndarray | None = None
                  ) -> list[AdBuy]:
    """The impressions a seller's daily ad budget buys per region, at the region's CPM.

    ``extra`` adds USD per region to the day's budget (the referral pot's overflow).
    """
    p = model.params
    budget = seller.daily_budget("ads")
    if extra is not None:
        budget = budget + extra
    regions = model.regions
    cpm = p.ad_cpm_usd_at_reference_income * regions.income_index(p.reference_income_usd)
    power = seller.mech.targeting_power
    data = seller.mech.targeting_data_share
    buys = []
    for r in np.flatnonzero(budget > 0).tolist():
        pw = float(power[r]) if power is not None else p.ad_targeting_power
        share = float(data[r]) if data is not None else 0.0
        impressions = int(budget[r] / cpm[r] * IMPRESSIONS_PER_CPM)
        if impressions > 0:
            buys.append(AdBuy(r, budget[r], impressions, pw, share))
    return buys


def buy_impressions(model: MarketModel, seller: Seller, rng: np.random.Generator) -> None:
    """A seller's ad budget buys impressions per region; noticed ones become touches.

    The frequency cap trims each user's impressions and the seller pays for the served ones;
    wear-out lowers the attention of each further noticed ad (module docstring). Touches and
    spend of all regions are booked in one call each (same order and sums as region by
    region: the spend of distinct regions lands in distinct cells).
    """
    audiences = model.ad_audiences
    carry = model.fission.take_ad_carry(seller.index)
    plan = audiences.plan(seller) if carry is None else daily_ad_buys(model, seller, carry)
    if not plan:
        return
    p = model.params
    notice_rate = p.ad_notice_rate
    cap = int(p.ad_frequency_cap_per_day)
    reached, reached_regions, paid_regions, paid = [], [], [], []
    for r, budget, impressions, power, data_share in plan:
        pool, cdf = audiences.audience(r, power, data_share)
        if len(pool) == 0:
            continue
        served_share, lam = audiences.served(r, power, impressions, data_share)
        noticed = rng.binomial(impressions, notice_rate)
        if noticed:
            # Sorted draws make the binary searches cache-friendly; order is irrelevant here.
            u = rng.random(noticed)
            u.sort()
            hit = cdf.searchsorted(u, side="right")
            np.minimum(hit, len(pool) - 1, out=hit)
            # The cap's own stream: the seller's stream (shared with its breach draws) keeps
            # the sequence it had without a cap.
            kept = _capped_hits(hit, lam, notice_rate, cap, model.streams.ad_cap)
            reached.append(pool[kept])
            reached_regions.append(r)
        paid_regions.append(r)
        paid.append(budget * served_share)
    if not paid:
        return
    who = (reached[0] if len(reached) == 1 else np.concatenate(reached)) if reached else None
    if who is not None and len(who):
        seen = model.population.ad_seen[:, seller.index]
        order = _order_within_runs(who)
        attention = wearout_attention(p.ad_touch_weight, p.ad_wearout_rate, seen[who], order)
        np.add.at(seen, who, np.float32(1.0))
        # Ads carry little trust: a sliver of trust in the platform (simulation.channels),
        # less for a culturally distant seller's creative; ads in a language the region does
        # not read earn less attention and trust (simulation.cultural_distance).
        sizes = [len(x) for x in reached]
        attention = attention * ad_attention(model, seller.index, reached_regions, sizes, 1.0)
        trust = ad_trust(model, seller.index, reached_regions, sizes, ad_trust_gain(p))
        model.exposures.add(who, seller.index, attention=attention, trust_gain=trust,
                            channel=AD_CHANNEL)
    if len(paid) == 1:
        model.pay_marketing(seller.index, paid_regions[0], paid[0], Counter.AD_SPEND)
    else:
        # Seller as an array: the ledger's broadcast of a scalar seller costs more.
        model.pay_marketing(np.full(len(paid), seller.index), np.array(paid_regions),
                            np.array(paid), Counter.AD_SPEND)


def _capped_hits(hit: np.ndarray, lam: np.ndarray, notice_rate: float, cap: int,
                 rng: np.random.Generator) -> np.ndarray:
    """The noticed hits (sorted pool positions) left after the frequency cap.

    A user with m noticed impressions also had Poisson((1 - notice_rate) lam) unnoticed ones;
    where the two exceed the cap, the noticed among the ``cap`` served are hypergeometric.
    """
    if len(hit) == 0:
        return hit
    start = np.flatnonzero(np.diff(hit, prepend=-1))
    users = hit[start]
    m = np.diff(np.append(start, len(hit)))
    unnoticed = rng.poisson((1.0 - notice_rate) * lam[users])
    over = m + unnoticed > cap
    if not over.any():
        return hit
    kept = m.copy()
    kept[over] = rng.hypergeometric(m[over], unnoticed[over], cap)
    return np.repeat(users, kept)


def _order_within_runs(who: np.ndarray) -> np.ndarray:
    """Position of each entry among the earlier entries with the same value (0, 1, ...).

    >>> _order_within_runs(np.array([5, 7, 5, 5])).tolist()
    [0, 0, 1, 2]
    """
    order = np.argsort(who, kind="stable")
    s = who[order]
    start = np.flatnonzero(np.diff(s, prepend=s[0] - 1))
    run_start = np.repeat(start, np.diff(np.append(start, len(s))))
    out = np.empty(len(who), dtype=np.int64)
    out[order] = np.arange(len(s)) - run_start
    return out


def ads_phase(model: MarketModel, day: int) -> None:
    """Phase 'ads': recent-ad counts decay, then each seller (random order) buys impressions.

    The decay lets wear-out recover when a seller pauses.
    """
    seen = model.population.ad_seen
    seen *= np.float32(1.0 - model.params.ad_wearout_decay)
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
