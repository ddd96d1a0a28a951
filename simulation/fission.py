"""Fission: the referral pot, invitation windows, group orders, rebates and group-buy subsidies.

Reads: each seller's daily budgets (``Seller.daily_budget``: the referral share accrues to a
referral pot per seller and region), its referral programme
(:class:`simulation.word_of_mouth.ReferralProgrammes`: rebate, group-buy discount),
``group_window_days``, ``max_group_households``, ``group_basket_multiplier``, the regions'
``macro_regions`` and consumers' invitations (``referred_by``, set by word of mouth).
Writes: the pot, invitations that expire (window passed or group full), group sizes, the
group price, household basket and rebate of each paid referred order, paid from the pot while
it lasts (ledger: marketing; counters MARKETING_ALLOCATED, REFERRAL_ALLOCATED,
REFERRAL_REBATES, GROUP_BUY_SUBSIDIES, GROUP_ORDERS, REFERRAL_ORDERS) and the referral tie of
each paid referred first order (:class:`simulation.referral_ties.ReferralTies`: the referrer's
later word of mouth keeps reaching the friend she brought in). What the pot holds at
the horizon is reported as ``referral_unspent``; nothing allocated is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.metrics import Counter, count
from simulation.referral_ties import ReferralTies

if TYPE_CHECKING:
    from simulation.model import MarketModel

FAMILY_GROUP_BUY_REGIONS = ("Southeast Asia", "Middle East")
"""World regions where households pool group orders (brief: family group-buy, 2025 report)."""

POT_TOLERANCE = 1e-9
"""USD of rounding a pot may be short and still pay (sums of many small flows)."""


# --- pure functions ------------------------------------------------------------------------

def accrue(pot: np.ndarray, daily: np.ndarray) -> np.ndarray:
    """The pot after a day's budget is added.

    >>> accrue(np.array([1.0, 0.0]), np.array([0.5, 2.0])).tolist()
    [1.5, 2.0]
    """
    return np.asarray(pot, dtype=float) + np.asarray(daily, dtype=float)


def rank_within(key: np.ndarray) -> np.ndarray:
    """Each row's position among the rows with the same key, in row order.

    >>> rank_within(np.array([4, 2, 4, 4, 2])).tolist()
    [0, 0, 1, 2, 1]
    """
    key = np.asarray(key)
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.r_[True, k[1:] != k[:-1]]
    start_pos = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    out = np.empty(n, dtype=np.int64)
    out[order] = np.arange(n) - start_pos
    return out


def draw(balance: np.ndarray, key: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Which costs a pot pays: first come, first served, until the first that does not fit.

    ``balance`` is the pot of each key (flat); row i costs ``cost[i]`` from pot ``key[i]``.
    A row is paid when the costs of its key up to and including it fit in the balance, so
    once a pot cannot pay, its programme pauses for the rest of the rows.

    >>> draw(np.array([10.0, 3.0]), np.array([0, 0, 1, 0, 0]),
    ...      np.array([4.0, 5.0, 4.0, 2.0, 0.5])).tolist()
    [True, True, False, False, False]
    """
    key = np.asarray(key)
    cost = np.asarray(cost, dtype=float)
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(key, kind="stable")
    k, c = key[order], cost[order]
    running = np.cumsum(c)
    starts = np.r_[True, k[1:] != k[:-1]]
    before = np.maximum.accumulate(np.where(starts, running - c, -np.inf))
    paid = np.empty(n, dtype=bool)
    paid[order] = running - before <= np.asarray(balance, dtype=float)[k] + POT_TOLERANCE
    return paid


def join_groups(referrer: np.ndarray, eligible: np.ndarray, members: np.ndarray,
                max_households: int) -> np.ndarray:
    """Which eligible orders join their sharer's group (sharer + friends <= max households).

    ``members`` counts the friends already in each sharer's group; today's joiners are
    admitted in row order.

    >>> join_groups(np.array([7, 7, 7, 3]), np.array([True, True, True, True]),
    ...             np.array([0, 0, 0, 3, 0, 0, 0, 1]), 4).tolist()
    [True, True, False, False]
    """
    referrer = np.asarray(referrer)
    eligible = np.asarray(eligible, dtype=bool)
    joined = np.zeros(len(referrer), dtype=bool)
    rows = np.flatnonzero(eligible)
    if len(rows) == 0:
        return joined
    ref = referrer[rows]
    joined[rows] = 1 + members[ref] + rank_within(ref) < max_households
    return joined


def open_invitations(day: int, invited_on: np.ndarray, window_days: float) -> np.ndarray:
    """True where an invitation received on ``invited_on`` is still open on ``day``.

    >>> open_invitations(10, np.array([10, 7, 6]), 3).tolist()
    [True, True, False]
    """
    return day - np.asarray(invited_on) <= window_days


