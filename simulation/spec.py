"""The market specification: what one simulation run contains, validated before it starts.

A :class:`MarketSpec` names the regions, the population, the horizon, the sellers with their
products, budgets, fulfilment and payment set-up, and the behavioural parameters. Every
field has a range; :func:`load_spec` and :func:`format_validation_error` turn a bad spec into
one message per field naming the field, the value and the allowed range.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.levers import Levers
from simulation.parameters import ModelParameters
from simulation.regions import PAYMENT_METHODS, SHIPPING_MODES
from simulation.shocks import Shock

CATEGORIES: tuple[str, ...] = ("apparel", "cosmetics", "small_appliances", "home", "electronics")
"""Product categories; visual categories suit social selling (brief)."""

Category = Literal["apparel", "cosmetics", "small_appliances", "home", "electronics"]
ShippingModeName = Literal["express_air", "postal_air", "ecommerce_line", "sea_freight"]
PaymentMethodName = Literal["card", "wallet", "bank_transfer", "cod", "bnpl"]

_STRICT = ConfigDict(frozen=True, extra="forbid")

KOL_TIERS: tuple[str, ...] = ("nano", "micro", "mid", "macro", "mega")
"""Influencer tiers by follower count, smallest first."""


class ProductSpec(BaseModel):
    """One product a seller lists."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    category: Category = "apparel"
    price_usd: float = Field(25.0, gt=0, le=100_000, description="list price, USD")
    unit_cost_usd: float = Field(9.0, ge=0, le=100_000, description="landed factory cost, USD")
    quality: float = Field(0.55, ge=0, le=1, description="perceived quality, 0-1")
    green: bool = Field(False, description="green product and packaging")

    @model_validator(mode="after")
    def _cost_below_price(self) -> ProductSpec:
        if self.unit_cost_usd >= self.price_usd:
            raise ValueError(
                f"unit_cost_usd ({self.unit_cost_usd}) must be below price_usd ({self.price_usd})"
            )
        return self


class BudgetSplit(BaseModel):
    """Shares of the marketing budget by channel; they sum to 1."""

    model_config = _STRICT

    ads: float = Field(0.6, ge=0, le=1)
    kols: float = Field(0.4, ge=0, le=1)
    referral: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> BudgetSplit:
        total = self.ads + self.kols + self.referral
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"ads + kols + referral must sum to 1, got {total:.4f}")
        return self


class ReplenishmentSpec(BaseModel):
    """Periodic-review, order-up-to replenishment of every warehouse."""

    model_config = _STRICT

    review_period_days: int = Field(7, ge=1, le=365, description="days between stock reviews")
    factory_lead_time_days: float = Field(
        10.0, ge=0, le=180, description="factory to China hub, days"
    )
    safety_factor: float = Field(
        1.3, ge=0, le=10, description="order-up-to level as multiple of forecast cover"
    )
    forecast_window_days: int = Field(14, ge=1, le=365, description="moving-average window")
    initial_stock_days: float = Field(
        30.0, ge=0, le=365, description="opening stock, in days of prior demand"
    )
    prior_daily_orders_per_1k: float = Field(
        0.5, ge=0, le=1_000, description="demand assumed before any sales, per 1000 consumers"
    )


class FulfilmentSpec(BaseModel):
    """How orders reach consumers: direct parcels from the hub, or overseas warehouses."""

    model_config = _STRICT

    direct_mode: ShippingModeName = "ecommerce_line"
    overseas_warehouses: list[str] = Field(
        default_factory=list, description="region codes with an overseas warehouse"
    )
    overseas_fixed_cost_per_1k_daily: float = Field(
        2.0, ge=0, le=10_000, description="USD per day per 1000 consumers served"
    )


