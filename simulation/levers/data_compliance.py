"""Data compliance: spending on data protection, optionally storing data locally (brief).

Mechanism: compliance spend lowers the breach hazard (halving per declared spend), a
documented programme lowers fines after a breach, and local data storage is a trust signal
that matters more where the regime is strict (brief: local storage raised trust to 86%).
"""

from __future__ import annotations

from pydantic import Field

from simulation.levers.base import Lever


class DataCompliance(Lever):
    """Invest in data compliance."""

    name = "data_compliance"
    mechanism = "breach hazard, fines after a breach, trust under strict regimes"

    spend_per_1k_daily: float = Field(1.5, ge=0, le=10_000, description="USD per 1000 consumers")
    fine_reduction: float = Field(0.7, ge=0, le=1, description="share of fines avoided")
    data_localisation: bool = True
    localisation_trust_bonus: float = Field(
        0.1, ge=0, le=1, description="relative trust rise at regime strictness 1"
    )
    localisation_cost_per_1k_daily: float = Field(0.3, ge=0, le=10_000)

    def configure(self, spec):
        """Set the compliance budget."""
        return spec.model_copy(update={"compliance_spend_per_1k_daily": self.spend_per_1k_daily})

    def tune(self, mech, regions) -> None:
        """Lower fines; localisation builds trust where privacy is valued."""
        mech.fine_factor *= 1.0 - self.fine_reduction
        if self.data_localisation:
            mech.trust_bonus += self.localisation_trust_bonus * regions.privacy_strictness
            mech.fixed_cost_per_1k_daily += self.localisation_cost_per_1k_daily
