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


DAYS_PER_WEEK = 7.0
"""Days in a week (definition): converts departures per week into days between departures."""


def departure_wait_days(departures_per_week: float) -> float:
    """Mean wait of a parcel for the next of ``departures_per_week`` evenly spaced departures.

    A parcel ready at a uniformly random moment waits on average half the headway between
    departures (the mean residual time of a fixed timetable): 7 / (2 f) days.

    >>> departure_wait_days(7.0), departure_wait_days(3.5)
    (0.5, 1.0)
    """
    if departures_per_week <= 0:
        raise ValueError(f"departures_per_week: {departures_per_week} must be > 0")
    return DAYS_PER_WEEK / (2.0 * departures_per_week)


def planned_hub_days(hub_days: float, baseline_departures: float,
                     planned_departures: float) -> float:
    """Hub days of a direct parcel once line-haul departures are planned (route optimisation).

    ``hub_days`` (pick-pack plus the wait for the next line-haul) is what a parcel spends at
    the hub on a lane with ``baseline_departures`` a week; planning puts it on a lane with
    ``planned_departures`` (never fewer than the baseline: planning chooses the better), so
    the baseline wait gives way to the planned one. The pick-pack part, ``hub_days`` less the
    baseline wait, is not cut below 0, and planning never lengthens a parcel's hub days.

    >>> round(planned_hub_days(1.5, 3.5, 7.0), 6)  # pick-pack 0.5 + wait 1.0 -> 0.5 + 0.5
    1.0
    >>> planned_hub_days(0.4, 3.5, 7.0)  # hub faster than the baseline wait: nothing to cut
    0.4
    """
    planned = max(planned_departures, baseline_departures)
    pick_pack = max(hub_days - departure_wait_days(baseline_departures), 0.0)
    return min(hub_days, pick_pack + departure_wait_days(planned))
