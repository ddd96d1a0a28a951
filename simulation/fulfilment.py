"""Fulfilment: stock allocation and parcel schedules, as pure functions of arrays.

A warehouse serves its waiting orders first-in first-out up to its daily capacity; an order
whose product is out of stock waits (backorder). A picked parcel's timeline is fixed at pick
time: ship after processing, clear customs if it crosses a border, arrive; its state on any
day is a function of that timeline (:func:`transit_state`).
"""

from __future__ import annotations

import numpy as np

from simulation.orders import OrderState

INTERNATIONAL_LEG_SHARE = 0.8
"""Share of door-to-door transit spent before customs (the rest is the domestic leg)."""


def fifo_allocate(products: np.ndarray, stock: np.ndarray, capacity: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Serve orders in the given (FIFO) order within capacity and stock.

    Args:
        products: product index of each waiting order, oldest first.
        stock: units on hand per product.
        capacity: orders the warehouse can pick today.

    Returns:
        (served, stockout) boolean masks over the orders; orders beyond capacity are neither.

    >>> s, o = fifo_allocate(np.array([0, 1, 0, 0]), np.array([1, 5]), 3)
    >>> s.tolist(), o.tolist()
    ([True, True, False, False], [False, False, True, False])
    """
    n = len(products)
    considered = np.arange(n) < max(0, int(capacity))
    served = np.zeros(n, dtype=bool)
    for p in np.unique(products[considered]):
        idx = np.flatnonzero(considered & (products == p))
        served[idx[: max(0, int(stock[p]))]] = True
    return served, considered & ~served


def schedule(
    day: float,
    processing_days: float | np.ndarray,
    transit_days: np.ndarray,
    customs_days: np.ndarray,
    cross_border: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Timeline of parcels picked on ``day``.

    Returns:
        (t_ship, t_customs_in, t_customs_out, t_arrive); for domestic parcels the customs
        times equal the arrival time.
    """
    transit_days = np.asarray(transit_days, dtype=float)
    customs = np.where(cross_border, customs_days, 0.0)
    t_ship = np.broadcast_to(day + np.asarray(processing_days, dtype=float),
                             transit_days.shape).copy()
    t_cin = np.where(cross_border, t_ship + INTERNATIONAL_LEG_SHARE * transit_days,
                     t_ship + transit_days)
    t_cout = t_cin + customs
    t_arrive = np.where(cross_border, t_cout + (1 - INTERNATIONAL_LEG_SHARE) * transit_days,
                        t_cin)
    return t_ship, t_cin, t_cout, t_arrive


def transit_state(day: float, t_ship, t_cin, t_cout, t_arrive, cross_border) -> np.ndarray:
    """State of picked parcels on ``day``: PICKED, SHIPPED, CUSTOMS, or DELIVERED on arrival.

    Lost parcels are told apart by the caller at arrival.

    >>> transit_state(5.0, np.array([2.0]), np.array([4.0]), np.array([6.0]), np.array([7.0]),
    ...               np.array([True])).tolist()
    [5]
    """
    state = np.full(np.shape(t_ship), OrderState.PICKED, dtype=np.int8)
    state[day >= t_ship] = OrderState.SHIPPED
    state[cross_border & (day >= t_cin) & (day < t_cout)] = OrderState.CUSTOMS
    state[day >= t_arrive] = OrderState.DELIVERED
    return state
