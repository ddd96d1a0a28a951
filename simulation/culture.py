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
    """One documented mapping from a Hofstede dimension to a behavioural multiplier."""

    name: str
    dimension: str
    sign: int
    elasticity: str
    acts_on: str
    rationale: str


CULTURE_MAPPINGS: tuple[CultureMapping, ...] = (
    CultureMapping(
        "risk_weight", "uai", +1, "uai_risk_elasticity",
        "weight of perceived delivery, payment and review risk in purchase and satisfaction",
        "uncertainty avoidance: ambiguity and risk are felt as threats (Hofstede 2010, ch. 6)",
    ),
    CultureMapping(
        "peer_influence", "idv", -1, "idv_peer_elasticity",
        "attention and trust carried by friends' shares (word of mouth)",
        "individualism lowers the weight of in-group opinion (Hofstede 2010, ch. 4)",
    ),
    CultureMapping(
        "share_propensity", "idv", -1, "idv_peer_elasticity",
        "chance of sharing a purchase with friends",
        "collectivist cultures share and group-buy more (brief: fission marketing)",
    ),
    CultureMapping(
        "kol_authority", "pdi", +1, "pdi_authority_elasticity",
        "trust transferred from KOL posts and live-streams",
        "power distance raises deference to visible authority figures (Hofstede 2010, ch. 3)",
    ),
    CultureMapping(
        "impulse", "ivr", +1, "ivr_impulse_elasticity",
        "impulse purchase occasions during live-streams",
        "indulgence: freedom to act on desires and have fun (Hofstede 2010, ch. 8)",
    ),
    CultureMapping(
        "loyalty", "lto", +1, "lto_loyalty_elasticity",
        "repurchase occasions and slower forgetting of trust",
        "long-term orientation values persistence and relationships (Hofstede 2010, ch. 7)",
    ),
    CultureMapping(
        "brand_orientation", "mas", +1, "mas_brand_elasticity",
        "weight of product quality / brand in purchase choice",
        "masculinity: achievement and status goods (Hofstede 2010, ch. 5)",
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
        "| rationale |",
        "|---|---|---|---|---|---|",
    ]
    for m in CULTURE_MAPPINGS:
        direction = "rises with" if m.sign > 0 else "falls with"
        rows.append(
            f"| `{m.name}` | {m.dimension.upper()} | {direction} | `{m.elasticity}` "
            f"| {m.acts_on} | {m.rationale} |"
        )
    return "\n".join(rows) + "\n"
