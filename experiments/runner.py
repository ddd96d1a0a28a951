"""Run one market simulation and return its results as tidy tables.

This is the single entry point every experiment uses (demo, run, compare, sweeps): build the
model from a validated spec and a seed, step it to the horizon with an optional progress
callback, and collect the time series and the final summary in long format.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.model import MarketModel
from simulation.spec import MarketSpec


@dataclass
class RunResult:
    """Tables from one run.

    Attributes:
        summary: long table (seller, region, metric, value) at the horizon; 'all' rows are
            totals over sellers or regions.
        timeseries: wide table (step, region, one column per metric), cumulative to date.
        funnel: (step, region, consumers per SICAS stage).
        totals: (step, one column per metric) over all regions.
        seed: the seed the model ran with.
        timings: wall seconds for set-up and run.
    """

    summary: pd.DataFrame
    timeseries: pd.DataFrame
    funnel: pd.DataFrame
    totals: pd.DataFrame
    seed: int
    timings: dict[str, float] = field(default_factory=dict)


def summary_frame(model: MarketModel) -> pd.DataFrame:
    """The model's final summary as a long table (seller, region, metric, value)."""
    rows = [
        (seller, region, metric, value)
        for seller, by_region in model.summary().items()
        for region, metrics in by_region.items()
        for metric, value in metrics.items()
    ]
    return pd.DataFrame(rows, columns=["seller", "region", "metric", "value"])


def run_spec(
    spec: MarketSpec,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Simulate ``spec`` with ``seed`` to its horizon.

    Args:
        spec: a validated market spec.
        seed: integer seed for the model's generator (0 is a valid seed).
        progress: called with the number of days just completed (for progress bars).
    """
    t0 = time.perf_counter()
    model = MarketModel(spec, rng=int(seed))
    t1 = time.perf_counter()
    while model.running:
        model.step()
        if progress is not None:
            progress(1)
    t2 = time.perf_counter()
    dc = model.datacollector
    result = RunResult(
        summary=summary_frame(model),
        timeseries=dc.get_table_dataframe("regions"),
        funnel=dc.get_table_dataframe("funnel"),
        totals=dc.totals_frame(),
        seed=int(seed),
        timings={"setup": t1 - t0, "run": t2 - t1},
    )
    return result


def replication_seeds(master: int, n: int) -> list[int]:
    """``n`` independent replication seeds from a master seed via SeedSequence.spawn."""
    children = np.random.SeedSequence(int(master)).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
