"""Word of mouth and referrals (fission): buyers tell friends, invitations, group buying.

Reads: ``share_rate``, ``negative_share_rate``, ``share_reach``, ``wom_touch_weight``,
``wom_trust_gain``, ``negative_wom_trust_loss``, ``referral_share_uplift``, the culture
multipliers ``share_propensity`` and ``peer_influence`` (individualism), the social graph and
each seller's referral programme: ``referral_rebate_usd`` (spec) and the viral-referral
lever's ``Mechanics.group_buy_discount`` and ``Mechanics.invite_threshold``. Writes: touches
to friends (tomorrow's perception; channel WOM_TOUCHES, with the referrer: an invitation).
What invitations lead to at checkout (groups, group price, rebates, paid from the referral
pot) is settled by :mod:`simulation.fission`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation import referral_ties
from simulation.channels import transferred_trust
from simulation.consumers import Exposures
from simulation.metrics import Counter

if TYPE_CHECKING:
    from simulation.consumers import ConsumerPopulation
    from simulation.model import MarketModel
    from simulation.network import SocialGraph
    from simulation.referral_ties import ReferralTies
    from simulation.sellers import Seller

WOM_CHANNEL = int(Counter.WOM_TOUCHES)


@dataclass(frozen=True)
class ReferralProgrammes:
    """Each seller's referral programme (arrays over sellers)."""

    active: np.ndarray  # bool: the seller pays a referral rebate
    rebate_usd: np.ndarray  # rebate per referred first order
    group_buy_discount: np.ndarray  # price cut for an invited first-time buyer
    invite_threshold: np.ndarray  # ties a buyer needs to invite (and earn rebates)

    @classmethod
    def of(cls, sellers: Sequence[Seller]) -> ReferralProgrammes:
        """The programmes of ``sellers``, in seller order."""
        return cls(
            active=np.array([s.spec.referral_rebate_usd > 0 for s in sellers]),
            rebate_usd=np.array([s.spec.referral_rebate_usd for s in sellers]),
            group_buy_discount=np.array([s.mech.group_buy_discount for s in sellers]),
            invite_threshold=np.array([s.mech.invite_threshold for s in sellers]),
        )


