"""Uncertainties and shocks: declared in the spec with their timing and size.

Each shock changes a state the mechanisms read (an exchange rate, a mode's transit time or
closure, customs, de minimis, privacy regime, a platform's reach, purchase occasions) on its
day or window; none touches an outcome metric. Its phase, :func:`shocks_phase`, is the first
of the day (:data:`simulation.schedule.PHASES`). Each shock class declares what it
``changes`` and the mechanism modules that act on that state (``acted_on_by``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.declarations import declare
from simulation.regions import PLATFORMS, SHIPPING_MODES

if TYPE_CHECKING:
    from simulation.model import MarketModel

_STRICT = ConfigDict(frozen=True, extra="forbid")
ModeName = Literal["express_air", "postal_air", "ecommerce_line", "sea_freight", "all"]


class FxShock(BaseModel):
    """A one-off devaluation (positive) or appreciation (negative) of a region's currency."""

    model_config = _STRICT
    changes: ClassVar[str] = "the region's exchange-rate index (`model.fx`)"
    acted_on_by: ClassVar[tuple[str, ...]] = ("simulation.pricing",)  # local-currency prices
    kind: Literal["fx_shock"] = "fx_shock"
    region: str
    day: int = declare(..., 1, 3_650, "day", "the day it strikes (1 = first simulated day)",
                         "scenario input")
    log_change: float = declare(
        ..., -2, 2, "log local units per USD", "change of the exchange rate (+ = devaluation)",
        "scenario input: 2015-2023 emerging-market devaluations reached 0.3-0.7 in log terms")

    def apply(self, model: MarketModel, day: int) -> None:
        """Move the exchange rate on the day."""
        if day == self.day:
            model.fx.shock(model.regions.index(self.region), self.log_change)


class HomeFxShock(BaseModel):
    """A one-off move of the sellers' home currency (CNY): + weakens it, - appreciates it."""

    model_config = _STRICT
    changes: ClassVar[str] = "the home-currency exchange-rate index (`model.home_fx`)"
    acted_on_by: ClassVar[tuple[str, ...]] = ("simulation.seller_policy",)  # sellers' costs
    kind: Literal["home_fx_shock"] = "home_fx_shock"
    day: int = declare(..., 1, 3_650, "day", "the day it strikes (1 = first simulated day)",
                         "scenario input")
    log_change: float = declare(
        ..., -2, 2, "log CNY per USD", "change of the home exchange rate (- = appreciation, "
        "which raises the seller's costs in USD)",
        "scenario input: CNY moved ~0.05-0.1 in log terms in 2015-2023 (e.g. 2017, 2022)")

    def apply(self, model: MarketModel, day: int) -> None:
        """Move the home exchange rate on the day."""
        if day == self.day:
            model.home_fx.shock(0, self.log_change)


class LogisticsDisruption(BaseModel):
    """A mode or route slows (delay factor) or stops (closed) for a window."""

    model_config = _STRICT
    changes: ClassVar[str] = ("delay and closure per (region, mode) "
                              "(`model.mode_delay_factor`, `model.mode_closed_until`)")
    acted_on_by: ClassVar[tuple[str, ...]] = ("simulation.warehouses",)  # shipped and promised
    kind: Literal["logistics_disruption"] = "logistics_disruption"
    region: str | Literal["all"] = "all"
    mode: ModeName = "all"
    start_day: int = declare(..., 1, 3_650, "day", "first day of the disruption", "scenario input")
    end_day: int = declare(..., 1, 3_650, "day", "last day of the disruption", "scenario input")
    delay_factor: float = declare(
        1.0, 1, 20, "multiplier", "multiplies transit days in the window",
        "scenario input: the 2024 Red Sea diversions added ~10-14 days to 30-40 (x1.3-1.5)")
    closed: bool = Field(False, description="parcels wait at the hub until the end")

    @model_validator(mode="after")
    def _window(self) -> LogisticsDisruption:
        if self.end_day < self.start_day:
            raise ValueError(f"end_day ({self.end_day}) before start_day ({self.start_day})")
        return self

    def _cells(self, model: MarketModel) -> tuple[np.ndarray, np.ndarray]:
        regions = (np.arange(model.regions.n) if self.region == "all"
                   else np.array([model.regions.index(self.region)]))
        modes = (np.arange(len(SHIPPING_MODES)) if self.mode == "all"
                 else np.array([SHIPPING_MODES.index(self.mode)]))
        return np.ix_(regions, modes)

    def apply(self, model: MarketModel, day: int) -> None:
        """Slow or close the cells at the start; restore them after the end."""
        cells = self._cells(model)
        if day == self.start_day:
            model.mode_delay_factor[cells] *= self.delay_factor
            if self.closed:
                model.mode_closed_until[cells] = np.maximum(model.mode_closed_until[cells],
                                                            self.end_day)
        if day == self.end_day + 1:
            model.mode_delay_factor[cells] /= self.delay_factor