class PaymentProviderSpec(BaseModel):
    """A payment provider: methods, coverage, fees, FX spread, screening, settlement."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    methods: list[PaymentMethodName] = Field(min_length=1)
    # Coverage is the provider's own: codes outside the model are simply not used.
    regions: list[str] | Literal["all"] = "all"
    fee_rate: float = Field(0.035, ge=0, le=0.5, description="share of order value")
    fx_spread: float = Field(0.02, ge=0, le=0.5, description="share of order value")
    fraud_screening: float = Field(0.5, ge=0, le=1, description="share of fraud blocked")
    settlement_days: int = Field(7, ge=0, le=180)


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


def _default_products() -> list[ProductSpec]:
    return [
        ProductSpec(name="dress", category="apparel", price_usd=25.0, unit_cost_usd=9.0,
                    quality=0.55),
        ProductSpec(name="serum", category="cosmetics", price_usd=18.0, unit_cost_usd=5.0,
                    quality=0.6),
        ProductSpec(name="blender", category="small_appliances", price_usd=60.0,
                    unit_cost_usd=28.0, quality=0.6),
    ]


class SellerSpec(BaseModel):
    """One seller: products, marketing, fulfilment, payments and compliance."""

    model_config = _STRICT

    name: str = Field("entrant", min_length=1)
    origin: Literal["cross_border", "local"] = "cross_border"
    home_region: str | None = Field(None, description="for a local seller: its region code")
    target_regions: list[str] | None = Field(None, description="None = every model region")
    products: list[ProductSpec] = Field(default_factory=_default_products, min_length=1)
    marketing_budget_per_1k_daily: float = Field(
        3.0, ge=0, le=100_000, description="USD per day per 1000 consumers targeted"
    )
    budget_split: BudgetSplit = Field(default_factory=BudgetSplit)
    kol_tier_mix: dict[str, float] = Field(
        default_factory=lambda: {"nano": 0.3, "micro": 0.3, "mid": 0.2, "macro": 0.15,
                                 "mega": 0.05},
        description="share of KOL budget by tier",
    )
    live_stream_discount: float = Field(0.1, ge=0, le=0.9)
    referral_rebate_usd: float = Field(
        0.0, ge=0, le=1_000, description="rebate per referred friend's purchase"
    )
    fulfilment: FulfilmentSpec = Field(default_factory=FulfilmentSpec)
    replenishment: ReplenishmentSpec = Field(default_factory=ReplenishmentSpec)
    payment_providers: list[PaymentProviderSpec] = Field(
        default_factory=lambda: list(DEFAULT_PROVIDERS), min_length=1
    )
    compliance_spend_per_1k_daily: float = Field(
        0.2, ge=0, le=10_000, description="USD per day per 1000 consumers on data compliance"
    )
    certified: bool = Field(False, description="third-party credit certification")
    levers: Levers = Field(default_factory=Levers, description="strategy levers switched on")

    @model_validator(mode="after")
    def _check(self) -> SellerSpec:
        unknown = set(self.kol_tier_mix) - set(KOL_TIERS)
        if unknown:
            raise ValueError(f"kol_tier_mix: unknown tier(s) {sorted(unknown)}; use {KOL_TIERS}")
        if any(v < 0 for v in self.kol_tier_mix.values()) or sum(
            self.kol_tier_mix.values()
        ) <= 0:
            raise ValueError("kol_tier_mix: shares must be >= 0 with a positive sum")
        if self.origin == "local" and self.home_region is None:
            raise ValueError("home_region: a local seller needs its region code")
        names = [p.name for p in self.products]
        if len(set(names)) != len(names):
            raise ValueError(f"products: names must be unique, got {names}")
        return self


class MarketSpec(BaseModel):
    """A complete, validated description of one market simulation."""

    model_config = _STRICT

    name: str = Field("baseline", min_length=1)
    regions: list[str] | None = Field(None, description="region codes; None = whole catalog")
    n_consumers: int = Field(20_000, ge=1, le=20_000_000)
    horizon_days: int = Field(180, ge=1, le=3_650)
    sellers: list[SellerSpec] = Field(default_factory=lambda: [SellerSpec()], min_length=1)
    parameters: ModelParameters = Field(default_factory=ModelParameters)
    region_overrides: dict[str, Any] = Field(
        default_factory=dict, description="{'BR': {'customs_delay_days': 9}, ...}"
    )
    catalog: str | None = Field(None, description="path to another region catalog YAML")
    shocks: list[Shock] = Field(default_factory=list, description="uncertainties with timing")

    @model_validator(mode="after")
    def _check(self) -> MarketSpec:
        names = [s.name for s in self.sellers]
        if len(set(names)) != len(names):
            raise ValueError(f"sellers: names must be unique, got {names}")
        if self.regions is not None:
            if not self.regions:
                raise ValueError("regions: give at least one region code (or omit for all)")
            if len(set(self.regions)) != len(self.regions):
                raise ValueError(f"regions: duplicate codes in {self.regions}")
        return self


# Checked against the catalog at model construction, where the region codes are known.
def check_region_references(spec: MarketSpec, codes: list[str]) -> None:
    """Raise ValueError naming the field if a seller refers to a region not in the model."""
    known = set(codes)
    for i, s in enumerate(spec.sellers):
        refs: dict[str, list[str]] = {
            f"sellers.{i}.target_regions": s.target_regions or [],
            f"sellers.{i}.fulfilment.overseas_warehouses": s.fulfilment.overseas_warehouses,
            f"sellers.{i}.home_region": [s.home_region] if s.home_region else [],
        }
        for field, values in refs.items():
            bad = sorted(set(values) - known)
            if bad:
                raise ValueError(f"{field}: region(s) {bad} not in the model; allowed: {codes}")
    seller_names = {s.name for s in spec.sellers}
    for j, shock in enumerate(spec.shocks):
        region = getattr(shock, "region", None)
        if region not in (None, "all") and region not in known:
            raise ValueError(f"shocks.{j}.region: {region!r} not in the model; allowed: {codes}")
        seller = getattr(shock, "seller", None)
        if seller is not None and seller not in seller_names:
            raise ValueError(f"shocks.{j}.seller: {seller!r} is not a seller of the spec")
    for i, s in enumerate(spec.sellers):
        for name in ("overseas_warehouse", "local_payments"):
            lever = getattr(s.levers, name)
            values = [] if lever is None or lever.regions == "all" else lever.regions
            bad = sorted(set(values) - known)
            if bad and name == "overseas_warehouse":
                raise ValueError(f"sellers.{i}.levers.{name}.regions: region(s) {bad} not in "
                                 f"the model; allowed: {codes}")


def format_validation_error(err: ValidationError, prefix: str = "") -> str:
    """One line per problem: ``field.path: message (got value)``."""
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(spec)"
        value = e.get("input")
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        lines.append(f"{prefix}{loc}: {e['msg']} (got {shown})")
    return "\n".join(lines)


def load_spec(source: Path | str | Mapping[str, Any]) -> MarketSpec:
    """Load a MarketSpec from a YAML path or a mapping (YAML is read with the safe loader)."""
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        with open(source, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{source}: expected a mapping at the top level")
    return MarketSpec.model_validate(data)


__all__ = [
    "CATEGORIES",
    "DEFAULT_PROVIDERS",
    "KOL_TIERS",
    "PAYMENT_METHODS",
    "SHIPPING_MODES",
    "BudgetSplit",
    "FulfilmentSpec",
    "MarketSpec",
    "PaymentProviderSpec",
    "ProductSpec",
    "ReplenishmentSpec",
    "SellerSpec",
    "check_region_references",
    "format_validation_error",
    "load_spec",
]
