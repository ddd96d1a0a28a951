"""Seller credit records and third-party certification (brief: institutional trust).

Mechanism: a certified seller starts with more trust (certification_trust_bonus), for a fee.
"""

from __future__ import annotations

from simulation.declarations import declare
from simulation.levers.base import Lever


class SellerCreditCertification(Lever):
    """Get certified by a third party."""

    name = "seller_credit_certification"
    mechanism = "initial trust (institutional trust transfer)"

    fee_per_1k_daily: float = declare(
        0.1, 0, 1_000, "USD per day per 1000 consumers",
        "third-party certification fee",
        "assumption: annual certification fee spread over days")

    def configure(self, spec):
        """Mark the seller certified."""
        return spec.model_copy(update={"certified": True})

    def tune(self, mech, regions) -> None:
        """The certification fee."""
        mech.fixed_cost_per_1k_daily += self.fee_per_1k_daily
