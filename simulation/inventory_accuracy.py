"""Inventory record inaccuracy: picks that fail although the records show the item in stock.

Real out-of-stocks have a floor of execution failures that no supply cycle removes: the
record shows units that are not (findable) at the location - miscounted receipts, put-away
to the wrong bin, damage, theft (phantom inventory; DeHoratius & Raman 2008 found 65% of
retail SKU records inaccurate; Gruen, Corsten & Bharadwaj 2002 put about a quarter of retail
out-of-stocks down to in-store execution). Here each pick the records would serve fails with
probability ``phantom_stock_rate``; the order then takes the ordinary stock-out path (an
overseas warehouse falls back to the hub, the hub keeps it waiting) and counts in
``stockout_rate``.

The phantom unit is written off at unit cost: a short pick triggers a count of the location
(the usual warehouse practice), which corrects the record, so the unit leaves the stock the
policy plans with. A unit that was only misplaced and turns up later is not modelled (it
would come back as a small stock gain); writing it off keeps the records honest and the
books balanced (:meth:`simulation.ledger.Ledger.write_off`).
"""

from __future__ import annotations

import numpy as np


def phantom_picks(served: np.ndarray, draws: np.ndarray, rate: float) -> np.ndarray:
    """Which of today's served picks find no unit: served and their draw below ``rate``.

    Args:
        served: boolean mask of the orders the records can serve today.
        draws: one uniform [0, 1) variate per served order, in the order of ``served``'s
            True entries.
        rate: probability that a pick the records serve finds no unit.

    Returns:
        boolean mask over the orders (same shape as ``served``) of the failed picks.

    >>> phantom_picks(np.array([True, False, True, True]), np.array([0.3, 0.005, 0.9]), 0.01)
    array([False, False,  True, False])
    """
    failed = np.zeros(len(served), dtype=bool)
    failed[np.flatnonzero(served)] = draws < rate
    return failed


def draw_phantom_picks(served: np.ndarray, rate: float,
                       rng: np.random.Generator) -> np.ndarray:
    """Failed picks among ``served`` (all False, no draw, when ``rate`` is 0).

    At rate 0 nothing is drawn, so the model's runs are exactly those without the mechanism.

    Args:
        served: boolean mask of the orders the records can serve today.
        rate: ``phantom_stock_rate``.
        rng: the model's ``inventory_accuracy`` stream.
    """
    n = int(served.sum())
    if rate <= 0.0 or n == 0:
        return np.zeros(len(served), dtype=bool)
    return phantom_picks(served, rng.random(n), rate)
