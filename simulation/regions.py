"""Region catalog: culture and market facts per region, each number with its source.

The catalog ships as ``simulation/data/regions.yaml``. Every numeric leaf is written as
``{value: x, source: "..."}`` or ``{value: x, assumption: "one-line rationale"}`` so that a
reader can trace each number; the loader refuses a number without either. Users override
any field from their own YAML (:func:`load_catalog`), where plain numbers are accepted and
recorded as ``"user override"``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulation.yaml_loading import load_yaml_file_cached

PLATFORMS: tuple[str, ...] = ("tiktok", "facebook", "instagram", "youtube", "local")
"""Social platforms a consumer can use; ``local`` is the region's own (LINE, Zalo, ...)."""

PAYMENT_METHODS: tuple[str, ...] = ("card", "wallet", "bank_transfer", "cod", "bnpl")
"""Payment methods; the order fixes the bit positions of the method bitmasks."""

SHIPPING_MODES: tuple[str, ...] = ("express_air", "postal_air", "ecommerce_line", "sea_freight")
"""Direct cross-border parcel modes from the China hub (sea freight includes the last mile)."""

HOFSTEDE_DIMENSIONS: tuple[str, ...] = ("pdi", "idv", "mas", "uai", "lto", "ivr")
"""Hofstede's six dimensions, in the order of Hofstede's published 6-D table."""

MACRO_REGIONS = Literal[
    "North America",
    "Western Europe",
    "Southeast Asia",
    "Latin America",
    "Middle East",
    "East Asia",
    "Africa",
]

CATALOG_CACHE_SIZE = 32
"""Validated catalogs kept in memory (per file version and overrides): every model loads one."""

SHARE_SUM_TOLERANCE = 0.01
"""How far a mix of shares may be from 1 before the catalog is rejected (rounding in sources)."""


class Sourced(BaseModel):
    """One number with where it came from: a citation or a stated assumption."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Sourced:
        if not (self.source or self.assumption):
            raise ValueError("every number needs a 'source' or an 'assumption' with a rationale")
        if not np.isfinite(self.value):
            raise ValueError(f"value must be finite, got {self.value}")
        return self

    @model_validator(mode="before")
    @classmethod
    def _plain_number(cls, data: Any) -> Any:
        # A bare number in a user override counts as sourced by the user.
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"value": data, "source": "user override"}
        return data


def _bounded(lo: float, hi: float):
    """Return a validator that keeps a Sourced value inside [lo, hi]."""

    def check(v: Sourced) -> Sourced:
        if not lo <= v.value <= hi:
            raise ValueError(f"value {v.value} outside the allowed range [{lo}, {hi}]")
        return v

    return check


class Hofstede(BaseModel):
    """Hofstede's six dimension scores (0-120; Malaysia's PDI is 104 in the published data)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pdi: Sourced
    idv: Sourced
    mas: Sourced
    uai: Sourced
    lto: Sourced
    ivr: Sourced

    _range = field_validator(*HOFSTEDE_DIMENSIONS)(_bounded(0.0, 120.0))


class Platforms(BaseModel):
    """Share of the region's internet users on each platform, each in [0, 1] (not a mix)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tiktok: Sourced
    facebook: Sourced
    instagram: Sourced
    youtube: Sourced
    local: Sourced
    local_name: str = Field(description="name of the local platform counted in 'local'")
    local_sells_ads: Sourced = Field(
        description="1 if the local platform sells ads a foreign seller can buy (LINE, Kakao), "
                    "0 if it is messaging-only (its users are reached by friends, not ads)")

    _range = field_validator(*PLATFORMS)(_bounded(0.0, 1.0))

    @field_validator("local_sells_ads")
    @classmethod
    def _flag(cls, v: Sourced) -> Sourced:
        if v.value not in (0.0, 1.0):
            raise ValueError(f"local_sells_ads is a flag: 0 or 1, got {v.value}")
        return v


class PaymentShares(BaseModel):
    """One share in [0, 1] per payment method (PAYMENT_METHODS), each sourced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    card: Sourced
    wallet: Sourced
    bank_transfer: Sourced
    cod: Sourced
    bnpl: Sourced

    _range = field_validator(*PAYMENT_METHODS)(_bounded(0.0, 1.0))


