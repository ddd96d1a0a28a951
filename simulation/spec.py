"""The market specification: what one simulation run contains, validated before it starts.

A :class:`MarketSpec` names the regions, the population, the horizon, the sellers with their
products, budgets, fulfilment and payment set-up, and the behavioural parameters. Every
field has a range; :func:`validate_spec` checks a spec completely (fields, ranges, region and
seller references) and reports every problem at once, one plain line each naming the path as
written, the bad value and what is allowed, with a "did you mean" for misspelt names.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.declarations import declare
from simulation.levers import Levers
from simulation.parameters import KOL_TIER_NAMES, ModelParameters
from simulation.profiles import DEFAULT_PROFILE, resolve_parameters
from simulation.provider_spec import DEFAULT_PROVIDERS, PaymentProviderSpec
from simulation.regions import PAYMENT_METHODS, SHIPPING_MODES
from simulation.shocks import Shock
from simulation.yaml_loading import load_yaml_file

CATEGORIES: tuple[str, ...] = ("apparel", "cosmetics", "small_appliances", "home", "electronics")
"""Product categories; visual categories suit social selling (brief)."""

Category = Literal["apparel", "cosmetics", "small_appliances", "home", "electronics"]
ShippingModeName = Literal["express_air", "postal_air", "ecommerce_line", "sea_freight"]

_STRICT = ConfigDict(frozen=True, extra="forbid")

KOL_TIERS: tuple[str, ...] = KOL_TIER_NAMES
"""Influencer tiers by follower count, smallest first (declared in :mod:`simulation.parameters`)."""


class ProductSpec(BaseModel):
    """One product a seller lists."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    category: Category = "apparel"
    price_usd: float = declare(
        25.0, 0, 100_000, "USD", "list price", "scenario input: a typical social-commerce "
        "apparel price (brief: visual categories suit social selling)", lo_open=True)
    unit_cost_usd: float = declare(
        9.0, 0, 100_000, "USD per unit", "landed factory cost",
        "scenario input: assumption of a ~60% gross margin for Chinese exporters")
    quality: float = declare(
        0.55, 0, 1, "quality units (0-1)", "perceived quality",
        "scenario input: assumption, slightly above the market's average (0.5)")
    green: bool = Field(False, description="green product and packaging")

    @model_validator(mode="after")
    def _cost_below_price(self) -> ProductSpec:
        if self.unit_cost_usd >= self.price_usd:
            raise ValueError(
                f"unit_cost_usd ({self.unit_cost_usd}) must be below price_usd ({self.price_usd})"
            )
        return self


class BudgetSplit(BaseModel):
    """Shares of the marketing budget by channel; they sum to 1."""

    model_config = _STRICT

    ads: float = declare(0.6, 0, 1, "share of budget", "share of marketing spent on ads",
                         "scenario input: assumption, paid social ads lead an entrant's mix")
    kols: float = declare(0.4, 0, 1, "share of budget", "share of marketing spent on KOLs",
                          "scenario input: assumption, creators take the rest")
    referral: float = declare(0.0, 0, 1, "share of budget",
                              "share of marketing reserved for referral rebates",
                              "scenario input: none without the viral_referral lever")

    @model_validator(mode="after")
    def _sums_to_one(self) -> BudgetSplit:
        total = self.ads + self.kols + self.referral
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"ads + kols + referral must sum to 1, got {total:.4f}")
        return self


class ReplenishmentSpec(BaseModel):
    """Periodic-review, order-up-to replenishment of every warehouse."""

    model_config = _STRICT

    review_period_days: int = declare(
        7, 1, 365, "days", "days between stock reviews",
        "assumption: weekly review, common for cross-border sellers")
    factory_lead_time_days: float = declare(
        10.0, 0, 180, "days", "factory to China hub lead time",
        "assumption: 1-2 weeks for made-to-stock goods")
    safety_factor: float = declare(
        1.3, 0, 10, "multiple of cover", "order-up-to level as a multiple of forecast cover",
        "assumption: ~30% buffer over expected demand")
    forecast_window_days: int = declare(
        14, 1, 365, "days", "moving-average window of the demand forecast",
        "assumption: two weeks smooths weekly cycles")
    initial_stock_days: float = declare(
        30.0, 0, 365, "days of demand", "opening stock, in days of prior demand",
        "assumption: a month of cover at launch")
    prior_daily_orders_per_1k: float = declare(
        0.5, 0, 1_000, "orders per day per 1000 consumers",
        "demand assumed before any sales (sizes opening stock)",
        "assumption: a cautious launch forecast")


