"""Green logistics and packaging (brief: Nielsen 2023, 68% willing to pay a premium).

Mechanism: products become green (valued by consumers willing to pay the premium) at a
higher price, each parcel costs more to pack, and carbon per parcel falls.
"""

from __future__ import annotations

from simulation.declarations import declare
from simulation.levers.base import Lever


class GreenLogistics(Lever):
    """Green packaging and low-carbon shipping at a price premium."""

    name = "green_logistics"
    mechanism = "green products valued by green consumers; packaging cost; carbon per parcel"

    price_premium: float = declare(
        0.1, 0, 1, "share of list price",
        "price premium charged for green products",
        "brief: 30% of consumers would pay 10-20% more (Nielsen 2023)")
    packaging_cost_usd: float = declare(
        0.6, 0, 50, "USD per parcel",
        "extra cost of green packaging",
        "assumption: recycled mailers cost USD 0.3-1 more")
    carbon_cut: float = declare(
        0.3, 0, 1, "share of kg CO2e per parcel",
        "emission cut of green logistics",
        "assumption: consolidated, lower-carbon line haul")

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
