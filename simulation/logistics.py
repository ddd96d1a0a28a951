"""Logistics: transit and customs times, losses and costs, as pure functions of arrays.

Transit times are lognormal with a given mean and coefficient of variation (parcels are slow
and unreliable: heavy right tail); customs adds an exponential delay to cross-border parcels.
"""

from __future__ import annotations

import functools

import numpy as np


def lognormal_days(
    mean_days: np.ndarray, cv: float, rng: np.random.Generator, size: int
) -> np.ndarray:
    """Draw ``size`` durations with the given means (broadcast) and coefficient of variation.

    The lognormal's parameters are solved from mean m and cv: sigma^2 = log(1 + cv^2),
    mu = log(m) - sigma^2 / 2, so the sample mean converges to m.
    """
    mean_days = np.broadcast_to(np.asarray(mean_days, dtype=float), (size,))
    if cv <= 0:
        return mean_days.copy()
    sigma2, sigma = _lognormal_spread(cv)
    mu = np.log(np.maximum(mean_days, 1e-9)) - sigma2 / 2.0
    return np.exp(mu + sigma * rng.standard_normal(size))


@functools.lru_cache(maxsize=64)
def _lognormal_spread(cv: float) -> tuple[np.floating, np.floating]:
    """(sigma^2, sigma) of the lognormal with coefficient of variation ``cv`` (few distinct)."""
    sigma2 = np.log1p(cv * cv)
    return sigma2, np.sqrt(sigma2)


def customs_days(mean_days: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """Exponential customs delay with the given means (0 where the mean is 0)."""
    mean_days = np.broadcast_to(np.asarray(mean_days, dtype=float), (size,))
    return mean_days * rng.standard_exponential(size)


def promised_days(processing_days: float, transit_mean: np.ndarray, customs_mean: np.ndarray
                  ) -> np.ndarray:
    """Delivery time shown at checkout: processing plus mean transit plus mean customs."""
    return processing_days + np.asarray(transit_mean) + np.asarray(customs_mean)


def multimodal_mode(price_usd: np.ndarray, threshold_usd: float, high_mode: int, low_mode: int
                    ) -> np.ndarray:
    """Mode index by product value: high-value goods by air or express, low-value by sea."""
    return np.where(np.asarray(price_usd) >= threshold_usd, high_mode, low_mode)