class RegulationTightening(BaseModel):
    """A region tightens: stricter privacy regime, lower de minimis, longer customs."""

    model_config = _STRICT
    changes: ClassVar[str] = ("the region's privacy strictness, de minimis and customs delay "
                              "(`model.regions`, `model.customs_delay`)")
    acted_on_by: ClassVar[tuple[str, ...]] = (
        "simulation.data_protection", "simulation.pricing", "simulation.warehouses")  # in order
    kind: Literal["regulation_tightening"] = "regulation_tightening"
    region: str
    day: int = declare(..., 1, 3_650, "day", "the day it strikes (1 = first simulated day)",
                         "scenario input")
    privacy_strictness: float | None = declare(
        None, 0, 1, "strictness (0-1)", "new privacy strictness (None: unchanged)",
        "scenario input: 1 is a GDPR-like regime (see the region catalog)")
    de_minimis_usd: float | None = declare(
        None, 0, 100_000, "USD", "new duty-free threshold (None: unchanged)",
        "scenario input: e.g. the 2025 US removal of its USD 800 de minimis")
    extra_customs_days: float = declare(0.0, 0, 60, "days", "added customs clearance days",
                                        "scenario input")

    def apply(self, model: MarketModel, day: int) -> None:
        """Change the region's rules on the day."""
        if day != self.day:
            return
        r = model.regions.index(self.region)
        if self.privacy_strictness is not None:
            model.regions.privacy_strictness[r] = self.privacy_strictness
        if self.de_minimis_usd is not None:
            model.regions.de_minimis_usd[r] = self.de_minimis_usd
        model.customs_delay[r] += self.extra_customs_days


class DataBreach(BaseModel):
    """A seller's data breach becomes public on the day."""

    model_config = _STRICT
    changes: ClassVar[str] = "aware consumers' trust in the seller, its fines and breach count"
    acted_on_by: ClassVar[tuple[str, ...]] = ("simulation.data_protection",)
    kind: Literal["data_breach"] = "data_breach"
    seller: str
    day: int = declare(..., 1, 3_650, "day", "the day it strikes (1 = first simulated day)",
                         "scenario input")

    def apply(self, model: MarketModel, day: int) -> None:
        """Trigger the breach."""
        if day == self.day:
            from simulation.data_protection import data_breach

            data_breach(model, model.seller_index(self.seller))


class PlatformBan(BaseModel):
    """A platform is banned in a region: its ads and KOL content stop reaching users there."""

    model_config = _STRICT
    changes: ClassVar[str] = ("the region's consumers' platforms, ad audiences and the "
                              "platform's KOL followers")
    acted_on_by: ClassVar[tuple[str, ...]] = ("simulation.advertising",)
    kind: Literal["platform_ban"] = "platform_ban"
    region: str
    platform: Literal["tiktok", "facebook", "instagram", "youtube", "local"]
    day: int = declare(..., 1, 3_650, "day", "the day it strikes (1 = first simulated day)",
                         "scenario input")

    def apply(self, model: MarketModel, day: int) -> None:
        """Remove the platform from the region's consumers."""
        if day == self.day:
            from simulation.advertising import ban_platform

            ban_platform(model, model.regions.index(self.region),
                         PLATFORMS.index(self.platform))


class PeakSale(BaseModel):
    """Peak sale days (Black Friday, 11.11): purchase occasions multiply on those days."""

    model_config = _STRICT
    changes: ClassVar[str] = "the day's purchase-occasion multiplier (`model.occasion_boost`)"
    acted_on_by: ClassVar[tuple[str, ...]] = ("simulation.consumers",)  # purchase occasions
    kind: Literal["peak_sale"] = "peak_sale"
    days: list[int] = Field(min_length=1)
    occasion_multiplier: float = declare(
        3.0, 1, 50, "multiplier", "purchase-occasion rate on sale days",
        "assumption: mega-sale days (11.11, Ramadan) bring ~3x the daily orders")

    @model_validator(mode="after")
    def _days(self) -> PeakSale:
        if min(self.days) < 1:
            raise ValueError(f"days must be >= 1, got {min(self.days)}")
        return self

    def apply(self, model: MarketModel, day: int) -> None:
        """Raise occasions today."""
        if day in self.days:
            model.occasion_boost *= self.occasion_multiplier


Shock = Annotated[
    FxShock | HomeFxShock | LogisticsDisruption | RegulationTightening | DataBreach | PlatformBan
    | PeakSale,
    Field(discriminator="kind"),
]
"""Any shock; the ``kind`` field picks the type."""


def apply_shocks(model: MarketModel, day: int) -> None:
    """Reset daily effects, then apply every declared shock for ``day`` in spec order."""
    model.occasion_boost = 1.0
    for shock in model.spec.shocks:
        shock.apply(model, day)


def shocks_phase(model: MarketModel, day: int) -> None:
    """Phase 'shocks': every declared shock acts on its day or window (see apply_shocks)."""
    apply_shocks(model, day)
