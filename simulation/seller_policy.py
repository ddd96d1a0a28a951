"""Seller policy: a fixed plan, or a seller that reviews its regions and adapts.

Reads: each seller's ``policy`` (:class:`simulation.spec.SellerPolicy`), its ledger accounts
and counters per region since the last review (revenue, refunds, variable costs, marketing,
NEW_CUSTOMERS, REFERRAL_ORDERS, AD_SPEND, KOL_SPEND, REFERRAL_ALLOCATED).
Writes: the seller's daily budget per channel and region (``Seller.budget``, which ads,
the referral pot and the MARKETING_ALLOCATED counter read), its list prices (the model's
price table and the :class:`~simulation.pricing.OfferBook`), and the regions it sells in
(consumers' ``sells`` mask, offers, KOL contracts, fixed costs; counter REGION_EXITS).

A ``fixed`` seller (the default, the "what-if" plan) never changes anything. An
``adaptive`` seller reviews every ``review_period_days`` days, in this order:

1. **Exit.** A region whose profit over the period was negative adds one to its losing
   streak (a profitable review resets it); after ``exit_after_losing_reviews`` losing reviews
   in a row the seller leaves it: no more sales, ads, KOL contracts or referral budget there
   (orders already paid are still shipped, returned and refunded); the freed daily budget
   goes to the movable channels of the remaining regions, in proportion to their budgets.
2. **Channels.** New customers per allocated dollar, seller-wide: the referral channel is
   credited with referred first orders, paid media with the other new customers, shared
   between ads and KOLs by spend (assumption: no finer attribution is observed). In every
   region ``budget_shift_share`` of the worse channel's budget moves to the better one.
   KOL contracts are booked at set-up, so only ads and referral move.
3. **Regions.** Contribution (revenue - refunds - variable costs) per marketing dollar per
   region; ``budget_shift_share`` of the worst region's movable budget moves to the best.
   The seller's total daily budget is unchanged: allocated money is spent or shown unspent.
4. **Price.** Hill-climbing on contribution per aware consumer (the period's contribution over
   the regions still served, divided by the mean number of consumers aware of the seller
   there): keep the direction of the last price step if it did not fall, else reverse; step
   by ``price_step`` of the initial price, within [``price_floor``, ``price_ceiling``]. The
   signal is normalised by awareness because total contribution grows with the customer base
   whatever the price: on raw contribution every step looked good and the price climbed to
   the ceiling.

Costs in the home currency (CNY) are handled in :mod:`simulation.payments` (the index),
:mod:`simulation.warehouses` (goods) and :mod:`simulation.sellers` (fixed costs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulation.ledger import Account, profit_of
from simulation.metrics import Counter

if TYPE_CHECKING:
    from simulation.model import MarketModel
    from simulation.sellers import Seller

CHANNELS: tuple[str, ...] = ("ads", "kols", "referral")
"""Marketing channels, in the order of the rows of ``Seller.budget``."""
ADS, KOLS, REFERRAL = 0, 1, 2
MOVABLE = (ADS, REFERRAL)
"""Channels whose daily budget a review can move (KOL contracts are booked at set-up)."""

VARIABLE_COSTS: tuple[Account, ...] = (
    Account.COGS, Account.LOGISTICS, Account.PAYMENT_FEES, Account.HOLDING,
    Account.RETURNS_HANDLING, Account.CHARGEBACKS, Account.INVENTORY_WRITE_OFF,
    Account.FX_COST)
"""Costs that scale with orders; contribution is revenue - refunds - these (definition)."""


# --- pure functions ------------------------------------------------------------------------

def contribution(accounts: np.ndarray) -> np.ndarray:
    """Revenue - refunds - variable costs over the last axis of ``(..., accounts)``.

    >>> acc = np.zeros(len(Account)); acc[Account.REVENUE] = 100.0
    >>> acc[Account.COGS] = 40.0; acc[Account.MARKETING] = 30.0
    >>> float(contribution(acc))
    60.0
    """
    accounts = np.asarray(accounts, dtype=float)
    variable = accounts[..., list(VARIABLE_COSTS)].sum(axis=-1)
    return accounts[..., Account.REVENUE] - accounts[..., Account.REFUNDS] - variable


def shift_budget(budget: np.ndarray, score: np.ndarray, eligible: np.ndarray,
                 share: float) -> np.ndarray:
    """Move ``share`` of the worst eligible cell's budget to the best eligible cell.

    The total is unchanged. Nothing moves with fewer than two eligible cells (NaN scores are
    not eligible) or when the best score is not above the worst; ties go to the first cell.

    >>> shift_budget(np.array([10.0, 10.0, 10.0]), np.array([0.5, 2.0, -1.0]),
    ...              np.array([True, True, True]), 0.2).tolist()
    [10.0, 12.0, 8.0]
    >>> shift_budget(np.array([10.0, 10.0]), np.array([0.5, 2.0]),
    ...              np.array([True, False]), 0.2).tolist()
    [10.0, 10.0]
    """
    out = np.array(budget, dtype=float)
    score = np.asarray(score, dtype=float)
    ok = np.flatnonzero(np.asarray(eligible, dtype=bool) & ~np.isnan(score))
    if len(ok) < 2 or share <= 0:
        return out
    worst = ok[np.argmin(score[ok])]
    best = ok[np.argmax(score[ok])]
    if not score[best] > score[worst]:
        return out
    moved = share * out[worst]
    out[worst] -= moved
    out[best] += moved
    return out


def channel_scores(new_customers: float, referral_orders: float, ad_spend: float,
                   kol_spend: float, referral_allocated: float) -> np.ndarray:
    """New customers per allocated dollar of (ads, referral) over a review period.

    Referred first orders are the referral channel's; the other new customers are paid
    media's, shared between ads and KOLs by their spend. Ads spend what they are allocated.
    A channel with nothing allocated scores NaN (not comparable).

    >>> channel_scores(50, 10, 60.0, 20.0, 50.0).tolist()
    [0.5, 0.2]
    """
    paid_media = ad_spend + kol_spend
    others = max(new_customers - referral_orders, 0.0)
    ads = others * ad_spend / paid_media / ad_spend if ad_spend > 0 else np.nan
    referral = referral_orders / referral_allocated if referral_allocated > 0 else np.nan
    return np.array([ads, referral])


def price_review(factor: float, direction: int, contribution_now: float,
                 contribution_before: float | None, step: float, floor: float,
                 ceiling: float) -> tuple[float, int]:
    """One hill-climbing price step: (new price factor, direction taken).

    The direction is kept if contribution did not fall since the last review, else reversed;
    the factor (price over the initial price) moves by ``step`` and stays in [floor, ceiling].

    >>> price_review(1.0, 1, 100.0, None, 0.05, 0.8, 1.25)
    (1.05, 1)
    >>> price_review(1.05, 1, 90.0, 100.0, 0.05, 0.8, 1.25)
    (1.0, -1)
    >>> price_review(1.2, 1, 120.0, 100.0, 0.1, 0.8, 1.25)
    (1.25, 1)
    """
    if contribution_before is not None and contribution_now < contribution_before:
        direction = -direction
    new = round(min(max(factor + direction * step, floor), ceiling), 12)
    return new, direction


def contribution_per_aware(contribution: float, aware_start: float,
                           aware_end: float) -> float | None:
    """A review period's contribution per consumer aware of the seller (None if nobody was).

    The denominator is the mean of the aware counts at the period's start and end.

    >>> contribution_per_aware(300.0, 100.0, 200.0)
    2.0
    >>> contribution_per_aware(5.0, 0.0, 0.0) is None
    True
    """
    aware = 0.5 * (aware_start + aware_end)
    return None if aware <= 0 else contribution / aware


def losing_streak(streak: np.ndarray, profit: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Consecutive losing reviews per region: +1 on a loss, 0 on a profit or when not served.

    >>> losing_streak(np.array([2, 1, 0, 3]), np.array([-5.0, 3.0, -1.0, -2.0]),
    ...               np.array([True, True, True, False])).tolist()
    [3, 0, 1, 0]
    """
    losing = np.asarray(active, dtype=bool) & (np.asarray(profit) < 0)
    return np.where(losing, np.asarray(streak) + 1, 0)


