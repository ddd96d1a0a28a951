"""Fixed-window repurchase: hand-computed counts on a tiny order history, and seeded runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.metrics import N_COUNTERS, Counter, compute_metrics
from simulation.model import MarketModel
from simulation.repurchase_window import NO_DAY, repeated_within, window_counts
from simulation.spec import MarketSpec, SellerSpec

WINDOW_METRICS = ("referred_repurchase_rate_window", "other_repurchase_rate_window")


# --- pure functions ------------------------------------------------------------------------

def test_window_counts_on_a_constructed_history():
    # end_day 100, window 30: first orders on days <= 70 qualify.
    #   customer  first  second  referred  qualifies  repeats within 30 days
    #   0         10     40      yes       yes        yes (30 days: the boundary counts)
    #   1         10     41      yes       yes        no (31 days)
    #   2         70     75      yes       yes        yes (exactly 30 days old at the end)
    #   3         71     72      yes       no         (too young: left out though it repeated)
    #   4         5      -       no        yes        no (never again)
    #   5         20     21      no        yes        yes
    #   6         60     99      no        yes        no (39 days)
    #   7         -      -       no        no         (never bought)
    first = np.array([10, 10, 70, 71, 5, 20, 60, NO_DAY])
    second = np.array([40, 41, 75, 72, NO_DAY, 21, 99, NO_DAY])
    referred = np.array([True, True, True, True, False, False, False, False])
    c = window_counts(first, second, referred, end_day=100, window=30)
    assert (c.referred_qualified, c.referred_repeaters) == (3, 2)
    assert (c.other_qualified, c.other_repeaters) == (3, 1)
    assert c.referred_rate == pytest.approx(2 / 3)
    assert c.other_rate == pytest.approx(1 / 3)


def test_nobody_qualifies_gives_nan_not_zero():
    # a window longer than the run: no first order is old enough
    c = window_counts(np.array([1, 2]), np.array([3, NO_DAY]), np.array([True, False]),
                      end_day=50, window=90)
    assert (c.referred_qualified, c.other_qualified) == (0, 0)
    assert math.isnan(c.referred_rate) and math.isnan(c.other_rate)


def test_repeated_within_counts_the_boundary_day():
    got = repeated_within(np.array([0, 0, 0]), np.array([NO_DAY, 90, 91]), 90)
    assert got.tolist() == [False, True, False]


def test_window_metrics_from_counters():
    # 10 customers matured, 4 of them referred; 5 repeated, 3 of them referred:
    # referred 3/4, other (5-3)/(10-4) = 1/3
    counters = np.zeros(N_COUNTERS)
    counters[Counter.WINDOW_FIRST] = 10
    counters[Counter.WINDOW_REFERRED_FIRST] = 4
    counters[Counter.WINDOW_REPEATERS] = 5
    counters[Counter.WINDOW_REFERRED_REPEATERS] = 3
    m = compute_metrics(counters, 0.0, 100.0, 50.0, 10.0, 5.0)
    assert m["referred_repurchase_rate_window"] == pytest.approx(0.75)
    assert m["other_repurchase_rate_window"] == pytest.approx(1 / 3)
    empty = compute_metrics(np.zeros(N_COUNTERS), 0.0, 100.0, 0.0, 0.0, 0.0)
    assert all(math.isnan(empty[name]) for name in WINDOW_METRICS)


# --- seeded runs ---------------------------------------------------------------------------

def market(seed: int, window: int) -> MarketModel:
    """Korea, 5,000 consumers, 120 days, calibrated profile, referral programme on."""
    seller = SellerSpec(name="entrant", levers={"viral_referral": {}})
    spec = MarketSpec(name="repurchase-window", regions=["KR"], n_consumers=5_000,
                      horizon_days=120, sellers=[seller], profile="calibrated",
                      parameters={"invitation_response_rate": 0.05,
                                  "repurchase_window_days": window})
    return MarketModel(spec, rng=seed)


def run(seed: int, window: int) -> MarketModel:
    """The market of :func:`market`, run to its horizon."""
    model = market(seed, window)
    while model.running:
        model.step()
    return model


def window_counters(model: MarketModel) -> tuple[float, float, float, float]:
    """(referred qualified, referred repeaters, other qualified, other repeaters) counted."""
    c = model.counters.sum(axis=(0, 1))
    return (c[Counter.WINDOW_REFERRED_FIRST], c[Counter.WINDOW_REFERRED_REPEATERS],
            c[Counter.WINDOW_FIRST] - c[Counter.WINDOW_REFERRED_FIRST],
            c[Counter.WINDOW_REPEATERS] - c[Counter.WINDOW_REFERRED_REPEATERS])


@pytest.mark.parametrize("seed", [0, 1])
def test_daily_maturing_counts_equal_the_history_every_day(seed):
    """Each day's counters hold exactly the customers window_counts finds in the history."""
    model = market(seed, window=30)
    w = model.repurchase_window
    while model.running:
        model.step()
        expected = window_counts(w.first_day.ravel(), w.second_day.ravel(),
                                 model.fission.referred_customer.ravel(), model.steps,
                                 w.window)
        assert window_counters(model) == (
            expected.referred_qualified, expected.referred_repeaters,
            expected.other_qualified, expected.other_repeaters), f"day {model.steps}"
    assert expected.referred_qualified > 0 and expected.other_qualified > 0  # not vacuous
    total = model.latest["total"]
    assert total["referred_repurchase_rate_window"] == pytest.approx(expected.referred_rate)
    assert total["other_repurchase_rate_window"] == pytest.approx(expected.other_rate)


def test_the_window_is_measurement_only():
    """Another window changes the window metrics and nothing else (same seed)."""
    short, long = run(3, window=20), run(3, window=100)
    a, b = short.summary()["all"]["all"], long.summary()["all"]["all"]
    others = [k for k in a if k not in WINDOW_METRICS]
    assert repr({k: a[k] for k in others}) == repr({k: b[k] for k in others})
    assert a["other_repurchase_rate_window"] != b["other_repurchase_rate_window"]
