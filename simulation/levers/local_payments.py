"""Local payment methods: wallets, bank transfer, cash on delivery, BNPL per region (brief).

Mechanism: a local provider covers the methods consumers use, so fewer checkouts fail for a
missing method (abandonment); it has its own fee, spread, screening and settlement delay.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulation.declarations import declare
from simulation.levers.base import Lever
from simulation.provider_spec import PaymentProviderSpec

Method = Literal["card", "wallet", "bank_transfer", "cod", "bnpl"]


class LocalPayments(Lever):
    """Add a local payment provider covering the given methods and regions."""

    name = "local_payments"
    mechanism = "payment-method coverage at checkout (abandonment), fees, settlement"

    methods: list[Method] = Field(
        default_factory=lambda: ["wallet", "bank_transfer", "cod", "bnpl"], min_length=1
    )
    regions: list[str] | Literal["all"] = "all"
    fee_rate: float = declare(
        0.03, 0, 0.5, "share of order value",
        "processing fee of the local provider",
        "assumption: local methods cost ~2-3%")
    fx_spread: float = declare(
        0.015, 0, 0.5, "share of order value",
        "conversion margin of the local provider",
        "assumption: local acquirers convert at ~1-2%")
    fraud_screening: float = declare(
        0.5, 0, 1, "share of fraud blocked",
        "fraud attempts the local provider stops",
        "assumption: as the default card provider")
    settlement_days: int = declare(
        5, 0, 180, "days",
        "days from payment to payout",
        "assumption: local licensed channels settle within a week")

    def configure(self, spec):
        """Append the local provider to the seller's providers."""
        provider = PaymentProviderSpec(
            name=f"local_methods[{spec.name}]", methods=self.methods, regions=self.regions,
            fee_rate=self.fee_rate, fx_spread=self.fx_spread,
            fraud_screening=self.fraud_screening, settlement_days=self.settlement_days,
        )
        return spec.model_copy(update={"payment_providers": [*spec.payment_providers, provider]})
