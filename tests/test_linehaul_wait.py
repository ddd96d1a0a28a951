"""Line-haul planning of the route_optimisation lever: the hub wait for the next departure."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.runner import run_spec
from simulation.levers import Mechanics
from simulation.logistics import departure_wait_days, planned_hub_days
from simulation.parameters import ModelParameters
from simulation.spec import load_spec
from simulation.warehouses import hub_days

PAIRED_SEEDS = tuple(range(8))
ONLY_DEPARTURES = {"route_optimisation": {"transit_time_cut": 0.0, "cost_cut": 0.0,
                                          "reliability_gain": 0.0}}
"""The lever with its transit, cost and variability cuts off: only line-haul planning acts."""


def test_departure_wait_is_half_the_headway():
    # 7 a week: one a day, half a day's wait; 2 a week: 3.5 days apart, 1.75 days' wait
    assert departure_wait_days(7.0) == pytest.approx(0.5)
    assert departure_wait_days(2.0) == pytest.approx(1.75)
    assert departure_wait_days(14.0) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="departures_per_week"):
        departure_wait_days(0.0)


def test_planned_hub_days_swaps_the_wait_and_keeps_pick_pack():
    # 2.0 hub days at 3 a week: wait 7/6, pick-pack 5/6; at 7 a week: 5/6 + 1/2 = 4/3
    assert planned_hub_days(2.0, 3.0, 7.0) == pytest.approx(4.0 / 3.0)
    # fewer planned departures than the baseline: planning keeps the baseline lane
    assert planned_hub_days(2.0, 3.0, 1.0) == pytest.approx(2.0)
    # a hub faster than its own wait (0.3 < 7/6): no pick-pack left, never lengthened
    assert planned_hub_days(0.3, 3.0, 7.0) == pytest.approx(0.3)
    assert planned_hub_days(0.7, 3.0, 7.0) == pytest.approx(0.5)


def test_hub_days_without_the_lever_are_the_parameter():
    p = ModelParameters(hub_processing_days=1.8, linehaul_departures_per_week=3.5)
    mech = Mechanics(2, 4)
    assert hub_days(p, mech) == 1.8
    mech.linehaul_departures_per_week = 7.0
    assert hub_days(p, mech) == pytest.approx(1.8 - 1.0 + 0.5)


def _spec(levers: dict | None = None, **params) -> object:
    return load_spec({
        "regions": ["US", "BR"], "n_consumers": 60_000, "horizon_days": 120,
        "parameters": params,
        "sellers": [{"name": "entrant", "levers": levers or {}}],
    })


def _metric(spec, seed: int, metric: str) -> float:
    s = run_spec(spec, seed).summary
    row = s[(s.seller == "entrant") & (s.region == "all") & (s.metric == metric)]
    return float(row["value"].iloc[0])


def test_lever_free_market_does_not_read_the_departures_parameter():
    a = run_spec(_spec(linehaul_departures_per_week=1.0), 0).summary
    b = run_spec(_spec(linehaul_departures_per_week=14.0), 0).summary
    assert a["value"].equals(b["value"])


def test_line_haul_planning_alone_cuts_mean_delivery_days():
    # 8 paired seeds; only the departures act. Expected cut at hub 2.0 d and 3 -> 7 a week:
    # 7/6 - 1/2 = 2/3 day per direct parcel (less where the run ends before arrival).
    diffs = np.array([
        _metric(_spec(ONLY_DEPARTURES, hub_processing_days=2.0), s, "mean_delivery_days")
        - _metric(_spec(hub_processing_days=2.0), s, "mean_delivery_days")
        for s in PAIRED_SEEDS])
    assert (diffs < 0).sum() >= 7, diffs
    assert -1.5 < diffs.mean() < -0.2, diffs