class FulfilmentSpec(BaseModel):
    """How orders reach consumers: direct parcels from the hub, or overseas warehouses."""

    model_config = _STRICT

    direct_mode: ShippingModeName = "ecommerce_line"
    overseas_warehouses: list[str] = Field(
        default_factory=list, description="region codes with an overseas warehouse"
    )
    overseas_fixed_cost_per_1k_daily: float = declare(
        2.0, 0, 10_000, "USD per day per 1000 consumers", "overseas warehouse fixed cost",
        "assumption: rent and staff of a shared third-party warehouse")


class SellerPolicy(BaseModel):
    """How a seller adapts: a fixed plan, or periodic reviews (see :mod:`simulation.seller_policy`).

    ``fixed`` keeps prices, budgets and regions as declared (the "what-if" plan); ``adaptive``
    reviews every ``review_period_days``: it moves budget between channels and regions by
    observed acquisition and contribution per dollar, steps its prices within bounds and
    leaves a region after ``exit_after_losing_reviews`` losing reviews in a row. A zero
    share, step or count switches that part off.
    """

    model_config = _STRICT

    mode: Literal["fixed", "adaptive"] = "fixed"
    review_period_days: int = declare(
        30, 1, 365, "days", "days between the seller's reviews of its regions",
        "assumption: a monthly business review, the usual planning cycle of small sellers")
    budget_shift_share: float = declare(
        0.2, 0, 1, "share of a cell's daily budget",
        "share of the worst channel's and the worst region's budget moved to the best per review",
        "assumption: gradual reallocation (a fifth per month) so noise does not empty a cell")
    price_step: float = declare(
        0.05, 0, 0.5, "share of the initial price", "price change per review (up or down)",
        "assumption: sellers test prices in ~5% steps")
    price_floor: float = declare(
        0.8, 0.05, 1, "multiple of the initial price", "lowest price the seller will set",
        "assumption: a 20% markdown keeps the default products above unit and shipping cost")
    price_ceiling: float = declare(
        1.25, 1, 5, "multiple of the initial price", "highest price the seller will set",
        "assumption: a quarter above list before the positioning itself changes")
    exit_after_losing_reviews: int = declare(
        3, 0, 100, "reviews", "consecutive reviews with a loss in a region before leaving it "
        "(0 = never leave)",
        "assumption: a quarter of sustained losses after launch, as sellers commonly allow")

    @model_validator(mode="after")
    def _bounds(self) -> SellerPolicy:
        if self.price_floor > self.price_ceiling:
            raise ValueError(f"price_floor ({self.price_floor}) must not exceed price_ceiling "
                             f"({self.price_ceiling})")
        return self


def _default_products() -> list[ProductSpec]:
    return [
        ProductSpec(name="dress", category="apparel", price_usd=25.0, unit_cost_usd=9.0,
                    quality=0.55),
        ProductSpec(name="serum", category="cosmetics", price_usd=18.0, unit_cost_usd=5.0,
                    quality=0.6),
        ProductSpec(name="blender", category="small_appliances", price_usd=60.0,
                    unit_cost_usd=28.0, quality=0.6),
    ]