def leaving(streak: np.ndarray, after: int) -> np.ndarray:
    """Regions to leave: a losing streak of ``after`` reviews (never when ``after`` is 0).

    >>> leaving(np.array([3, 2, 0]), 3).tolist()
    [True, False, False]
    >>> leaving(np.array([3, 2, 0]), 0).tolist()
    [False, False, False]
    """
    streak = np.asarray(streak)
    if after <= 0:
        return np.zeros(streak.shape, dtype=bool)
    return streak >= after


def spread_freed(budget: np.ndarray, freed: float, active: np.ndarray) -> np.ndarray:
    """Add ``freed`` USD/day to the movable channels of active regions, pro rata to them.

    ``budget`` is (channels, regions); with no movable budget left it goes to ads, evenly.

    >>> spread_freed(np.array([[3.0, 1.0, 5.0], [1.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), 5.0,
    ...              np.array([True, True, False]))[:, :2].tolist()
    [[6.0, 2.0], [1.0, 1.0], [2.0, 0.0]]
    """
    out = np.array(budget, dtype=float)
    active = np.asarray(active, dtype=bool)
    if freed <= 0 or not active.any():
        return out
    movable = out[list(MOVABLE)] * active
    total = movable.sum()
    if total > 0:
        out[list(MOVABLE)] += freed * movable / total
    else:
        out[ADS] += np.where(active, freed / active.sum(), 0.0)
    return out


