"""Intervals, p-values and multiplicity: pure functions against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.intervals import (
    holm_adjust,
    is_noise,
    paired_p_value,
    rate_interval,
    relative_change,
    t_interval,
    wilson_interval,
)


def test_t_interval_single_value_has_no_interval():
    mean, lo, hi = t_interval(np.array([4.0]))
    assert mean == 4.0 and np.isnan(lo) and np.isnan(hi)


def test_rate_interval_logit_delta_method_known_answer():
    # mean 0.2, sem 0.1/sqrt(3) = 0.0577350; t(0.975, 2) = 4.302653 -> t*sem = 0.248414;
    # on the logit scale / (0.2 * 0.8) = 1.552586 around logit(0.2) = -1.386294:
    # expit(-2.938880) = 0.050265, expit(0.166292) = 0.541477
    mean, lo, hi = rate_interval(np.array([0.1, 0.2, 0.3]))
    assert mean == pytest.approx(0.2)
    assert lo == pytest.approx(0.050265, abs=2e-6)
    assert hi == pytest.approx(0.541477, abs=2e-6)


def test_rate_interval_stays_inside_unit_interval_where_t_does_not():
    values = np.array([0.0, 0.0, 0.05])  # the t interval goes below 0 here
    assert t_interval(values)[1] < 0
    _, lo, hi = rate_interval(values)
    assert 0 < lo < hi < 1
    assert rate_interval(np.array([0.0, 0.0]))[1:] == (0.0, 0.0)
    with pytest.raises(ValueError, match="values must lie in"):
        rate_interval(np.array([0.5, 1.5]))


def test_wilson_interval_known_answer():
    # 8 of 10, z = 1.959964: centre (0.8 + z^2/20) / (1 + z^2/10) = 0.716740,
    # half z*sqrt(0.016 + z^2/400) / (1 + z^2/10) = 0.226578
    p, lo, hi = wilson_interval(8, 10)
    assert p == 0.8
    assert lo == pytest.approx(0.490162, abs=2e-6)
    assert hi == pytest.approx(0.943318, abs=2e-6)
    assert wilson_interval(0, 5)[1] == 0.0  # never below 0
    with pytest.raises(ValueError):
        wilson_interval(6, 5)


def test_paired_p_value_known_answer_and_edge_cases():
    # t = 2 / (1/sqrt 3) = 3.4641 with 2 df: p = 1 - t / sqrt(t^2 + 2) = 1 - 3.4641/3.7417
    assert paired_p_value(np.array([1.0, 2.0, 3.0])) == pytest.approx(0.0741799, abs=1e-6)
    assert np.isnan(paired_p_value(np.array([1.0])))
    assert paired_p_value(np.array([2.0, 2.0, 2.0])) == 0.0  # the same difference in every seed
    # floating-point noise on quantities of size 1 is not a difference
    assert paired_p_value(np.array([-9.1e-16, -9.1e-16, -9.1e-16]), scale=1.0) == 1.0
    assert is_noise(-9.1e-16, 0.5) and not is_noise(1e-6, 0.5)


def test_holm_known_answer_with_nan_outside_the_family():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.005])
    out = holm_adjust(p)
    assert np.isnan(out[2])
    np.testing.assert_allclose(out[[0, 1, 3, 4]], [0.03, 0.06, 0.06, 0.02])
    assert holm_adjust(np.array([0.5, 0.9]))[1] == 1.0  # capped at 1


def test_relative_change_only_for_a_positive_baseline_well_away_from_zero():
    assert relative_change(1.0, 10.0, 3.0) == pytest.approx(0.1)  # 10 > 3 x 3
    assert np.isnan(relative_change(1.0, 10.0, 4.0))  # 10 < 3 x 4: too close to 0
    assert np.isnan(relative_change(-6100.0, -5693.0, 300.0))  # negative: sign would flip
    assert np.isnan(relative_change(1.0, 0.0, 0.0))  # no nan%
    assert np.isnan(relative_change(1.0, 10.0, np.nan))  # one replication: se unknown
    assert relative_change(2.0, 4.0, 0.0) == 0.5
