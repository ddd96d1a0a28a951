"""Unit tests of the pure functions, against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import checkout, fulfilment, logistics, pricing
from simulation.consumers import choose_logit, unique_sorted
from simulation.culture import CULTURE_MAPPINGS, culture_multipliers, multiplier
from simulation.metrics import ratio
from simulation.model import split_evenly
from simulation.orders import OrderState
from simulation.parameters import ModelParameters


def test_landed_price_applies_discount_fx_spread_and_duty_above_de_minimis():
    # 100 USD, 10% off -> 90; FX index 1.2 -> 108; spread 2% -> 110.16; duty 20% -> 132.192
    got = pricing.landed_price(np.array([100.0]), 1.2, 0.02, 0.2, 50.0, True, discount=0.1)
    assert got[0] == pytest.approx(132.192)
    # Below de minimis, or not crossing a border: no duty.
    assert pricing.landed_price(np.array([40.0]), 1.0, 0.0, 0.2, 50.0, True)[0] == 40.0
    assert pricing.landed_price(np.array([100.0]), 1.0, 0.0, 0.2, 50.0, False)[0] == 100.0


def test_days_of_income():
    assert pricing.days_of_income(np.array([100.0]), np.array([36_500.0]))[0] == pytest.approx(1.0)


def test_lognormal_days_has_requested_mean_and_cv():
    rng = np.random.default_rng(0)
    x = logistics.lognormal_days(10.0, 0.3, rng, 200_000)
    assert x.mean() == pytest.approx(10.0, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(0.3, rel=0.02)
    assert (x > 0).all()
    assert (logistics.lognormal_days(np.array([4.0, 8.0]), 0.0, rng, 2) == [4.0, 8.0]).all()


def test_customs_days_exponential_mean():
    rng = np.random.default_rng(1)
    x = logistics.customs_days(3.0, rng, 200_000)
    assert x.mean() == pytest.approx(3.0, rel=0.02)
    assert (logistics.customs_days(0.0, rng, 5) == 0).all()


def test_multimodal_mode_by_value():
    modes = logistics.multimodal_mode(np.array([10.0, 50.0, 80.0]), 50.0, 0, 3)
    assert modes.tolist() == [3, 0, 0]


def test_payment_method_masks_and_abandonment():
    assert checkout.method_mask(["card"]) == 1
    assert checkout.method_mask(["wallet", "bnpl"]) == 2 + 16
    offered = checkout.method_offered(np.array([1, 2, 8]), np.array([3, 1, 8]))
    assert offered.tolist() == [True, False, True]
    # Independent reasons: 1 - (1 - 0.2) x (1 - 0.5) = 0.6 where no method fits.
    p = checkout.abandonment_probability(offered, 0.2, 0.5)
    assert p.tolist() == pytest.approx([0.2, 0.6, 0.2])
    # A missing method never lowers abandonment, even when its own rate is below the base.
    assert checkout.abandonment_probability(np.array([False]), 0.7, 0.1)[0] == pytest.approx(0.73)


def test_fraud_attempts_expected_is_share_of_all_checkouts():
    # 2% of all checkouts fraudulent: 98 legitimate ones come with 2 fraudulent ones.
    assert checkout.fraud_attempts_expected(98.0, 0.02) == pytest.approx(2.0)


def test_fifo_allocate_respects_capacity_then_stock():
    served, short = fulfilment.fifo_allocate(np.array([0, 0, 1, 0, 1]), np.array([1, 1]), 4)
    assert served.tolist() == [True, False, True, False, False]
    assert short.tolist() == [False, True, False, True, False]  # 5th is beyond capacity


def test_schedule_and_transit_state_cross_border():
    t_ship, t_cin, t_cout, t_arr = fulfilment.schedule(
        10.0, 2.0, np.array([10.0]), np.array([3.0]), np.array([True]), 0.8
    )
    assert (t_ship[0], t_cin[0], t_cout[0], t_arr[0]) == (12.0, 20.0, 23.0, 25.0)
    states = [fulfilment.transit_state(d, t_ship, t_cin, t_cout, t_arr, np.array([True]))[0]
              for d in (11, 12, 21, 24, 25)]
    assert states == [OrderState.PICKED, OrderState.SHIPPED, OrderState.CUSTOMS,
                      OrderState.SHIPPED, OrderState.DELIVERED]


def test_schedule_domestic_has_no_customs():
    _, t_cin, t_cout, t_arr = fulfilment.schedule(
        0.0, 1.0, np.array([2.0]), np.array([5.0]), np.array([False]), 0.8
    )
    assert t_cin[0] == t_cout[0] == t_arr[0] == 3.0


def test_ratio_is_nan_on_empty_denominator():
    r = ratio(np.array([1.0, 0.0]), np.array([4.0, 0.0]))
    assert r[0] == 0.25 and np.isnan(r[1])


def test_culture_multiplier_linear_and_floored():
    assert multiplier(np.array([50.0]), 0.4, +1)[0] == 1.0
    assert multiplier(np.array([100.0]), 0.4, +1)[0] == pytest.approx(1.4)
    assert multiplier(np.array([100.0]), 0.4, -1)[0] == pytest.approx(0.6)
    assert multiplier(np.array([120.0]), 0.95, -1)[0] == pytest.approx(0.05)  # floor


def test_culture_directions_match_the_documented_mappings():
    params = ModelParameters()
    low = np.full((1, 6), 20.0)
    high = np.full((1, 6), 80.0)
    lo, hi = culture_multipliers(low, params), culture_multipliers(high, params)
    for m in CULTURE_MAPPINGS:
        if m.sign > 0:
            assert hi[m.name][0] > lo[m.name][0], m.name
        else:
            assert hi[m.name][0] < lo[m.name][0], m.name


def test_choose_logit_matches_softmax_with_outside_option():
    rng = np.random.default_rng(2)
    u = np.tile(np.array([[0.0, np.log(2.0), -np.inf]]), (200_000, 1))
    c = choose_logit(u, rng)
    # weights: outside 1, alt0 1, alt1 2 -> probabilities 1/4, 1/4, 1/2
    assert (c == -1).mean() == pytest.approx(0.25, abs=0.005)
    assert (c == 0).mean() == pytest.approx(0.25, abs=0.005)
    assert (c == 1).mean() == pytest.approx(0.5, abs=0.005)
    assert not (c == 2).any()


def test_unique_sorted_and_split_evenly():
    assert unique_sorted(np.array([5, 1, 5, 3, 1])).tolist() == [1, 3, 5]
    assert split_evenly(10, 4).tolist() == [3, 3, 2, 2]
    assert split_evenly(3, 5).sum() == 3


def test_per_region_sums_blocks_including_empty_regions():
    from simulation.consumers import ConsumerPopulation

    pop = ConsumerPopulation.__new__(ConsumerPopulation)  # only the block layout is needed
    counts = np.array([2, 0, 3, 0])
    pop.block_ends = np.cumsum(counts)
    pop.block_starts = pop.block_ends - counts
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert pop.per_region(values).tolist() == [3.0, 0.0, 12.0, 0.0]
    mask = np.array([True, False, True, True, False])
    assert pop.per_region(mask).tolist() == [1.0, 0.0, 2.0, 0.0]