# --- state and phase work ------------------------------------------------------------------

@dataclass
class ReviewState:
    """What an adaptive seller remembers between reviews."""

    initial_prices: np.ndarray
    counters_at: np.ndarray  # (R, counters) at the last review
    accounts_at: np.ndarray  # (R + 1, accounts) at the last review
    streak: np.ndarray  # (R,) consecutive losing reviews
    factor: float = 1.0  # price over the initial price
    direction: int = 1  # the last price step's sign (the first step tries a rise)
    aware_at: np.ndarray | None = None  # (R,) consumers aware of the seller at the last review
    signal_before: float | None = None  # last period's contribution per aware consumer
    log: list[tuple[int, str, int, float]] = field(default_factory=list)  # day, what, r, v


def review_states(model: MarketModel) -> list[ReviewState | None]:
    """One state per seller (None for a fixed plan)."""
    n_regions = model.regions.n
    states: list[ReviewState | None] = []
    for s in model.seller_list:
        if s.spec.policy.mode != "adaptive":
            states.append(None)
            continue
        states.append(ReviewState(
            initial_prices=s.prices.copy(),
            counters_at=model.counters[s.index].copy(),
            accounts_at=model.ledger.accounts[s.index].copy(),
            streak=np.zeros(n_regions, dtype=np.int64)))
    return states


def review_phase(model: MarketModel, day: int) -> None:
    """Phase 'seller review': adaptive sellers whose review is due review their regions."""
    if day <= 0:
        return
    for seller, state in zip(model.seller_list, model.seller_reviews, strict=True):
        if state is not None and day % seller.spec.policy.review_period_days == 0:
            review(model, seller, state, day)


