"""KOL live-streaming: scheduled streams with a live discount and stock held for the peak.

Mechanism: booked KOLs stream more often; viewers get a strong touch, trust transfer and an
impulse purchase occasion at the discounted price, which concentrates demand on stream days
(brief: live-streams hit the supply chain); reserved stock buffers the spike.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulation.declarations import declare
from simulation.levers.base import Lever

DAYS_PER_MONTH = 30.0


class LiveStreaming(Lever):
    """Run live-streams with the seller's booked KOLs."""

    name = "live_streaming"
    mechanism = "stream frequency, live discount, impulse occasions; stock reserve"

    streams_per_month: float = declare(
        4.0, 0, 30, "streams per month",
        "live-streams per KOL",
        "assumption: weekly live-streams")
    discount: float = declare(
        0.15, 0, 0.9, "share of list price",
        "price cut during the live-stream",
        "assumption: live-stream coupons of 10-20%")
    stock_reserve_days: float = declare(
        7.0, 0, 90, "days of demand",
        "extra stock held for live-stream spikes",
        "assumption: a week's cover for the burst (brief: spikes hit the supply chain)")
    schedule: Literal["synchronised", "spread"] = Field(
        "synchronised", description="all KOLs stream on the same event days, or at random")

    def configure(self, spec):
        """Set the live discount."""
        return spec.model_copy(update={"live_stream_discount": self.discount})

    def tune(self, mech, regions) -> None:
        """Streams and reserve stock."""
        mech.live_streams_per_month = self.streams_per_month
        mech.live_stock_reserve_days = self.stock_reserve_days
        if self.schedule == "synchronised" and self.streams_per_month > 0:
            mech.live_event_period_days = max(1, round(DAYS_PER_MONTH / self.streams_per_month))
