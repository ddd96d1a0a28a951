"""Multimodal logistics: high-value goods by air or express, low-value goods by sea (brief).

Mechanism: each direct parcel's mode depends on its product's price, which sets its transit
time, cost, loss rate and carbon.
"""

from __future__ import annotations

from typing import Literal

from simulation.declarations import declare
from simulation.levers.base import Lever
from simulation.regions import SHIPPING_MODES

Mode = Literal["express_air", "postal_air", "ecommerce_line", "sea_freight"]


class MultimodalLogistics(Lever):
    """Choose the direct shipping mode by product value."""

    name = "multimodal_logistics"
    mechanism = "mode by product value: transit days, parcel cost, loss and carbon per parcel"

    threshold_usd: float = declare(
        40.0, 0, 100_000, "USD",
        "list price above which a parcel goes by express air (below: sea)",
        "brief: high-value by air/express, low-value by sea")
    high_value_mode: Mode = "express_air"
    low_value_mode: Mode = "sea_freight"

    def tune(self, mech, regions) -> None:
        """Route by value."""
        mech.multimodal_threshold_usd = self.threshold_usd
        mech.high_value_mode = SHIPPING_MODES.index(self.high_value_mode)
        mech.low_value_mode = SHIPPING_MODES.index(self.low_value_mode)