class PaymentMix(PaymentShares):
    """Share of e-commerce transactions by method; the five shares sum to 1."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> PaymentMix:
        total = sum(getattr(self, m).value for m in PAYMENT_METHODS)
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            raise ValueError(
                f"payment shares must sum to 1 (+/- {SHARE_SUM_TOLERANCE}), they sum to {total:.3f}"
            )
        return self


class PaymentUse(PaymentShares):
    """Share of online shoppers who used each method in the past year (multi-response survey).

    Unlike :class:`PaymentMix` (shares of transactions, summing to 1) these are how many
    shoppers hold and use each method; they may sum to more than 1. Where a region has them
    its consumers hold each method with that chance (simulation.payment_habits).
    """


class ShippingMode(BaseModel):
    """Door-to-door parcel service from the China hub: mean days, cost per parcel, loss rate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: Sourced
    cost_usd: Sourced
    loss_rate: Sourced

    _days = field_validator("days")(_bounded(0.5, 120.0))
    _cost = field_validator("cost_usd")(_bounded(0.0, 500.0))
    _loss = field_validator("loss_rate")(_bounded(0.0, 1.0))


class Shipping(BaseModel):
    """The four direct modes of :data:`SHIPPING_MODES`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    express_air: ShippingMode
    postal_air: ShippingMode
    ecommerce_line: ShippingMode
    sea_freight: ShippingMode


class DataProtection(BaseModel):
    """Data-protection regime: law name and strictness in [0, 1] (1 = GDPR-grade)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    law: str
    strictness: Sourced
    max_fine_share_of_revenue: Sourced

    _strict = field_validator("strictness", "max_fine_share_of_revenue")(_bounded(0.0, 1.0))


class Region(BaseModel):
    """All facts about one region that the model reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
    name: str
    macro_region: MACRO_REGIONS
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    hofstede: Hofstede
    internet_share: Sourced
    social_media_share: Sourced
    platforms: Platforms
    payment_mix: PaymentMix
    payment_use: PaymentUse | None = None
    fraud_attempt_rate: Sourced
    gdp_per_capita_ppp_usd: Sourced
    fx_daily_volatility: Sourced
    shipping: Shipping
    customs_delay_days: Sourced
    de_minimis_usd: Sourced
    import_duty_rate: Sourced
    last_mile_days: Sourced
    return_rate_norm: Sourced
    live_commerce_share: Sourced
    data_protection: DataProtection

    _shares = field_validator(
        "internet_share",
        "social_media_share",
        "fraud_attempt_rate",
        "import_duty_rate",
        "return_rate_norm",
        "live_commerce_share",
    )(_bounded(0.0, 1.0))
    _gdp = field_validator("gdp_per_capita_ppp_usd")(_bounded(500.0, 200_000.0))
    _fx = field_validator("fx_daily_volatility")(_bounded(0.0, 0.2))
    _customs = field_validator("customs_delay_days")(_bounded(0.0, 60.0))
    _deminimis = field_validator("de_minimis_usd")(_bounded(0.0, 100_000.0))
    _lastmile = field_validator("last_mile_days")(_bounded(0.1, 30.0))


class Catalog(BaseModel):
    """The region catalog: regions keyed by code, plus catalog-level provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    description: str = ""
    regions: dict[str, Region]

    @model_validator(mode="after")
    def _keys_match_codes(self) -> Catalog:
        for key, region in self.regions.items():
            if key != region.code:
                raise ValueError(f"regions.{key}: key differs from its code {region.code!r}")
        if not self.regions:
            raise ValueError("regions: the catalog holds no region")
        return self

    def select(self, codes: Sequence[str] | None) -> list[Region]:
        """Return the regions named by ``codes`` (all, in catalog order, when None)."""
        if codes is None:
            return list(self.regions.values())
        unknown = [c for c in codes if c not in self.regions]
        if unknown:
            raise KeyError(
                f"regions: unknown region code(s) {unknown}; known: {sorted(self.regions)}"
            )
        return [self.regions[c] for c in codes]


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``; mappings merge, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            # A number replacing a {value, source} leaf keeps the leaf's shape.
            out[key] = _deep_merge(out[key], value)
        elif isinstance(out.get(key), dict) and "value" in out[key] and _is_number(value):
            out[key] = {"value": value, "source": "user override"}
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _read_yaml(path: Path | str) -> dict[str, Any]:
    """The YAML mapping in ``path`` (a fresh copy each call).

    Every model re-reads its catalog; parsing 100 kB of YAML took most of a small run's
    set-up, so it is parsed once per file version. Strict: safe tags only, a duplicate key is
    an error with its lines.
    """
    data = load_yaml_file_cached(path)
    if not isinstance(data, dict):
        raise ValueError(f"{Path(path).resolve()}: expected a mapping at the top level")
    return data