class SellerSpec(BaseModel):
    """One seller: products, marketing, fulfilment, payments and compliance."""

    model_config = _STRICT

    name: str = Field("entrant", min_length=1)
    origin: Literal["cross_border", "local"] = "cross_border"
    home_region: str | None = Field(None, description="for a local seller: its region code")
    home_culture: str | None = Field(
        None, description="home culture whose Hofstede scores set the cultural distance: a code"
        " of data/cultures.yaml (CN) or a region code; None: CN, or a local seller's region")
    content_language: str | None = Field(
        None, description="ISO 639-1 language of the seller's own, unlocalised content (e.g."
        " 'en' for English-only copy); None: machine-translated into each region's language"
        " (assumption: marketplaces translate listings and ads), so no language mismatch")
    target_regions: list[str] | None = Field(None, description="None = every model region")
    products: list[ProductSpec] = Field(default_factory=_default_products, min_length=1)
    marketing_budget_per_1k_daily: float = declare(
        3.0, 0, 100_000, "USD per day per 1000 consumers",
        "marketing budget: the seller's total, stated per 1000 consumers it serves on average; "
        "spread over its regions by expected revenue (budget_income_elasticity, "
        "simulation.budget)",
        "scenario input: assumption, no sourced entrant budget; USD 3 per 1000 represented "
        "adults a day (~USD 1.1 per adult a year), spread by purchasing power, buys the same "
        "impressions per adult a day in each of its regions at the model's CPMs (0.22 in the "
        "seven-region validation market, 0.12 in the US alone, 1.6 in Nigeria alone, with the "
        "default 60% ad share), an always-on campaign that an entrant can afford")
    budget_split: BudgetSplit = Field(default_factory=BudgetSplit)
    kol_tier_mix: dict[str, float] = declare(
        None, 0, 1, "share of KOL budget", "share of the KOL budget by tier (normalised)",
        "assumption: weighted to small creators (brief: 1 head KOL + 100 KOCs)", check=False,
        default_factory=lambda: {"nano": 0.3, "micro": 0.3, "mid": 0.2, "macro": 0.15,
                                 "mega": 0.05})
    live_stream_discount: float = declare(
        0.1, 0, 0.9, "share of list price", "price cut during a live-stream",
        "assumption: live-stream coupons of ~10%")
    claim_inflation: float = declare(
        0.0, 0, 1, "share of the gap to top quality",
        "how far the seller's content (KOL posts, live-streams) overclaims: claimed quality = "
        "quality + claim_inflation x (1 - quality)",
        "scenario input: 0 = honest content; misleading content is a strategy to test")
    referral_rebate_usd: float = declare(
        0.0, 0, 1_000, "USD per referred purchase", "rebate per referred friend's purchase",
        "scenario input: none without the viral_referral lever")
    fulfilment: FulfilmentSpec = Field(default_factory=FulfilmentSpec)
    replenishment: ReplenishmentSpec = Field(default_factory=ReplenishmentSpec)
    payment_providers: list[PaymentProviderSpec] = Field(
        default_factory=lambda: list(DEFAULT_PROVIDERS), min_length=1
    )
    compliance_spend_per_1k_daily: float = declare(
        0.2, 0, 10_000, "USD per day per 1000 consumers", "data-compliance spend",
        "assumption: minimal compliance without the data_compliance lever")
    certified: bool = Field(False, description="third-party credit certification")
    costs_in_home_currency: bool = Field(
        True, description="a cross-border seller pays unit and fixed costs in its home currency "
        "(CNY), so they move with the home exchange rate in USD")
    policy: SellerPolicy = Field(default_factory=SellerPolicy,
                                 description="fixed plan or adaptive reviews")
    levers: Levers = Field(default_factory=Levers, description="strategy levers switched on")

    @model_validator(mode="after")
    def _check(self) -> SellerSpec:
        unknown = set(self.kol_tier_mix) - set(KOL_TIERS)
        if unknown:
            raise ValueError(f"kol_tier_mix: unknown tier(s) {sorted(unknown)}; use {KOL_TIERS}")
        if any(v < 0 for v in self.kol_tier_mix.values()) or sum(
            self.kol_tier_mix.values()
        ) <= 0:
            raise ValueError("kol_tier_mix: shares must be >= 0 with a positive sum")
        if self.origin == "local" and self.home_region is None:
            raise ValueError("home_region: a local seller needs its region code")
        names = [p.name for p in self.products]
        if len(set(names)) != len(names):
            raise ValueError(f"products: names must be unique, got {names}")
        return self


