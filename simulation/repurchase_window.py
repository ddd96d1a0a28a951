"""Repurchase within a fixed window after the first order (measurement only, no behaviour).

Customers recruited late in a run have fewer days left to buy again, so a repurchase rate
over the whole horizon compares unequal observation times (right censoring): referred
customers, who need a buyer to invite them first, look less loyal than they are. Schmitt,
Skiera & Van den Bulte (2011, J. Marketing 75(1)) compare customers over equal windows
(they control for tenure). This module does the same: a customer of a seller *qualifies*
once her first order with the seller is ``repurchase_window_days`` (W) old, and counts as
a *repeater* if her second order came at most W days after the first.

Each (consumer, seller) pair's first and second paid-order days are recorded at checkout;
on day t the pairs whose first order was on day t - W mature and are counted into the
WINDOW_* counters of their (seller, region), so a day's cumulative counters hold exactly
the customers whose first order was at least W days before that day. The metrics
``referred_repurchase_rate_window`` and ``other_repurchase_rate_window`` divide them
(:mod:`simulation.metrics`); nothing in the model reads them to act.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.metrics import Counter, count, ratio

if TYPE_CHECKING:
    from simulation.model import MarketModel

NO_DAY = -1
"""Day recorded for an order that has not happened (first or second order)."""


# --- pure functions ------------------------------------------------------------------------

@dataclass(frozen=True)
class WindowCounts:
    """Qualified customers and those who bought again within the window, per arm."""

    referred_qualified: int
    referred_repeaters: int
    other_qualified: int
    other_repeaters: int

    @property
    def referred_rate(self) -> float:
        """Referred repeaters / referred qualified customers (NaN if none qualifies)."""
        return float(ratio(self.referred_repeaters, self.referred_qualified))

    @property
    def other_rate(self) -> float:
        """Other repeaters / other qualified customers (NaN if none qualifies)."""
        return float(ratio(self.other_repeaters, self.other_qualified))


def repeated_within(first_day: np.ndarray, second_day: np.ndarray, window: int) -> np.ndarray:
    """True where a second order came at most ``window`` days after the first.

    >>> repeated_within(np.array([10, 10, 10, 10]), np.array([-1, 11, 100, 101]), 90).tolist()
    [False, True, True, False]
    """
    first_day = np.asarray(first_day)
    second_day = np.asarray(second_day)
    return (second_day != NO_DAY) & (second_day - first_day <= window)


def window_counts(first_day: np.ndarray, second_day: np.ndarray, referred: np.ndarray,
                  end_day: int, window: int) -> WindowCounts:
    """Window repurchase over an order history that ends on ``end_day`` (the last day run).

    A customer (one entry: first and second paid-order day with one seller, ``NO_DAY`` for
    none) qualifies if her first order was at least ``window`` days before ``end_day``; she
    repeats if her second order came at most ``window`` days after the first. ``referred``
    marks customers whose first order was an invited buyer's.

    >>> c = window_counts(np.array([0, 5, 50, -1]), np.array([3, -1, 60, -1]),
    ...                   np.array([True, False, False, False]), end_day=60, window=10)
    >>> (c.referred_qualified, c.referred_repeaters, c.other_qualified, c.other_repeaters)
    (1, 1, 1, 0)
    """
    first_day = np.asarray(first_day)
    referred = np.asarray(referred, dtype=bool)
    qualified = (first_day != NO_DAY) & (end_day - first_day >= window)
    repeated = qualified & repeated_within(first_day, second_day, window)
    return WindowCounts(
        referred_qualified=int((qualified & referred).sum()),
        referred_repeaters=int((repeated & referred).sum()),
        other_qualified=int((qualified & ~referred).sum()),
        other_repeaters=int((repeated & ~referred).sum()),
    )


# --- state and phase work ------------------------------------------------------------------

class RepurchaseWindow:
    """First and second paid-order day per (consumer, seller), and their maturing into counters.

    Args:
        n_consumers: simulated consumers.
        n_sellers: sellers.
        window: W, days (``repurchase_window_days``).
    """

    def __init__(self, n_consumers: int, n_sellers: int, window: int) -> None:
        self.window = int(window)
        self.first_day = np.full((n_consumers, n_sellers), NO_DAY, dtype=np.int32)
        self.second_day = np.full((n_consumers, n_sellers), NO_DAY, dtype=np.int32)
        # day -> (consumers, sellers) of that day's first orders, kept until they mature, so
        # maturing a cohort does not scan every (consumer, seller) pair each day
        self._cohorts: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def record(self, consumers: np.ndarray, sellers: np.ndarray, first: np.ndarray,
               second: np.ndarray, day: int) -> None:
        """Note today's paid first and second orders with each seller (one per consumer)."""
        c, s = consumers[first], sellers[first]
        self.first_day[c, s] = day
        self.second_day[consumers[second], sellers[second]] = day
        if len(c):
            old = self._cohorts.get(day)
            self._cohorts[day] = (c, s) if old is None else (
                np.concatenate([old[0], c]), np.concatenate([old[1], s]))

    def mature(self, model: MarketModel, day: int) -> None:
        """Count the customers whose first order is ``window`` days old today (after checkout).

        Their second order, if any within the window, is already recorded (it came on a day
        up to today). Referred customers are those of ``model.fission.referred_customer``.
        """
        pairs = self._cohorts.pop(day - self.window, None)
        if pairs is None:
            return
        c, s = pairs
        r = model.population.region[c].astype(np.int64)
        count(model, s, r, Counter.WINDOW_FIRST)
        referred = model.fission.referred_customer[c, s]
        repeated = repeated_within(self.first_day[c, s], self.second_day[c, s], self.window)
        if referred.any():
            count(model, s[referred], r[referred], Counter.WINDOW_REFERRED_FIRST)
        if repeated.any():
            count(model, s[repeated], r[repeated], Counter.WINDOW_REPEATERS)
            both = repeated & referred
            if both.any():
                count(model, s[both], r[both], Counter.WINDOW_REFERRED_REPEATERS)
