"""What every lever shares: declared parameters and the two ways it may act.

A lever never touches an outcome metric. It acts either structurally, by rewriting the
seller's spec before the model is built (:meth:`Lever.configure`: warehouses, providers,
products, budgets), or by setting mechanism knobs the seller's own code reads
(:meth:`Lever.tune`: transit times, targeting, screening, trust signals...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from simulation.regions import RegionTable
    from simulation.spec import SellerSpec


@dataclass
class Mechanics:
    """Mechanism knobs of one seller, set by its levers (neutral values by default).

    Arrays are per region (R,) or per (region, mode) (R, M).
    """

    n_regions: int
    n_modes: int
    transit_factor: np.ndarray = field(init=False)  # (R, M) multiplies mean transit days
    transit_cv_factor: float = 1.0  # multiplies transit variability
    customs_factor: np.ndarray = field(init=False)  # (R,) multiplies mean customs delay
    ship_cost_factor: np.ndarray = field(init=False)  # (R, M) multiplies parcel cost
    multimodal_threshold_usd: float | None = None  # None: one direct mode for all
    high_value_mode: int = 0
    low_value_mode: int = 3
    targeting_power: float | None = None  # None: the platform default parameter
    targeting_data_share: np.ndarray = field(init=False)  # (R,) usable first-party data
    data_volume_factor: float = 1.0  # multiplies breach hazard (more data, more risk)
    breach_hazard_factor: np.ndarray = field(init=False)  # (R,) compliance practices
    fine_factor: np.ndarray = field(init=False)  # (R,) compliant sellers are fined less
    trust_bonus: np.ndarray = field(init=False)  # (R,) relative rise in initial trust
    rating_boost: float = 0.0  # not used by default; reserved for reputation levers
    kol_platforms: tuple[int, ...] | None = None  # None: any platform
    kol_posts_per_week: float | None = None
    live_streams_per_month: float | None = None
    kol_commission_rate: float | None = None
    live_stock_reserve_days: float = 0.0  # extra stock held for live-stream peaks
    live_event_period_days: int = 0  # >0: all booked KOLs stream together every N days
    group_buy_discount: float = 0.0  # price cut for buyers who joined via an invitation
    invite_threshold: int = 0  # ties a sharer needs before referral rebates apply
    extra_cost_per_order: float = 0.0  # USD per shipped parcel (e.g. green packaging)
    carbon_factor: np.ndarray = field(init=False)  # (M + 1,) multiplies kg CO2 per parcel
    fixed_cost_per_1k_daily: float = 0.0  # USD per day per 1000 consumers (software, fees)

    def __post_init__(self) -> None:
        r, m = self.n_regions, self.n_modes
        self.transit_factor = np.ones((r, m))
        self.ship_cost_factor = np.ones((r, m))
        self.customs_factor = np.ones(r)
        self.targeting_data_share = np.zeros(r)
        self.breach_hazard_factor = np.ones(r)
        self.fine_factor = np.ones(r)
        self.trust_bonus = np.zeros(r)
        self.carbon_factor = np.ones(m + 1)


CHANNELS = ("ads", "kols", "referral")


def rebalance(split, channel: str, share: float):
    """A budget split giving ``channel`` the ``share`` and scaling the others to fit.

    When the other channels had nothing, the remainder goes to ads.

    >>> from simulation.spec import BudgetSplit
    >>> rebalance(BudgetSplit(ads=0.6, kols=0.4, referral=0.0), "referral", 0.2).ads
    0.48
    """
    others = [c for c in CHANNELS if c != channel]
    rest = sum(getattr(split, c) for c in others)
    values = {channel: share}
    for c in others:
        if rest > 0:
            values[c] = getattr(split, c) * (1.0 - share) / rest
        else:
            values[c] = (1.0 - share) if c == "ads" else 0.0
    return split.model_copy(update=values)


class Lever(BaseModel):
    """Base class of the levers: frozen, validated parameters with units in the docstrings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str] = ""
    mechanism: ClassVar[str] = ""

    def configure(self, spec: SellerSpec) -> SellerSpec:
        """Return the seller spec with the lever's structural changes (default: none)."""
        return spec

    def tune(self, mech: Mechanics, regions: RegionTable) -> None:
        """Set the mechanism knobs this lever moves (default: none)."""
