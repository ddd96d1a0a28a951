"""Cultural distance and language: how far a seller's own content travels.

A seller has a home culture (``SellerSpec.home_culture``; China, ``CN``, for a cross-border
seller by default, whose six Hofstede scores and source are in ``data/cultures.yaml``). Its
distance to each region is the Kogut & Singh (1988) index on the six Hofstede dimensions,

    CD_j = (1/n) * sum_i (I_ij - I_iu)^2 / V_i,

with V_i the sample variance of dimension i over a fixed reference set: the regions of the
shipped catalog plus the home cultures (so selecting regions or overriding one region's
scores does not move the yardstick).

Distance acts on content the seller makes itself: its ads and the content of the non-local
creators it books (hosts from its home culture or agency accounts scripting for it). Such
content earns ``1 / (1 + e * CD_eff)`` of the trust it would earn locally
(``cultural_distance_trust_elasticity``), and a live-stream of it misfires (breaks a local
norm) with probability ``base + slope * CD_eff``: its viewers lose trust instead of gaining it
and get no impulse occasion, and with ``misfire_suspension_probability`` the contract is
suspended for ``misfire_suspension_days``. ``CD_eff = CD * (1 - localisation)``: the
``content_localisation`` lever removes a share of the distance. Local creators (a share
``local_kol_share`` of the bookings, a knob of the kol_marketing lever) carry no distance.

Language: content in the seller's ``content_language`` that the region does not read earns
``language_mismatch_factor`` of the attention and trust, unless localised. A seller that
declares no content language is machine-translated (no mismatch, the distance stays).

Reads: seller specs (home culture, content language), knobs ``local_kol_share``,
``localisation`` and ``localisation_cost_per_1k_daily``; the KOL feed's contracts. Writes:
trust and attention factors of KOL contracts and ads, misfire backlash touches, contract
suspensions, counters LIVE_MISFIRES, MISFIRE_VIEWERS, KOL_SUSPENSIONS and localisation spend
(marketing spend, LOCALISATION_SPEND).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.metrics import Counter, count
from simulation.parameters import declared_default
from simulation.regions import HOFSTEDE_DIMENSIONS
from simulation.yaml_loading import load_yaml_file

if TYPE_CHECKING:
    from simulation.kols import KolFeed
    from simulation.model import MarketModel
    from simulation.sellers import Seller

CULTURES_PATH = Path(__file__).parent / "data" / "cultures.yaml"
"""Home cultures (Hofstede scores, languages) and region languages, each with its source."""
DEFAULT_HOME_CULTURE = "CN"
"""Home culture of a cross-border seller that declares none (brief: China-based sellers)."""


# --- data -------------------------------------------------------------------------------

@cache
def _table() -> dict[str, Any]:
    return load_yaml_file(CULTURES_PATH)


def home_cultures() -> dict[str, np.ndarray]:
    """Home-culture code -> its six Hofstede scores (HOFSTEDE_DIMENSIONS order)."""
    return {code: np.array([float(c["hofstede"][d]) for d in HOFSTEDE_DIMENSIONS])
            for code, c in _table()["home_cultures"].items()}


def home_languages(code: str) -> tuple[str, ...]:
    """Languages of a home culture in the table (empty if unknown)."""
    entry = _table()["home_cultures"].get(code)
    return tuple(entry["languages"]) if entry else ()


def region_languages() -> dict[str, tuple[str, ...]]:
    """Region code -> the languages most of its online adults read (ISO 639-1)."""
    return {code: tuple(e["languages"]) for code, e in _table()["region_languages"].items()}


@cache
def reference_variances() -> np.ndarray:
    """(6,) variances V_i of the Kogut-Singh index: shipped catalog regions + home cultures."""
    from simulation.regions import RegionTable, load_catalog

    table = RegionTable.from_regions(load_catalog().select(None))
    scores = np.vstack([table.hofstede, *home_cultures().values()])
    return dimension_variances(scores)


# --- pure functions ---------------------------------------------------------------------

def dimension_variances(scores: np.ndarray) -> np.ndarray:
    """Sample variance (ddof 1) of each column of ``scores`` (cultures x dimensions).

    >>> dimension_variances(np.array([[0.0, 10.0], [2.0, 30.0]])).tolist()
    [2.0, 200.0]
    """
    return np.asarray(scores, dtype=float).var(axis=0, ddof=1)


def kogut_singh(home: np.ndarray, targets: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """Kogut & Singh (1988) distance of each target culture from ``home``.

    ``CD_j = mean_i (I_ij - I_i,home)^2 / V_i``.

    >>> kogut_singh(np.array([0.0, 10.0]), np.array([[2.0, 30.0]]), np.array([2.0, 200.0]))
    array([1.5])
    """
    diff = np.atleast_2d(np.asarray(targets, dtype=float)) - np.asarray(home, dtype=float)
    return (diff ** 2 / np.asarray(variances, dtype=float)).mean(axis=-1)


def effective_distance(distance: np.ndarray | float, localisation: np.ndarray | float
                       ) -> np.ndarray:
    """Distance left after localisation removes a share of it: ``CD * (1 - localisation)``."""
    return np.asarray(distance, dtype=float) * (1.0 - np.asarray(localisation, dtype=float))


def content_trust_factor(distance: np.ndarray | float, elasticity: float = declared_default(
        "cultural_distance_trust_elasticity")) -> np.ndarray:
    """Share of its local trust that content from ``distance`` away earns: ``1/(1 + e*CD)``.

    >>> float(content_trust_factor(2.0, 0.25))
    0.6666666666666666
    """
    return 1.0 / (1.0 + elasticity * np.asarray(distance, dtype=float))


def language_factor(mismatch: np.ndarray | bool, factor: float = declared_default(
        "language_mismatch_factor")) -> np.ndarray:
    """Attention and trust multiplier of content the region does not read (1 where it does)."""
    return np.where(np.asarray(mismatch, dtype=bool), factor, 1.0)


def misfire_probability(distance: np.ndarray | float,
                        base: float = declared_default("live_misfire_base_rate"),
                        slope: float = declared_default("live_misfire_rate_per_distance")
                        ) -> np.ndarray:
    """Chance a live-stream breaks a local norm: ``clip(base + slope * CD, 0, 1)``.

    >>> round(float(misfire_probability(3.0, 0.002, 0.01)), 6)
    0.032
    """
    return np.clip(base + slope * np.asarray(distance, dtype=float), 0.0, 1.0)


def rank_in_group(keys: np.ndarray) -> np.ndarray:
    """Position of each row among earlier rows with the same key (0 for the first).

    >>> rank_in_group(np.array([4, 4, 7, 4])).tolist()
    [0, 1, 0, 2]
    """
    keys = np.asarray(keys)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - first
    return rank


def local_bookings(seller: np.ndarray, region: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Which bookings go to local creators: a share of each (seller, region)'s bookings.

    Deterministic and evenly spread (no random draw): the k-th booking of a (seller, region)
    is local when ``ceil((k + 1) * share) > ceil(k * share)``, so the first is local for
    any share > 0 and a share of 1 books only local creators.

    >>> local_bookings(np.zeros(4, int), np.zeros(4, int), np.full(4, 0.5)).tolist()
    [True, False, True, False]
    """
    seller = np.asarray(seller, dtype=np.int64)
    region = np.asarray(region, dtype=np.int64)
    k = rank_in_group(seller * (int(region.max(initial=0)) + 1) + region)
    share = np.asarray(share, dtype=float)
    # Rounded before ceil so 3 * 0.1 counts as 0.3, not 0.30000000000000004.
    return np.ceil(np.round((k + 1) * share, 9)) > np.ceil(np.round(k * share, 9))


