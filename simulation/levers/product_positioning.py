"""Product positioning: value (low price) versus brand/quality (brief: precise positioning).

Mechanism: prices, unit costs and quality of the seller's products change; consumers weigh
price in days of income (heavier in emerging markets) against quality times brand
sensitivity (higher in developed markets).
"""

from __future__ import annotations

from typing import Literal

from simulation.declarations import declare
from simulation.levers.base import Lever

POSITIONS = {
    # price factor, cost factor, quality shift (assumptions: a value line ~30% cheaper and
    # visibly plainer; a brand line ~40% dearer with better materials and finish)
    "value": (0.7, 0.75, -0.15),
    "brand": (1.4, 1.25, 0.2),
}


class ProductPositioning(Lever):
    """Position the product line as value or brand."""

    name = "product_positioning"
    mechanism = "price, unit cost and quality of the products"

    strategy: Literal["value", "brand"] = "value"
    price_factor: float | None = declare(
        None, 0, 10, "multiplier",
        "list price relative to the seller's (None: the strategy's)",
        "assumption: see POSITIONS in this module", lo_open=True)
    cost_factor: float | None = declare(
        None, 0, 10, "multiplier",
        "unit cost relative to the seller's (None: the strategy's)",
        "assumption: see POSITIONS in this module", lo_open=True)
    quality_shift: float | None = declare(
        None, -1, 1, "quality units",
        "shift of perceived quality (None: the strategy's)",
        "assumption: see POSITIONS in this module")

    def configure(self, spec):
        """Reprice and re-spec the products."""
        pf, cf, qs = POSITIONS[self.strategy]
        pf = self.price_factor if self.price_factor is not None else pf
        cf = self.cost_factor if self.cost_factor is not None else cf
        qs = self.quality_shift if self.quality_shift is not None else qs
        products = []
        for p in spec.products:
            price = p.price_usd * pf
            products.append(p.model_copy(update={
                "price_usd": price,
                "unit_cost_usd": min(p.unit_cost_usd * cf, 0.95 * price),
                "quality": min(1.0, max(0.0, p.quality + qs)),
            }))
        return spec.model_copy(update={"products": products})
