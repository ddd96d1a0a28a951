"""What every lever shares: declared parameters and the two ways it may act.

A lever never touches an outcome metric. It acts either structurally, by rewriting the
seller's spec before the model is built (:meth:`Lever.configure`: warehouses, providers,
products, budgets), or by setting mechanism knobs (:meth:`Lever.tune`: transit times,
targeting, trust signals...), each read by the one mechanism module its declaration names.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from simulation.regions import SHIPPING_MODES

if TYPE_CHECKING:
    from simulation.regions import RegionTable
    from simulation.spec import SellerSpec


@dataclass(frozen=True)
class Knob:
    """What a mechanism knob means (unit included) and the one module that reads it."""

    reader: str  # dotted module name, e.g. "simulation.advertising"
    meaning: str  # unit and meaning, shown in docs/LEVERS.md
    custom_only: bool = False  # set by user levers only (no built-in lever moves it)


KNOB = "knob"
"""Key of a :class:`Knob` in the metadata of a :class:`Mechanics` field."""

SELLERS, WAREHOUSES = "simulation.sellers", "simulation.warehouses"
CULTURE = "simulation.cultural_distance"


def knob(reader: str, meaning: str, *, custom_only: bool = False) -> dict[str, Knob]:
    """Field metadata declaring a :class:`Mechanics` knob: its reader, unit and meaning."""
    return {KNOB: Knob(reader, meaning, custom_only)}


@dataclass(slots=True)
class Mechanics:
    """Mechanism knobs of one seller, set by its levers (neutral values by default).

    Arrays are per region (R,) or per (region, mode) (R, M). Every knob names the one
    module that reads it (:func:`knobs`; tests/test_lever_knobs.py keeps that true).
    """

    n_regions: int
    n_modes: int
    transit_factor: np.ndarray = field(init=False, metadata=knob(
        WAREHOUSES, "(R, M) multiplies mean transit days of direct parcels (shipped, promised)"))
    transit_cv_factor: float = field(default=1.0, metadata=knob(
        WAREHOUSES, "multiplies the transit coefficient of variation"))
    customs_factor: np.ndarray = field(init=False, metadata=knob(
        WAREHOUSES, "(R,) multiplies mean customs delay (shipped, promised)",
        custom_only=True))  # the extension point of notebooks/08_writing_your_own_lever
    linehaul_departures_per_week: float | None = field(default=None, metadata=knob(
        WAREHOUSES, "line-haul departures a week the seller's direct parcels wait for at the "
        "hub (shipped, promised); None: no route planning, the hub's days stand"))
    ship_cost_factor: np.ndarray = field(init=False, metadata=knob(
        WAREHOUSES, "(R, M) multiplies the USD cost of a direct parcel"))
    multimodal_threshold_usd: float | None = field(default=None, metadata=knob(
        SELLERS, "list price (USD) from which direct parcels take the high-value mode; "
        "None: the seller's one direct mode"))
    high_value_mode: int = field(default=SHIPPING_MODES.index("express_air"), metadata=knob(
        SELLERS, "shipping-mode index at or above the threshold"))
    low_value_mode: int = field(default=SHIPPING_MODES.index("sea_freight"), metadata=knob(
        SELLERS, "shipping-mode index below the threshold"))
    targeting_power: np.ndarray | None = field(default=None, metadata=knob(
        "simulation.advertising", "(R,) exponent on the affinity of who sees ads, or on the "
        "buyer-likeness score of the seller's data audience where targeting_data_share > 0; "
        "None: the parameter `ad_targeting_power`"))
    targeting_data_share: np.ndarray | None = field(default=None, metadata=knob(
        "simulation.advertising", "(R,) share of ad impressions delivered to the seller's "
        "lookalike audience (simulation.targeting); None: none"))
    cart_reminder_share: np.ndarray | None = field(default=None, metadata=knob(
        "simulation.cart_recovery", "(R,) share of the seller's abandoned checkouts whose "
        "buyer it may remind (usable first-party data); None: no reminders"))
    data_volume_factor: float = field(default=1.0, metadata=knob(
        SELLERS, "multiplies the daily breach hazard (more data held, more risk)"))
    fine_factor: np.ndarray = field(init=False, metadata=knob(
        "simulation.data_protection", "(R,) multiplies fines after a breach"))
    trust_bonus: np.ndarray = field(init=False, metadata=knob(
        SELLERS, "(R,) relative rise in initial trust"))
    kol_platforms: tuple[int, ...] | None = field(default=None, metadata=knob(
        SELLERS, "platform indices of the KOLs the seller books; None: any"))
    kol_posts_per_week: float | None = field(default=None, metadata=knob(
        SELLERS, "posts per booked KOL per week; None: the parameter"))
    live_streams_per_month: float | None = field(default=None, metadata=knob(
        SELLERS, "streams per booked KOL per month; None: the parameter"))
    kol_commission_rate: float | None = field(default=None, metadata=knob(
        "simulation.live_commerce", "share of live sales paid to the KOL; None: the parameter"))
    live_stock_reserve_days: float = field(default=0.0, metadata=knob(
        WAREHOUSES, "extra days of stock cover for live-stream peaks"))
    live_event_period_days: int = field(default=0, metadata=knob(
        "simulation.kols", "days between synchronised stream events of all booked KOLs; "
        "0: streams at random"))
    group_buy_discount: float = field(default=0.0, metadata=knob(
        "simulation.word_of_mouth", "share off the price for buyers who joined via an "
        "invitation"))
    invite_threshold: int = field(default=0, metadata=knob(
        "simulation.word_of_mouth", "ties a sharer needs before referral rebates apply"))
    extra_cost_per_order: float = field(default=0.0, metadata=knob(
        WAREHOUSES, "USD added to each shipped parcel (e.g. green packaging)"))
    carbon_factor: np.ndarray = field(init=False, metadata=knob(
        WAREHOUSES, "(M + 1,) multiplies kg CO2e per parcel by mode (last: last mile)"))
    fixed_cost_per_1k_daily: float = field(default=0.0, metadata=knob(
        SELLERS, "USD per day per 1000 consumers in target regions (software, fees)"))
    local_kol_share: float | None = field(default=None, metadata=knob(
        CULTURE, "share of KOL bookings with local creators; None: the parameter"))
    localisation: np.ndarray = field(init=False, metadata=knob(
        CULTURE, "(R,) share of cultural distance removed by localised content (> 0: "
        "content in the region's language)"))
    localisation_cost_per_1k_daily: float = field(default=0.0, metadata=knob(
        CULTURE, "USD per day per 1000 consumers in localised regions (marketing spend)"))

    def __post_init__(self) -> None:
        r, m = self.n_regions, self.n_modes
        self.transit_factor = np.ones((r, m))
        self.ship_cost_factor = np.ones((r, m))
        self.customs_factor = np.ones(r)
        self.fine_factor = np.ones(r)
        self.trust_bonus = np.zeros(r)
        self.carbon_factor = np.ones(m + 1)
        self.localisation = np.zeros(r)


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


def knobs() -> dict[str, Knob]:
    """Every mechanism knob (field name -> declaration), in declaration order."""
    return {f.name: f.metadata[KNOB] for f in fields(Mechanics) if KNOB in f.metadata}


def knobs_set_by(lever: type[Lever]) -> tuple[str, ...]:
    """The knobs a lever's ``tune`` assigns, read from its source (docs and tests)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(lever.tune)))
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    mech = func.args.args[1].arg
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(func):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AugAssign) else [])
        found += [(t.lineno, t.col_offset, t.attr) for t in targets
                  if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                  and t.value.id == mech]
    return tuple(dict.fromkeys(name for *_, name in sorted(found)))
