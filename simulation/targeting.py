"""Precision targeting: who sees a seller's ads when it targets with its own customer data.

Reads: consumers' ``affinity`` (category interest) and ``trust_prop`` (disposition to trust
social-commerce recommendations), the parameter ``ad_targeting_power`` (the platform's own
interest targeting), and a seller's ``Mechanics.targeting_power`` and
``Mechanics.targeting_data_share`` (set by the precision-targeting lever). Writes: the
per-user delivery weights of an ad audience (read by :mod:`simulation.advertising`).

Mechanism. Without a seller's data, the platform delivers impressions by interest only:
weight ~ affinity^ad_targeting_power. A seller that profiles its buyers (first-party data:
past visitors and customers, matched to platform accounts) buys lookalike and custom
audiences: the platform ranks users by how much they resemble the seller's buyers. In this
model a buyer differs from a non-buyer in two consumer traits: category interest
(``affinity`` scales the purchase-occasion rate) and trust disposition (``trust_prop`` sets
whether her trust in a foreign seller clears her threshold). The buyer-likeness score is
their product, and the data audience delivers with weight ~ score^targeting_power. Only
the share of the seller's data it may use (matched and consented; less under strict data
protection) goes through the data audience; the rest of the impressions keep the
platform's default delivery. Field evidence that such targeting concentrates ads on likely
buyers: Lambrecht & Tucker 2013 (J. Marketing Research, retargeting), and that privacy
regulation removes much of it: Goldfarb & Tucker 2011 (Management Science, ad effectiveness
-65% after the EU ePrivacy Directive).

Left out: price fit and in-market timing signals, and ad retargeting of consumers who showed
interest (visits): the score is static per consumer. Reminders to consumers who abandoned a
checkout are the lever's CRM part, :mod:`simulation.cart_recovery`.
"""

from __future__ import annotations

import numpy as np


def buyer_likeness(affinity: np.ndarray, trust_prop: np.ndarray) -> np.ndarray:
    """Lookalike score of each user: category interest x trust disposition.

    >>> buyer_likeness(np.array([1.0, 2.0]), np.array([0.5, 0.25])).tolist()
    [0.5, 0.5]
    """
    return np.asarray(affinity, dtype=float) * np.asarray(trust_prop, dtype=float)


def _normalised(weights: np.ndarray) -> np.ndarray:
    """Weights scaled to sum to one (all zero stays zero)."""
    total = weights.sum()
    return weights / total if total > 0 else weights


def delivery_shares(affinity: np.ndarray, trust_prop: np.ndarray, platform_power: float,
                    data_power: float, data_share: float) -> np.ndarray:
    """Each user's share of a seller's impressions (sums to one over the audience).

    (1 - d) x affinity^p0 / sum + d x score^k / sum, with d the usable data share, p0 the
    platform's power and k the seller's power on the buyer-likeness score.

    >>> shares = delivery_shares(np.array([1.0, 3.0]), np.array([0.5, 0.5]), 1.0, 2.0, 0.5)
    >>> [round(float(x), 6) for x in shares]  # 0.5 x [0.25, 0.75] + 0.5 x [0.1, 0.9]
    [0.175, 0.825]
    """
    affinity = np.asarray(affinity, dtype=float)
    platform = _normalised(affinity ** platform_power)
    if data_share <= 0:
        return platform
    data = _normalised(buyer_likeness(affinity, trust_prop) ** data_power)
    return (1.0 - data_share) * platform + data_share * data


def usable_data_share(profiled_share: float, consent_rate: float, regulation_loss: float,
                      strictness: np.ndarray) -> np.ndarray:
    """Share of the seller's data it may use per region: profiled x consented x law's leave.

    At strictness 1 the law removes ``regulation_loss`` of it.

    >>> usable_data_share(0.5, 0.8, 0.5, np.array([0.0, 1.0])).tolist()
    [0.4, 0.2]
    """
    usable = profiled_share * consent_rate * (1.0 - regulation_loss * np.asarray(strictness))
    return np.clip(usable, 0.0, 1.0)
