"""Small-batch, fast replenishment (brief: SHEIN; Deloitte 2024 agile supply chains).

Mechanism: frequent stock reviews on a short demand window and a short lead time, so stock
follows demand closely and the absolute safety stock shrinks with the shorter cover: fewer
stock-outs, lower holding cost. A late batch (:mod:`simulation.replenishment_delays`) is a
small one, and a near-shored leg slips fewer days (the supplier delay is a share of the
planned lead time), so late supply costs less; the buffer is thinner too. Failed picks
(:mod:`simulation.inventory_accuracy`) are untouched: a floor the lever does not remove.
"""

from __future__ import annotations

from simulation.declarations import declare
from simulation.levers.base import Lever


class SmallBatchReplenishment(Lever):
    """Review stock often, order small batches from nearby suppliers."""

    name = "small_batch_replenishment"
    mechanism = "review period and lead time (shorter cover, smaller batches)"

    review_period_days: int = declare(
        2, 1, 365, "days",
        "days between stock reviews",
        "assumption: SHEIN-style reviews every two days (brief)")
    factory_lead_time_days: float = declare(
        4.0, 0, 180, "days",
        "lead time from nearby suppliers",
        "assumption: near-shored small batches (brief: small batch, fast return)")
    # Agile supply shortens the cover (review period and lead time); the buffer ratio, the
    # forecast and the opening stock stay the seller's own unless set: a shorter forecast
    # window doubles forecast noise and a thinner opening stock is a launch decision, and
    # neither is what the agile-supply figures measure (Deloitte 2024).
    safety_factor: float | None = declare(
        None, 0, 10, "multiple of cover",
        "order-up-to multiple of cover (None: the seller's)",
        "assumption: agile supply keeps the seller's buffer ratio (Deloitte 2024 measures cover)")
    forecast_window_days: int | None = declare(
        None, 1, 365, "days",
        "moving-average window (None: the seller's)",
        "assumption: as safety_factor")
    initial_stock_days: float | None = declare(
        None, 0, 365, "days of demand",
        "opening stock (None: the seller's)",
        "assumption: a launch decision, not agile supply")

    def configure(self, spec):
        """Replace the review period and lead time, and any other field that is set."""
        update = {"review_period_days": self.review_period_days,
                  "factory_lead_time_days": self.factory_lead_time_days}
        for name in ("safety_factor", "forecast_window_days", "initial_stock_days"):
            value = getattr(self, name)
            if value is not None:
                update[name] = value
        rep = spec.replenishment.model_copy(update=update)
        return spec.model_copy(update={"replenishment": rep})
