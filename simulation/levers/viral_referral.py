"""Viral / referral incentives: rebates for sharers, group-buy discounts for invited friends.

Mechanism: buyers who can invite enough friends (``invite_threshold`` ties) share more
(referral uplift); invited friends who buy get the group-buy price and the sharer earns the
rebate (brief: fission marketing, Pinduoduo-style group buying).
"""

from __future__ import annotations

from simulation.declarations import declare
from simulation.levers.base import Lever, rebalance


class ViralReferral(Lever):
    """Pay referral rebates and give invited buyers a group-buy discount."""

    name = "viral_referral"
    mechanism = "sharing rate, invitations, group-buy price for referred buyers"

    rebate_usd: float = declare(
        3.0, 0, 1_000, "USD per referred purchase",
        "rebate paid to the sharer for a referred first purchase",
        "assumption: Pinduoduo-style cash rebates of a few USD")
    group_buy_discount: float = declare(
        0.1, 0, 0.5, "share of list price",
        "price cut for an invited friend's purchase",
        "assumption: group-buy prices ~10% below solo")
    invite_threshold: int = declare(
        3, 0, 100, "ties",
        "ties a buyer needs to be able to earn rebates",
        "assumption: a group of 3 (brief: family group-buys of 3-5 households)")
    budget_share: float = declare(
        0.2, 0, 1, "share of budget",
        "share of marketing reserved for rebates",
        "assumption: a fifth of the budget")

    def configure(self, spec):
        """Switch the referral programme on and reserve its budget share."""
        new = rebalance(spec.budget_split, "referral", self.budget_share)
        return spec.model_copy(update={"referral_rebate_usd": self.rebate_usd,
                                       "budget_split": new})

    def tune(self, mech, regions) -> None:
        """Group-buy price and the invitation threshold."""
        mech.group_buy_discount = self.group_buy_discount
        mech.invite_threshold = self.invite_threshold