# --- state and phase work ------------------------------------------------------------------

class Fission:
    """Referral pots per (seller, region), open invitations and the groups of sharers."""

    def __init__(self, model: MarketModel) -> None:
        sellers = model.seller_list
        self.daily_referral = np.stack([s.daily_budget("referral") for s in sellers])
        self.daily_marketing = np.stack(
            [s.daily_budget("ads") + s.daily_budget("kols") + s.daily_budget("referral")
             for s in sellers])
        self.pot = np.zeros_like(self.daily_referral)  # USD (S, R)
        n = model.population.n
        self.invited_on = np.full(n, -1, dtype=np.int32)  # day the open invitation arrived
        self.members = np.zeros(n, dtype=np.int32)  # friends who joined each sharer's group
        # (consumer, seller): the first order with the seller was a referred one (measurement
        # only: the referred vs other customers' repurchase metrics; nothing reads it to act)
        self.referred_customer = np.zeros((n, len(sellers)), dtype=bool)
        # who referred whom to which seller (behaviour: social enrichment in word of mouth)
        self.ties = ReferralTies(len(sellers))
        self.family = np.isin(np.array(model.regions.macro_regions, dtype=object),
                              FAMILY_GROUP_BUY_REGIONS)
        self.any_programme = bool(model.referrals.active.any())
        self.any_referral_budget = bool(self.daily_referral.any())
        self.ad_carry: np.ndarray | None = None  # (S, R) USD for tomorrow's ads

    def take_ad_carry(self, seller: int) -> np.ndarray | None:
        """The seller's referral overflow to add to today's ad budgets (taken once)."""
        if self.ad_carry is None or not self.ad_carry[seller].any():
            return None
        extra = self.ad_carry[seller].copy()
        self.ad_carry[seller] = 0.0
        return extra

    def running(self) -> np.ndarray:
        """(S, R) True where the seller's referral pot can still pay (programme not paused)."""
        return self.pot > POT_TOLERANCE


def overflow(pot: np.ndarray, daily: np.ndarray, days: float) -> np.ndarray:
    """What a pot holds beyond ``days`` of its daily budget (0 where within).

    >>> overflow(np.array([50.0, 10.0]), np.array([2.0, 2.0]), 20).tolist()
    [10.0, 0.0]
    """
    return np.maximum(np.asarray(pot, dtype=float) - days * np.asarray(daily, dtype=float), 0.0)


def referral_phase(model: MarketModel, day: int) -> None:
    """Phase 'referral programme': budgets accrue; stale or full invitations expire.

    What a pot holds beyond ``referral_pot_days`` of its budget buys tomorrow's ads.
    """
    fis = model.fission
    model.counters[:, :, Counter.MARKETING_ALLOCATED] += fis.daily_marketing
    fis.pot = accrue(fis.pot, fis.daily_referral)
    model.counters[:, :, Counter.REFERRAL_ALLOCATED] += fis.daily_referral
    if fis.any_referral_budget:
        extra = overflow(fis.pot, fis.daily_referral, model.params.referral_pot_days)
        if extra.any():
            fis.pot = fis.pot - extra
            fis.ad_carry = extra
            model.counters[:, :, Counter.REFERRAL_TO_ADS] += extra
    if fis.any_programme:
        expire_invitations(model, day)


def expire_invitations(model: MarketModel, day: int) -> None:
    """Date new invitations; close those past the window or to a full group."""
    fis = model.fission
    p = model.params
    ref = model.population.referred_by
    held = np.flatnonzero(ref >= 0)
    fresh = held[fis.invited_on[held] < 0]
    fis.invited_on[fresh] = day
    full = fis.members[ref[held]] + 1 >= p.max_group_households
    late = ~open_invitations(day, fis.invited_on[held], p.group_window_days)
    closed = held[full | late]
    ref[closed] = -1
    fis.invited_on[closed] = -1


def invitation_occasions(model: MarketModel, day: int, rng: np.random.Generator
                         ) -> tuple[np.ndarray, np.ndarray] | None:
    """(consumers, sellers) who look at an open group-buy invitation today.

    Holders of an open invitation (dated by :func:`expire_invitations`) whose inviting
    seller's programme is running in their region, who are rested and not in an order
    episode, look at it with probability ``invitation_response_rate`` a day. None when no
    seller runs a programme (no draw is made, so other streams are untouched).
    """
    fis = model.fission
    if not fis.any_programme:
        return None
    pop = model.population
    held = np.flatnonzero(pop.referred_by >= 0)
    if len(held) == 0:
        return None
    seller = pop.referred_seller[held].astype(np.int64)
    region = pop.region[held].astype(np.int64)
    ok = (pop.free_for_occasion(held, day) & model.referrals.active[seller]
          & fis.running()[seller, region])
    held, seller = held[ok], seller[ok]
    look = responds(rng.random(len(held)), model.params.invitation_response_rate)
    return held[look], seller[look]


