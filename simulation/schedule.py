"""The day's protocol: an ordered list of named phases, each implemented by one module.

:data:`PHASES` is the single statement of the schedule. ``MarketModel.step`` runs it in order,
and the ODD's process overview (docs/ODD.md, section 1.3) is generated from it by
``python -m simulation.docs``; tests/test_docs.py fails when the two disagree.
Each phase is a function ``run(model, day)`` that lives in the module of its mechanism: the
model wires and sequences, the modules decide and settle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulation import (
    advertising,
    checkout,
    consumers,
    content_sharing,
    fission,
    fulfilment,
    kols,
    metrics,
    payments,
    reviews,
    seller_policy,
    sellers,
    shocks,
    warehouses,
)

if TYPE_CHECKING:
    from simulation.model import MarketModel


@dataclass(frozen=True)
class Phase:
    """One named step of the day: what it is for, and the function that carries it out."""

    name: str
    purpose: str
    run: Callable[[MarketModel, int], None]

    @property
    def module(self) -> str:
        """The module that implements the phase (where its mechanism lives)."""
        return self.run.__module__


PHASES: tuple[Phase, ...] = (
    Phase("shocks", "declared shocks strike on their day or window: exchange rates, routes, "
          "customs, privacy rules, data breaches, platform bans, peak sales",
          shocks.shocks_phase),
    Phase("markets", "each currency's log exchange-rate index takes a mean-reverting "
          "random step", payments.markets_phase),
    Phase("seller review", "adaptive sellers whose review is due move budget between "
          "channels and regions, step prices within bounds and leave regions after sustained "
          "losses; fixed plans do nothing", seller_policy.review_phase),
    Phase("sellers plan", "replenishment that is due arrives; sellers pay warehouse fixed "
          "costs, compliance and services; a data breach may become public",
          sellers.plan_phase),
    Phase("ads", "sellers buy ad impressions with their ad budget; noticed impressions "
          "reach social-media users as touches", advertising.ads_phase),
    Phase("KOL content", "contracted KOLs post (attention and trust to followers) and "
          "live-stream (stronger touches, impulse purchase occasions at the live price)",
          kols.content_phase),
    Phase("content forwarding", "some viewers of today's ads, KOL posts and live-streams "
          "forward them to friends (word-of-mouth touches the same day, messaging-only users "
          "included)", content_sharing.forwarding_phase),
    Phase("perception and funnel", "consumers take in the day's touches, forget a little, "
          "and move between unaware, aware, interested and trusting", consumers.funnel_phase),
    Phase("referral programme", "the day's marketing budget is allocated and the referral "
          "share accrues to each seller's referral pot per region (beyond referral_pot_days "
          "of budget it buys tomorrow's ads); invitations past the group window or to a full "
          "group expire", fission.referral_phase),
    Phase("choice and checkout", "consumers with a purchase occasion choose by multinomial "
          "logit (group-buy invitations and abandoned-cart reminders bring occasions limited "
          "to one seller); checkout settles payment coverage, abandonment, screening and "
          "fraud, and reminders go to contactable abandoners",
          checkout.choice_and_checkout_phase),
    Phase("fulfilment and transit", "warehouses pick and ship first-in first-out within "
          "capacity and stock; parcels travel, clear customs, arrive or are lost",
          fulfilment.fulfilment_and_transit_phase),
    Phase("reviews, returns and sharing", "buyers judge what arrived, review, return or keep, "
          "and tell friends (touches for tomorrow)", reviews.review_and_return),
    Phase("settlement and replenishment", "providers pay out what is due; warehouses review "
          "stock and pay holding costs; finished orders are folded into totals",
          warehouses.settlement_and_replenishment_phase),
    Phase("measurement", "metrics per region and in total are computed and collected by "
          "Mesa's DataCollector", metrics.measurement_phase),
)


def schedule_markdown(phases: tuple[Phase, ...] = PHASES) -> str:
    """The process overview as a Markdown list (name, purpose, implementing module)."""
    lines = ["`MarketModel.step()` runs these phases every day, in this order (generated from "
             "`simulation.schedule.PHASES`):", ""]
    lines += [f"{i}. **{p.name}** (`{p.module}`): {p.purpose}." for i, p in
              enumerate(phases, start=1)]
    return "\n".join(lines) + "\n"
