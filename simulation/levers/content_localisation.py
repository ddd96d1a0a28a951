"""Content localisation: the seller's own content made for the region, at a cost.

Mechanism: localised ads, scripts and seller-hosted streams (local language, local norms,
checked by local staff) remove a share of the cultural distance between the seller's home
culture and the region (more trust earned, fewer live-stream misfires) and are in the
region's language (no language-mismatch penalty). The cost is booked daily as marketing spend
(LOCALISATION_SPEND) so comparisons with and without the lever are at honest cost.
See :mod:`simulation.cultural_distance`.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from simulation.declarations import declare
from simulation.levers.base import Lever


class ContentLocalisation(Lever):
    """Localise the seller's own content in the given regions (None: all)."""

    name = "content_localisation"
    mechanism = "less cultural distance and no language mismatch in seller-made content"

    regions: list[str] | None = Field(None, description="region codes; None: every region")
    distance_reduction: float = declare(
        0.6, 0, 1, "share of cultural distance",
        "share of the Kogut-Singh distance removed by localised content",
        "assumption: translation and local review fix the visible norms (language, humour,"
        " gestures), not all the distance; alternative considered: 1 (fully local)")
    cost_per_1k_daily: float = declare(
        0.3, 0, 10_000, "USD per day per 1000 consumers",
        "cost of localising content in each localised region",
        "assumption: translators and a local reviewer, ~10% of the default marketing budget"
        " (3 USD per 1000 consumers a day)")

    def tune(self, mech, regions) -> None:
        """Localisation share per region and its daily cost."""
        chosen = (np.ones(regions.n, dtype=bool) if self.regions is None
                  else np.isin(np.array(regions.codes), self.regions))
        mech.localisation = np.where(chosen, self.distance_reduction, mech.localisation)
        mech.localisation_cost_per_1k_daily = self.cost_per_1k_daily
