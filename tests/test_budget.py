"""How a seller spreads its marketing budget over regions (simulation.budget).

Pure functions with hand-computed answers, then seeded runs: the spec's total is kept, money
allocated is spent or shown unspent, and at elasticity 1 the budget buys about as many
impressions per consumer in a rich region as in a poor one (CPM follows income too).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.advertising import daily_ad_buys
from simulation.budget import allocate_total, initial_budget, region_weights
from simulation.metrics import Counter
from simulation.model import MarketModel
from simulation.spec import load_spec

SPLIT = {"ads": 0.6, "kols": 0.4, "referral": 0.0}


def test_incomes_two_to_one_split_the_budget_two_to_one_at_elasticity_one():
    # 1,000 consumers in each region, incomes 2:1, USD 3 per 1,000 a day: total 6 USD,
    # split 4:2 (proportional to purchasing power), the total kept.
    out = initial_budget(3.0, SPLIT, np.array([1000, 1000]), np.array([2.0, 1.0]), 1.0)
    np.testing.assert_allclose(out.sum(axis=0), [4.0, 2.0])
    np.testing.assert_allclose(out[0], [2.4, 1.2])  # ads 60%
    np.testing.assert_allclose(out[1], [1.6, 0.8])  # KOLs 40%
    assert out[2].tolist() == [0.0, 0.0]
    assert out.sum() == pytest.approx(6.0)


def test_elasticity_zero_is_per_head_and_consumers_still_count():
    # per head: 3 USD per 1,000 consumers, whatever the income
    out = initial_budget(3.0, SPLIT, np.array([1000, 3000]), np.array([2.0, 1.0]), 0.0)
    np.testing.assert_allclose(out.sum(axis=0), [3.0, 9.0])
    # elasticity 1 with 1,000 and 3,000 consumers at incomes 2:1: weights 2,000 : 3,000
    np.testing.assert_allclose(
        allocate_total(12.0, np.array([1000, 3000]), np.array([2.0, 1.0]), 1.0), [4.8, 7.2])
    # elasticity 0.5: weights 1,000 x sqrt(4) : 1,000 x sqrt(1) = 2 : 1
    np.testing.assert_allclose(region_weights(np.array([1000, 1000]), np.array([4.0, 1.0]),
                                              0.5), [2000.0, 1000.0])


def test_no_consumers_allocates_nothing_and_unserved_regions_get_nothing():
    assert allocate_total(5.0, np.array([0, 0]), np.array([1.0, 2.0]), 1.0).tolist() == [0, 0]
    out = allocate_total(5.0, np.array([0, 10]), np.array([1.0, 2.0]), 1.0)
    assert out.tolist() == [0.0, 5.0]


def _spec(elasticity: float, days: int = 30):
    return load_spec({"regions": ["US", "NG"], "n_consumers": 4000, "horizon_days": days,
                      "parameters": {"budget_income_elasticity": elasticity},
                      "sellers": [{"name": "entrant", "marketing_budget_per_1k_daily": 3.0}]})


@pytest.mark.parametrize("elasticity", [0.0, 1.0])
def test_spec_total_is_kept_and_follows_income(elasticity):
    m = MarketModel(_spec(elasticity), rng=0)
    seller = m.seller_list[0]
    per_region = seller.budget.sum(axis=0)
    assert per_region.sum() == pytest.approx(3.0 * m.region_counts.sum() / 1000.0)
    income = m.regions.gdp_per_capita
    expected = m.region_counts * (income / income.mean()) ** elasticity
    np.testing.assert_allclose(per_region / per_region.sum(), expected / expected.sum())


def test_at_elasticity_one_impressions_per_consumer_do_not_depend_on_income():
    # CPM scales with income, so a budget proportional to income buys the same impressions
    # per consumer in the US (GDP per head ~13x Nigeria's) as in Nigeria; per head, Nigeria's
    # USD buys ~13x more impressions per consumer.
    per_consumer = {}
    for e in (0.0, 1.0):
        m = MarketModel(_spec(e), rng=0)
        buys = {b.region: b.impressions for b in daily_ad_buys(m, m.seller_list[0])}
        per_consumer[e] = np.array([buys[r] / m.region_counts[r] for r in range(2)])
    us, ng = per_consumer[1.0]
    assert ng == pytest.approx(us, rel=0.01)  # whole impressions: rounding only
    us0, ng0 = per_consumer[0.0]
    ratio = m.regions.gdp_per_capita[0] / m.regions.gdp_per_capita[1]
    assert ng0 / us0 == pytest.approx(ratio, rel=0.01)


def test_money_allocated_is_spent_or_shown_unspent_on_a_seeded_run():
    days = 30
    m = MarketModel(_spec(1.0, days), rng=0)
    seller = m.seller_list[0]
    daily = seller.budget.copy()
    while m.running:
        m.step()
    c = m.counters[seller.index]
    allocated = c[:, Counter.MARKETING_ALLOCATED]
    np.testing.assert_allclose(allocated, daily.sum(axis=0) * days, rtol=1e-12)
    assert allocated.sum() == pytest.approx(3.0 * m.region_counts.sum() / 1000.0 * days)
    # ad spend never exceeds the ad budget in a region (beyond the cap it stays unspent)
    ad_spend = c[:, Counter.AD_SPEND]
    assert (ad_spend > 0).all()
    assert (ad_spend <= daily[0] * days + 1e-9).all()
    total = m.summary()["entrant"]["all"]
    spent = sum(total[k] for k in ("ad_spend", "kol_spend"))
    assert spent + total["marketing_unspent"] == pytest.approx(total["marketing_allocated"])
    assert total["marketing_allocated"] == pytest.approx(float(allocated.sum()))
