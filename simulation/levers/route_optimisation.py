"""Route optimisation: better routing and consolidation of direct parcels (brief: UPS 2024).

Mechanism: shorter and less variable transit and cheaper parcels for the seller's direct
shipments, and line-haul planning (the seller's parcels pooled onto more frequent consolidated
departures), so a parcel waits less at the hub for its line-haul; for a software fee. The
defaults are assumptions sized by the route planning literature (UPS ORION: ~10% fewer miles)
and consolidation savings; as every lever effect they are never fitted.
"""

from __future__ import annotations

from simulation.declarations import declare
from simulation.levers.base import Lever


class RouteOptimisation(Lever):
    """Optimise routes and consolidate parcels."""

    name = "route_optimisation"
    mechanism = ("transit days, transit variability, hub wait for the line-haul and cost per "
                 "direct parcel")

    transit_time_cut: float = declare(
        0.15, 0, 0.6, "share of transit days",
        "transit days saved",
        "brief: delivery time -1 to 3 days (UPS 2024)")
    cost_cut: float = declare(
        0.2, 0, 0.6, "share of parcel cost",
        "parcel cost saved",
        "brief: logistics cost -20% (UPS 2024)")
    reliability_gain: float = declare(
        0.3, 0, 1, "share of transit CV",
        "transit-time variability removed",
        "assumption: better routing cuts variance more than the mean")
    departures_per_week: float = declare(
        7.0, 0.5, 28, "departures per week",
        "line-haul departures a direct parcel can take once lanes are planned (the seller's "
        "own lane pooled with consolidators' and other carriers'); never fewer than the "
        "parameter linehaul_departures_per_week",
        "assumption: daily consolidated departures, as the main e-commerce lanes run")
    fixed_cost_per_1k_daily: float = declare(
        0.2, 0, 1_000, "USD per day per 1000 consumers",
        "routing software fee",
        "assumption: SaaS fee")

    def tune(self, mech, regions) -> None:
        """Shorter, steadier, cheaper transit; a shorter wait for the line-haul."""
        mech.transit_factor *= 1.0 - self.transit_time_cut
        mech.linehaul_departures_per_week = self.departures_per_week
        mech.ship_cost_factor *= 1.0 - self.cost_cut
        mech.transit_cv_factor *= 1.0 - self.reliability_gain
        mech.fixed_cost_per_1k_daily += self.fixed_cost_per_1k_daily
