"""Payment security: PCI DSS-grade screening and tokenisation (brief: PayPal 2023).

Mechanism: the seller's providers screen fraud harder (fewer fraudulent orders pass) for a
slightly higher fee; tokenisation is a visible technical-trust signal that raises initial
trust.
"""

from __future__ import annotations

from pydantic import Field

from simulation.levers.base import Lever


class PaymentSecurity(Lever):
    """Harden fraud screening and tokenise payments."""

    name = "payment_security"
    mechanism = "fraud screening strength; technical trust"

    screening: float = Field(0.88, ge=0, le=1, description="share of fraud blocked")
    tokenisation: bool = True
    extra_fee_rate: float = Field(0.003, ge=0, le=0.1, description="added to provider fees")
    technical_trust_bonus: float = Field(0.05, ge=0, le=1, description="relative trust rise")

    def configure(self, spec):
        """Replace the seller's providers by hardened copies of them."""
        hardened = [
            p.model_copy(update={
                "name": f"{p.name}+secure[{spec.name}]",
                "fraud_screening": max(p.fraud_screening, self.screening),
                "fee_rate": p.fee_rate + self.extra_fee_rate,
            })
            for p in spec.payment_providers
        ]
        return spec.model_copy(update={"payment_providers": hardened})

    def tune(self, mech, regions) -> None:
        """Tokenisation signals safety."""
        if self.tokenisation:
            mech.trust_bonus += self.technical_trust_bonus
