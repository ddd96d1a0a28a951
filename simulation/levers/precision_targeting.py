"""Precision targeting with first-party data (brief: big-data user profiling, eMarketer 2024).

Mechanism: ad impressions concentrate on high-affinity consumers; how sharply depends on the
first-party data the seller can use, which consent limits more under strict data-protection
regimes. Holding more data raises the breach hazard.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from simulation.levers.base import Lever


class PrecisionTargeting(Lever):
    """Target ads with first-party data, within consent."""

    name = "precision_targeting"
    mechanism = "ad targeting sharpness (affinity of who sees ads); breach hazard"

    first_party_data_share: float = Field(0.7, ge=0, le=1, description="consumers profiled")
    targeting_power: float = Field(3.0, ge=1, le=10, description="exponent on affinity")
    consent_rate: float = Field(0.85, ge=0, le=1, description="consent under a lax regime")
    strict_regime_consent_loss: float = Field(
        0.4, ge=0, le=1, description="share of consent lost at strictness 1 (GDPR)"
    )

    def tune(self, mech, regions) -> None:
        """Sharper targeting where data and consent allow; more data at risk."""
        usable = (self.first_party_data_share * self.consent_rate
                  * (1.0 - self.strict_regime_consent_loss * regions.privacy_strictness))
        data_share = np.clip(usable, 0.0, 1.0)  # (R,) usable first-party data
        mech.targeting_power = 1.0 + (self.targeting_power - 1.0) * data_share
        mech.data_volume_factor *= 1.0 + self.first_party_data_share