class MarketSpec(BaseModel):
    """A complete, validated description of one market simulation."""

    model_config = _STRICT

    name: str = Field("baseline", min_length=1)
    regions: list[str] | None = Field(None, description="region codes; None = whole catalog")
    n_consumers: int = declare(
        20_000, 1, 20_000_000, "consumers", "modelled consumers over all regions",
        "engineering: enough for stable region shares; scale by region population weights")
    horizon_days: int = declare(180, 1, 3_650, "days", "simulated days",
                                "scenario input: half a year covers launch and repurchase")
    online_only: bool = declare(
        False, 0, 1, "flag",
        "simulate only the online consumers (n_consumers x internet share per region, rounded): "
        "offline ones are reached by no channel; budgets, warehouses and the consumer counts of "
        "the metrics stay those of the n_consumers represented (see docs/ODD.md)",
        "engineering: no compute on people nobody can reach", check=False)
    sellers: list[SellerSpec] = Field(default_factory=lambda: [SellerSpec()], min_length=1)
    profile: str = Field(
        DEFAULT_PROFILE,
        description="parameter profile laid under the spec's own parameters: 'calibrated', "
                    "'declared' (the documented priors) or a path to a parameter file")
    parameters: ModelParameters = Field(default_factory=ModelParameters)
    region_overrides: dict[str, Any] = Field(
        default_factory=dict, description="{'BR': {'customs_delay_days': 9}, ...}"
    )
    catalog: str | None = Field(None, description="path to another region catalog YAML")
    shocks: list[Shock] = Field(default_factory=list, description="uncertainties with timing")

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        """Fill the parameters the spec does not set from its profile (explicit ones win)."""
        return resolve_parameters(data) if isinstance(data, Mapping) else data

    @model_validator(mode="after")
    def _check(self) -> MarketSpec:
        names = [s.name for s in self.sellers]
        if len(set(names)) != len(names):
            raise ValueError(f"sellers: names must be unique, got {names}")
        if self.regions is not None:
            if not self.regions:
                raise ValueError("regions: give at least one region code (or omit for all)")
            if len(set(self.regions)) != len(self.regions):
                raise ValueError(f"regions: duplicate codes in {self.regions}")
        return self


# --- error reporting: every problem at once, in the user's words ---------------------------

OPTIONS_SHOWN = 20
"""Allowed values listed in a message at most (a parameter set has ~60 names)."""
SUGGESTIONS = 3
"""Close names offered in a "did you mean" at most."""
SIMILARITY_CUTOFF = 0.6
"""difflib similarity (0-1) a name needs to be offered as a suggestion."""
VALUE_SHOWN_CHARS = 60
"""Longest rendering of a bad value in a message (longer ones are cut with an ellipsis)."""
LARGEST_EXACT_FLOAT = 1e15
"""Integral floats below this are shown as integers (30.0 -> 30)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: its location (keys and list indices) and what is wrong.

    ``path`` replaces the rendering of ``loc`` when the place is not a location in the data
    (a patch naming a seller the base does not have).
    """

    loc: tuple[str | int, ...]
    message: str
    path: str | None = None


class SpecError(ValueError):
    """Every problem of an input, one line each (``str`` is the lines joined)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = tuple(lines)
        super().__init__("\n".join(self.lines))


def show_value(value: Any) -> str:
    """A bad value as the user wrote it in YAML: 45, 0.5, 'BRA', true, null, [1, 2]."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < LARGEST_EXACT_FLOAT:
        return str(int(value))
    text = repr(value)
    return text if len(text) <= VALUE_SHOWN_CHARS else text[: VALUE_SHOWN_CHARS - 1] + "…"


def _quoted(values: Sequence[Any]) -> str:
    shown = [repr(v) for v in values[:OPTIONS_SHOWN]]
    more = f", … ({len(values)} in all)" if len(values) > OPTIONS_SHOWN else ""
    return ", ".join(shown) + more


def suggestion(value: Any, options: Sequence[Any], *, list_if_none: bool = True) -> str:
    """``"did you mean 'BR'?"`` for the closest options, else the allowed ones (or "")."""
    if isinstance(value, str):
        names = [o for o in options if isinstance(o, str)]
        by_lower = {o.lower(): o for o in names}
        close = difflib.get_close_matches(value.lower(), list(by_lower), SUGGESTIONS,
                                          SIMILARITY_CUTOFF)
        if close:
            return "did you mean " + " or ".join(repr(by_lower[c]) for c in close) + "?"
    return f"allowed: {_quoted(list(options))}" if list_if_none and options else ""


def _with(message: str, hint: str) -> str:
    return f"{message}; {hint}" if hint else message


def render_path(loc: Sequence[str | int], data: Any = None) -> str:
    """A location as the user wrote it: ``sellers[entrant].levers.live_streaming.discount``.

    List items that have a unique ``name`` are named by it (sellers, products, providers);
    other list items by their index, ``shocks[0]``.
    """
    parts: list[str] = []
    node, parent = data, None
    for seg in loc:
        if isinstance(seg, int):
            label: str | int = seg
            if isinstance(node, list) and 0 <= seg < len(node):
                label = _item_label(node, seg, parent)
                node = node[seg]
            else:
                node = None
            parts.append(f"[{label}]")
        else:
            parts.append(f".{seg}" if parts else str(seg))
            node = node.get(seg) if isinstance(node, Mapping) else None
            parent = seg
    return "".join(parts)


