"""Strategy levers: one module each, named and ranged parameters, acting through mechanisms.

:class:`Levers` is the field of a seller spec that switches levers on, e.g.
``levers: {overseas_warehouse: {regions: [BR]}, live_streaming: {}}``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from simulation.levers.base import Lever, Mechanics
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
    SellerCreditCertification,
)
"""Every lever, in the order they are applied (structural changes compose in this order)."""


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

    def active(self) -> list[Lever]:
        """The levers switched on, in application order."""
        return [getattr(self, c.name) for c in LEVER_CLASSES if getattr(self, c.name) is not None]


def apply_levers(spec):
    """The seller spec after every active lever's structural change, in application order."""
    for lever in spec.levers.active():
        spec = lever.configure(spec)
    return spec


assert [c.name for c in LEVER_CLASSES] == list(Levers.model_fields), "keep the orders equal"

__all__ = ["LEVER_CLASSES", "Lever", "Levers", "Mechanics", "apply_levers"]
