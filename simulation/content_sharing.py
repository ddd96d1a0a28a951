"""Content forwarding: viewers pass a seller's ads, short videos and live-streams to friends.

Social commerce spreads through shares of content, not only through buyers' recommendations
(brief: "fission"; 62% of buyers first meet a product through a friend's share, a level in
``experiments/validation/levels.yaml`` that calibration may fit). Each of today's seller
content touches (a noticed ad, a KOL post seen, a live-stream watched) is forwarded with
probability ``ad_forward_rate`` or ``content_forward_rate`` times the region's
``share_propensity`` (collectivist cultures share more, culture.py). A forward reaches each
of the forwarder's ties with probability ``share_reach``; offline friends are reached by no
channel, while messaging-only users are (a forward travels along ties, not platforms). The
friend gets a touch the same day, tallied as word of mouth (a friend's share, no invitation):
attention ``wom_touch_weight`` and trust ``forward_trust_gain`` x the forwarder's trust in
the seller, both times peer influence. Forwards are not forwarded again (one hop: an
assumption that keeps cascades bounded; the social graph's clustering makes further hops
mostly reach the same friends).

Reads: the touches queued today (``Exposures.touches_of``), the social graph, the
parameters above. Writes: word-of-mouth touches to today's queue. Stream: ``forwarding``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.advertising import AD_CHANNEL
from simulation.channels import transferred_trust
from simulation.kols import KOL_CHANNEL
from simulation.live_commerce import LIVE_CHANNEL
from simulation.word_of_mouth import WOM_CHANNEL, online_friends

if TYPE_CHECKING:
    from simulation.model import MarketModel

FORWARDABLE = (AD_CHANNEL, KOL_CHANNEL, LIVE_CHANNEL)
"""Channels whose touches can be forwarded: the seller's own paid content."""


def forward_probability(channel: np.ndarray, share_propensity: np.ndarray, ad_rate: float,
                        content_rate: float) -> np.ndarray:
    """Chance each touch is forwarded: the channel's rate times the culture's propensity.

    >>> forward_probability(np.array([AD_CHANNEL, KOL_CHANNEL]), np.array([1.0, 1.5]),
    ...                     0.01, 0.02).round(6).tolist()
    [0.01, 0.03]
    """
    rate = np.where(np.asarray(channel) == AD_CHANNEL, ad_rate, content_rate)
    return np.clip(rate * np.asarray(share_propensity, dtype=float), 0.0, 1.0)


def forwarding_phase(model: MarketModel, day: int) -> None:
    """Phase 'content forwarding': some of today's content touches are passed to friends."""
    p = model.params
    if p.ad_forward_rate <= 0 and p.content_forward_rate <= 0:
        return
    consumer, seller, channel = model.exposures.touches_of(FORWARDABLE)
    if len(consumer) == 0:
        return
    pop = model.population
    rng = model.streams.forwarding
    region = pop.region[consumer]
    prob = forward_probability(channel, pop.culture["share_propensity"][region],
                               p.ad_forward_rate, p.content_forward_rate)
    fwd = rng.random(len(consumer)) < prob
    if not fwd.any():
        return
    src_c, src_s = consumer[fwd], seller[fwd]
    row, friend = model.graph.sample_ties(src_c, p.share_reach, rng)
    row, friend = online_friends(pop, row, friend, rng)
    if len(row) == 0:
        return
    peer = pop.culture["peer_influence"][pop.region[friend]]
    forwarder, s = src_c[row], src_s[row]
    model.exposures.add(
        friend, s, attention=p.wom_touch_weight * peer,
        trust_gain=transferred_trust(pop.trust[forwarder, s], p.forward_trust_gain, peer),
        channel=WOM_CHANNEL,
    )