def _item_label(items: list[Any], index: int, parent: str | int | None) -> str | int:
    """The name of a list item if it has a unique one (a seller without one is 'entrant')."""
    default = SellerSpec.model_fields["name"].default if parent == "sellers" else None

    def name(item: Any) -> Any:
        return item.get("name", default) if isinstance(item, Mapping) else None

    own = name(items[index])
    names = [name(item) for item in items]
    return own if isinstance(own, str) and own and names.count(own) == 1 else index


def _dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc)


# Pydantic reports the branch of a union it tried as an extra location segment:
# 'list[str]', "literal['all']", 'OverseasWarehouse', or the discriminator's value.
_TAG_CHARS = frozenset("[]'\"")
_SCALAR_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict"})
_PATH_IN_MESSAGE = re.compile(r"^([A-Za-z_]\w*(?:\.\w+)*): (.+)$", re.DOTALL)


def _is_tag(seg: str, node: Any, last: bool) -> bool:
    if isinstance(node, Mapping) and node.get("kind") == seg:
        return True
    if _TAG_CHARS & set(seg) or (seg[:1].isupper() and not seg.isupper()):
        return True
    return not isinstance(node, Mapping) and node is not _UNKNOWN and (
        seg in _SCALAR_TAGS or not last)


_UNKNOWN = object()


def _clean_loc(loc: Sequence[str | int], data: Any) -> tuple[tuple[str | int, ...], bool]:
    """The location without union-branch segments, and whether a branch was dropped."""
    out: list[str | int] = []
    node, branched = (data if data is not None else _UNKNOWN), False
    for i, seg in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(node, Mapping) and seg in node) or (
                isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node)):
            node = node[seg]
        elif isinstance(seg, str) and _is_tag(seg, node, last):
            branched = branched or not (isinstance(node, Mapping) and node.get("kind") == seg)
            continue
        else:
            node = _UNKNOWN
        out.append(seg)
    return tuple(out), branched


def _resolve(tp: Any, node: Any) -> Any:
    """The concrete type behind Annotated/Optional/union annotations for this data node."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [_resolve(a, node) for a in get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models and isinstance(node, Mapping):
                kind = node.get("kind")
                tagged = [m for m in models if "kind" in m.model_fields
                          and m.model_fields["kind"].default == kind]
                return tagged[0] if tagged else (models[0] if len(models) == 1 else None)
            lists = [a for a in args if get_origin(a) is list]
            if isinstance(node, list) and lists:
                return lists[0]
            return args[0] if len(args) == 1 else tp
        return tp


def _step(tp: Any, seg: str | int, node: Any) -> Any:
    tp = _resolve(tp, node)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(seg) if isinstance(seg, str) else None
        return field.annotation if field is not None else None
    origin, args = get_origin(tp), get_args(tp)
    if origin in (list, tuple, set, frozenset) and isinstance(seg, int) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _child(node: Any, seg: str | int) -> Any:
    if isinstance(node, Mapping):
        return node.get(seg)
    if isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
        return node[seg]
    return None


def _model_at(model: type[BaseModel] | None, loc: Sequence[str | int],
              data: Any) -> tuple[type[BaseModel] | None, Any]:
    """The model class describing the container at ``loc`` (None if not a model), its data."""
    tp: Any = model
    node = data
    for seg in loc:
        if tp is None:
            return None, None
        tp = _step(tp, seg, node)
        node = _child(node, seg)
    tp = _resolve(tp, node) if tp is not None else None
    return (tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None), node


def _bounds_text(model: type[BaseModel] | None, loc: Sequence[str | int], data: Any) -> str:
    """``"allowed: 0 to 30"`` from the field's declared bounds, or ""."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    parent, _ = _model_at(model, loc[:-1], data)
    field = parent.model_fields.get(loc[-1]) if parent is not None else None
    if field is None:
        return ""
    b = {k: getattr(m, k) for m in field.metadata for k in ("ge", "gt", "le", "lt")
         if hasattr(m, k)}
    if "ge" in b and "le" in b:
        return f"allowed: {show_value(b['ge'])} to {show_value(b['le'])}"
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    return ("allowed: " + " and ".join(f"{words[k]} {show_value(v)}" for k, v in b.items())
            if b else "")


