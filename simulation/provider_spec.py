"""Payment provider specifications: what a seller can offer at checkout (data, validated).

Kept apart from :mod:`simulation.spec` so that levers which add a provider (local payments)
can build one without importing the spec that imports the levers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simulation.declarations import declare

PaymentMethodName = Literal["card", "wallet", "bank_transfer", "cod", "bnpl"]

_STRICT = ConfigDict(frozen=True, extra="forbid")


class PaymentProviderSpec(BaseModel):
    """A payment provider: methods, coverage, fees, FX spread, screening, settlement."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    methods: list[PaymentMethodName] = Field(min_length=1)
    # Coverage is the provider's own: codes outside the model are simply not used.
    regions: list[str] | Literal["all"] = "all"
    fee_rate: float = declare(
        0.035, 0, 0.5, "share of order value", "processing fee charged to the seller",
        "assumption: card processors charge ~3-4% on cross-border sales")
    fx_spread: float = declare(
        0.02, 0, 0.5, "share of order value", "currency-conversion margin on the price paid",
        "assumption: 1-3% conversion margins of card schemes and wallets")
    fraud_screening: float = declare(
        0.5, 0, 1, "share of fraud blocked", "fraud attempts the provider stops",
        "assumption: basic screening; brief: AI screening reaches 98% detection")
    settlement_days: int = declare(
        7, 0, 180, "days", "days from payment to the seller's payout",
        "brief: a cross-border licence cut settlement from 30 to 3 days")


DEFAULT_PROVIDERS: tuple[PaymentProviderSpec, ...] = (
    PaymentProviderSpec(
        name="global_cards", methods=["card"], fee_rate=0.035, fx_spread=0.02,
        fraud_screening=0.5, settlement_days=7,
    ),
    PaymentProviderSpec(
        name="global_wallet", methods=["wallet"], regions=["US", "GB", "DE", "FR"],
        fee_rate=0.044, fx_spread=0.03, fraud_screening=0.6, settlement_days=3,
    ),
)
"""Providers a cross-border seller starts with: cards everywhere, an international wallet
(PayPal-like) where that is what 'wallet' means in the payment mix (assumption)."""
