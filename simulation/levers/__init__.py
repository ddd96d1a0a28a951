"""Strategy levers: one module each, named and ranged parameters, acting through mechanisms.

:class:`Levers` is the field of a seller spec that switches levers on, e.g.
``levers: {overseas_warehouse: {regions: [BR]}, live_streaming: {}}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulation.levers.base import Lever, Mechanics
from simulation.levers.content_localisation import ContentLocalisation
from simulation.levers.data_compliance import DataCompliance
from simulation.levers.green_logistics import GreenLogistics
from simulation.levers.kol_marketing import KolMarketing
from simulation.levers.live_streaming import LiveStreaming
from simulation.levers.local_payments import LocalPayments
from simulation.levers.multimodal_logistics import MultimodalLogistics
from simulation.levers.overseas_warehouse import OverseasWarehouse
from simulation.levers.payment_security import PaymentSecurity
from simulation.levers.precision_targeting import PrecisionTargeting
from simulation.levers.product_positioning import ProductPositioning
from simulation.levers.route_optimisation import RouteOptimisation
from simulation.levers.seller_credit_certification import SellerCreditCertification
from simulation.levers.small_batch_replenishment import SmallBatchReplenishment
from simulation.levers.viral_referral import ViralReferral

LEVER_CLASSES: tuple[type[Lever], ...] = (
    ProductPositioning, OverseasWarehouse, MultimodalLogistics, RouteOptimisation,
    KolMarketing, LiveStreaming, ViralReferral, PrecisionTargeting, LocalPayments,
    PaymentSecurity, DataCompliance, SmallBatchReplenishment, GreenLogistics,
    SellerCreditCertification, ContentLocalisation,
)
"""Every lever, in the order they are applied (structural changes compose in this order)."""


CUSTOM_LEVERS: dict[str, type[Lever]] = {}
"""Levers registered by users with :func:`register_lever` (name -> class)."""


def register_lever(cls: type[Lever]) -> type[Lever]:
    """Make a user-defined lever usable in specs as ``levers: {custom: {<name>: {...}}}``.

    Usable as a class decorator. The name must not clash with a built-in lever.
    """
    if not cls.name:
        raise ValueError(f"{cls.__name__}: set the class attribute 'name'")
    if cls.name in {c.name for c in LEVER_CLASSES}:
        raise ValueError(f"{cls.name!r} is a built-in lever")
    CUSTOM_LEVERS[cls.name] = cls
    return cls


class Levers(BaseModel):
    """Which levers a seller pulls (None: off). Unknown names are rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_positioning: ProductPositioning | None = None
    overseas_warehouse: OverseasWarehouse | None = None
    multimodal_logistics: MultimodalLogistics | None = None
    route_optimisation: RouteOptimisation | None = None
    kol_marketing: KolMarketing | None = None
    live_streaming: LiveStreaming | None = None
    viral_referral: ViralReferral | None = None
    precision_targeting: PrecisionTargeting | None = None
    local_payments: LocalPayments | None = None
    payment_security: PaymentSecurity | None = None
    data_compliance: DataCompliance | None = None
    small_batch_replenishment: SmallBatchReplenishment | None = None
    green_logistics: GreenLogistics | None = None
    seller_credit_certification: SellerCreditCertification | None = None
    content_localisation: ContentLocalisation | None = None
    custom: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="registered user levers: name -> parameters")

    @field_validator("custom")
    @classmethod
    def _known_custom(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, params in value.items():
            if name not in CUSTOM_LEVERS:
                raise ValueError(f"unknown custom lever {name!r}; registered: "
                                 f"{sorted(CUSTOM_LEVERS)} (see register_lever)")
            CUSTOM_LEVERS[name].model_validate(params)  # errors name the lever's field
        return value

    def active(self) -> list[Lever]:
        """The levers switched on, in application order (custom levers last)."""
        built_in = [getattr(self, c.name) for c in LEVER_CLASSES
                    if getattr(self, c.name) is not None]
        return built_in + [CUSTOM_LEVERS[n].model_validate(p) for n, p in self.custom.items()]


def apply_levers(spec):
    """The seller spec after every active lever's structural change, in application order."""
    for lever in spec.levers.active():
        spec = lever.configure(spec)
    return spec


assert [c.name for c in LEVER_CLASSES] == list(Levers.model_fields)[:-1], "keep orders equal"

__all__ = ["CUSTOM_LEVERS", "LEVER_CLASSES", "Lever", "Levers", "Mechanics", "apply_levers",
           "register_lever"]