@functools.cache
def default_catalog_path() -> Path:
    """Path of the catalog shipped inside the package (found once: it does not move)."""
    return Path(str(resources.files("simulation") / "data" / "regions.yaml"))


def load_catalog(
    path: Path | str | None = None,
    overrides: Mapping[str, Any] | Path | str | None = None,
) -> Catalog:
    """Load and validate the region catalog, optionally overridden.

    Args:
        path: a catalog YAML; the shipped catalog when None.
        overrides: ``{"regions": {"BR": {"customs_delay_days": 9}}}``-shaped mapping or a YAML
            path. New region codes may be added with a complete region entry.

    Every model loads its catalog, so a validated catalog is kept per file version (and
    overrides) and shared: it is frozen, treat it as read-only.

    Raises:
        pydantic.ValidationError: naming the field path, the value and the allowed range.
    """
    path = path or default_catalog_path()
    try:
        key = (_file_version(path), _overrides_key(overrides))
    except (OSError, TypeError, ValueError):  # not cacheable: validate afresh (and report)
        return _validate_catalog(path, overrides)
    catalog = _CATALOGS.pop(key, None)
    if catalog is None:
        catalog = _validate_catalog(path, overrides)
        while len(_CATALOGS) >= CATALOG_CACHE_SIZE:
            del _CATALOGS[next(iter(_CATALOGS))]  # the least recently used
    _CATALOGS[key] = catalog  # (re)inserted last: most recently used
    return catalog


def _validate_catalog(path: Path | str, overrides: Mapping[str, Any] | Path | str | None
                      ) -> Catalog:
    """Read, merge and validate a catalog (the uncached work of :func:`load_catalog`)."""
    raw = _read_yaml(path)
    if overrides is not None:
        ov = _read_yaml(overrides) if isinstance(overrides, str | Path) else dict(overrides)
        raw = _deep_merge(raw, ov)
    return Catalog.model_validate(raw)


def _file_version(path: Path | str) -> tuple[str, int, int]:
    """A file's identity and version: resolved path, modification time (ns) and size."""
    stat = os.stat(path)
    return str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size


def _overrides_key(overrides: Mapping[str, Any] | Path | str | None) -> object:
    """A hashable key for catalog overrides (TypeError when they do not serialise)."""
    if overrides is None:
        return None
    if isinstance(overrides, str | Path):
        return _file_version(overrides)
    return json.dumps(overrides, sort_keys=True, allow_nan=False)


_CATALOGS: dict[tuple, Catalog] = {}
"""Validated catalogs by (file version, overrides key), least recently used first."""


