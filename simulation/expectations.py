"""Misleading content: claims, expectations and the disconfirmation gap.

A seller's content (KOL posts, live-streams) can overclaim. ``claim_inflation`` (seller spec,
0-1, default 0 = honest) moves the claimed quality from the true quality toward the top of the
scale. A consumer's expected quality follows the claims in proportion to how much of her
picture of the seller came from content: the uncertainty content removed
(1 - uncertainty / prior, see :mod:`simulation.channels`). A higher expectation raises choice
utility a little (as quality does); after delivery the shortfall of delivered against expected
quality lowers satisfaction (expectation-disconfirmation), and through satisfaction raises
returns, negative reviews and negative word of mouth.
"""

from __future__ import annotations

import numpy as np

QUALITY_TOP = 1.0
"""Top of the 0-1 quality scale: the most a claim can promise."""


def claimed_quality(quality: np.ndarray | float, inflation: np.ndarray | float) -> np.ndarray:
    """Quality the content claims: the true quality moved toward the top by ``inflation``.

    >>> claimed_quality(np.array([0.6, 0.6]), np.array([0.0, 0.5])).round(3).tolist()
    [0.6, 0.8]
    """
    q = np.asarray(quality, dtype=float)
    return q + np.clip(inflation, 0.0, 1.0) * (QUALITY_TOP - q)


def informed_share(uncertainty: np.ndarray | float, prior: float) -> np.ndarray:
    """Share of the consumer's picture of a seller that came from content (0-1).

    >>> informed_share(np.array([1.0, 0.25]), 1.0).tolist()
    [0.0, 0.75]
    """
    return np.clip(1.0 - np.asarray(uncertainty, dtype=float) / prior, 0.0, 1.0)


def expected_quality(quality: np.ndarray | float, claimed: np.ndarray | float,
                     informed: np.ndarray | float) -> np.ndarray:
    """Quality a consumer expects: the claims, weighted by how informed by content she is.

    >>> round(float(expected_quality(0.6, 0.8, 0.75)), 6)
    0.75
    """
    q = np.asarray(quality, dtype=float)
    return q + np.asarray(informed, dtype=float) * (np.asarray(claimed, dtype=float) - q)


def expectation_gap(expected: np.ndarray | float, delivered: np.ndarray | float) -> np.ndarray:
    """Shortfall of delivered against expected quality (0 when delivery meets expectations).

    >>> expectation_gap(np.array([0.75, 0.5]), np.array([0.6, 0.6])).round(3).tolist()
    [0.15, 0.0]
    """
    return np.maximum(np.asarray(expected, dtype=float) - np.asarray(delivered, dtype=float),
                      0.0)


def satisfaction_logit_shift(gap: np.ndarray | float, weight: float) -> np.ndarray:
    """Satisfaction logit lost to an expectation gap (``weight`` logit per quality unit).

    >>> round(float(satisfaction_logit_shift(0.15, 3.0)), 6)
    -0.45
    """
    return -weight * np.asarray(gap, dtype=float)
