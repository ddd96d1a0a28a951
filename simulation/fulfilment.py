"""Fulfilment and transit: stock allocation, parcel schedules, arrivals, losses, backorders.

Reads: warehouses' stock, capacity and processing days, shipping modes' transit days, cost and
loss (with the multimodal, route-optimisation and overseas-warehouse levers' factors and the
logistics shocks), customs delays, ``max_backorder_days``, ``loss_trust_penalty``. Writes:
order states and timelines, DELIVERED, LOST, CHARGEBACK and CANCELLED counts, the days from
payment to the end state of delivered and of lost parcels (DELIVERY_DAYS, LOST_DAYS), refunds,
trust lost by buyers of lost or cancelled parcels.

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

_IN_TRANSIT_BY_STATE = np.isin(np.arange(len(OrderState)), IN_TRANSIT)
"""Lookup table state -> in transit (one indexing instead of ``np.isin`` every day)."""

TIMELINE = ("t_ship", "t_customs_in", "t_customs_out", "t_arrive")
"""Order-book columns of a parcel's timeline: its state changes only on reaching one of them."""

_NO_ROWS = np.zeros(0, dtype=np.int64)
"""No order rows (read only)."""
_NO_ROWS.flags.writeable = False

FEW_PARCELS = 8
"""Up to this many parcels in transit, :func:`advance_parcels` steps them in a plain loop."""

