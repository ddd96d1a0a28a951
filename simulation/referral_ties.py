"""Referral ties: whom a sharer invites (match) and the tie that stays (social enrichment).

Schmitt, Skiera & Van den Bulte (2011, J. Marketing 75(1)) find referred customers more loyal
and more valuable and name two mechanisms, both built here and both acting only where a
seller runs a referral programme (the lever-free market is untouched):

* **Better match.** An invitation is a direct message to friends the sharer chooses, not a
  feed post: she knows her friends and picks those she expects to want the product. Each of
  her ties is invited with a probability proportional to the friend's category affinity to
  the power ``referral_match_power``, scaled so that the expected number of ties invited
  stays ``share_reach`` times her degree (probabilities capped at 1, so never more).
* **Social enrichment.** A referred customer keeps a tie to the customer who referred her.
  Whatever the referrer later shares about that seller (praise after a good order, a
  warning after a bad one) reaches the referred friend with probability
  ``referral_tie_reach``, on top of the random feed audience; it is word of mouth, not a new
  invitation (no group price, no rebate). The tie carries bad news too: a defecting
  neighbour raises a customer's churn (Nitzan & Libai 2011, J. Marketing 75(6)).

Reads: ``share_reach``, ``referral_match_power``, ``referral_tie_reach``, consumers'
``affinity``, the social graph; writes nothing itself: :mod:`simulation.word_of_mouth` sends
the touches, :mod:`simulation.fission` records a tie when a referred first order is paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.network import expand_ranges

if TYPE_CHECKING:
    from simulation.network import SocialGraph


# --- pure functions ------------------------------------------------------------------------

def match_keep_probability(share: float, weight: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Chance each tie is invited: ``share`` times its weight over the sharer's mean weight.

    ``weight`` is the weight of each tie's friend and ``row`` the sharer (0..k-1) each tie
    belongs to. The mean is taken over the sharer's ties, so with equal weights every tie
    keeps ``share`` (the untargeted feed rule); probabilities are capped at 1, so a sharer
    never invites more friends in expectation than ``share`` times her degree.

    >>> match_keep_probability(0.5, np.array([1.0, 3.0, 2.0, 2.0]), np.array([0, 0, 1, 1])
    ...                        ).tolist()
    [0.25, 0.75, 0.5, 0.5]
    """
    weight = np.asarray(weight, dtype=float)
    row = np.asarray(row, dtype=np.int64)
    if len(row) == 0:
        return np.zeros(0)
    total = np.bincount(row, weights=weight)
    ties = np.bincount(row)
    mean = np.divide(total, ties, out=np.zeros_like(total), where=total > 0)
    safe = mean[row] > 0
    prob = np.where(safe, share * weight / np.where(safe, mean[row], 1.0), share)
    return np.clip(prob, 0.0, 1.0)


def match_weight(affinity: np.ndarray, power: float) -> np.ndarray:
    """A friend's weight in the sharer's choice of whom to invite: affinity ** power.

    >>> match_weight(np.array([0.5, 2.0]), 1.0).tolist()
    [0.5, 2.0]
    >>> match_weight(np.array([0.5, 2.0]), 0.0).tolist()
    [1.0, 1.0]
    """
    return np.asarray(affinity, dtype=float) ** power


# --- match: whom a sharer invites ----------------------------------------------------------

