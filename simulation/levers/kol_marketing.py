"""KOL marketing: creators by tier and platform, budget and commission (brief).

Mechanism: which KOLs the seller books (tier mix, platforms), how much of the budget goes
to them and how often they post; their followers get attention and trust transfer.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from simulation.declarations import declare
from simulation.levers.base import Lever, rebalance
from simulation.regions import PLATFORMS


class KolMarketing(Lever):
    """Book KOLs with a given tier mix, platforms, budget share and commission."""

    name = "kol_marketing"
    mechanism = "KOL bookings: reach and trust transfer to followers"

    budget_share: float = declare(
        0.5, 0, 1, "share of budget",
        "share of marketing spent on KOLs",
        "assumption: KOL-led entry strategy")
    tier_mix: dict[str, float] = declare(
        None, 0, 1, "share of KOL budget",
        "share of the KOL budget by tier (normalised)",
        "brief: creator pyramid weighted to KOCs (1 head KOL + 100 KOCs)", check=False,
        default_factory=lambda: {"nano": 0.4, "micro": 0.3, "mid": 0.2, "macro": 0.1,
                                 "mega": 0.0})
    platforms: list[str] | None = Field(None, description="None: any platform")
    posts_per_week: float = declare(
        2.0, 0, 14, "posts per week",
        "posts per contracted KOL",
        "assumption: two sponsored posts a week")
    commission_rate: float = declare(
        0.1, 0, 0.5, "share of live sales",
        "commission paid to the KOL on live-stream sales",
        "assumption: 10-20% creator commissions on TikTok Shop")

    local_kol_share: float = declare(
        1.0, 0, 1, "share of KOL bookings",
        "share of bookings with local creators (the rest are home-market hosts or agency"
        " accounts that carry the seller's cultural distance and content language)",
        "assumption: as the parameter local_kol_share (creators are local residents)")

    @model_validator(mode="after")
    def _check(self) -> KolMarketing:
        bad = [p for p in self.platforms or [] if p not in PLATFORMS]
        if bad:
            raise ValueError(f"platforms: unknown {bad}; use {list(PLATFORMS)}")
        return self

    def configure(self, spec):
        """Move the budget split toward KOLs and set the tier mix."""
        new = rebalance(spec.budget_split, "kols", self.budget_share)
        return spec.model_copy(update={"budget_split": new, "kol_tier_mix": self.tier_mix})

    def tune(self, mech, regions) -> None:
        """Platforms, posting rate, commission and the share of local creators."""
        if self.platforms is not None:
            mech.kol_platforms = tuple(PLATFORMS.index(p) for p in self.platforms)
        mech.kol_posts_per_week = self.posts_per_week
        mech.kol_commission_rate = self.commission_rate
        mech.local_kol_share = self.local_kol_share