_KINDS = {
    "int_parsing": "a whole number", "int_type": "a whole number",
    "int_from_float": "a whole number", "float_parsing": "a number", "float_type": "a number",
    "bool_parsing": "true or false", "bool_type": "true or false", "string_type": "text",
    "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
    "model_attributes_type": "a mapping", "none_required": "null",
}
_BOUND_WORDS = {"greater_than_equal": ("ge", "is below the minimum"),
                "greater_than": ("gt", "must be above"),
                "less_than_equal": ("le", "is above the maximum"),
                "less_than": ("lt", "must be below")}


def _literal_options(ctx: Mapping[str, Any]) -> list[str]:
    return re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))


def _describe_one(e: Mapping[str, Any], loc: tuple[str | int, ...],
                  model: type[BaseModel] | None, data: Any) -> Problem:
    """One pydantic error in plain words: the bad value and what is allowed."""
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    shown = show_value(value)
    if kind == "extra_forbidden":
        parent, _ = _model_at(model, loc[:-1], data)
        names = list(parent.model_fields) if parent is not None else []
        return Problem(loc, _with("unknown field", suggestion(loc[-1], names)))
    if kind in _BOUND_WORDS:
        key, words = _BOUND_WORDS[kind]
        bound = f"{shown} {words} {show_value(ctx.get(key))}"
        extra = _bounds_text(model, loc, data)
        return Problem(loc, f"{bound} ({extra})" if extra else bound)
    if kind == "literal_error":
        options = _literal_options(ctx)
        return Problem(loc, _with(f"{shown} is not one of {_quoted(options)}",
                                  suggestion(value, options, list_if_none=False)))
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error") or e["msg"]).removeprefix("Value error, ")
        match = _PATH_IN_MESSAGE.match(text)
        if match:
            more = tuple(int(p) if p.isdigit() else p for p in match.group(1).split("."))
            return Problem(loc + more, match.group(2))
        return Problem(loc, text)
    if kind == "missing":
        return Problem(loc, "required, but missing")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field = str(ctx.get("discriminator", "kind")).strip("'\"")
        options = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        if kind == "union_tag_not_found":
            return Problem((*loc, field), f"required, but missing; one of {_quoted(options)}")
        tag = ctx.get("tag")
        return Problem((*loc, field), _with(f"{show_value(tag)} is not one of "
                                             f"{_quoted(options)}",
                                             suggestion(tag, options, list_if_none=False)))
    if kind in ("too_short", "too_long"):
        words = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        return Problem(loc, f"needs {words} {limit} item(s), got {ctx.get('actual_length')}")
    if kind == "string_too_short":
        return Problem(loc, "must not be empty")
    if kind == "finite_number":
        return Problem(loc, f"{shown} is not allowed (a finite number is)")
    if kind in _KINDS:
        return Problem(loc, f"{shown} is not {_KINDS[kind]}")
    return Problem(loc, f"{e['msg']} (got {shown})")


def describe_errors(err: ValidationError, model: type[BaseModel] | None = None,
                    data: Any = None) -> list[Problem]:
    """Every error of ``err`` in plain words; the alternatives of a union become one problem.

    ``model`` and ``data`` (what was validated) give "did you mean" suggestions for unknown
    fields, declared ranges, and the names of list items.
    """
    # Union alternatives (one per branch tried) are gathered into one problem in place.
    slots: list[Problem | tuple[str | int, ...]] = []
    alternatives: dict[tuple[str | int, ...], list[Mapping[str, Any]]] = {}
    for e in err.errors(include_url=False):
        loc, branched = _clean_loc(e["loc"], data)
        if not branched:
            slots.append(_describe_one(e, loc, model, data))
        elif loc in alternatives:
            alternatives[loc].append(e)
        else:
            alternatives[loc] = [e]
            slots.append(loc)
    problems = [s if isinstance(s, Problem) else _describe_union(alternatives[s], s, model, data)
                for s in slots]
    return list(dict.fromkeys(problems))


def _describe_union(errors: list[Mapping[str, Any]], loc: tuple[str | int, ...],
                    model: type[BaseModel] | None, data: Any) -> Problem:
    """The errors of every branch of a union at one place, as one problem."""
    if len(errors) == 1:
        return _describe_one(errors[0], loc, model, data)
    value = errors[0].get("input")
    wanted, options = [], []
    for e in errors:
        if e["type"] == "literal_error":
            options += _literal_options(e.get("ctx") or {})
        else:
            wanted.append(_KINDS.get(e["type"], e["msg"]))
    wanted += [repr(o) for o in options]
    return Problem(loc, _with(f"{show_value(value)} is not {' or '.join(wanted)}",
                              suggestion(value, options, list_if_none=False)))


