"""Reviews and returns: what buyers make of what arrived, and the return window.

Reads: product quality, delivery days against ``patience_days`` (weighted by cultural risk
aversion), ``review_delay_days``, ``review_rate``, return norms of the region, local versus
cross-border returns (overseas warehouse), return costs. Writes: REVIEWS and
NEGATIVE_REVIEWS (the public rating), RETURNED or KEPT orders, refunds and return handling,
restocked local returns, consumers' trust after experience; then word of mouth
(:mod:`simulation.word_of_mouth`) carries the experience to friends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation import word_of_mouth
from simulation.ledger import Account
from simulation.metrics import Counter, count
from simulation.orders import OrderState

if TYPE_CHECKING:
    from simulation.model import MarketModel

AWAITING_REVIEW_OR_RETURN = np.array(
    [s in (OrderState.DELIVERED, OrderState.REVIEWED) for s in OrderState])
"""By order state: delivered (review due) or reviewed (return window open); one table
lookup finds both kinds of the phase's work."""


def review_and_return(model: MarketModel, day: int | None = None) -> None:
    """Phase 'reviews, returns and sharing': close return windows, review, share."""
    book = model.orders
    day = model.steps

    # One scan finds both kinds of work: return windows that close today (REVIEWED) and
    # deliveries due for review (DELIVERED). Closing windows does not touch delivered rows.
    state = book["state"]
    waiting = AWAITING_REVIEW_OR_RETURN[state].nonzero()[0]
    if len(waiting) == 0:
        return
    p = model.params
    pop = model.population
    t_review = book["t_review"][waiting]
    reviewed = state[waiting] == OrderState.REVIEWED
    closing = waiting[reviewed & (t_review < day)]
    due = waiting[~reviewed & (t_review <= day)]
    if len(closing):
        ret = book["returning"][closing]
        s = book["seller"][closing].astype(np.int64)
        r = book["region"][closing].astype(np.int64)
        rows = closing[ret]
        book["state"][rows] = OrderState.RETURNED
        book["state"][closing[~ret]] = OrderState.KEPT
        count(model, s[ret], r[ret], Counter.RETURNS)
        count(model, s[~ret], r[~ret], Counter.KEPT)
        if len(rows):
            sr, rr = s[ret], r[ret]
            model.ledger.refund(sr, rr, book["value"][rows])
            local = book["local"][rows]
            cost = np.where(local, p.local_return_cost_usd, p.cross_border_return_cost_usd)
            model.ledger.expense(Account.RETURNS_HANDLING, sr, rr, cost)
            # Local returns go back on the shelf; cross-border returns are not worth shipping.
            for w in np.unique(book["warehouse"][rows][local]).tolist():
                sel = local & (book["warehouse"][rows] == w)
                model.ledger.restock(sr[sel], rr[sel], book["unit_cost"][rows][sel])
                model.warehouse_list[w].restock_returns(book["product"][rows][sel].astype(np.int64))
        pop.release(book["consumer"][closing].astype(np.int64))

    if len(due) == 0:
        return
    c = book["consumer"][due].astype(np.int64)
    s = book["seller"][due].astype(np.int64)
    r = book["region"][due].astype(np.int64)
    quality = model.quality_of(s, book["product"][due].astype(np.int64))
    days = book["t_arrive"][due] - book["t_created"][due]
    local = book["local"][due]
    rng = model.streams.experience
    product = book["product"][due].astype(np.int64)
    claimed = model.claimed_quality_of(s, product) if model.claims_inflated else None
    out = pop.review(c, s, quality, days, local, model.regions.return_rate_norm[r], rng,
                     uncertainty=book["uncertainty"][due], claimed=claimed)
    book["state"][due] = OrderState.REVIEWED
    book["returning"][due] = out.returned
    count(model, s[out.reviewed], r[out.reviewed], Counter.REVIEWS)
    count(model, s[out.negative], r[out.negative], Counter.NEGATIVE_REVIEWS)
    word_of_mouth.spread(model, c, s, out.satisfaction, rng)
