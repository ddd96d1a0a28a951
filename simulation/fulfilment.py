"""Fulfilment and transit: stock allocation, parcel schedules, arrivals, losses, backorders.

Reads: warehouses' stock, capacity and processing days, shipping modes' transit days, cost and
loss (with the multimodal, route-optimisation and overseas-warehouse levers' factors and the
logistics shocks), customs delays, ``max_backorder_days``, ``loss_trust_penalty``. Writes:
order states and timelines, DELIVERED, LOST, CHARGEBACK and CANCELLED counts, refunds, trust
lost by buyers of lost or cancelled parcels.

A warehouse serves its waiting orders first-in first-out up to its daily capacity; an order
whose product is out of stock waits (backorder). A picked parcel's timeline is fixed at pick
time: ship after processing, clear customs if it crosses a border, arrive; its state on any
day is a function of that timeline (:func:`transit_state`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.ledger import Account
from simulation.metrics import Counter, count
from simulation.orders import OrderState

if TYPE_CHECKING:
    from simulation.model import MarketModel

IN_TRANSIT = np.array([OrderState.PICKED, OrderState.SHIPPED, OrderState.CUSTOMS])


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
    international_leg_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Timeline of parcels picked on ``day``.

    A cross-border parcel spends ``international_leg_share`` of its transit before customs
    and the rest after.

    Returns:
        (t_ship, t_customs_in, t_customs_out, t_arrive); for domestic parcels the customs
        times equal the arrival time.
    """
    transit_days = np.asarray(transit_days, dtype=float)
    customs = np.where(cross_border, customs_days, 0.0)
    t_ship = np.broadcast_to(day + np.asarray(processing_days, dtype=float),
                             transit_days.shape).copy()
    t_cin = np.where(cross_border, t_ship + international_leg_share * transit_days,
                     t_ship + transit_days)
    t_cout = t_cin + customs
    t_arrive = np.where(cross_border, t_cout + (1 - international_leg_share) * transit_days,
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


def fulfilment_and_transit_phase(model: MarketModel, day: int) -> None:
    """Phase 'fulfilment and transit': warehouses pick and ship; parcels move on."""
    model.warehouses.do("pick")
    advance_parcels(model)


def advance_parcels(model: MarketModel) -> None:
    """Move parcels along their timelines; handle arrivals (delivered, lost, charged back)."""
    book = model.orders
    day = model.steps
    p = model.params
    rows = np.flatnonzero(np.isin(book["state"], IN_TRANSIT))
    if len(rows) == 0:
        return
    cross = ~book["local"][rows]
    new = transit_state(
        day, book["t_ship"][rows], book["t_customs_in"][rows], book["t_customs_out"][rows],
        book["t_arrive"][rows], cross,
    )
    arrived = new == OrderState.DELIVERED
    book["state"][rows[~arrived]] = new[~arrived]
    arr = rows[arrived]
    if len(arr) == 0:
        return
    fraud = book["fraud"][arr]
    lost = book["lost"][arr] & ~fraud
    ok = ~fraud & ~lost
    s = book["seller"][arr].astype(np.int64)
    r = book["region"][arr].astype(np.int64)
    value = book["value"][arr]

    # Fraud: the goods are gone and the payment is charged back.
    cb = arr[fraud]
    if len(cb):
        book["state"][cb] = OrderState.CHARGEBACK
        model.ledger.refund(s[fraud], r[fraud], value[fraud])
        model.ledger.expense(Account.CHARGEBACKS, s[fraud], r[fraud],
                             np.full(len(cb), p.chargeback_fee_usd))

    # Lost: refund; the buyer complains and trusts the seller less.
    lo = arr[lost]
    if len(lo):
        book["state"][lo] = OrderState.LOST
        model.ledger.refund(s[lost], r[lost], value[lost])
        count(model, s[lost], r[lost], Counter.LOST)
        complains = model.streams.experience.random(len(lo)) < p.lost_parcel_review_rate
        count(model, s[lost][complains], r[lost][complains], Counter.REVIEWS)
        count(model, s[lost][complains], r[lost][complains], Counter.NEGATIVE_REVIEWS)
        consumers = book["consumer"][lo].astype(np.int64)
        model.population.lose_trust(consumers, s[lost], p.loss_trust_penalty)
        model.population.release(consumers)

    de = arr[ok]
    if len(de):
        book["state"][de] = OrderState.DELIVERED
        book["t_review"][de] = book["t_arrive"][de] + p.review_delay_days
        days = book["t_arrive"][de] - book["t_created"][de]
        count(model, s[ok], r[ok], Counter.DELIVERED)
        count(model, s[ok], r[ok], Counter.DELIVERY_DAYS, days)
        local = book["local"][de]
        count(model, s[ok][local], r[ok][local], Counter.LOCAL_DELIVERED)


def cancel_orders(model: MarketModel, rows: np.ndarray) -> None:
    """Backorders that waited too long: refund, and the buyer's trust suffers."""
    book = model.orders
    book["state"][rows] = OrderState.CANCELLED
    s = book["seller"][rows].astype(np.int64)
    r = book["region"][rows].astype(np.int64)
    model.ledger.refund(s, r, book["value"][rows])
    count(model, s, r, Counter.CANCELLED)
    legit = ~book["fraud"][rows]
    consumers = book["consumer"][rows][legit].astype(np.int64)
    model.population.lose_trust(consumers, s[legit], model.params.loss_trust_penalty)
    model.population.release(consumers)
