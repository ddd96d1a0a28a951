"""Payment habits: which payment methods each consumer uses to pay online.

Two sources, per region. The transaction mix (``payment_mix``: shares of e-commerce
transactions by method, PPRO and Worldpay) gives every consumer a primary method, and with
``second_payment_method_rate`` a second one drawn from the same mix. Where a survey says how
many online shoppers use each method in a year (``payment_use``, multi-response: the shares
may sum to more than 1), consumers hold each method independently with that chance instead;
one drawn with none keeps her primary method (every online shopper pays somehow). Checkout
(:mod:`simulation.checkout`) then asks whether any of her methods is offered.

Why both: a transaction share is not a holding share. In Indonesia cards carry 17% of
e-commerce transactions, while a quarter of online shoppers used a debit or credit card to
pay online and three in four an e-wallet (Kredivo & Katadata 2024); the mix with one second
method in 2.5 put wallets in the hands of about half of them.
"""

from __future__ import annotations

import numpy as np

from simulation.regions import PAYMENT_METHODS, RegionTable


def methods_in_use(use: np.ndarray, uniforms: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Bitmask of the methods each consumer uses: method m with chance ``use[:, m]``.

    ``use`` (K, M) is the surveyed share of online shoppers using each method, drawn
    independently per method with ``uniforms`` (K, M); a consumer drawn with none keeps
    ``fallback``, her method from the transaction mix.

    >>> methods_in_use(np.array([[0.5, 0.2], [0.5, 0.2]]), np.array([[0.1, 0.1], [0.9, 0.9]]),
    ...                np.array([2, 2])).tolist()
    [3, 2]
    """
    bits = (np.asarray(uniforms) < np.asarray(use)) * (1 << np.arange(np.shape(use)[1]))
    mask = bits.sum(axis=1)
    return np.where(mask == 0, fallback, mask)


def draw_payment_methods(region: np.ndarray, regions: RegionTable, second_rate: float,
                         rng: np.random.Generator) -> np.ndarray:
    """(n,) uint8 bitmask over PAYMENT_METHODS of the methods each consumer uses.

    Draw order (fixed, so a market without surveyed regions draws exactly as before them):
    primary and second method for everyone from the mix, then the survey draws for the
    consumers of surveyed regions.
    """
    n = len(region)
    cdf = np.cumsum(regions.payment_mix, axis=1)[region]
    primary = (rng.random((n, 1)) > cdf).sum(axis=1)
    secondary = (rng.random((n, 1)) > cdf).sum(axis=1)
    has_second = rng.random(n) < second_rate
    primary = np.minimum(primary, len(PAYMENT_METHODS) - 1)
    secondary = np.minimum(secondary, len(PAYMENT_METHODS) - 1)
    mask = ((1 << primary) | np.where(has_second, 1 << secondary, 0)).astype(np.uint8)
    surveyed = ~np.isnan(regions.payment_use[region, 0])
    if surveyed.any():
        k = np.flatnonzero(surveyed)
        mask[k] = methods_in_use(
            regions.payment_use[region[k]], rng.random((len(k), len(PAYMENT_METHODS))),
            1 << primary[k]).astype(np.uint8)
    return mask
