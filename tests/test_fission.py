"""Fission: referral pots accrue and pay until empty, groups form in a window, money adds up."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.intervals import t_interval
from experiments.lever_scan import GUARD_RAIL
from experiments.runner import run_spec
from simulation.fission import accrue, draw, join_groups, open_invitations, rank_within
from simulation.metrics import Counter
from simulation.model import MarketModel
from simulation.spec import load_spec


def test_pot_accrues_the_daily_budget():
    pot = np.zeros(2)
    for _ in range(3):
        pot = accrue(pot, np.array([0.6, 0.0]))
    assert pot.tolist() == pytest.approx([1.8, 0.0])


def test_pot_pays_first_come_first_served_and_pauses_when_empty():
    # pot 0 holds 5 USD: 3 fits, 3 + 1.5 fits, 3 + 1.5 + 1 does not, and nothing after it
    paid = draw(np.array([5.0, 1.0]), np.array([0, 0, 1, 0, 0]),
                np.array([3.0, 1.5, 2.0, 1.0, 0.2]))
    assert paid.tolist() == [True, True, False, False, False]


def test_empty_pot_pays_nothing():
    assert not draw(np.zeros(1), np.zeros(3, dtype=int), np.full(3, 0.5)).any()


def test_rank_within_counts_earlier_rows_of_the_same_key():
    assert rank_within(np.array([1, 1, 0, 1])).tolist() == [0, 1, 0, 2]


def test_groups_take_friends_up_to_the_household_cap():
    # sharer 0 already has 1 friend; cap 3 households = sharer + 2 friends: one more fits
    members = np.array([1, 0])
    joined = join_groups(np.array([0, 0, 1]), np.array([True, True, True]), members, 3)
    assert joined.tolist() == [True, False, True]


def test_ineligible_orders_take_no_place_in_a_group():
    joined = join_groups(np.array([0, 0]), np.array([False, True]), np.array([0]), 2)
    assert joined.tolist() == [False, True]


def test_invitation_window_is_inclusive():
    assert open_invitations(5, np.array([5, 3, 2, 1]), 3).tolist() == [True, True, True, False]


def _spec(levers: dict, days: int = 90, n: int = 6_000, budget_split: dict | None = None):
    seller = {"name": "entrant", "levers": levers}
    if budget_split is not None:
        seller["budget_split"] = budget_split
    return load_spec({"regions": ["ID", "BR", "DE"], "n_consumers": n, "horizon_days": days,
                      "sellers": [seller]})


def test_referral_money_is_spent_or_shown_unspent():
    m = MarketModel(_spec({"viral_referral": {"budget_share": 0.01}}, days=120), rng=3)
    while m.running:
        m.step()
    c = m.counters
    allocated = c[:, :, Counter.REFERRAL_ALLOCATED]
    spent = (c[:, :, Counter.REFERRAL_REBATES] + c[:, :, Counter.GROUP_BUY_SUBSIDIES]
             + c[:, :, Counter.REFERRAL_TO_ADS])
    assert allocated.sum() > 0
    assert c[:, :, Counter.REFERRAL_TO_ADS].sum() > 0  # 120 days > referral_pot_days
    assert (spent <= allocated + 1e-9).all()
    np.testing.assert_allclose(spent + m.fission.pot, allocated, atol=1e-9)
    # the pot never holds more than referral_pot_days of its budget
    daily = m.seller_list[0].daily_budget("referral")
    assert (m.fission.pot <= m.params.referral_pot_days * daily + 1e-9).all()
    total = m.summary()["entrant"]["all"]
    assert total["referral_unspent"] == pytest.approx(float(m.fission.pot.sum()))
    expected = m.seller_list[0].daily_budget("referral").sum() * m.steps
    assert total["referral_allocated"] == pytest.approx(expected)
    # spend by channel adds up to the marketing spend
    channels = sum(c[:, :, k] for k in (Counter.AD_SPEND, Counter.KOL_SPEND,
                                        Counter.REFERRAL_REBATES, Counter.GROUP_BUY_SUBSIDIES))
    np.testing.assert_allclose(channels, c[:, :, Counter.MARKETING_SPEND], rtol=1e-12)


def test_spend_by_channel_is_reported_without_a_referral_share():
    s = run_spec(_spec({}), 1).summary
    v = s[(s.seller == "entrant") & (s.region == "all")].set_index("metric")["value"]
    assert v["referral_allocated"] == 0 and v["referral_unspent"] == 0
    assert v["ad_spend"] + v["kol_spend"] == pytest.approx(
        v["marketing_allocated"] - v["marketing_unspent"])


EMERGENT_SEEDS = tuple(range(1, 11))


def _new_customers(levers: dict, budget: float, seed: int) -> tuple[float, float]:
    """(new customers, share of the referral pot left unspent) of one run."""
    spec = load_spec({"regions": ["ID", "BR", "DE"], "n_consumers": 20_000,
                      "horizon_days": 120, "sellers": [{
                          "name": "entrant", "levers": levers,
                          "marketing_budget_per_1k_daily": budget}]})
    m = MarketModel(spec, rng=seed)
    while m.running:
        m.step()
    c = m.counters[0].sum(axis=0)
    allocated = c[Counter.REFERRAL_ALLOCATED]
    spent = (c[Counter.REFERRAL_REBATES] + c[Counter.GROUP_BUY_SUBSIDIES]
             + c[Counter.REFERRAL_TO_ADS])
    return float(c[Counter.NEW_CUSTOMERS]), float(1 - spent / allocated) if allocated else 0.0


@pytest.mark.slow
def test_viral_referral_adds_to_the_ads_and_kols_it_keeps(capsys):
    """The programme (pot 20% of the budget) vs the default seller, paired seeds.

    An invitation is a purchase occasion limited to the inviting seller at the group price;
    the pot keeps at most ``referral_pot_days`` of budget and its overflow buys ads, so at the
    same total budget the spend is the same. The programme must not lower new customers at
    the same total budget by more than noise (it moves 20% of the money to pay-per-result
    rebates that the overflow returns to ads), and stays inside the public guard-rail (no
    lever multiplies a market's outcome by 5). Measured on the level-calibrated profile
    (invitations looked at 0.05 a day, a dry pot pauses the programme): +0.2% [-8.9%, +9.4%]
    new customers at the same total budget (no detectable gain), +26% [+11%, +42%] against
    the ads and KOLs alone. With
    invitations looked at 0.3 a day the chain was supercritical (+165% here, 52x orders in
    Korea: docs/LEVER_SCAN.md).
    """
    same_total, same_channels, unspent = [], [], []
    for seed in EMERGENT_SEEDS:
        base, _ = _new_customers({}, 3.0, seed)
        base80, _ = _new_customers({}, 2.4, seed)
        lever, left = _new_customers({"viral_referral": {}}, 3.0, seed)
        same_total.append(lever / base - 1)
        same_channels.append(lever / base80 - 1)
        unspent.append(left)
    with capsys.disabled():
        t, c, u = t_interval(same_total), t_interval(same_channels), float(np.mean(unspent))
        print(f"\nviral_referral vs default, new customers (mean, 95% CI): same total budget "
              f"{t[0]:.3f} [{t[1]:.3f}, {t[2]:.3f}]; same ads+KOL budget {c[0]:.3f} "
              f"[{c[1]:.3f}, {c[2]:.3f}]; referral pot unspent {u:.3f}")
    _, _, high = t_interval(same_total)
    assert high > 0.0 and high < GUARD_RAIL - 1, same_total  # not below, not beyond 5x
    assert np.mean(unspent) < 0.5  # the overflow is spent on ads, not left in the pot
