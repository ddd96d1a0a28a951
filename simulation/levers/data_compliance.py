"""Data compliance: spending on data protection, optionally storing data locally (brief).

Mechanism: compliance spend lowers the breach hazard (halving per declared spend), a
documented programme lowers fines after a breach, and local data storage is a trust signal
that matters more where the regime is strict (brief: local storage raised trust to 86%).
"""

from __future__ import annotations

from simulation.declarations import declare
from simulation.levers.base import Lever


class DataCompliance(Lever):
    """Invest in data compliance."""

    name = "data_compliance"
    mechanism = "breach hazard, fines after a breach, trust under strict regimes"

    spend_per_1k_daily: float = declare(
        1.5, 0, 10_000, "USD per day per 1000 consumers",
        "compliance programme spend",
        "assumption: DPO, consent management and audits for a small seller")
    fine_reduction: float = declare(
        0.7, 0, 1, "share of fines",
        "share of regulatory fines avoided after a breach",
        "assumption: documented compliance mitigates GDPR fines (Art. 83(2))")
    data_localisation: bool = True
    localisation_trust_bonus: float = declare(
        0.1, 0, 1, "relative trust rise",
        "trust rise from local data storage at regime strictness 1",
        "brief: local data storage in the EU and SE Asia raised user trust to 86%")
    localisation_cost_per_1k_daily: float = declare(
        0.3, 0, 10_000, "USD per day per 1000 consumers",
        "cost of local data storage",
        "assumption: in-region cloud hosting premium")

    def configure(self, spec):
        """Set the compliance budget."""
        return spec.model_copy(update={"compliance_spend_per_1k_daily": self.spend_per_1k_daily})

    def tune(self, mech, regions) -> None:
        """Lower fines; localisation builds trust where privacy is valued."""
        mech.fine_factor *= 1.0 - self.fine_reduction
        if self.data_localisation:
            mech.trust_bonus += self.localisation_trust_bonus * regions.privacy_strictness
            mech.fixed_cost_per_1k_daily += self.localisation_cost_per_1k_daily
