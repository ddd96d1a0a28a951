"""How culture acts: explicit functions from Hofstede scores to behavioural multipliers.

This module is the one place that maps culture to behaviour. Each mapping is linear in the
score's distance from the scale midpoint (50), ``1 + e * (score - 50) / 50``, with its
elasticity ``e`` declared in :class:`~simulation.parameters.ModelParameters`, and floored at
the parameter ``culture_multiplier_floor`` so a multiplier never turns a mechanism around.
:data:`CULTURE_MAPPINGS` lists each one with its rationale; the ODD renders that table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.parameters import ModelParameters, declared_default
from simulation.regions import HOFSTEDE_DIMENSIONS

MIDPOINT = 50.0
"""Centre of Hofstede's 0-100 scales; a multiplier is 1 there."""

@dataclass(frozen=True)
class CultureMapping:
    """One documented mapping from a Hofstede dimension to a behavioural multiplier.

    ``evidence`` cites the empirical study behind the direction (and its effect size where
    one is reported), or says "assumption: <why>; alternative considered: <...>". ``test``
    names the ceteris-paribus test in tests/test_culture_evidence.py (docs/CULTURE.md).
    """

    name: str
    dimension: str
    sign: int
    elasticity: str
    acts_on: str
    rationale: str
    evidence: str = ""
    test: str = ""


_TEST = "tests/test_culture_evidence.py::test_one_score_moves_its_target_mechanism"
_SIZE = ("effect size not extracted from the abstract: the elasticity's size is an assumption"
         " (direction from the study)")

CULTURE_MAPPINGS: tuple[CultureMapping, ...] = (
    CultureMapping(
        "risk_weight", "uai", +1, "uai_risk_elasticity",
        "weight of perceived delivery, payment and review risk in purchase and satisfaction",
        "uncertainty avoidance: ambiguity and risk are felt as threats (Hofstede 2010, ch. 6)",
        "Lim, Leung, Sia & Lee (2004) JIBS 35(6) 545-559 (UAI and Internet shopping);"
        " Hallikainen & Laukkanen (2018) IJIM 38, 97-106: national culture explains 23% of"
        " the variance in disposition to trust (616 shoppers, China vs Finland); Dikcius et"
        " al. (2023) JBEM 24(3) 576-593, meta-analysis of 116 studies: UAI lowers online"
        " store loyalty; " + _SIZE,
        _TEST + "[risk_weight]",
    ),
    CultureMapping(
        "peer_influence", "idv", -1, "idv_peer_elasticity",
        "attention and trust carried by friends' shares (word of mouth)",
        "individualism lowers the weight of in-group opinion (Hofstede 2010, ch. 4)",
        "Lam, Lee & Mizerski (2009) J. Int. Marketing 17(3) 55-70 (cultural values and"
        " word of mouth; direction); " + _SIZE + "; alternative considered: no effect on"
        " weight (only on sharing), as Pezzuti et al. (2021) found for ratings and reviews",
        _TEST + "[peer_influence]",
    ),
    CultureMapping(
        "share_propensity", "idv", -1, "idv_peer_elasticity",
        "chance of sharing a purchase with friends",
        "collectivist cultures share and group-buy more (brief: fission marketing)",
        "Pezzuti, Leonhardt & Warren (2021) IJMR 63(4) 436-453: archival data from 52"
        " countries, collectivism positively related to sharing product information on"
        " social networks (not to rating/reviewing); " + _SIZE,
        _TEST + "[share_propensity]",
    ),
    CultureMapping(
        "kol_authority", "pdi", +1, "pdi_authority_elasticity",
        "trust transferred from KOL posts and live-streams",
        "power distance raises deference to visible authority figures (Hofstede 2010, ch. 3)",
        "Winterich, Gangwar & Grewal (2018) J. Marketing 82(3) 70-86: power distance"
        " beliefs strengthen celebrity endorsements via perceived expertise and trust (three"
        " studies, several countries; nondurables, not durables); " + _SIZE,
        _TEST + "[kol_authority]",
    ),
    CultureMapping(
        "impulse", "ivr", +1, "ivr_impulse_elasticity",
        "impulse purchase occasions during live-streams",
        "indulgence: freedom to act on desires and have fun (Hofstede 2010, ch. 8)",
        "assumption: indulgence is defined by acting on desires (Hofstede 2010); the"
        " cross-country evidence on impulse buying is on individualism-collectivism (Kacen &"
        " Lee 2002, J. Consumer Psychology 12(2) 163-176), not on IVR; alternative"
        " considered: drive impulse by low IDV instead",
        _TEST + "[impulse]",
    ),
    CultureMapping(
        "loyalty", "lto", +1, "lto_loyalty_elasticity",
        "repurchase occasions and slower forgetting of trust",
        "long-term orientation values persistence and relationships (Hofstede 2010, ch. 7)",
        "Dikcius, Adomaviciute-Sakalauske, Kirse & Zimaitis (2023) JBEM 24(3) 576-593,"
        " meta-analysis of 116 studies (~56,000 respondents, 25 countries): loyalty to"
        " online stores is lower where LTO is low; " + _SIZE,
        _TEST + "[loyalty]",
    ),
    CultureMapping(
        "brand_orientation", "mas", +1, "mas_brand_elasticity",
        "weight of product quality / brand in purchase choice",
        "masculinity: achievement and status goods (Hofstede 2010, ch. 5)",
        "de Mooij & Hofstede (2011) JICM 23(3) 181-192 (review: masculinity and status"
        " brands; direction); Dikcius et al. (2023): masculinity raises online store loyalty;"
        " " + _SIZE,
        _TEST + "[brand_orientation]",
    ),
)


def multiplier(score: np.ndarray, elasticity: float, sign: int, *,
               floor: float = declared_default("culture_multiplier_floor")) -> np.ndarray:
    """Return ``max(floor, 1 + sign * elasticity * (score - 50) / 50)``.

    >>> float(multiplier(np.array([75.0]), 0.4, +1)[0])
    1.2
    """
    raw = 1.0 + sign * elasticity * (np.asarray(score, dtype=float) - MIDPOINT) / MIDPOINT
    return np.maximum(raw, floor)


def culture_multipliers(hofstede: np.ndarray, params: ModelParameters) -> dict[str, np.ndarray]:
    """Compute every mapping in :data:`CULTURE_MAPPINGS` for each region.

    Args:
        hofstede: (R, 6) scores in :data:`~simulation.regions.HOFSTEDE_DIMENSIONS` order.
        params: the model parameters holding the elasticities.

    Returns:
        mapping name -> (R,) multipliers.
    """
    hofstede = np.atleast_2d(np.asarray(hofstede, dtype=float))
    out: dict[str, np.ndarray] = {}
    for m in CULTURE_MAPPINGS:
        column = hofstede[:, HOFSTEDE_DIMENSIONS.index(m.dimension)]
        out[m.name] = multiplier(column, getattr(params, m.elasticity), m.sign,
                                 floor=params.culture_multiplier_floor)
    return out


def culture_markdown() -> str:
    """The culture mappings as a Markdown table (rendered into docs/ODD.md)."""
    rows = [
        "| multiplier | Hofstede dimension | direction | elasticity parameter | acts on "
        "| rationale | evidence | ceteris-paribus test |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in CULTURE_MAPPINGS:
        direction = "rises with" if m.sign > 0 else "falls with"
        rows.append(
            f"| `{m.name}` | {m.dimension.upper()} | {direction} | `{m.elasticity}` "
            f"| {m.acts_on} | {m.rationale} | {m.evidence} | `{m.test}` |"
        )
    return "\n".join(rows) + "\n"