def invited_ties(graph: SocialGraph, sharers: np.ndarray, share: float, affinity: np.ndarray,
                 power: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The ties each sharer invites, chosen by the friends' match weight (one draw per tie).

    Args:
        graph: the social graph.
        sharers: consumers sending an invitation (one row each).
        share: ``share_reach``: the share of her ties an untargeted share reaches.
        affinity: category affinity of every consumer; only the sharers' friends' is read.
        power: ``referral_match_power`` (:func:`match_weight`).
        rng: the generator word of mouth draws from.

    Returns:
        (index into ``sharers``, invited friend) pairs, as :meth:`SocialGraph.sample_ties`.
    """
    row, nbr = graph.ties(sharers)
    if len(row) == 0:
        return row, nbr
    weight = match_weight(np.asarray(affinity)[nbr], power)
    keep = rng.random(len(row)) < match_keep_probability(share, weight, row)
    return row[keep], nbr[keep]


# --- social enrichment: the tie that stays -------------------------------------------------

class ReferralTies:
    """Who referred whom to which seller (paid referred first orders), searchable by referrer."""

    def __init__(self, n_sellers: int) -> None:
        self.n_sellers = int(n_sellers)
        self._referrer: list[np.ndarray] = []
        self._seller: list[np.ndarray] = []
        self._referee: list[np.ndarray] = []
        self._keys = np.zeros(0, dtype=np.int64)  # referrer * sellers + seller, sorted
        self._referees = np.zeros(0, dtype=np.int64)  # in the order of _keys
        self._stale = False

    def __len__(self) -> int:
        self._index()
        return len(self._keys)

    def record(self, referees: np.ndarray, sellers: np.ndarray, referrers: np.ndarray) -> None:
        """Add ties: each referee's first order with the seller was referred by the referrer."""
        ok = np.asarray(referrers) >= 0
        if not ok.any():
            return
        self._referee.append(np.asarray(referees, dtype=np.int64)[ok])
        self._seller.append(np.asarray(sellers, dtype=np.int64)[ok])
        self._referrer.append(np.asarray(referrers, dtype=np.int64)[ok])
        self._stale = True

    def _index(self) -> None:
        """Sort the recorded ties by (referrer, seller) once after new records."""
        if not self._stale:
            return
        keys = np.concatenate(self._referrer) * self.n_sellers + np.concatenate(self._seller)
        referees = np.concatenate(self._referee)
        order = np.argsort(keys, kind="stable")
        self._keys, self._referees = keys[order], referees[order]
        self._referrer, self._seller, self._referee = [self._keys // self.n_sellers], [
            self._keys % self.n_sellers], [self._referees]
        self._stale = False

    def referees_of(self, referrers: np.ndarray, sellers: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(index into ``referrers``, referee) for every friend each referrer brought to the seller.

        >>> t = ReferralTies(2)
        >>> t.record(np.array([10, 11, 12]), np.array([0, 1, 0]), np.array([3, 3, 3]))
        >>> [a.tolist() for a in t.referees_of(np.array([3, 4, 3]), np.array([0, 0, 1]))]
        [[0, 0, 2], [10, 12, 11]]
        """
        self._index()
        if len(self._keys) == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z
        key = np.asarray(referrers, dtype=np.int64) * self.n_sellers + np.asarray(
            sellers, dtype=np.int64)
        lo = np.searchsorted(self._keys, key, side="left")
        hi = np.searchsorted(self._keys, key, side="right")
        row, pos = expand_ranges(lo, hi)
        return row, self._referees[pos]


def tie_audience(ties: ReferralTies, sharers: np.ndarray, sellers: np.ndarray,
                 reach: float, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(sharer, referee) pairs: the friends a sharer referred to the seller she talks about.

    Each such friend hears her with probability ``reach`` (one draw per tie; none when the
    sharers referred nobody, so other runs' streams are untouched).
    """
    row, referee = ties.referees_of(sharers, sellers)
    if len(row) == 0 or reach <= 0.0:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    hears = rng.random(len(row)) < reach
    return np.asarray(sharers, dtype=np.int64)[row[hears]], referee[hears]


def without_pairs(src: np.ndarray, nbr: np.ndarray, old_src: np.ndarray,
                  old_nbr: np.ndarray, n: int) -> np.ndarray:
    """Mask of the (src, nbr) pairs not among (old_src, old_nbr) (``n``: consumers).

    >>> without_pairs(np.array([1, 1, 2]), np.array([5, 6, 5]), np.array([1]),
    ...               np.array([6]), 10).tolist()
    [True, False, True]
    """
    key = np.asarray(src, dtype=np.int64) * n + np.asarray(nbr, dtype=np.int64)
    old = np.asarray(old_src, dtype=np.int64) * n + np.asarray(old_nbr, dtype=np.int64)
    return ~np.isin(key, old)
