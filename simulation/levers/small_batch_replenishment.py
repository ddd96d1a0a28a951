"""Small-batch, fast replenishment (brief: SHEIN; Deloitte 2024 agile supply chains).

Mechanism: frequent stock reviews on a short demand window and a short lead time, so stock
follows demand closely with less safety stock: fewer stock-outs, lower holding cost.
"""

from __future__ import annotations

from pydantic import Field

from simulation.levers.base import Lever


class SmallBatchReplenishment(Lever):
    """Review stock often, order small batches from nearby suppliers."""

    name = "small_batch_replenishment"
    mechanism = "review period, forecast window, lead time and safety stock"

    review_period_days: int = Field(2, ge=1, le=365)
    forecast_window_days: int = Field(7, ge=1, le=365)
    factory_lead_time_days: float = Field(4.0, ge=0, le=180)
    safety_factor: float = Field(1.15, ge=0, le=10)
    initial_stock_days: float = Field(14.0, ge=0, le=365)

    def configure(self, spec):
        """Replace the replenishment policy."""
        rep = spec.replenishment.model_copy(update={
            "review_period_days": self.review_period_days,
            "forecast_window_days": self.forecast_window_days,
            "factory_lead_time_days": self.factory_lead_time_days,
            "safety_factor": self.safety_factor,
            "initial_stock_days": self.initial_stock_days,
        })
        return spec.model_copy(update={"replenishment": rep})
