"""Late replenishment: the delay draw by hand, batch arrivals in a model, and the emergent
effect on stock-outs (late batches raise them, small-batch supply lowers them; paired seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.intervals import t_interval
from experiments.runner import run_spec
from simulation.model import MarketModel
from simulation.parameters import ModelParameters
from simulation.replenishment_delays import batch_delay, leg_delay
from simulation.spec import MarketSpec, load_spec

ON_TIME = {"supplier_late_share": 0.0, "sea_late_share": 0.0}
ALWAYS_LATE = {"supplier_late_share": 1.0, "sea_late_share": 1.0}


class _FixedDraws:
    """Stands in for a generator: fixed uniforms and exponentials (hand-computed answers)."""

    def __init__(self, late: list[float], size: list[float]) -> None:
        self.late, self.size = late, size

    def random(self, n: int) -> np.ndarray:
        return np.array(self.late[:n])

    def standard_exponential(self, n: int) -> np.ndarray:
        return np.array(self.size[:n])


def test_leg_delay_by_hand():
    # late (0.10 < 0.15): 1.7 mean days x an exponential draw of 2 = 3.4 days
    assert leg_delay(0.10, 2.0, 0.15, 1.7) == pytest.approx(3.4)
    # on time (0.20 >= 0.15): no delay whatever the size draw
    assert leg_delay(0.20, 2.0, 0.15, 1.7) == 0.0
    assert leg_delay(0.15, 2.0, 0.15, 1.7) == 0.0


def test_batch_delay_by_hand():
    p = ModelParameters(supplier_late_share=0.15, supplier_delay_share=0.17,
                        sea_late_share=0.36, sea_late_delay_days=4.6)
    draws = _FixedDraws(late=[0.10, 0.30], size=[2.0, 0.5])
    # supplier leg late: 0.17 x 10 days x 2.0 = 3.4; sea leg late: 4.6 x 0.5 = 2.3
    assert batch_delay(p, 10.0, 30.0, draws) == pytest.approx(5.7)
    # a hub batch has no sea leg
    assert batch_delay(p, 10.0, 0.0, draws) == pytest.approx(3.4)
    # a near-shored 4-day supplier leg slips 0.17 x 4 x 2.0 = 1.36 days
    assert batch_delay(p, 4.0, 0.0, draws) == pytest.approx(1.36)
    # neither leg late (0.5 >= 0.15, 0.5 >= 0.36)
    assert batch_delay(p, 10.0, 30.0, _FixedDraws([0.5, 0.5], [2.0, 0.5])) == 0.0


def _arrivals(params: dict, overseas: bool = False) -> list[float]:
    """Delay of every replenishment batch (arrival - order day - planned lead time)."""
    fulfilment = {"overseas_warehouses": ["ID"]} if overseas else {}
    spec = load_spec({"regions": ["ID"], "n_consumers": 3_000, "horizon_days": 40,
                      "parameters": params,
                      "sellers": [{"name": "entrant", "fulfilment": fulfilment,
                                   "replenishment": {"review_period_days": 1}}]})
    m = MarketModel(spec, rng=3)
    # Batches are read from each warehouse's public pipeline (arrival day, quantities) after
    # every step; the quantity arrays are kept so their ids stay unique.
    kept = [q for wh in m.warehouse_list for _, q in wh.pipeline]  # launch stock: not counted
    seen = {id(q) for q in kept}
    delays: list[float] = []
    while m.running:
        m.step()
        for wh in m.warehouse_list:
            for arrival, q in wh.pipeline:
                if id(q) not in seen:
                    seen.add(id(q))
                    kept.append(q)
                    delays.append(arrival - m.steps - wh.lead_time_days)
    return delays


def test_on_time_batches_arrive_after_the_planned_lead_time():
    delays = _arrivals(ON_TIME, overseas=True)
    assert delays and all(d == 0.0 for d in delays)


def test_late_batches_arrive_after_the_planned_lead_time():
    delays = _arrivals(ALWAYS_LATE, overseas=True)
    assert delays and all(d > 0.0 for d in delays)


def _stockouts(levers: dict, params: dict, seeds: range) -> np.ndarray:
    """Stock-out rate of a one-region market per seed (PH: demand outgrows the launch stock)."""
    spec: MarketSpec = load_spec({
        "regions": ["PH"], "n_consumers": 10_000, "horizon_days": 180, "profile": "calibrated",
        "parameters": params, "sellers": [{"name": "entrant", "levers": levers}]})
    out = []
    for seed in seeds:
        s = run_spec(spec, seed).summary
        row = s[(s.seller == "entrant") & (s.region == "all") & (s.metric == "stockout_rate")]
        out.append(float(row["value"].iloc[0]))
    return np.array(out)


@pytest.mark.slow
def test_late_batches_raise_stockouts_and_small_batches_lower_them():
    seeds = range(8)
    on_time = _stockouts({}, ON_TIME, seeds)
    always_late = _stockouts({}, ALWAYS_LATE, seeds)
    _, low, _ = t_interval(always_late - on_time)
    assert low > 0, f"late batches: stock-outs {on_time.mean():.4f} -> {always_late.mean():.4f}"
    # the declared late shares, with and without the lever
    late = _stockouts({}, {}, seeds)
    agile = _stockouts({"small_batch_replenishment": {}}, {}, seeds)
    _, _, high = t_interval(agile - late)
    assert high < 0, f"small batches: stock-outs {late.mean():.4f} -> {agile.mean():.4f}"
