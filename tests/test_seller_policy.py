"""Sellers that adapt: reallocation, price steps, exits and home-currency costs.

Mechanism tests check the pure rules of :mod:`simulation.seller_policy` and
:func:`simulation.payments.home_cost_factor` against hand-computed answers; emergent tests
run a small three-region market (VN profitable for the default entrant, NG not) over
20 paired seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.intervals import t_interval
from simulation.ledger import Account
from simulation.metrics import Counter
from simulation.model import MarketModel
from simulation.payments import home_cost_factor
from simulation.seller_policy import (
    channel_scores,
    contribution,
    leaving,
    losing_streak,
    price_review,
    shift_budget,
    spread_freed,
)
from simulation.spec import load_spec

# 20 paired seeds: on the session-11 profile the adaptive seller's gain in the regions it
# keeps is bimodal by seed (about -0.5k or +4k USD, depending on where its price walk
# goes), and 10 seeds gave a 95% CI of [-128, +3,450] USD; seeds 10-29 alone gave
# +2,614 [+1,587, +3,641].
SEEDS = range(20)


# --- mechanism tests (hand-computed) -------------------------------------------------------

def test_reallocation_moves_a_share_of_the_worst_cell_to_the_best():
    # contribution per marketing dollar by region: 1.5, -0.4, 0.9, 3.0; budgets 4, 5, 6, 1.
    # worst = region 1 (-0.4), best = region 3 (3.0); 25% of 5 = 1.25 moves.
    budget = np.array([4.0, 5.0, 6.0, 1.0])
    score = np.array([1.5, -0.4, 0.9, 3.0])
    new = shift_budget(budget, score, np.ones(4, dtype=bool), 0.25)
    assert new.tolist() == [4.0, 3.75, 6.0, 2.25]
    assert new.sum() == pytest.approx(budget.sum())


def test_reallocation_ignores_ineligible_and_unscored_cells():
    budget = np.array([4.0, 5.0, 6.0])
    score = np.array([np.nan, -0.4, 3.0])
    new = shift_budget(budget, score, np.array([True, True, False]), 0.5)
    assert new.tolist() == budget.tolist()  # one eligible scored cell: nothing to compare
    assert shift_budget(budget, np.ones(3), np.ones(3, dtype=bool), 0.5).tolist() == [4, 5, 6]


def test_channel_scores_credit_referred_and_paid_media_customers():
    # 40 new customers, 8 referred; ads 90 USD and KOLs 30 USD spent, referral 64 allocated.
    # ads: (40 - 8) * 90/120 / 90 = 0.2667; referral: 8 / 64 = 0.125
    ads, referral = channel_scores(40, 8, 90.0, 30.0, 64.0)
    assert ads == pytest.approx(24 / 90)
    assert referral == pytest.approx(0.125)
    assert math.isnan(channel_scores(40, 8, 90.0, 30.0, 0.0)[1])


def test_contribution_excludes_marketing_and_fixed_costs():
    acc = np.zeros(len(Account))
    acc[Account.REVENUE], acc[Account.REFUNDS] = 200.0, 20.0
    acc[Account.COGS], acc[Account.LOGISTICS], acc[Account.FX_COST] = 60.0, 30.0, 6.0
    acc[Account.MARKETING], acc[Account.COMPLIANCE] = 50.0, 5.0
    assert float(contribution(acc)) == pytest.approx(200 - 20 - 60 - 30 - 6)


def test_price_steps_stay_within_floor_and_ceiling():
    factor, direction = 1.0, 1
    path = []
    for c in [100.0, 110.0, 120.0, 130.0, 140.0, 150.0]:  # contribution keeps rising
        factor, direction = price_review(factor, direction, c, None if not path else c - 10,
                                         0.1, 0.8, 1.25)
        path.append(factor)
    assert path == [1.1, 1.2, 1.25, 1.25, 1.25, 1.25]
    # a fall reverses: from 1.25 down by 0.1 per review to the floor
    factor, direction = price_review(1.25, 1, 90.0, 100.0, 0.1, 0.8, 1.25)
    assert (factor, direction) == (1.15, -1)
    for _ in range(10):
        factor, direction = price_review(factor, direction, 90.0, 90.0, 0.1, 0.8, 1.25)
    assert factor == 0.8


def test_exit_after_k_consecutive_losing_reviews():
    # region 0 loses every review; region 1 loses twice, then profits, then loses; k = 3
    profits = [[-1.0, -2.0], [-1.0, -2.0], [-1.0, 5.0], [-1.0, -2.0]]
    streak = np.zeros(2, dtype=int)
    first_exit = None
    for i, p in enumerate(profits, start=1):
        streak = losing_streak(streak, np.array(p), np.array([True, True]))
        if first_exit is None and leaving(streak, 3).any():
            first_exit = (i, leaving(streak, 3).tolist())
    assert first_exit == (3, [True, False])
    assert streak.tolist() == [4, 1]
    assert not leaving(streak, 0).any()  # 0 = never leave


def test_freed_budget_goes_to_remaining_regions_pro_rata():
    budget = np.array([[2.0, 6.0, 1.0], [1.0, 1.0, 1.0], [0.0, 2.0, 0.0]])  # ads, kols, referral
    out = spread_freed(budget, 3.0, np.array([True, True, False]))
    # movable: region 0 = 2, region 1 = 6 + 2 = 8 -> 3 * 2/10 and 3 * 8/10
    assert out[0, :2].tolist() == pytest.approx([2.6, 7.8])
    assert out[2, :2].tolist() == pytest.approx([0.0, 2.6])
    assert out.sum() == pytest.approx(budget.sum() + 3.0)


def test_home_currency_appreciation_raises_usd_costs():
    # 10% more USD per CNY: index 1/1.1; a 9 USD (day 0) unit cost now costs 9.9 USD
    assert 9.0 * home_cost_factor(math.log(1 / 1.1)) == pytest.approx(9.9)
    assert home_cost_factor(0.0) == 1.0


# --- emergent tests (small seeded markets) --------------------------------------------------

def _spec(mode: str, shocks: list | None = None, days: int = 180, policy: dict | None = None):
    seller = {"name": "entrant", "policy": {"mode": mode, **(policy or {})}}
    # PH earns money under the fixed plan, VN is marginal, NG (16% on social media, slow
    # parcels) loses it. The seller budgets per head (budget_income_elasticity 0), so a third
    # of its budget goes to NG: a plan with a clearly losing region, which is what the
    # policy is tested on (spread by purchasing power, NG gets 19% and loses less).
    return load_spec({"regions": ["VN", "PH", "NG"], "n_consumers": 6_000,
                      "horizon_days": days, "sellers": [seller], "shocks": shocks or [],
                      "parameters": {"budget_income_elasticity": 0.0}})


def _run(spec, seed: int) -> MarketModel:
    m = MarketModel(spec, rng=seed)
    for _ in range(spec.horizon_days):
        m.step()
    return m


@pytest.fixture(scope="module")
def runs() -> dict[str, list[MarketModel]]:
    return {mode: [_run(_spec(mode), seed) for seed in SEEDS] for mode in ("fixed", "adaptive")}


def test_adaptive_seller_earns_more_where_a_region_loses(runs):
    fixed = np.array([m.ledger.profit()[0].sum() for m in runs["fixed"]])
    adaptive = np.array([m.ledger.profit()[0].sum() for m in runs["adaptive"]])
    mean, lo, hi = t_interval(adaptive - fixed)
    assert lo > 0, (mean, lo, hi)
    # Where the gain comes from: a smaller loss in the region left (NG) and more profit in the
    # regions kept (VN, PH), which receive its budget. (No bound by the whole marketing
    # budget: the freed budget can earn more than its cost in PH and VN.)
    ng = np.array([m.ledger.profit()[0, 2] for m in runs["adaptive"]]) - np.array(
        [m.ledger.profit()[0, 2] for m in runs["fixed"]])
    kept = np.array([m.ledger.profit()[0, :2].sum() for m in runs["adaptive"]]) - np.array(
        [m.ledger.profit()[0, :2].sum() for m in runs["fixed"]])
    assert t_interval(ng)[1] > 0, t_interval(ng)
    assert t_interval(kept)[1] > 0, t_interval(kept)


def test_exit_in_the_losing_region_not_the_profitable_ones(runs):
    ng_fixed = np.array([m.ledger.profit()[0, 2] for m in runs["fixed"]])
    assert (ng_fixed < 0).all()  # NG loses money under the fixed plan in every seed
    exits = np.array([m.counters[0, :, Counter.REGION_EXITS] for m in runs["adaptive"]])
    assert exits[:, 2].sum() >= 0.9 * len(SEEDS)  # NG left in (nearly) every seed
    # PH earns money under the fixed plan on average (calibrated profile, 20 seeds: PH
    # +2,834 USD, VN +3,099, NG -432): kept in (nearly) every seed, and VN is left less
    # often than the losing NG.
    ph_fixed = np.array([m.ledger.profit()[0, 1] for m in runs["fixed"]])
    assert ph_fixed.mean() > 0
    assert exits[:, 1].sum() <= 0.2 * len(SEEDS)
    assert exits[:, 0].sum() < exits[:, 2].sum()
    for m, e in zip(runs["adaptive"], exits, strict=True):
        left = e > 0
        assert not m.sells_in[0, left].any() and not m.population.sells[:, 0][
            np.isin(m.population.region, np.flatnonzero(left))].any()
        assert m.seller_list[0].budget.sum() == pytest.approx(3.0 * 6_000 / 1000)


def test_no_sales_ads_or_kols_after_an_exit(runs):
    seed = next(i for i, m in enumerate(runs["adaptive"])
                if m.counters[0, 2, Counter.REGION_EXITS] > 0)
    m = MarketModel(_spec("adaptive"), rng=seed)
    while m.counters[0, 2, Counter.REGION_EXITS] == 0:
        m.step()
    at_exit = m.counters[0, 2].copy()
    while m.running:
        m.step()
    after = m.counters[0, 2]
    assert after[Counter.CHECKOUTS] == at_exit[Counter.CHECKOUTS]  # no new sales
    assert after[Counter.AD_SPEND] == at_exit[Counter.AD_SPEND]
    assert after[Counter.KOL_SPEND] == at_exit[Counter.KOL_SPEND]
    assert after[Counter.MARKETING_ALLOCATED] == at_exit[Counter.MARKETING_ALLOCATED]
    assert after[Counter.SHIPPED] >= at_exit[Counter.SHIPPED]  # paid orders still go out


def test_home_currency_appreciation_lowers_margin():
    shock = [{"kind": "home_fx_shock", "day": 30, "log_change": -0.2}]
    base, hit = [], []
    bound = []
    for seed in range(8):
        a = _run(_spec("fixed", days=120), seed)
        b = _run(_spec("fixed", shocks=shock, days=120), seed)
        ra, rb = a.ledger.accounts[0], b.ledger.accounts[0]
        assert rb[:, Account.REVENUE].sum() == ra[:, Account.REVENUE].sum()  # same sales
        base.append(contribution(ra).sum() / ra[:, Account.REVENUE].sum())
        hit.append(contribution(rb).sum() / rb[:, Account.REVENUE].sum())
        home_costs = rb[:, [Account.COGS, Account.COMPLIANCE, Account.SERVICES]].sum()
        bound.append((b.ledger.profit()[0].sum() - a.ledger.profit()[0].sum(),
                      (math.exp(0.2) - 1) * home_costs))
    mean, lo, hi = t_interval(np.array(hit) - np.array(base))
    assert hi < 0, (mean, lo, hi)  # margin falls
    for drop, most in bound:
        assert -most <= drop < 0  # no more than every home-currency cost x (e^0.2 - 1)


def test_price_steps_alone_raise_revenue_per_order_and_cut_orders():
    """Item 8, price: only price steps on (no reallocation, no exit), 16 paired seeds.

    In this single-entrant market profit rises with price well beyond the ceiling (the
    entrant faces only the outside option), so the rule climbs: orders fall and revenue per
    order rises, by at most the ceiling's 25%. The walk turns down in some seeds (orders
    -9% to +5% by seed on the session-11 profile), so 8 seeds gave orders -3.2% [-6.8%,
    +0.4%]; seeds 8-23 alone gave -2.2% [-4.1%, -0.3%].
    """
    prices_only = {"mode": "adaptive", "budget_shift_share": 0.0,
                   "exit_after_losing_reviews": 0}

    def spec(policy):
        return load_spec({"regions": ["VN", "PH"], "n_consumers": 20_000, "horizon_days": 270,
                          "sellers": [{"name": "entrant", "policy": policy}]})

    d_orders, d_rpo = [], []
    for seed in range(16):
        a = _run(spec({"mode": "fixed"}), seed)
        b = _run(spec(prices_only), seed)
        oa, ob = a.counters[0, :, Counter.PAID].sum(), b.counters[0, :, Counter.PAID].sum()
        ra = a.ledger.accounts[0][:, Account.REVENUE].sum()
        rb = b.ledger.accounts[0][:, Account.REVENUE].sum()
        assert b.seller_list[0].budget.sum() == a.seller_list[0].budget.sum()
        d_orders.append(ob / oa - 1)
        d_rpo.append((rb / ob) / (ra / oa) - 1)
    o, r = t_interval(d_orders), t_interval(d_rpo)  # (mean, low, high)
    assert o[2] < 0, o  # fewer orders
    assert o[1] > -0.5, o  # a 25% price rise, not a collapse
    assert r[1] > 0.02, r  # dearer orders
    assert r[2] < 0.25, r  # never above the ceiling's 25%
