"""Abandoned-cart reminders (CRM): a seller brings back some consumers who left its checkout.

Reads: each seller's ``Mechanics.cart_reminder_share`` (set by the precision-targeting lever:
the usable share of its first-party data, so the share of abandoners it may contact),
``cart_reminder_return_rate``, ``cart_reminder_window_days``, ``min_days_between_purchases``,
consumers' stage and last purchase. Writes: the day each reminded consumer comes back and to
which seller (a purchase occasion restricted to that seller, like a group-buy invitation:
:meth:`simulation.consumers.ConsumerPopulation.purchase_occasions`, ``invited``), and
measurement tallies (reminders sent, returns, paid orders on a return).

Mechanism. A checkout abandoned with a seller that holds usable data on the buyer (matched
and consented, what data-protection law leaves) triggers its reminder flow. With probability
``cart_reminder_return_rate`` the reminder brings her back: on a day drawn uniformly within
``cart_reminder_window_days`` after the abandonment she gets a purchase occasion limited to
that seller. Whether she then orders is the model's own choice (she must still trust the
seller; the outside option stays open) and checkout (payment coverage, abandonment): the
benchmark taken for the return rate is a click-through rate, which comes before checkout.
Reminders carry no coupon, so they cost nothing beyond the CRM the lever already pays for.

Left out: coupons and lifecycle offers (win-back, replenishment reminders), browse-abandonment
reminders, and reminders that fix the cause of the abandonment (a missing payment method
stays missing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.model import MarketModel

NO_RETURN = -1
"""Day offset of a reminded consumer who does not come back."""

UNIFORMS_PER_CART = 3
"""Uniform draws per abandoned cart: contactable, comes back, which day."""


def return_offsets(u_contact: np.ndarray, u_return: np.ndarray, u_day: np.ndarray,
                   contact_share: np.ndarray, return_rate: float, window_days: float
                   ) -> np.ndarray:
    """Days after the abandonment each consumer comes back (1..window), or -1 if not.

    Contacted where ``u_contact < contact_share``; comes back where also
    ``u_return < return_rate``; on day 1 + floor(u_day x window).

    >>> return_offsets(np.array([0.1, 0.1, 0.9, 0.1]), np.array([0.05, 0.5, 0.01, 0.01]),
    ...                np.array([0.0, 0.5, 0.5, 0.99]), np.array([0.5, 0.5, 0.5, 0.5]),
    ...                0.1, 3).tolist()
    [1, -1, -1, 3]
    """
    contacted = np.asarray(u_contact) < np.asarray(contact_share)
    back = contacted & (np.asarray(u_return) < return_rate)
    window = max(int(np.ceil(window_days)), 1)
    offset = 1 + np.minimum(np.floor(np.asarray(u_day) * window_days).astype(np.int64),
                            window - 1)
    return np.where(back, offset, NO_RETURN)


def merge_restricted(first: tuple[np.ndarray, np.ndarray] | None,
                     second: tuple[np.ndarray, np.ndarray] | None
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """Restricted occasions (consumers, sellers) of two sources; ``first`` wins a consumer.

    >>> c, s = merge_restricted((np.array([4, 7]), np.array([0, 1])),
    ...                         (np.array([7, 2]), np.array([0, 0])))
    >>> c.tolist(), s.tolist()
    ([4, 7, 2], [0, 1, 0])
    """
    if second is None or len(second[0]) == 0:
        return first
    if first is None or len(first[0]) == 0:
        return second
    fresh = ~np.isin(second[0], first[0])
    return (np.concatenate([first[0], second[0][fresh]]),
            np.concatenate([first[1], second[1][fresh]]))


class CartRecovery:
    """Pending returns of reminded consumers, by day; tallies for measurement."""

    def __init__(self, model: MarketModel) -> None:
        n_r = model.regions.n
        shares = [s.mech.cart_reminder_share for s in model.seller_list]
        self.share = np.stack([np.zeros(n_r) if x is None else np.asarray(x, dtype=float)
                               for x in shares]) if shares else np.zeros((0, n_r))  # (S, R)
        self.active = bool(self.share.any())
        self.pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.returning: tuple[np.ndarray, np.ndarray] | None = None  # today's returns
        self.reminded = 0  # measurement only: carts whose buyer got a reminder
        self.returns = 0  # measurement only: returns that became a purchase occasion
        self.recovered = 0  # measurement only: paid orders with the seller on a return

    def remind(self, model: MarketModel, consumers: np.ndarray, sellers: np.ndarray,
               regions: np.ndarray, day: int) -> None:
        """Today's abandoned checkouts: who is reminded, who comes back, and when.

        Draws nothing when no seller sends reminders (other streams are untouched anyway:
        the reminders have their own stream).
        """
        if not self.active or len(consumers) == 0:
            return
        p = model.params
        share = self.share[sellers, regions]
        u = model.streams.crm.random((UNIFORMS_PER_CART, len(consumers)))
        offset = return_offsets(u[0], u[1], u[2], share, p.cart_reminder_return_rate,
                                p.cart_reminder_window_days)
        self.reminded += int((u[0] < share).sum())
        back = offset != NO_RETURN
        if not back.any():
            return
        c, s, due = consumers[back], sellers[back], day + offset[back]
        for d in np.unique(due).tolist():
            on = due == d
            self.pending.setdefault(d, []).append((c[on], s[on]))

    def occasions(self, model: MarketModel, day: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(consumers, sellers) who come back today: rested and not in an order episode.

        Of several returns due to one consumer the first recorded wins. None when nothing is
        due (the usual case with the lever off).
        """
        self.returning = None
        due = self.pending.pop(day, None)
        if not due:
            return None
        c = np.concatenate([x[0] for x in due]).astype(np.int64)
        s = np.concatenate([x[1] for x in due]).astype(np.int64)
        _, first = np.unique(c, return_index=True)
        first.sort()
        c, s = c[first], s[first]
        ok = model.population.free_for_occasion(c, day)
        c, s = c[ok], s[ok]
        if len(c) == 0:
            return None
        self.returns += len(c)
        self.returning = (c, s)
        return self.returning

    def record_paid(self, consumers: np.ndarray, sellers: np.ndarray) -> None:
        """Measurement only: count today's paid orders that a return brought to its seller."""
        if self.returning is None or len(consumers) == 0:
            return
        rc, rs = self.returning
        n_s = max(int(self.share.shape[0]), 1)
        self.recovered += int(np.isin(np.asarray(consumers) * n_s + np.asarray(sellers),
                                      rc * n_s + rs).sum())