def responds(u: np.ndarray, rate: float) -> np.ndarray:
    """Which holders look at their invitation today, from uniform draws ``u``.

    >>> responds(np.array([0.1, 0.5, 0.29]), 0.3).tolist()
    [True, False, True]
    """
    return np.asarray(u) < rate


@dataclass(frozen=True)
class ReferralTerms:
    """What the referral programme does to each of a day's checkouts."""

    referrer: np.ndarray  # sharer credited, or -1
    cut: np.ndarray  # group-buy price cut (share of list price)
    basket: np.ndarray  # household basket relative to a solo order
    joined: np.ndarray  # bool: joined the sharer's group (paid orders only)
    rebate: np.ndarray  # USD to the sharer, paid from the pot
    subsidy: np.ndarray  # USD of group-buy price cut, paid from the pot
    referred_first: np.ndarray  # bool: paid first order with the seller by an invited buyer


def referral_terms(model: MarketModel, consumers: np.ndarray, sellers: np.ndarray,
                   regions: np.ndarray, list_price: np.ndarray, live: np.ndarray,
                   paid: np.ndarray) -> ReferralTerms:
    """Group joins, baskets, rebates and subsidies of today's checkouts, drawn from the pots.

    An invited newcomer's paid (non-live) order joins the sharer's group while it has room:
    it gets the group-buy price and, in family group-buy regions, the household basket. The
    sharer earns the rebate on a referred first order with the seller. Rebate and subsidy are
    paid from the seller's referral pot in the region; when it cannot pay, neither is given.
    """
    pop = model.population
    prog = model.referrals
    fis = model.fission
    p = model.params
    n = len(consumers)
    referrer = np.where(prog.active[sellers], pop.referred_by[consumers], -1)
    referred = paid & (referrer >= 0)
    zeros = np.zeros(n)
    if not referred.any():
        return ReferralTerms(referrer, zeros, np.ones(n), np.zeros(n, dtype=bool), zeros,
                             zeros, referred)
    newcomer = pop.orders[consumers].sum(axis=1) == 0
    first = pop.orders[consumers, sellers] == 0
    eligible = referred & newcomer & ~live & (prog.group_buy_discount[sellers] > 0)
    joined = join_groups(referrer, eligible, fis.members, int(p.max_group_households))
    basket = np.where(joined & fis.family[regions], p.group_basket_multiplier, 1.0)
    cut = np.where(joined, prog.group_buy_discount[sellers], 0.0)
    subsidy = list_price * basket * cut
    rebate = np.where(referred & first, prog.rebate_usd[sellers], 0.0)
    cost = subsidy + rebate
    rows = np.flatnonzero(cost > 0)
    key = sellers[rows] * fis.pot.shape[1] + regions[rows]
    granted = np.zeros(n, dtype=bool)
    granted[rows] = draw(fis.pot.reshape(-1), key, cost[rows])
    np.subtract.at(fis.pot.reshape(-1), key[granted[rows]], cost[rows][granted[rows]])
    refused = (cost > 0) & ~granted
    joined = joined & ~refused
    return ReferralTerms(
        referrer, np.where(refused, 0.0, cut), np.where(refused, 1.0, basket), joined,
        np.where(refused, 0.0, rebate), np.where(refused, 0.0, subsidy), referred & first)


def settle_referrals(model: MarketModel, consumers: np.ndarray, sellers: np.ndarray,
                     regions: np.ndarray, terms: ReferralTerms, paid: np.ndarray) -> None:
    """Book rebates and subsidies (marketing), grow the groups, tie referred buyers to referrers.

    The tie (:class:`simulation.referral_ties.ReferralTies`) is behaviour: social enrichment.
    """
    s, r = sellers[paid], regions[paid]
    rebate, subsidy = terms.rebate[paid], terms.subsidy[paid]
    if rebate.any():
        on = rebate > 0
        model.pay_marketing(s[on], r[on], rebate[on], Counter.REFERRAL_REBATES)
    if subsidy.any():
        on = subsidy > 0
        model.ledger.subsidy(s[on], r[on], subsidy[on])
        count(model, s[on], r[on], Counter.MARKETING_SPEND, subsidy[on])
        count(model, s[on], r[on], Counter.GROUP_BUY_SUBSIDIES, subsidy[on])
    joined = terms.joined[paid]
    if joined.any():
        np.add.at(model.fission.members, terms.referrer[paid][joined], 1)
        count(model, s[joined], r[joined], Counter.GROUP_ORDERS)
    first = terms.referred_first[paid]
    if first.any():
        count(model, s[first], r[first], Counter.REFERRAL_ORDERS)
        model.fission.ties.record(consumers[paid][first], s[first], terms.referrer[paid][first])