SMALL_ALLOCATION = 64
"""Up to this many waiting orders, :func:`fifo_allocate` serves them in a plain loop."""

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
    if n <= SMALL_ALLOCATION:  # few orders: one pass in FIFO order is cheapest
        served_list = [False] * n
        left = stock.tolist()
        for i, prod in enumerate(products[: max(0, int(capacity))].tolist()):
            if left[prod] > 0:
                left[prod] -= 1
                served_list[i] = True
        served = np.array(served_list, dtype=bool)
        return served, (np.arange(n) < max(0, int(capacity))) & ~served
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
    customs_days: float | np.ndarray,
    cross_border: bool | np.ndarray,
    international_leg_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Timeline of parcels picked on ``day``.

    A cross-border parcel spends ``international_leg_share`` of its transit before customs
    and the rest after. ``cross_border`` is per parcel, or one bool for all (then the other
    branch is not computed; the times are the same).

    Returns:
        (t_ship, t_customs_in, t_customs_out, t_arrive); for domestic parcels the customs
        times equal the arrival time.
    """
    transit_days = np.asarray(transit_days, dtype=float)
    if isinstance(cross_border, bool):
        t_ship = np.broadcast_to(day + np.asarray(processing_days, dtype=float),
                                 transit_days.shape).copy()
        if not cross_border:
            t_cin = t_ship + transit_days
            return t_ship, t_cin, t_cin + 0.0, t_cin
        t_cin = t_ship + international_leg_share * transit_days
        t_cout = t_cin + customs_days
        return t_ship, t_cin, t_cout, t_cout + (1 - international_leg_share) * transit_days
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


def parcel_state(day: float, t_ship: float, t_cin: float, t_cout: float, t_arrive: float,
                 cross_border: bool) -> int:
    """:func:`transit_state` of one parcel, with plain floats (cheaper for a few parcels).

    >>> t = (2.0, 4.0, 6.0, 7.0)
    >>> [parcel_state(d, *t, True) for d in range(1, 9)] == transit_state(
    ...     np.arange(1, 9)[:, None], *[np.full((8, 1), x) for x in t], True)[:, 0].tolist()
    True
    """
    if day >= t_arrive:
        return OrderState.DELIVERED
    if cross_border and t_cin <= day < t_cout:
        return OrderState.CUSTOMS
    return OrderState.SHIPPED if day >= t_ship else OrderState.PICKED


def days_to_end(t_created: np.ndarray, t_end: np.ndarray) -> np.ndarray:
    """Days from payment to a parcel's end state (door, or found lost): what delivery metrics sum.

    An order is paid on the day it is created; its end state comes at its timeline's last
    point, ``t_arrive`` (a lost parcel is found lost and refunded then).

    >>> days_to_end(np.array([3, 10]), np.array([12.5, 40.0])).tolist()
    [9.5, 30.0]
    """
    return np.asarray(t_end, dtype=float) - t_created


def fulfilment_and_transit_phase(model: MarketModel, day: int) -> None:
    """Phase 'fulfilment and transit': warehouses pick and ship; parcels move on."""
    pick_all(model)
    advance_parcels(model)


def pick_all(model: MarketModel) -> None:
    """Every warehouse picks, in creation order (the order ``model.warehouses.do`` uses).

    The paid orders are found once for all warehouses (and not at all when no order has been
    created since every warehouse last found its backlog empty); each warehouse then takes
    those still paid and assigned to it when its turn comes (an overseas warehouse may hand
    orders back to its seller's hub, which has already picked today: they wait for tomorrow
    either way).
    """
    book = model.orders
    warehouses = model.warehouse_list
    created = book.created
    for wh in warehouses:
        if wh.backlog_clear_at != created:
            break
    else:  # no order since every backlog was last found empty: nothing waits anywhere
        for wh in warehouses:
            wh.pick(_NO_ROWS)
        return
    paid = (book["state"] == OrderState.PAID).nonzero()[0]
    if len(paid) == 0:
        for wh in warehouses:
            wh.pick(paid)
        return
    for i, wh in enumerate(warehouses):
        mine = book["warehouse"][paid] == wh.index
        if i:  # earlier warehouses may have picked or cancelled some
            mine &= book["state"][paid] == OrderState.PAID
        wh.pick(paid[mine])


def advance_parcels(model: MarketModel) -> None:
    """Move parcels along their timelines; handle arrivals (delivered, lost, charged back).

    A parcel's state is a step function of the day that changes only at its timeline's
    points, so on a day before every warehouse's next such point
    (``Warehouse.next_parcel_event``) no state changes and there is nothing to do.
    """
    book = model.orders
    day = model.steps
    warehouses = model.warehouse_list
    for wh in warehouses:
        if day >= wh.next_parcel_event:
            break
    else:
        return
    p = model.params
    rows = _IN_TRANSIT_BY_STATE[book["state"]].nonzero()[0]
    if len(rows) == 0:
        for wh in warehouses:
            wh.next_parcel_event = np.inf
        return
    if len(rows) <= FEW_PARCELS:
        arriving = _advance_few(model, rows, day)
        if not arriving:
            return
        arr = np.array(arriving, dtype=np.int64)
    else:
        cross = ~book["local"][rows]
        timeline = np.stack([book[c][rows] for c in TIMELINE])
        new = transit_state(day, *timeline, cross)
        arrived = new == OrderState.DELIVERED
        still = ~arrived
        book["state"][rows[still]] = new[still]
        _set_next_parcel_events(model, rows, timeline, still, day)
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
        count(model, s[lost], r[lost], Counter.LOST_DAYS,
              days_to_end(book["t_created"][lo], book["t_arrive"][lo]))
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
        days = days_to_end(book["t_created"][de], book["t_arrive"][de])
        if len(de) == 1:  # one cell, one addition each (what np.add.at would do)
            cell = model.counters[s[ok][0], r[ok][0]]
            cell[Counter.DELIVERED] += 1.0
            cell[Counter.DELIVERY_DAYS] += days[0]
            if book["local"][de[0]]:
                cell[Counter.LOCAL_DELIVERED] += 1.0
            return
        count(model, s[ok], r[ok], Counter.DELIVERED)
        count(model, s[ok], r[ok], Counter.DELIVERY_DAYS, days)
        local = book["local"][de]
        count(model, s[ok][local], r[ok][local], Counter.LOCAL_DELIVERED)


def _advance_few(model: MarketModel, rows: np.ndarray, day: int) -> list[int]:
    """:func:`advance_parcels`' state step for a few parcels, one by one (same result).

    Sets the states of parcels still in transit and the warehouses' next parcel events;
    returns the rows (in order) of those that arrive today.
    """
    book = model.orders
    warehouses = model.warehouse_list
    timelines = zip(*(book[c][rows].tolist() for c in TIMELINE),
                    (~book["local"][rows]).tolist(), strict=True)
    owners = book["warehouse"][rows].tolist() if len(warehouses) > 1 else [0] * len(rows)
    ahead = [np.inf] * len(warehouses)
    arrived = []
    moving, states = [], []
    for row, owner, (*times, cross) in zip(rows.tolist(), owners, timelines, strict=True):
        state = parcel_state(day, *times, cross)
        if state == OrderState.DELIVERED:
            arrived.append(row)
        else:
            moving.append(row)
            states.append(state)
            ahead[owner] = min([ahead[owner], *(t for t in times if t > day)])
    if moving:
        book["state"][moving] = states
    for wh, t in zip(warehouses, ahead, strict=True):
        wh.next_parcel_event = t
    return arrived


def _set_next_parcel_events(model: MarketModel, rows: np.ndarray, timeline: np.ndarray,
                            still: np.ndarray, day: int) -> None:
    """Each warehouse's next timeline point after ``day`` among parcels still in transit.

    Args:
        model: the model (its order book and warehouses).
        rows: order rows of the parcels that were in transit this morning.
        timeline: (4, len(rows)) their :data:`TIMELINE` columns.
        still: which of them are still in transit (not arrived today).
        day: today.
    """
    warehouses = model.warehouse_list
    ahead = np.where((timeline > day) & still, timeline, np.inf)
    if len(warehouses) == 1:
        warehouses[0].next_parcel_event = float(ahead.min())
        return
    nxt = np.full(len(warehouses), np.inf)
    np.minimum.at(nxt, model.orders["warehouse"][rows], ahead.min(axis=0))
    for wh, t in zip(warehouses, nxt.tolist(), strict=True):
        wh.next_parcel_event = t


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
