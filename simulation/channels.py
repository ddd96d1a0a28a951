"""What each channel does: uncertainty, trust transfer, and channel attribution.

Channels (brief: scenario display, real-time interaction, personalised trust) differ in what a
touch carries, not only in how many touches a budget buys:

- **Ads** make consumers aware and add interest; the trust they carry is the small share of
  the consumer's trust in the *platform* that transfers to an unknown seller
  (``ad_platform_trust_transfer`` x ``platform_trust``).
- **KOL short video** (scenario display) adds interest, transfers trust in the KOL (its
  credibility) to the seller and lowers the consumer's *product uncertainty* about the seller
  (``kol_uncertainty_reduction`` per post seen).
- **Live-streams** (real-time interaction) lower uncertainty more
  (``live_uncertainty_reduction``), transfer parasocial trust and give impulse occasions
  (:mod:`simulation.live_commerce`).
- **Friends' shares** transfer the sharer's experience along the tie: trust gained in
  proportion to the sharer's satisfaction (and lost in proportion to her dissatisfaction).

Uncertainty is kept per (consumer, seller) from ``uncertainty_prior`` (nothing seen but the
listing); a buyer's uncertainty at purchase raises the chance of a fit or expectation return
(:func:`fit_return_factor`).

Attribution: per (consumer, seller) the channel of first exposure, and per consumer the number
of touches and the set of channels (a bitmask) before her first purchase; at a first purchase
the checkout books them in the FIRST_VIA_* / BEFORE_FIRST_* counters (see
:func:`attribute_first_purchases`). Everything is array work over the day's touches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.metrics import N_COUNTERS, Counter

if TYPE_CHECKING:
    from simulation.model import MarketModel

CHANNELS: tuple[str, ...] = ("ads", "kol_video", "live", "wom", "referral")
"""Attribution channels, in code order (a code is the channel's index; -1: not attributed)."""
AD, KOL_VIDEO, LIVE, WOM, REFERRAL = range(len(CHANNELS))
NOT_ATTRIBUTED = -1

FIRST_VIA: tuple[Counter, ...] = (
    Counter.FIRST_VIA_AD, Counter.FIRST_VIA_KOL, Counter.FIRST_VIA_LIVE,
    Counter.FIRST_VIA_WOM, Counter.FIRST_VIA_REFERRAL)
"""Counter of first purchases whose first exposure to the seller was each channel."""
BEFORE_FIRST: tuple[Counter, ...] = (
    Counter.BEFORE_FIRST_AD, Counter.BEFORE_FIRST_KOL, Counter.BEFORE_FIRST_LIVE,
    Counter.BEFORE_FIRST_WOM, Counter.BEFORE_FIRST_REFERRAL)
"""Counter of first purchases preceded by at least one touch of each channel."""


def counter_codes() -> np.ndarray:
    """Attribution code by touch-counter index, with one extra slot so channel -1 maps to -1.

    >>> codes = counter_codes()
    >>> int(codes[Counter.AD_TOUCHES]), int(codes[Counter.WOM_TOUCHES]), int(codes[-1])
    (0, 3, -1)
    """
    codes = np.full(N_COUNTERS + 1, NOT_ATTRIBUTED, dtype=np.int8)
    codes[Counter.AD_TOUCHES] = AD
    codes[Counter.KOL_VIEWS] = KOL_VIDEO
    codes[Counter.LIVE_VIEWS] = LIVE
    codes[Counter.WOM_TOUCHES] = WOM
    return codes


def uncertainty_keep(kol_reduction: float, live_reduction: float) -> np.ndarray:
    """Share of uncertainty a touch leaves, by touch-counter index (+1 slot for channel -1).

    >>> keep = uncertainty_keep(0.1, 0.3)
    >>> float(keep[Counter.KOL_VIEWS]), float(keep[Counter.AD_TOUCHES]), float(keep[-1])
    (0.9, 1.0, 1.0)
    """
    keep = np.ones(N_COUNTERS + 1, dtype=np.float32)
    keep[Counter.KOL_VIEWS] = 1.0 - kol_reduction
    keep[Counter.LIVE_VIEWS] = 1.0 - live_reduction
    return keep


def reduce_uncertainty(uncertainty: np.ndarray | float, reductions: np.ndarray | float
                       ) -> np.ndarray:
    """Uncertainty after touches that each remove a share of what is left.

    Several touches compound: u * (1 - r1) * (1 - r2)...; the order does not matter.

    >>> round(float(reduce_uncertainty(1.0, np.array([0.1, 0.3]))), 6)
    0.63
    """
    keep = np.prod(1.0 - np.clip(np.asarray(reductions, dtype=float), 0.0, 1.0))
    return np.asarray(uncertainty, dtype=float) * keep


def fit_return_factor(uncertainty: np.ndarray | float, prior: float, fit_share: float
                      ) -> np.ndarray:
    """Multiplier of the return probability from the buyer's uncertainty at purchase.

    A share ``fit_share`` of an uninformed buyer's returns are fit or expectation returns
    ("not as pictured"); they scale with the uncertainty left, so a buyer who saw nothing but
    the listing (uncertainty = prior) returns at the regional norm and a fully informed one
    at (1 - fit_share) of it.

    >>> fit_return_factor(np.array([1.0, 0.5, 0.0]), 1.0, 0.4).tolist()
    [1.0, 0.8, 0.6]
    """
    u = np.clip(np.asarray(uncertainty, dtype=float) / prior, 0.0, 1.0)
    return (1.0 - fit_share) + fit_share * u


def transferred_trust(source_trust: np.ndarray | float, transfer_share: float,
                      tie_weight: np.ndarray | float = 1.0) -> np.ndarray:
    """Share of the trust gap to a seller closed by trust in a source (KOL, platform, friend).

    Trust in the source (a KOL's credibility, trust in a platform, a friend's satisfaction)
    transfers to the seller at ``transfer_share`` times the tie weight.

    >>> round(float(transferred_trust(0.41, 0.01)), 6)
    0.0041
    >>> transferred_trust(np.array([0.8, 0.5]), 0.12, 1.0).round(3).tolist()
    [0.096, 0.06]
    """
    return np.clip(np.asarray(source_trust, dtype=float) * transfer_share * tie_weight,
                   0.0, 1.0)


def touch_codes(channel: np.ndarray, referrer: np.ndarray | None, codes: np.ndarray
                ) -> np.ndarray:
    """Attribution code of each touch: by its counter channel.

    A friend's share that carries an invitation (a referrer) is a referral.

    >>> c = counter_codes()
    >>> ch = np.array([Counter.AD_TOUCHES, Counter.WOM_TOUCHES, Counter.WOM_TOUCHES, -1])
    >>> touch_codes(ch, np.array([-1, -1, 7, -1]), c).tolist()
    [0, 3, 4, -1]
    """
    code = codes[channel]
    if referrer is not None:
        code = np.where((code == WOM) & (referrer >= 0), np.int8(REFERRAL), code)
    return code


def record_touches(first_channel: np.ndarray, touches: np.ndarray, recalled: np.ndarray,
                   seen: np.ndarray, customer: np.ndarray, consumer: np.ndarray,
                   cell: np.ndarray, code: np.ndarray) -> None:
    """Book the day's touches for attribution (in place, queue order = arrival order).

    Args:
        first_channel: flat (consumer x seller) int8, channel of first exposure (-1 none).
        touches: per consumer, touches received before her first purchase.
        recalled: per consumer, the same touches as still remembered (each adds 1; the
            population fades them overnight with memory, ``attention_decay``).
        seen: per consumer uint8 bitmask of channels touched before her first purchase.
        customer: per consumer bool, has paid an order (her touches no longer count).
        consumer: each touch's consumer.
        cell: each touch's flat (consumer, seller) index.
        code: each touch's attribution code (-1: not attributed).
    """
    keep = code >= 0
    keep &= ~customer[consumer]
    if not keep.any():
        return
    c, cell, k = consumer[keep], cell[keep], code[keep]
    np.add.at(touches, c, 1)
    np.add.at(recalled, c, np.float32(1.0))
    present = np.bincount(k, minlength=len(CHANNELS))
    if np.count_nonzero(present) == 1:
        seen[c] |= np.uint8(1 << int(k[0]))
    else:
        for j in np.flatnonzero(present).tolist():
            seen[c[k == j]] |= np.uint8(1 << j)
    fresh = first_channel[cell] < 0
    if fresh.any():
        cell, k = cell[fresh], k[fresh]
        order = np.argsort(cell, kind="stable")
        s = cell[order]
        first = np.empty(len(s), dtype=bool)
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        first_channel[s[first]] = k[order[first]]


def attribution_counts(first_channel: np.ndarray, touches: np.ndarray, seen: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per first purchase: (first-exposure one-hot (K, 5), touched-before (K, 5), touches).

    >>> f, b, t = attribution_counts(np.array([3, -1]), np.array([4, 0]),
    ...                              np.array([0b01001, 0], dtype=np.uint8))
    >>> f.tolist(), b.tolist(), t.tolist()
    ([[0, 0, 0, 1, 0], [0, 0, 0, 0, 0]], [[1, 0, 0, 1, 0], [0, 0, 0, 0, 0]], [4, 0])
    """
    ids = np.arange(len(CHANNELS))
    first = (np.asarray(first_channel)[:, None] == ids).astype(np.int64)
    before = ((np.asarray(seen)[:, None] >> ids) & 1).astype(np.int64)
    return first, before, np.asarray(touches, dtype=np.int64)


def attribute_first_purchases(model: MarketModel, consumers: np.ndarray, sellers: np.ndarray,
                              regions: np.ndarray) -> None:
    """Book first purchases' attribution in the (seller, region) counters."""
    pop = model.population
    first, before, touches = attribution_counts(
        pop.first_channel[consumers, sellers], pop.touches_before[consumers],
        pop.channels_before[consumers])
    counters = model.counters
    cells = (sellers, regions)
    for j in range(len(CHANNELS)):
        if first[:, j].any():
            np.add.at(counters, (*cells, FIRST_VIA[j]), first[:, j])
        if before[:, j].any():
            np.add.at(counters, (*cells, BEFORE_FIRST[j]), before[:, j])
    np.add.at(counters, (*cells, Counter.TOUCHES_BEFORE_FIRST), touches)
    np.add.at(counters, (*cells, Counter.RECALLED_BEFORE_FIRST),
              pop.recalled_before[consumers].astype(np.float64))
