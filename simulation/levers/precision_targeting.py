"""Precision targeting with first-party data (brief: big-data user profiling, eMarketer 2024).

Mechanism: ad impressions concentrate on high-affinity consumers; how sharply depends on the
first-party data the seller can use, which consent limits more under strict data-protection
regimes. Holding more data raises the breach hazard.
"""

from __future__ import annotations

import numpy as np

from simulation.declarations import declare
from simulation.levers.base import Lever


class PrecisionTargeting(Lever):
    """Target ads with first-party data, within consent."""

    name = "precision_targeting"
    mechanism = "ad targeting sharpness (affinity of who sees ads); breach hazard"

    first_party_data_share: float = declare(
        0.7, 0, 1, "share of consumers",
        "consumers the seller has profiled",
        "assumption: a CRM covering most past visitors")
    targeting_power: float = declare(
        3.0, 1, 10, "exponent",
        "affinity exponent of ad delivery with the seller's data",
        "assumption: sharper than the platforms' default of 1")
    consent_rate: float = declare(
        0.85, 0, 1, "share of consumers",
        "consumers who consent to profiling under a lax regime",
        "assumption: opt-out regimes keep most users")
    strict_regime_consent_loss: float = declare(
        0.4, 0, 1, "share of consent",
        "consent lost at privacy strictness 1 (GDPR)",
        "assumption: opt-in banners lose ~30-50% of consent")

    def tune(self, mech, regions) -> None:
        """Sharper targeting where data and consent allow; more data at risk."""
        usable = (self.first_party_data_share * self.consent_rate
                  * (1.0 - self.strict_regime_consent_loss * regions.privacy_strictness))
        data_share = np.clip(usable, 0.0, 1.0)  # (R,) usable first-party data
        mech.targeting_power = 1.0 + (self.targeting_power - 1.0) * data_share
        mech.data_volume_factor *= 1.0 + self.first_party_data_share
