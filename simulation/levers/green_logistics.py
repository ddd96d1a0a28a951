"""Green logistics and packaging (brief: Nielsen 2023, 68% willing to pay a premium).

Mechanism: products become green (valued by consumers willing to pay the premium) at a
higher price, each parcel costs more to pack, and carbon per parcel falls.
"""

from __future__ import annotations

from pydantic import Field

from simulation.levers.base import Lever


class GreenLogistics(Lever):
    """Green packaging and low-carbon shipping at a price premium."""

    name = "green_logistics"
    mechanism = "green products valued by green consumers; packaging cost; carbon per parcel"

    price_premium: float = Field(0.1, ge=0, le=1, description="share added to prices")
    packaging_cost_usd: float = Field(0.6, ge=0, le=50, description="per parcel")
    carbon_cut: float = Field(0.3, ge=0, le=1, description="share of kg CO2e per parcel")

    def configure(self, spec):
        """Green, dearer products."""
        products = [p.model_copy(update={"green": True,
                                         "price_usd": p.price_usd * (1 + self.price_premium)})
                    for p in spec.products]
        return spec.model_copy(update={"products": products})

    def tune(self, mech, regions) -> None:
        """Packaging cost and carbon."""
        mech.extra_cost_per_order += self.packaging_cost_usd
        mech.carbon_factor *= 1.0 - self.carbon_cut