def format_problems(err: ValidationError, prefix: str = "", model: type[BaseModel] | None = None,
                    data: Any = None) -> str:
    """One line per problem in plain words: ``path: what is wrong``."""
    return "\n".join(f"{prefix}{p.path or render_path(p.loc, data) or '(top level)'}: "
                     f"{p.message}" for p in describe_errors(err, model, data))


# --- references to regions and sellers (checked against the region catalog) ---------------

def _catalog_codes(data: Mapping[str, Any]) -> tuple[list[str] | None, list[Problem]]:
    """Region codes of the spec's catalog (with its overrides), or the catalog's problems."""
    from simulation.regions import Catalog, load_catalog

    catalog, overrides = data.get("catalog"), data.get("region_overrides")
    if catalog is not None and not isinstance(catalog, str | Path):
        return None, []  # a type error the spec's own validation reports
    overrides = overrides if isinstance(overrides, Mapping) and overrides else None
    try:
        cat = load_catalog(catalog, {"regions": dict(overrides)} if overrides else None)
    except ValidationError as e:
        problems, codes = [], None
        if overrides:  # references are still checked: the catalog's codes and the new ones
            with contextlib.suppress(ValidationError, ValueError, OSError, yaml.YAMLError):
                codes = [*load_catalog(catalog).regions,
                         *(str(k) for k in overrides if isinstance(k, str))]
        for p in describe_errors(e, Catalog):
            if len(p.loc) > 1 and p.loc[0] == "regions" and overrides and p.loc[1] in overrides:
                problems.append(Problem(("region_overrides", *p.loc[1:]), p.message))
            else:
                problems.append(Problem(("catalog",), f"{catalog or 'the region catalog'}: "
                                        f"{render_path(p.loc)}: {p.message}"))
        return (list(dict.fromkeys(codes)) if codes else None), problems
    except yaml.YAMLError as e:
        return None, [Problem(("catalog",), f"{catalog}: not valid YAML: "
                              f"{str(e).splitlines()[0]}")]
    except OSError as e:
        return None, [Problem(("catalog",), f"{show_value(catalog)}: {e.strerror or e}")]
    except ValueError as e:
        return None, [Problem(("catalog",), str(e))]
    return list(cat.regions), []


def catalog_problems(data: Mapping[str, Any]) -> list[str]:
    """Problems of a spec's catalog and region overrides, one line each, in the spec's terms.

    E.g. ``region_overrides.XX.field: ...``; empty when the catalog validates.
    """
    return [f"{render_path(p.loc) or '(top level)'}: {p.message}"
            for p in _catalog_codes(data)[1]]


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def reference_problems(data: Mapping[str, Any],
                       codes: Sequence[str] | None) -> list[Problem]:
    """Region codes and seller names a spec refers to that are not in the model.

    ``codes`` are the catalog's region codes (None: unknown, regions are not checked); the
    model's regions are the spec's ``regions`` among them (all of them when absent). Works on
    unvalidated data: what is malformed is skipped here (the spec's validation reports it).
    """
    known = list(codes or [])
    problems: list[Problem] = []
    regions = data.get("regions")
    for code in _strings(regions) if codes is not None else []:
        if code not in known:
            problems.append(Problem(("regions",), _with(
                f"{code!r} is not a region of the catalog", suggestion(code, known))))
    model_regions = [c for c in _strings(regions) if c in known] if regions else known

    def check(loc: tuple[str | int, ...], values: list[str]) -> None:
        for code in values if codes is not None else []:
            if code not in model_regions:
                problems.append(Problem(loc, _with(f"{code!r} is not one of the model's regions",
                                                   suggestion(code, model_regions))))

    sellers = data.get("sellers")
    default_name = SellerSpec.model_fields["name"].default
    seller_names = ([s.get("name", default_name) for s in sellers if isinstance(s, Mapping)]
                    if isinstance(sellers, list) else [default_name])
    for i, s in enumerate(sellers if isinstance(sellers, list) else []):
        if not isinstance(s, Mapping):
            continue
        check(("sellers", i, "target_regions"), _strings(s.get("target_regions")))
        fulfilment = s.get("fulfilment")
        if isinstance(fulfilment, Mapping):
            check(("sellers", i, "fulfilment", "overseas_warehouses"),
                  _strings(fulfilment.get("overseas_warehouses")))
        if isinstance(s.get("home_region"), str):
            check(("sellers", i, "home_region"), [s["home_region"]])
        levers = s.get("levers")
        warehouse = levers.get("overseas_warehouse") if isinstance(levers, Mapping) else None
        if isinstance(warehouse, Mapping):
            # local_payments may name regions outside the model: a provider's coverage.
            check(("sellers", i, "levers", "overseas_warehouse", "regions"),
                  _strings(warehouse.get("regions")))
        localisation = (levers.get("content_localisation") if isinstance(levers, Mapping)
                        else None)
        if isinstance(localisation, Mapping):
            check(("sellers", i, "levers", "content_localisation", "regions"),
                  _strings(localisation.get("regions")))
    shocks = data.get("shocks")
    for j, shock in enumerate(shocks if isinstance(shocks, list) else []):
        if not isinstance(shock, Mapping):
            continue
        region, seller = shock.get("region"), shock.get("seller")
        if isinstance(region, str) and region != "all":
            check(("shocks", j, "region"), [region])
        if isinstance(seller, str) and seller not in seller_names:
            problems.append(Problem(("shocks", j, "seller"), _with(
                f"{seller!r} is not a seller of the spec", suggestion(seller, seller_names))))
    return problems