@dataclass(frozen=True)
class RegionTable:
    """The selected regions as numeric arrays (one entry per region) for vectorised code."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    currencies: tuple[str, ...]
    hofstede: np.ndarray  # (R, 6) scores in HOFSTEDE_DIMENSIONS order, 0-120
    internet_share: np.ndarray
    social_media_share: np.ndarray
    platform_share: np.ndarray  # (R, len(PLATFORMS)) in [0, 1] of internet users
    ad_platforms: np.ndarray  # (R, len(PLATFORMS)) bool: the platform sells ads there
    payment_mix: np.ndarray  # (R, len(PAYMENT_METHODS)) rows sum to 1
    payment_use: np.ndarray  # (R, len(PAYMENT_METHODS)) shoppers using each; NaN: no survey
    fraud_attempt_rate: np.ndarray
    gdp_per_capita: np.ndarray  # USD PPP
    fx_volatility: np.ndarray  # daily log-return s.d.
    ship_days: np.ndarray  # (R, len(SHIPPING_MODES)) mean days door to door
    ship_cost: np.ndarray  # (R, len(SHIPPING_MODES)) USD per parcel
    ship_loss: np.ndarray  # (R, len(SHIPPING_MODES)) probability
    customs_delay_days: np.ndarray
    de_minimis_usd: np.ndarray
    import_duty_rate: np.ndarray
    last_mile_days: np.ndarray
    return_rate_norm: np.ndarray
    live_commerce_share: np.ndarray
    privacy_strictness: np.ndarray
    max_fine_share: np.ndarray
    macro_regions: tuple[str, ...] = ()  # world region of each region (catalog)

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self.codes)

    def income_index(self, reference_income_usd: float) -> np.ndarray:
        """Income per head relative to the reference income (GDP per capita PPP / reference).

        The one scale behind every income-linked price or budget (ad CPMs, creator fees,
        consumers' price sensitivity, the budget spread), so they move together.
        """
        return self.gdp_per_capita / reference_income_usd

    def index(self, code: str) -> int:
        """Position of region ``code`` in the arrays."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"region {code!r} is not in this model ({list(self.codes)})") from None

    @classmethod
    def from_regions(cls, regions: Sequence[Region]) -> RegionTable:
        """Flatten validated regions into arrays."""

        def col(get) -> np.ndarray:
            return np.array([get(r) for r in regions], dtype=np.float64)

        mix = np.array(
            [[getattr(r.payment_mix, m).value for m in PAYMENT_METHODS] for r in regions]
        )
        mix = mix / mix.sum(axis=1, keepdims=True)  # absorb the allowed rounding
        return cls(
            codes=tuple(r.code for r in regions),
            names=tuple(r.name for r in regions),
            currencies=tuple(r.currency for r in regions),
            hofstede=np.array(
                [[getattr(r.hofstede, d).value for d in HOFSTEDE_DIMENSIONS] for r in regions]
            ),
            internet_share=col(lambda r: r.internet_share.value),
            social_media_share=col(lambda r: r.social_media_share.value),
            platform_share=np.array(
                [[getattr(r.platforms, p).value for p in PLATFORMS] for r in regions]
            ),
            ad_platforms=np.array(
                [[p != "local" or r.platforms.local_sells_ads.value == 1.0 for p in PLATFORMS]
                 for r in regions], dtype=bool),
            payment_mix=mix,
            payment_use=np.array(
                [[getattr(r.payment_use, m).value if r.payment_use is not None else np.nan
                  for m in PAYMENT_METHODS] for r in regions]),
            fraud_attempt_rate=col(lambda r: r.fraud_attempt_rate.value),
            gdp_per_capita=col(lambda r: r.gdp_per_capita_ppp_usd.value),
            fx_volatility=col(lambda r: r.fx_daily_volatility.value),
            ship_days=np.array(
                [[getattr(r.shipping, m).days.value for m in SHIPPING_MODES] for r in regions]
            ),
            ship_cost=np.array(
                [[getattr(r.shipping, m).cost_usd.value for m in SHIPPING_MODES] for r in regions]
            ),
            ship_loss=np.array(
                [[getattr(r.shipping, m).loss_rate.value for m in SHIPPING_MODES] for r in regions]
            ),
            customs_delay_days=col(lambda r: r.customs_delay_days.value),
            de_minimis_usd=col(lambda r: r.de_minimis_usd.value),
            import_duty_rate=col(lambda r: r.import_duty_rate.value),
            last_mile_days=col(lambda r: r.last_mile_days.value),
            return_rate_norm=col(lambda r: r.return_rate_norm.value),
            live_commerce_share=col(lambda r: r.live_commerce_share.value),
            privacy_strictness=col(lambda r: r.data_protection.strictness.value),
            max_fine_share=col(lambda r: r.data_protection.max_fine_share_of_revenue.value),
            macro_regions=tuple(r.macro_region for r in regions),
        )
