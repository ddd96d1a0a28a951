"""Who can be reached: online consumers, social-platform users and messaging-only users.

Agents represent a region's adult population. A consumer is online with the region's
``internet_share``; offline consumers use no platform, are reached by no channel and do not
shop online. The catalog's ``platforms`` values are shares of *internet users*.

Platforms split in two kinds per region (catalog ``platforms.local_sells_ads``):

- **ad-selling platforms** (TikTok, Facebook, Instagram, YouTube, and the local app where it
  sells ads to foreign sellers: LINE, KakaoTalk, Zalo): their users can be shown ads and follow
  KOLs;
- **messaging-only** local apps (WhatsApp, Messenger): their users are reached by friends
  (word of mouth) but not by ads.

The catalog's platform shares, drawn independently, make almost every internet user a
social-media user (the union of five shares of 0.3-0.9 is ~0.99), while ``social_media_share``
says e.g. 16% of Nigerians. Rule (documented in the ODD): the union of ad-selling platforms
is drawn to match ``social_media_share`` exactly in expectation. An online consumer is a
social-media user with probability ``q = min(1, social_media_share / internet_share)``; a
social user uses each ad-selling platform p with probability ``min(1, share_p / q)`` (so the
platform's share of internet users is kept where ``share_p <= q``); a social user who draws
none gets one platform drawn in proportion to the shares. Messaging-only apps are drawn
independently for every online consumer with their share of internet users.

Reads: the region table. Writes: each consumer's ``online`` flag and platform bits, drawn
from the model's ``reach`` stream.
"""

from __future__ import annotations

import numpy as np

from simulation.regions import PLATFORMS, RegionTable

PLATFORM_BITS = (1 << np.arange(len(PLATFORMS))).astype(np.uint8)
"""Bit of each platform in a consumer's platform mask."""


def social_share_of_online(internet_share: np.ndarray, social_media_share: np.ndarray
                           ) -> np.ndarray:
    """Share of internet users who use at least one ad-selling platform, capped at 1.

    >>> social_share_of_online(np.array([0.3546, 1.0]), np.array([0.162, 1.0])).round(3).tolist()
    [0.457, 1.0]
    """
    internet = np.asarray(internet_share, dtype=float)
    out = np.ones_like(internet)
    np.divide(social_media_share, internet, out=out, where=internet > 0)
    return np.clip(out, 0.0, 1.0)


def platform_probabilities(platform_share: np.ndarray, ad_platforms: np.ndarray,
                           social_of_online: np.ndarray) -> np.ndarray:
    """(R, P) probability that an online consumer uses each platform, given her kind.

    Ad-selling platforms: probability for a *social* user, ``min(1, share / q)``.
    Messaging-only platforms: probability for *any* online user, ``share``.

    >>> platform_probabilities(np.array([[0.2, 0.9]]), np.array([[True, False]]),
    ...                        np.array([0.5])).tolist()
    [[0.4, 0.9]]
    """
    share = np.asarray(platform_share, dtype=float)
    q = np.asarray(social_of_online, dtype=float)[:, None]
    cond = np.ones_like(share)
    np.divide(share, q, out=cond, where=q > 0)
    cond = np.where(q > 0, np.minimum(cond, 1.0), 0.0)
    return np.where(ad_platforms, cond, share)


def ad_platform_mask(regions: RegionTable) -> np.ndarray:
    """(R,) uint8 mask of the ad-selling platforms' bits in each region."""
    return (regions.ad_platforms * PLATFORM_BITS).sum(axis=1).astype(np.uint8)


def online_counts(counts: np.ndarray, internet_share: np.ndarray) -> np.ndarray:
    """Consumers simulated per region when only online ones are (``online_only``).

    >>> online_counts(np.array([1000, 1000]), np.array([0.3546, 1.0])).tolist()
    [355, 1000]
    """
    return np.rint(np.asarray(counts) * internet_share).astype(np.int64)


def draw_platforms(region: np.ndarray, regions: RegionTable, rng: np.random.Generator,
                   all_online: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each consumer's online flag and platform bits (see module docstring for the rule).

    ``all_online``: every consumer is online (the ``online_only`` population); the platform
    draws given online are unchanged.

    Returns:
        (online bool (n,), platforms uint8 (n,)).
    """
    n = len(region)
    q = social_share_of_online(regions.internet_share, regions.social_media_share)
    prob = platform_probabilities(regions.platform_share, regions.ad_platforms, q)
    online = np.ones(n, dtype=bool) if all_online else (
        rng.random(n) < regions.internet_share[region])
    social = online & (rng.random(n) < q[region])
    ad = regions.ad_platforms[region]
    bits = rng.random((n, len(PLATFORMS))) < prob[region]
    # Ad-selling platforms only for social users; messaging-only apps for any online user.
    bits &= np.where(ad, social[:, None], online[:, None])
    # A social user who drew no ad-selling platform gets one, in proportion to the shares.
    empty = social & ~(bits & ad).any(axis=1)
    if empty.any():
        w = np.where(ad[empty], regions.platform_share[region[empty]], 0.0)
        cdf = np.cumsum(w, axis=1)
        u = rng.random(len(cdf)) * cdf[:, -1]
        pick = np.minimum((u[:, None] >= cdf).sum(axis=1), len(PLATFORMS) - 1)
        bits[np.flatnonzero(empty), pick] = True
    platforms = (bits * PLATFORM_BITS).sum(axis=1).astype(np.uint8)
    return online, platforms
