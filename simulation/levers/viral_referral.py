"""Viral / referral incentives: rebates for sharers, group-buy discounts for invited friends.

Mechanism: buyers who can invite enough friends (``invite_threshold`` ties) share more
(referral uplift); invited friends who buy get the group-buy price and the sharer earns the
rebate (brief: fission marketing, Pinduoduo-style group buying).
"""

from __future__ import annotations

from pydantic import Field

from simulation.levers.base import Lever, rebalance


class ViralReferral(Lever):
    """Pay referral rebates and give invited buyers a group-buy discount."""

    name = "viral_referral"
    mechanism = "sharing rate, invitations, group-buy price for referred buyers"

    rebate_usd: float = Field(3.0, ge=0, le=1_000, description="per referred first purchase")
    group_buy_discount: float = Field(0.1, ge=0, le=0.5, description="share off for invitees")
    invite_threshold: int = Field(3, ge=0, le=100, description="ties needed to earn rebates")
    budget_share: float = Field(0.2, ge=0, le=1, description="share reserved for rebates")

    def configure(self, spec):
        """Switch the referral programme on and reserve its budget share."""
        new = rebalance(spec.budget_split, "referral", self.budget_share)
        return spec.model_copy(update={"referral_rebate_usd": self.rebate_usd,
                                       "budget_split": new})

    def tune(self, mech, regions) -> None:
        """Group-buy price and the invitation threshold."""
        mech.group_buy_discount = self.group_buy_discount
        mech.invite_threshold = self.invite_threshold
