"""Checkout: payment-method coverage, abandonment and fraud screening, as pure functions.

Payment methods are bitmasks over :data:`simulation.regions.PAYMENT_METHODS` so that the
match between what a consumer uses and what a seller offers in a region is one AND.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from simulation.regions import PAYMENT_METHODS


def method_mask(methods: Iterable[str]) -> int:
    """Bitmask of payment methods by name.

    >>> method_mask(["card", "cod"])
    9
    """
    mask = 0
    for m in methods:
        mask |= 1 << PAYMENT_METHODS.index(m)
    return mask


def method_offered(consumer_masks: np.ndarray, offered_masks: np.ndarray) -> np.ndarray:
    """True where at least one of the consumer's methods is offered."""
    return (np.asarray(consumer_masks) & np.asarray(offered_masks)) != 0


def abandonment_probability(
    offered: np.ndarray, base_rate: float, missing_method_rate: float
) -> np.ndarray:
    """Chance a checkout is abandoned: the base rate, or the higher one if no method fits."""
    return np.where(offered, base_rate, max(base_rate, missing_method_rate))


def fraud_attempts_expected(legit_attempts: np.ndarray, attempt_rate: np.ndarray) -> np.ndarray:
    """Expected fraudulent checkouts that arrive alongside ``legit_attempts``.

    ``attempt_rate`` is the share of all checkouts that are fraudulent, so frauds per
    legitimate checkout are rate / (1 - rate).
    """
    rate = np.clip(np.asarray(attempt_rate, dtype=float), 0.0, 0.999)
    return np.asarray(legit_attempts, dtype=float) * rate / (1.0 - rate)
