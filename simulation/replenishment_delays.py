"""Late replenishment: supply lead-time uncertainty of a warehouse's replenishment batches.

A replenishment batch travels one or two legs: from the supplier to the seller's China hub
(the factory lead time), and for an overseas warehouse on by sea to the region. Each leg is
late with its own probability; a late leg arrives after an exponential delay. Upstream
causes are a sizeable share of real out-of-stocks (Gruen, Corsten & Bharadwaj 2002), and
the seller's order-up-to policy plans with the nominal lead time, so a late batch is what
empties a shelf the forecast would have covered.

The supplier leg's mean delay is a share of its planned lead time (a late production run
slips by part of its own length), so near-shored small batches, whose lead time is short,
are late by fewer days; the sea leg's delay is in days (carrier schedule reliability).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.parameters import ModelParameters


def leg_delay(late_draw: float, size_draw: float, late_share: float,
              mean_delay_days: float) -> float:
    """Days one leg arrives late: ``mean_delay_days x size_draw`` if ``late_draw < late_share``.

    Args:
        late_draw: a uniform [0, 1) variate deciding whether the leg is late.
        size_draw: a standard exponential variate (mean 1) scaling the delay.
        late_share: probability that the leg is late.
        mean_delay_days: mean delay of a late leg, days.
    """
    if late_draw < late_share:
        return mean_delay_days * size_draw
    return 0.0


def batch_delay(params: ModelParameters, factory_days: float, sea_days: float,
                rng: np.random.Generator) -> float:
    """Days a replenishment batch arrives after its planned lead time (0: on time).

    Always draws two uniforms and two exponentials, whatever the legs, so the number of
    draws per batch is fixed and a run's later draws do not depend on which batch was late.

    Args:
        params: the model's parameters (late shares and delays).
        factory_days: planned supplier-to-hub lead time of the batch, days.
        sea_days: planned sea leg to an overseas warehouse, days (0: the batch stays at the hub).
        rng: the model's replenishment stream.
    """
    late = rng.random(2)
    size = rng.standard_exponential(2)
    delay = leg_delay(float(late[0]), float(size[0]), params.supplier_late_share,
                      params.supplier_delay_share * factory_days)
    if sea_days > 0:
        delay += leg_delay(float(late[1]), float(size[1]), params.sea_late_share,
                           params.sea_late_delay_days)
    return delay
