"""Who can be reached (online, social platforms, messaging-only) and for how long (memory,
frequency cap, wear-out): mechanism tests by hand and emergent tests over 8 seeds."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.advertising import (
    _capped_hits,
    _order_within_runs,
    expected_capped,
    wearout_attention,
)
from simulation.model import MarketModel
from simulation.reach import (
    draw_platforms,
    online_counts,
    platform_probabilities,
    social_share_of_online,
)
from simulation.regions import PLATFORMS, RegionTable, load_catalog
from simulation.spec import load_spec

SEEDS = range(8)
Z = 1.96


def _table(codes=("NG", "US", "TH")) -> RegionTable:
    return RegionTable.from_regions(load_catalog().select(list(codes)))


# --- mechanism: who is online and on which platform --------------------------------------
def test_platform_probabilities_by_hand_for_nigeria():
    t = _table(("NG",))
    q = social_share_of_online(t.internet_share, t.social_media_share)
    assert q[0] == pytest.approx(0.162 / 0.3546)  # 0.4569 of internet users are social
    prob = platform_probabilities(t.platform_share, t.ad_platforms, q)[0]
    # ad-selling platforms: share of internet users / q, for a social user
    assert prob[PLATFORMS.index("facebook")] == pytest.approx(0.357 / (0.162 / 0.3546))
    assert prob[PLATFORMS.index("instagram")] == pytest.approx(0.12 / (0.162 / 0.3546))
    # WhatsApp is messaging-only: its share of internet users, for any online user
    assert not t.ad_platforms[0, PLATFORMS.index("local")]
    assert prob[PLATFORMS.index("local")] == pytest.approx(0.95)


def test_line_and_kakao_sell_ads_whatsapp_does_not():
    t = _table(("TH", "KR", "JP", "VN", "NG", "PH"))
    local = t.ad_platforms[:, PLATFORMS.index("local")].tolist()
    assert local == [True, True, True, True, False, False]
    assert t.ad_platforms[:, :4].all()


def test_drawn_platforms_match_internet_and_social_media_shares():
    t = _table()
    n_each = 200_000
    region = np.repeat(np.arange(t.n), n_each).astype(np.int16)
    online, platforms = draw_platforms(region, t, np.random.default_rng(1))
    ad_mask = (t.ad_platforms * (1 << np.arange(len(PLATFORMS)))).sum(axis=1)
    for r in range(t.n):
        block = slice(r * n_each, (r + 1) * n_each)
        on, pl = online[block], platforms[block]
        se = 0.5 / np.sqrt(n_each)
        assert on.mean() == pytest.approx(t.internet_share[r], abs=4 * se + 1e-9)
        assert (pl[~on] == 0).all()  # offline consumers use no platform
        social = (pl & ad_mask[r]) != 0
        target = min(t.social_media_share[r], t.internet_share[r])
        assert social.mean() == pytest.approx(target, abs=4 * se)
    # Nigeria: WhatsApp-only users exist, reached by friends but not by ads
    ng = slice(0, n_each)
    whatsapp_only = online[ng] & ((platforms[ng] & ad_mask[0]) == 0) & (
        (platforms[ng] >> PLATFORMS.index("local")) & 1 == 1)
    assert whatsapp_only.mean() > 0.1


def test_online_counts_round_the_internet_share():
    assert online_counts(np.array([1000, 999]), np.array([0.3546, 0.5])).tolist() == [355, 500]


# --- mechanism: memory, frequency cap, wear-out -------------------------------------------
def _tiny_model() -> MarketModel:
    spec = load_spec({"regions": ["US"], "n_consumers": 3, "horizon_days": 5})
    return MarketModel(spec, rng=0)


def test_one_ad_is_remembered_for_34_days_then_forgotten():
    m = _tiny_model()
    pop = m.population
    pop.attention[:] = 0.0
    pop.aware[:] = False
    pop.orders[:] = 0
    pop.attention[0, 0] = 0.4  # one noticed ad (ad_touch_weight)
    pop.attention[1, 0] = 0.4  # the same, but a past customer
    pop.orders[1, 0] = 1
    pop.aware[:2, 0] = True
    # 0.4 x 0.98^34 = 0.2008 >= 0.2 (aware); 0.4 x 0.98^35 = 0.1968 < 0.2 (forgotten)
    for day in range(1, 36):
        pop.update_funnel(day)
        assert bool(pop.aware[0, 0]) == (day <= 34), day
        assert pop.aware[1, 0]  # purchase memory
    assert not pop.reached[0, 0]  # reach is set by touches only, never by forgetting


def test_expected_capped_by_hand():
    lam = np.array([0.0, 0.5, 9.4])
    e = np.exp(-9.4)
    by_hand = [0.0,
               (1 - np.exp(-0.5)) + (1 - 1.5 * np.exp(-0.5)) + (1 - (1.5 + 0.125) * np.exp(-0.5)),
               3 - e * (1 + 1 + 9.4 + 1 + 9.4 + 9.4 ** 2 / 2)]
    np.testing.assert_allclose(expected_capped(lam, 3), by_hand, rtol=1e-12)
    assert expected_capped(np.array([100.0]), 3)[0] == pytest.approx(3.0)


def test_wearout_halves_the_third_ad_of_a_week():
    a = wearout_attention(0.4, 0.5, np.array([0.0, 0.0, 0.0]), np.array([0, 1, 2]))
    np.testing.assert_allclose(a, [0.4, 0.4 / 1.5, 0.2])
    assert _order_within_runs(np.array([3, 3, 9, 3])).tolist() == [0, 1, 0, 2]


def test_frequency_cap_keeps_at_most_cap_noticed_ads_per_user():
    rng = np.random.default_rng(0)
    hit = np.sort(rng.integers(0, 5, 400))  # ~80 noticed impressions each for 5 users
    kept = _capped_hits(hit, np.full(5, 500.0), 0.15, 3, rng)
    counts = np.bincount(kept, minlength=5)
    assert counts.max() <= 3
    # far below the cap nothing is trimmed
    few = np.array([0, 2, 4])
    assert _capped_hits(few, np.full(5, 1e-6), 0.15, 3, rng).tolist() == few.tolist()


# --- emergent: small seeded markets over 8 seeds -------------------------------------------
NO_FORWARDS = {"ad_forward_rate": 0.0, "content_forward_rate": 0.0}
"""Ad-reach tests switch content forwarding off: forwards reach friends off the platforms."""


def _ads_only(regions, n, days, budget=3.0, **extra):
    return load_spec({"regions": list(regions), "n_consumers": n, "horizon_days": days,
                      "sellers": [{"name": "entrant", "marketing_budget_per_1k_daily": budget,
                                   "budget_split": {"ads": 1.0, "kols": 0.0}}],
                      "parameters": {**NO_FORWARDS, **extra.pop("parameters", {})}, **extra})


def _run(spec, seed, days=None):
    m = MarketModel(spec, rng=seed)
    for _ in range(days or spec.horizon_days):
        m.step()
    return m


def _ci(x):
    x = np.asarray(x, dtype=float)
    return x.mean(), Z * x.std(ddof=1) / np.sqrt(len(x))


def test_nigeria_ad_reach_is_its_social_media_share():
    reach = [_run(_ads_only(["NG"], 3000, 60), s).summary()["all"]["NG"]["reach"]
             for s in SEEDS]
    mean, half = _ci(reach)
    # ads reach only social-media users (16.2%); word of mouth adds at most a little
    assert abs(mean - 0.162) <= half + 0.015, (mean, half)
    assert mean < 0.2


def test_awareness_falls_after_ads_stop_and_reach_stays():
    drops, reach_kept = [], []
    for s in SEEDS:
        m = _run(_ads_only(["ID"], 3000, 150), s, days=50)
        aware0, reach0 = (m.summary()["all"]["ID"][k] for k in ("awareness", "reach"))
        m.ad_audiences._plans = {seller.index: [] for seller in m.seller_list}  # ads stop
        for _ in range(100):
            m.step()
        after = m.summary()["all"]["ID"]
        drops.append(aware0 - after["awareness"])
        reach_kept.append(after["reach"] - reach0)
        assert after["awareness"] < aware0
    mean, half = _ci(drops)
    assert mean - half > 0.03, (mean, half)  # measured: 0.058 +- 0.006 of the population
    assert min(reach_kept) >= 0  # reach is never undone


def test_doubling_the_ad_budget_less_than_doubles_reach():
    gap, gain = [], []
    for s in SEEDS:
        one = _run(_ads_only(["ID", "DE"], 3000, 30, budget=0.5), s).summary()["all"]["all"]
        two = _run(_ads_only(["ID", "DE"], 3000, 30, budget=1.0), s).summary()["all"]["all"]
        gap.append(two["reach"] - 2 * one["reach"])
        gain.append(two["reach"] - one["reach"])
    mean, half = _ci(gap)
    assert mean + half < 0, (mean, half)  # diminishing returns
    mean, half = _ci(gain)
    assert mean - half > 0  # but more budget still reaches more people


def test_online_only_matches_the_full_population():
    keys = ("awareness", "reach", "ad_touches_per_consumer")
    full = {k: [] for k in keys}
    part = {k: [] for k in keys}
    for s in SEEDS:
        for online_only, out in ((False, full), (True, part)):
            m = _run(_ads_only(["NG", "ID"], 4000, 40, online_only=online_only), s)
            if online_only:
                assert m.population.n == int(np.rint(2000 * 0.3546) + np.rint(2000 * 0.728))
            row = m.summary()["all"]["all"]
            for k in keys:
                out[k].append(row[k])
    for k in keys:
        a, b = np.asarray(full[k]), np.asarray(part[k])
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        assert abs(a.mean() - b.mean()) <= Z * se + 0.02 * a.mean(), (k, a.mean(), b.mean())