def spread(model: MarketModel, consumers: np.ndarray, sellers: np.ndarray,
           satisfaction: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    """Reviewed buyers tell friends; only buyers with enough ties invite (and earn rebates).

    A programme whose referral pot in the buyer's region cannot pay is paused: no rebate to
    earn, hence no extra sharing and no invitation (a dry pot must not keep raising sharing
    for free; the group price is withheld at checkout the same way).
    """
    programmes = model.referrals
    paying = model.fission.running()[sellers, model.population.region[consumers]]
    inviting = programmes.active[sellers] & paying & (
        model.degree[consumers] >= programmes.invite_threshold[sellers])
    return share(model.population, consumers, sellers, satisfaction, inviting, model.graph,
                 model.exposures, rng, ties=model.fission.ties)


def online_friends(pop: ConsumerPopulation, src: np.ndarray, nbr: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The (source, friend) pairs whose friend is online (offline friends get no touch).

    Simulating online consumers only, a friend is online with the region's internet share
    (as in the full population), drawn here.
    """
    if pop.friend_online_share is None:
        online = pop.online[nbr]
    else:
        online = rng.random(len(nbr)) < pop.friend_online_share[pop.region[nbr]]
    if not online.all():
        src, nbr = src[online], nbr[online]
    return src, nbr


def share(
    pop: ConsumerPopulation,
    consumers: np.ndarray,
    sellers: np.ndarray,
    satisfaction: np.ndarray,
    referral_active: np.ndarray,
    graph: SocialGraph,
    exposures: Exposures,
    rng: np.random.Generator,
    ties: ReferralTies | None = None,
) -> tuple[int, int]:
    """Buyers tell friends: the satisfied share, the unhappy warn.

    Referral rebates raise sharing; a sharer in a programme invites the friends she expects
    to want the product, and friends she once referred to the seller hear her again
    (:mod:`simulation.referral_ties`; ``ties`` None: no referral ties). Touches arrive
    tomorrow through :class:`Exposures`.

    Returns:
        (positive shares, negative shares).
    """
    p = pop.params
    r = pop.region[consumers]
    happy = satisfaction >= p.satisfaction_cutoff
    boost = np.where(referral_active, 1.0 + p.referral_share_uplift, 1.0)
    p_pos = np.clip(p.share_rate * pop.culture["share_propensity"][r] * boost, 0, 1)
    p_neg = np.clip(p.negative_share_rate * pop.culture["share_propensity"][r], 0, 1)
    draw = rng.random(len(consumers))
    pos = happy & (draw < p_pos)
    neg = ~happy & (draw < p_neg)
    for mask, positive in ((pos, True), (neg, False)):
        if not mask.any():
            continue
        src_c, src_s = consumers[mask], sellers[mask]
        inviting = referral_active[mask] if positive else np.zeros(len(src_c), dtype=bool)
        src, nbr = audience(pop, graph, src_c, inviting, rng)
        src, nbr = online_friends(pop, src, nbr, rng)
        tie = np.zeros(len(src), dtype=bool)
        if ties is not None and len(ties):
            # Social enrichment: the friends she referred to this seller hear her too.
            t_src, t_nbr = referral_ties.tie_audience(ties, src_c, src_s,
                                                      p.referral_tie_reach, rng)
            new = referral_ties.without_pairs(t_src, t_nbr, src, nbr, pop.n)
            src = np.concatenate([src, t_src[new]])
            nbr = np.concatenate([nbr, t_nbr[new]])
            tie = np.concatenate([tie, np.ones(int(new.sum()), dtype=bool)])
        if len(src) == 0:
            continue
        # Map each kept tie back to the seller its sharer bought from.
        seller_of = np.zeros(pop.n, dtype=np.int64)
        seller_of[src_c] = src_s
        s = seller_of[src]
        # Trust transfers along the tie in proportion to the sharer's experience (ties are
        # unweighted: tie weight 1): her satisfaction, or for a warning her dissatisfaction.
        sat_of = np.zeros(pop.n)
        sat_of[src_c] = satisfaction[mask]
        experience = sat_of[src] if positive else 1.0 - sat_of[src]
        peer = pop.culture["peer_influence"][pop.region[nbr]]
        if positive:
            ref_on = np.zeros(pop.n, dtype=bool)
            ref_on[src_c] = referral_active[mask]
            exposures.add(
                nbr, s, attention=p.wom_touch_weight * peer,
                trust_gain=transferred_trust(experience, p.wom_trust_gain, peer),
                # a tie's later word of mouth is not a new invitation
                referrer=np.where(ref_on[src] & ~tie, src, -1), channel=WOM_CHANNEL,
            )
        else:
            exposures.add(
                nbr, s, attention=p.wom_touch_weight * peer,
                trust_loss=transferred_trust(experience, p.negative_wom_trust_loss, peer),
                channel=WOM_CHANNEL,
            )
    return int(pos.sum()), int(neg.sum())


def audience(pop: ConsumerPopulation, graph: SocialGraph, sharers: np.ndarray,
             inviting: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(sharer, friend) pairs a share reaches: random ties, or for an invitation, chosen ones.

    A feed post reaches ``share_reach`` of her ties at random; an invitation goes to ties
    chosen by the friends' match weight (better match, :mod:`simulation.referral_ties`).
    Without invitations the draws are exactly the feed rule's: the lever-free market is
    unchanged.
    """
    p = pop.params
    if not inviting.any() or p.referral_match_power == 0.0:
        return graph.sample_neighbours(sharers, p.share_reach, rng)
    inv_rows = np.flatnonzero(inviting)
    feed_rows = np.flatnonzero(~inviting)
    row_i, nbr_i = referral_ties.invited_ties(graph, sharers[inv_rows], p.share_reach,
                                              pop.affinity, p.referral_match_power, rng)
    if len(feed_rows) == 0:
        return sharers[inv_rows][row_i], nbr_i
    row_f, nbr_f = graph.sample_ties(sharers[feed_rows], p.share_reach, rng)
    return (np.concatenate([sharers[inv_rows][row_i], sharers[feed_rows][row_f]]),
            np.concatenate([nbr_i, nbr_f]))
