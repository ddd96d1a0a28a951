"""Live commerce: live-streams, their impulse occasions, the live price and commissions.

Real-time interaction: a stream reaches fewer followers than a post but touches them harder
(``live_touch_weight``, ``live_trust_gain`` scaled by the KOL's credibility and cultural power
distance) and gives viewers an impulse purchase occasion (``live_impulse_rate`` x indulgence)
restricted to the streaming seller at the live price, so demand concentrates on stream days.

Reads: the stream schedule drawn by :mod:`simulation.kols` (contracts' stream rates and event
days), tiers' live view rates and the region's live-commerce habit, ``live_stream_discount``
(seller spec), the KOL commission (``kol_commission_rate`` or
``Mechanics.kol_commission_rate``). Writes: touches (channel LIVE_VIEWS), impulse occasions for
the choice phase, stream fees and commissions (marketing spend), LIVE_ORDERS. The live stock
reserve is read by replenishment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from simulation import cultural_distance
from simulation.metrics import Counter, count

LIVE_CHANNEL = int(Counter.LIVE_VIEWS)
"""Counter channel of live-stream views (a plain int: cheaper to spread over touches)."""

if TYPE_CHECKING:
    from simulation.kols import KolFeed
    from simulation.model import MarketModel
    from simulation.parameters import ModelParameters
    from simulation.sellers import Seller


class LiveCommerce:
    """Sellers' live terms (discount, commission) and the day's queue of impulse occasions."""

    def __init__(self, sellers: Sequence[Seller], params: ModelParameters) -> None:
        self.discount = np.array([s.spec.live_stream_discount for s in sellers])
        self.commission = np.array([
            s.mech.kol_commission_rate if s.mech.kol_commission_rate is not None
            else params.kol_commission_rate for s in sellers])
        self._queue: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def queue_occasions(self, consumers: np.ndarray, sellers: np.ndarray,
                        kol_ids: np.ndarray) -> None:
        """Live-stream viewers who get an impulse purchase occasion today."""
        if len(consumers):
            self._queue.append((consumers, sellers, kol_ids))

    def take_occasions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Today's impulse occasions (consumer, seller, KOL id), emptying the queue."""
        if not self._queue:
            z = np.zeros(0, np.int64)
            return z, z, z
        consumers = np.concatenate([c for c, _, _ in self._queue])
        sellers = np.concatenate([s for _, s, _ in self._queue])
        kols = np.concatenate([k for _, _, k in self._queue])
        self._queue = []
        return consumers, sellers, kols


def run_streams(model: MarketModel, feed: KolFeed, live: np.ndarray,
                rng: np.random.Generator, streaming: np.ndarray | None = None) -> np.ndarray:
    """The day's streams of contracts ``live``: viewers touched, impulse occasions.

    ``streaming`` is the same set as a mask over contracts, when the caller has it.
    Returns the stream fee of each contract in ``live``; the caller books them (with the
    day's post fees, in one posting).
    """
    p = model.params
    if streaming is None:
        who, con = feed.audience(live, feed.live_rate, rng)
    else:
        who, con = feed.audience_of(streaming, live, feed.live_rate, rng)
    misfired = cultural_distance.stream_misfires(model, feed, live)
    if len(who):
        seller = feed.seller[con] if feed.only_seller is None else feed.only_seller
        gain, loss, hit = feed.live_gain[con], 0.0, None
        if misfired is not None and misfired.any():  # backlash: viewers lose trust
            hit = misfired[con]
            gain, loss = cultural_distance.backlash(hit, gain, p.live_misfire_trust_loss)
            count(model, feed.seller[con[hit]], feed.region[con[hit]], Counter.MISFIRE_VIEWERS)
        model.exposures.add(who, seller, attention=p.live_touch_weight,
                            trust_gain=gain, trust_loss=loss, channel=LIVE_CHANNEL)
        buy = rng.random(len(who)) < feed.impulse[con]
        if hit is not None:
            buy &= ~hit  # a misfired stream sells nothing
        if np.count_nonzero(buy):
            con = con[buy]
            model.live_commerce.queue_occasions(who[buy], feed.seller[con], feed.kol_id[con])
    return feed.fee_stream[live]


def live_discount(model: MarketModel, sellers: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Price cut of each checkout: the seller's live discount on live-stream purchases."""
    return np.where(live, model.live_commerce.discount[sellers], 0.0)


def pay_commissions(model: MarketModel, sellers: np.ndarray, regions: np.ndarray,
                    values: np.ndarray, live: np.ndarray) -> None:
    """KOL commission on paid live-stream orders (marketing spend), and LIVE_ORDERS."""
    if live.any():
        commission = model.live_commerce.commission[sellers[live]] * values[live]
        model.pay_marketing(sellers[live], regions[live], commission, Counter.KOL_SPEND)
        count(model, sellers[live], regions[live], Counter.LIVE_ORDERS)