def spec_problems(data: Mapping[str, Any]) -> tuple[MarketSpec | None, list[Problem]]:
    """Validate a market spec completely: fields, ranges, and region and seller references.

    Returns the spec (None if its fields do not validate) and every problem found; the
    references are checked even when a field elsewhere is wrong.
    """
    spec, problems = None, []
    try:
        spec = MarketSpec.model_validate(data)
    except ValidationError as e:
        problems += describe_errors(e, MarketSpec, data)
    codes, catalog_problems = _catalog_codes(data)
    problems += catalog_problems + reference_problems(data, codes)
    return spec, list(dict.fromkeys(problems))


def validate_spec(data: Mapping[str, Any], where: str = "") -> MarketSpec:
    """A fully checked MarketSpec, or a SpecError with one line per problem.

    ``where`` prefixes every line (e.g. ``"market.yaml: "``).
    """
    spec, problems = spec_problems(data)
    if problems or spec is None:
        raise SpecError([f"{where}{p.path or render_path(p.loc, data) or '(top level)'}: "
                         f"{p.message}" for p in problems])
    return spec


# Checked against the catalog at model construction, where the region codes are known.
def check_region_references(spec: MarketSpec, codes: list[str]) -> None:
    """Raise ValueError naming every field that refers to a region or seller not in the model."""
    problems = reference_problems(spec.model_dump(), codes)
    if problems:
        raise ValueError("\n".join(f"{_dotted(p.loc)}: {p.message}" for p in problems))


def format_validation_error(err: ValidationError, prefix: str = "") -> str:
    """One line per problem: ``field.path: message (got value)`` (pydantic's wording)."""
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(spec)"
        value = e.get("input")
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        lines.append(f"{prefix}{loc}: {e['msg']} (got {shown})")
    return "\n".join(lines)


def read_yaml_mapping(path: Path | str) -> dict[str, Any]:
    """The mapping at the top of a YAML file, read strictly (safe tags, no duplicate keys)."""
    data = load_yaml_file(path)
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def load_spec(source: Path | str | Mapping[str, Any]) -> MarketSpec:
    """Load a MarketSpec from a YAML path or a mapping (YAML is read with the strict loader).

    Raises pydantic's ValidationError; :func:`validate_spec` also checks region references
    and reports every problem in plain words.
    """
    data = dict(source) if isinstance(source, Mapping) else read_yaml_mapping(source)
    return MarketSpec.model_validate(data)


__all__ = [
    "CATEGORIES",
    "DEFAULT_PROVIDERS",
    "KOL_TIERS",
    "PAYMENT_METHODS",
    "SHIPPING_MODES",
    "BudgetSplit",
    "FulfilmentSpec",
    "MarketSpec",
    "PaymentProviderSpec",
    "Problem",
    "ProductSpec",
    "ReplenishmentSpec",
    "SellerSpec",
    "SpecError",
    "check_region_references",
    "describe_errors",
    "format_problems",
    "format_validation_error",
    "load_spec",
    "read_yaml_mapping",
    "reference_problems",
    "render_path",
    "show_value",
    "spec_problems",
    "suggestion",
    "validate_spec",
]
