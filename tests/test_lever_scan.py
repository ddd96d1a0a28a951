"""Lever scan: the ratio and its paired bootstrap interval, the flag, the markdown."""

import numpy as np
import pandas as pd

from experiments.lever_scan import GUARD_RAIL, lever_settings, markdown, ratio_interval


def test_ratio_of_means_by_hand_and_interval_brackets_it():
    r, lo, hi = ratio_interval(np.array([10.0, 20.0, 30.0]), np.array([20.0, 40.0, 60.0]))
    assert r == 2.0 and lo == hi == 2.0  # every resample has the same ratio
    r, lo, hi = ratio_interval(np.array([10.0, 20.0, 30.0, 40.0]),
                               np.array([15.0, 20.0, 60.0, 40.0]))
    assert r == 135.0 / 100.0 and lo < r < hi
    assert np.isnan(ratio_interval(np.zeros(3), np.ones(3))[0])  # no baseline orders: no ratio


def test_every_lever_is_scanned_and_warehouses_open_everywhere():
    s = lever_settings(["BR", "ID"])
    assert s["overseas_warehouse"] == {"regions": ["BR", "ID"]} and s["viral_referral"] == {}
    assert len(s) == 15


def test_markdown_flags_ratios_beyond_the_guard_rail_and_names_the_mechanism():
    t = pd.DataFrame([
        {"lever": "overseas_warehouse", "region": "BR", "orders_base": 10.0,
         "orders_lever": 60.0, "ratio": 6.0, "ci_low": 5.5, "ci_high": 6.5,
         "beyond_guard_rail": GUARD_RAIL < 6.0},
        {"lever": "overseas_warehouse", "region": "ID", "orders_base": 10.0,
         "orders_lever": 15.0, "ratio": 1.5, "ci_low": 1.2, "ci_high": 1.8,
         "beyond_guard_rail": False},
    ])
    md = markdown(t, 8)
    assert "**6.00**" in md
    assert "| overseas_warehouse | BR | 10.0 | 60.0 | 6.00 [5.50, 6.50] |" in md
    assert "local stock replaces direct parcels" in md