def backlash(hit: np.ndarray, gain: np.ndarray, loss: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """A misfired stream's viewers gain no trust and lose ``loss`` of it: (gain, loss).

    >>> g, l = backlash(np.array([True, False]), np.array([0.2, 0.2]), 0.1)
    >>> g.tolist(), l.tolist()
    ([0.0, 0.2], [0.1, 0.0])
    """
    return np.where(hit, 0.0, gain), np.where(hit, loss, 0.0)


def localisation_cost(cost_per_1k_daily: float, localisation: np.ndarray,
                      consumers: np.ndarray) -> np.ndarray:
    """(R,) USD per day of localising content where ``localisation > 0``.

    >>> localisation_cost(0.5, np.array([0.6, 0.0]), np.array([2000, 2000])).tolist()
    [1.0, 0.0]
    """
    return np.where(np.asarray(localisation) > 0, cost_per_1k_daily * np.asarray(consumers)
                    / 1000.0, 0.0)


# --- the model's view -------------------------------------------------------------------

def home_scores(seller: Seller, model: MarketModel) -> np.ndarray:
    """(6,) Hofstede scores of a seller's home culture.

    A home culture in ``data/cultures.yaml`` wins; otherwise it must be a region of the
    model (a local seller's home region), whose scores (overrides included) are used.
    """
    code = home_culture_code(seller.spec)
    table = home_cultures()
    if code in table:
        return table[code]
    if code in model.regions.codes:
        return model.regions.hofstede[model.regions.index(code)]
    raise ValueError(f"seller {seller.name!r}: home_culture {code!r} is neither a home culture "
                     f"({sorted(table)}) nor a region of the model {list(model.regions.codes)}")


def home_culture_code(spec: Any) -> str:
    """The seller's home culture: declared, else its home region (local) or China."""
    if spec.home_culture is not None:
        return spec.home_culture
    return spec.home_region if spec.origin == "local" else DEFAULT_HOME_CULTURE


class ContentCulture:
    """Per (seller, region): cultural distance, language match and their content factors."""

    def __init__(self, model: MarketModel) -> None:
        p = model.params
        regions = model.regions
        n_s, n_r = len(model.seller_list), regions.n
        variances = reference_variances()
        langs = region_languages()
        self.distance = np.zeros((n_s, n_r))
        self.localisation = np.zeros((n_s, n_r))
        self.mismatch = np.zeros((n_s, n_r), dtype=bool)
        self.local_share = np.ones(n_s)
        self.daily_cost: list[np.ndarray | None] = []
        for s in model.seller_list:
            mech = s.mech
            self.distance[s.index] = kogut_singh(home_scores(s, model), regions.hofstede,
                                                 variances)
            self.localisation[s.index] = mech.localisation
            home = home_culture_code(s.spec)
            for r, code in enumerate(regions.codes):
                spoken = langs.get(code)
                own_region = code == home  # a local seller speaks its region's language
                lang = s.spec.content_language
                self.mismatch[s.index, r] = (lang is not None and spoken is not None
                                             and not own_region and lang not in spoken)
            share = mech.local_kol_share
            self.local_share[s.index] = p.local_kol_share if share is None else share
            cost = localisation_cost(mech.localisation_cost_per_1k_daily, mech.localisation,
                                     s.consumers_in)
            self.daily_cost.append(cost if cost.sum() > 0 else None)
        self.mismatch &= ~(self.localisation > 0)  # localised content is in the local language
        self.effective = effective_distance(self.distance, self.localisation)
        lang = language_factor(self.mismatch, p.language_mismatch_factor)
        self.attention = lang
        """(S, R) attention multiplier of the seller's own content (language)."""
        self.trust = content_trust_factor(self.effective, p.cultural_distance_trust_elasticity
                                          ) * lang
        """(S, R) trust multiplier of the seller's own content (distance and language)."""
        self.misfire = misfire_probability(self.effective, p.live_misfire_base_rate,
                                           p.live_misfire_rate_per_distance)
        self.local_misfire = float(misfire_probability(0.0, p.live_misfire_base_rate,
                                                       p.live_misfire_rate_per_distance))

    def contract_factors(self, seller: np.ndarray, region: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per KOL contract: (local, trust factor, attention factor, misfire probability)."""
        local = local_bookings(seller, region, self.local_share[seller])
        trust = np.where(local, 1.0, self.trust[seller, region])
        attention = np.where(local, 1.0, self.attention[seller, region])
        misfire = np.where(local, self.local_misfire, self.misfire[seller, region])
        return local, trust, attention, misfire


def _per_ad_touch(factor: np.ndarray, value: float, sizes: list[int]) -> np.ndarray | float:
    """``value`` times each region's content factor, once per ad touch of that region.

    The scalar itself when no region discounts it.
    """
    if np.all(factor == 1.0):
        return value
    return np.repeat(value * factor, sizes)


def ad_attention(model: MarketModel, seller: int, regions: list[int], sizes: list[int],
                 weight: float) -> np.ndarray | float:
    """Attention of each ad touch of a seller (regions' touch counts ``sizes``, in order)."""
    return _per_ad_touch(model.content_culture.attention[seller, regions], weight, sizes)


def ad_trust(model: MarketModel, seller: int, regions: list[int], sizes: list[int],
             gain: float) -> np.ndarray | float:
    """Trust gain of each ad touch of a seller: ``gain`` times the content trust factor."""
    return _per_ad_touch(model.content_culture.trust[seller, regions], gain, sizes)


def stream_misfires(model: MarketModel, feed: KolFeed, live: np.ndarray) -> np.ndarray | None:
    """Draw which of today's streams (contracts ``live``) misfire; suspend some contracts.

    Returns a mask over all contracts (None when no stream can misfire). Draws come from
    the model's ``culture`` stream only.
    """
    prob = feed.misfire_p[live]
    if not np.any(prob > 0):
        return None
    rng = model.streams.culture
    p = model.params
    failed = live[rng.random(len(live)) < prob]
    mask = np.zeros(feed.n, dtype=bool)
    if len(failed) == 0:
        return mask
    mask[failed] = True
    count(model, feed.seller[failed], feed.region[failed], Counter.LIVE_MISFIRES)
    suspended = failed[rng.random(len(failed)) < p.misfire_suspension_probability]
    if len(suspended):
        feed.suspended_until[suspended] = model.steps + p.misfire_suspension_days
        count(model, feed.seller[suspended], feed.region[suspended], Counter.KOL_SUSPENSIONS)
    return mask


def pay_localisation(model: MarketModel) -> None:
    """Book each seller's daily localisation cost as marketing spend (LOCALISATION_SPEND)."""
    for s, cost in enumerate(model.content_culture.daily_cost):
        if cost is not None:
            paid = np.flatnonzero(cost > 0)
            model.pay_marketing(np.full(len(paid), s), paid, cost[paid],
                                Counter.LOCALISATION_SPEND)