def review(model: MarketModel, seller: Seller, st: ReviewState, day: int) -> None:
    """One review: exits, channel and region reallocation, price step (see module doc)."""
    pol = seller.spec.policy
    s = seller.index
    n_regions = model.regions.n
    ctr, acc = model.counters[s], model.ledger.accounts[s]
    d_ctr, d_acc = ctr - st.counters_at, acc - st.accounts_at
    st.counters_at, st.accounts_at = ctr.copy(), acc.copy()
    profit = profit_of(d_acc)[:n_regions]
    contrib = contribution(d_acc)[:n_regions]
    active = seller.targets.copy()

    st.streak = losing_streak(st.streak, profit, active)
    for r in np.flatnonzero(leaving(st.streak, pol.exit_after_losing_reviews) & active).tolist():
        leave_region(model, seller, r)
        st.log.append((day, "exit", r, float(profit[r])))
    active = seller.targets.copy()

    budget = seller.budget
    share = pol.budget_shift_share
    if share > 0 and active.any():
        if budget[ADS].sum() > 0 and budget[REFERRAL].sum() > 0:
            c = d_ctr[active].sum(axis=0)
            scores = channel_scores(c[Counter.NEW_CUSTOMERS], c[Counter.REFERRAL_ORDERS],
                                    c[Counter.AD_SPEND], c[Counter.KOL_SPEND],
                                    c[Counter.REFERRAL_ALLOCATED])
            for r in np.flatnonzero(active).tolist():
                cell = budget[list(MOVABLE), r]
                budget[list(MOVABLE), r] = shift_budget(cell, scores, cell > 0, share)
        movable = budget[list(MOVABLE)].sum(axis=0)
        marketing = d_acc[:n_regions, Account.MARKETING]
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(marketing > 0, contrib / marketing, np.nan)
        new = shift_budget(movable, score, active & (movable > 0), share)
        for r in np.flatnonzero(new != movable).tolist():
            if movable[r] > 0:
                budget[list(MOVABLE), r] *= new[r] / movable[r]
            else:
                budget[ADS, r] = new[r]
        apply_budget(model, seller)

    aware_now = model.population.per_region(model.population.aware[:, s])[:n_regions]
    aware_start = np.zeros(n_regions) if st.aware_at is None else st.aware_at
    st.aware_at = aware_now
    if pol.price_step > 0 and active.any():
        now = contribution_per_aware(float(contrib[active].sum()),
                                     float(aware_start[active].sum()),
                                     float(aware_now[active].sum()))
        if now is not None:
            factor, st.direction = price_review(st.factor, st.direction, now,
                                                st.signal_before, pol.price_step,
                                                pol.price_floor, pol.price_ceiling)
            if factor != st.factor:
                st.factor = factor
                set_prices(model, seller, st.initial_prices * factor)
                st.log.append((day, "price", -1, factor))
        st.signal_before = now


def apply_budget(model: MarketModel, seller: Seller) -> None:
    """Make the seller's new daily budgets take effect (ad buys, referral pot, allocation)."""
    s = seller.index
    model.ad_audiences.forget_plan(s)
    fis = model.fission
    fis.daily_referral[s] = seller.daily_budget("referral")
    fis.daily_marketing[s] = (seller.daily_budget("ads") + seller.daily_budget("kols")
                              + seller.daily_budget("referral"))


def set_prices(model: MarketModel, seller: Seller, prices: np.ndarray) -> None:
    """New list prices: the seller, the model's price table and the offers consumers see."""
    s = seller.index
    seller.prices = np.asarray(prices, dtype=float)
    model.set_list_prices(s, seller.prices)
    book = model.offer_book
    if book is not None:
        book.set_list_prices(s, seller.prices)


def leave_region(model: MarketModel, seller: Seller, r: int) -> None:
    """The seller stops selling in region ``r``; outstanding orders are still fulfilled."""
    s = seller.index
    seller.targets[r] = False
    seller.consumers_in[r] = 0
    model.sells_in[s, r] = False
    model.population.set_sellers_regions(model.sells_in)
    book = model.offer_book
    if book is not None:
        book.available[book.seller == s, r] = False
    # KOL contracts in the region end.
    ended = [k for k in seller.kol_contracts if k.region == r]
    if ended:
        for kol in set(ended):
            kol.contracts = [c for c in kol.contracts if c.seller != s]
        seller.kol_contracts = [k for k in seller.kol_contracts if k.region != r]
        model.kol_feed.rebuild()
    freed = float(seller.budget[:, r].sum())
    seller.budget[:, r] = 0.0
    seller.budget[:] = spread_freed(seller.budget, freed, seller.targets)
    apply_budget(model, seller)
    seller.stop_fixed_costs(r)
    model.counters[s, r, Counter.REGION_EXITS] += 1
