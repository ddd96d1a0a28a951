"""Overseas warehouse: stock pre-positioned in the region (brief: Winit 2023).

Mechanism: orders in the region ship from local stock (processing + last mile, no customs),
returns are local and restocked; stock arrives by bulk sea freight with duty paid on import,
and the warehouse has a fixed daily cost.
"""

from __future__ import annotations

from pydantic import Field

from simulation.declarations import declare
from simulation.levers.base import Lever


class OverseasWarehouse(Lever):
    """Open overseas warehouses in the given regions."""

    name = "overseas_warehouse"
    mechanism = "local stock: shorter delivery, no customs, local returns; inbound sea freight"

    regions: list[str] = Field(min_length=1, description="region codes to open a warehouse in")
    fixed_cost_per_1k_daily: float = declare(
        2.0, 0, 10_000, "USD per day per 1000 consumers",
        "fixed cost of each overseas warehouse",
        "assumption: rent and staff of a shared third-party warehouse")
    safety_factor: float = declare(
        1.3, 0, 10, "multiple of cover",
        "order-up-to level as a multiple of forecast cover (all warehouses)",
        "assumption: as the seller's default replenishment")

    def configure(self, spec):
        """Add the warehouses, their fixed cost and the stock policy to the seller."""
        wh = sorted(set(spec.fulfilment.overseas_warehouses) | set(self.regions))
        fulfilment = spec.fulfilment.model_copy(update={
            "overseas_warehouses": wh,
            "overseas_fixed_cost_per_1k_daily": self.fixed_cost_per_1k_daily,
        })
        rep = spec.replenishment.model_copy(update={"safety_factor": self.safety_factor})
        return spec.model_copy(update={"fulfilment": fulfilment, "replenishment": rep})
