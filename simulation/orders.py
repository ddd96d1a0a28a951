"""The order book: every order's lifecycle state and timestamps, stored column-wise.

Orders are not agents; they are rows. A day's transitions are vectorised over the rows whose
due day has come. Terminal orders are folded into per-state totals every so often
(:meth:`OrderBook.compact`) so memory stays bounded at scale, and every order ever created is
accounted for exactly once: ``len(active) + sum(folded) == created``.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class OrderState(IntEnum):
    """Lifecycle states. An order is in exactly one of them."""

    ABANDONED = 0  # checkout abandoned (terminal)
    DECLINED = 1  # blocked by fraud screening, fraudulent or not (terminal)
    PAID = 2  # paid, waiting to be picked (backorder if stock is out)
    PICKED = 3  # picked and packed, waiting for the carrier
    SHIPPED = 4  # in transit
    CUSTOMS = 5  # held at customs
    DELIVERED = 6  # delivered, review and return decision pending
    REVIEWED = 7  # review stage done, return window open
    LOST = 8  # lost in transit, refunded (terminal)
    RETURNED = 9  # returned and refunded (terminal)
    KEPT = 10  # kept (terminal)
    CANCELLED = 11  # backorder timed out, refunded (terminal)
    CHARGEBACK = 12  # fraudulent order that passed screening, charged back (terminal)


TERMINAL = np.array(
    [s in {OrderState.ABANDONED, OrderState.DECLINED, OrderState.LOST, OrderState.RETURNED,
           OrderState.KEPT, OrderState.CANCELLED, OrderState.CHARGEBACK} for s in OrderState]
)
N_STATES = len(OrderState)

_COLUMNS: dict[str, type] = {
    "id": np.int64,
    "consumer": np.int32,  # -1 for a fraudster's order
    "seller": np.int16,
    "product": np.int16,  # index into the seller's product list
    "region": np.int16,
    "provider": np.int16,
    "warehouse": np.int32,  # index into model warehouses; -1 until picked
    "mode": np.int8,  # shipping mode index; -1 for local delivery
    "state": np.int8,
    "value": np.float64,  # USD the seller books as revenue (after discounts)
    "unit_cost": np.float64,  # USD cost of goods
    "t_created": np.int32,
    "t_ship": np.float64,  # handed to the carrier
    "t_customs_in": np.float64,  # reaches customs (cross-border) or equals t_arrive
    "t_customs_out": np.float64,
    "t_arrive": np.float64,  # delivered, or found lost
    "t_review": np.float64,  # review and return decision
    "returning": np.bool_,  # the buyer decided to return it
    "lost": np.bool_,
    "fraud": np.bool_,
    "stockout": np.bool_,  # met an empty shelf at least once
    "local": np.bool_,  # fulfilled inside the region (local return possible)
    "kol": np.int32,  # KOL credited with the sale, -1 if none
    "referrer": np.int32,  # consumer who referred the buyer, -1 if none
    "uncertainty": np.float32,  # buyer's product uncertainty about the seller at purchase
}

_DEFAULTS: dict[str, int] = {"warehouse": -1, "mode": -1, "kol": -1, "referrer": -1,
                             "uncertainty": 1}  # 1: the top of the scale, nothing seen
"""Value of a column an append leaves unspecified (0 for columns not listed)."""

_COLUMN_NAMES = frozenset(_COLUMNS)


def _blank(size: int, name: str, dtype: type) -> np.ndarray:
    """A column of ``size`` default values (zeros come from calloc: no set-up cost)."""
    default = _DEFAULTS.get(name, 0)
    return np.zeros(size, dtype=dtype) if default == 0 else np.full(size, default, dtype=dtype)


class OrderBook:
    """Column store of orders with amortised appends and periodic compaction."""

    def __init__(self, capacity: int = 1024) -> None:
        self._cap = max(16, capacity)
        self._n = 0
        # Rows from _n on always hold the column defaults, so an append writes only the
        # columns it is given (growth and compaction keep this true).
        self._cols = {k: _blank(self._cap, k, t) for k, t in _COLUMNS.items()}
        self.created = 0
        self.folded = np.zeros(N_STATES, dtype=np.int64)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> np.ndarray:
        return self._cols[name][: self._n]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        self._cols[name][: self._n] = value

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the stored columns."""
        return tuple(_COLUMNS)

    def append(self, n: int, **values: np.ndarray | float | int) -> np.ndarray:
        """Add ``n`` orders; unspecified columns get their defaults. Returns their row indices."""
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        if not values.keys() <= _COLUMN_NAMES:
            raise KeyError(f"unknown order columns {sorted(set(values) - _COLUMN_NAMES)}")
        lo, need = self._n, self._n + n
        cols = self._cols
        if need > self._cap:
            new_cap = max(need, 2 * self._cap)
            for k, col in cols.items():
                grown = _blank(new_cap, k, col.dtype)
                grown[:lo] = col[:lo]
                cols[k] = grown
            self._cap = new_cap
        for k, v in values.items():
            cols[k][lo:need] = v
        cols["id"][lo:need] = np.arange(self.created, self.created + n)
        self._n = need
        self.created += n
        return np.arange(lo, need)

    def state_counts(self) -> np.ndarray:
        """Orders ever created, by state (active plus folded)."""
        return np.bincount(self["state"], minlength=N_STATES) + self.folded

    def backlog_by_warehouse(self, n_warehouses: int) -> np.ndarray:
        """Paid orders waiting to be picked, per warehouse index."""
        waiting = self["state"] == OrderState.PAID
        return np.bincount(self["warehouse"][waiting], minlength=n_warehouses)[:n_warehouses]

    def compact(self) -> int:
        """Fold terminal orders into :attr:`folded` and drop their rows. Returns rows dropped."""
        state = self["state"]
        done = TERMINAL[state]
        dropped = int(done.sum())
        if dropped == 0:
            return 0
        self.folded += np.bincount(state[done], minlength=N_STATES)
        keep = ~done
        m = int(keep.sum())
        for k, col in self._cols.items():
            col[:m] = col[: self._n][keep]
            col[m : self._n] = _DEFAULTS.get(k, 0)
        self._n = m
        return dropped
