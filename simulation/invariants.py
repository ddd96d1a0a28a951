"""Invariants of a running model, checked by the tests and available to users for debugging.

:func:`check_invariants` raises :class:`InvariantError` naming the first broken rule. The
rules are the model's accounting identities: every order in exactly one state and none lost,
one open order per buying consumer, stock never negative, books that balance, rates in
[0, 1].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.consumers import Stage
from simulation.metrics import RATE_METRICS, Counter
from simulation.orders import N_STATES, TERMINAL, OrderState

if TYPE_CHECKING:
    from simulation.model import MarketModel


class InvariantError(AssertionError):
    """A model invariant does not hold."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InvariantError(message)


def check_invariants(model: MarketModel, rel_tol: float = 1e-9) -> None:
    """Raise InvariantError if any accounting identity of ``model`` is broken."""
    book = model.orders
    state = book["state"]
    _require(bool(((state >= 0) & (state < N_STATES)).all()), "order with an unknown state")
    _require(int(book.state_counts().sum()) == book.created,
             f"orders lost: {int(book.state_counts().sum())} accounted of {book.created}")
    _require(len(np.unique(book["id"])) == len(book), "an order appears twice")

    fraud = book["fraud"]
    _require(bool((book["consumer"][fraud] == -1).all()), "fraud order tied to a consumer")
    _require(bool((book["consumer"][~fraud] >= 0).all()), "legitimate order without consumer")
    picked = np.isin(state, [OrderState.PICKED, OrderState.SHIPPED, OrderState.CUSTOMS,
                             OrderState.DELIVERED, OrderState.REVIEWED])
    _require(bool((book["t_arrive"][picked] >= book["t_ship"][picked]).all()),
             "parcel arrives before it ships")
    _require(bool((book["t_ship"][picked] >= book["t_created"][picked]).all()),
             "parcel ships before it is paid")

    pop = model.population
    open_legit = ~TERMINAL[state] & ~fraud
    per_consumer = np.bincount(book["consumer"][open_legit].astype(np.int64),
                               minlength=pop.n)
    _require(int(per_consumer.max(initial=0)) <= 1, "a consumer has two open orders")
    busy = np.isin(pop.stage, [Stage.BUYING, Stage.SHARING])
    _require(bool(np.array_equal(busy, per_consumer == 1)),
             "buying/sharing consumers and open orders disagree")
    _require(int(pop.orders.sum()) == int(model.counters[:, :, Counter.PAID].sum()),
             "consumer order counts and paid-order counter disagree")
    _require(bool(np.array_equal(pop.customer, pop.orders.sum(axis=1) > 0)),
             "customer flags and order counts disagree")
    _require(bool(((pop.trust >= 0) & (pop.trust <= 1)).all()), "trust outside [0, 1]")
    _require(bool((pop.attention >= 0).all()), "negative attention")

    for wh in model.warehouse_list:
        _require(bool((wh.stock >= 0).all()), f"negative stock at warehouse {wh.index}")
        _require(all((q >= 0).all() for _, q in wh.pipeline), "negative replenishment")

    ledger = model.ledger
    profit = ledger.profit().sum(axis=1)
    equity = ledger.assets() - ledger.opening_capital
    scale = max(1.0, float(np.abs(ledger.accounts).sum()))
    _require(bool(np.allclose(equity, profit, rtol=0, atol=rel_tol * scale * 10)),
             f"books do not balance: assets - capital {equity} vs profit {profit}")
    pending = sum(pr.pending_usd for pr in model.provider_list)
    _require(abs(pending - float(ledger.receivables.sum())) <= rel_tol * scale * 10,
             "receivables differ from what providers owe")

    c = model.counters
    _require(bool((c >= -1e-9).all()), "negative counter")
    _require(bool((c[..., Counter.DELIVERED] <= c[..., Counter.SHIPPED]).all()),
             "more delivered than shipped")
    resolved = c[..., Counter.DELIVERED] + c[..., Counter.LOST]
    _require(bool((resolved <= c[..., Counter.LEGIT_SHIPPED]).all()),
             "more legitimate parcels delivered or lost than shipped")
    _require(bool((c[..., Counter.LEGIT_SHIPPED] <= c[..., Counter.SHIPPED]).all()),
             "more legitimate parcels shipped than parcels")
    for name in RATE_METRICS:
        v = np.asarray(model.latest["by_region"][name])
        ok = np.isnan(v) | ((v >= 0) & (v <= 1))
        _require(bool(ok.all()), f"{name} outside [0, 1]: {v[~ok]}")
