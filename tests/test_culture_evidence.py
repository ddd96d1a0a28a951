"""Ceteris paribus: each Hofstede mapping moves its target mechanism in a default-like market.

For each mapping of :data:`simulation.culture.CULTURE_MAPPINGS`, one Hofstede score of one
region (Indonesia) is changed through ``region_overrides``; everything else (spec, seeds) is
equal. The paired relative change of the mapping's target mechanism in Indonesia is bounded
with a 95% interval (mean +- 1.96 s.e.) over 8 seeds: direction, and a size bound. Orders move
far less (see docs/CULTURE.md); those outcome moves are reported, not asserted.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from simulation.culture import CULTURE_MAPPINGS
from simulation.metrics import Counter
from simulation.model import MarketModel
from simulation.spec import load_spec

SEEDS = tuple(range(8))
REGION = "ID"
PRODUCTS = ({"name": "basic", "category": "apparel", "price_usd": 20.0, "unit_cost_usd": 8.0,
             "quality": 0.3},
            {"name": "premium", "category": "apparel", "price_usd": 40.0,
             "unit_cost_usd": 14.0, "quality": 0.9})
"""For the brand test: a cheap low-quality and a dear high-quality product."""


N_CONSUMERS = 20_000
"""Market size of a case (both regions together)."""
N_CONSUMERS_BY_KEY = {"live_orders": 200_000}
"""Measures of rare events get a larger market: Indonesia's live orders number 1-12 a run at
20,000 consumers, so 8 seeds could not tell +40% from 0 (the interval spanned -7% to +79%);
at 200,000 they number 33-88."""


def _spec(dim: str | None = None, value: float | None = None, products: bool = False,
          n: int = N_CONSUMERS):
    seller: dict = {"name": "entrant", "levers": {"live_streaming": {}}}
    if products:
        seller["products"] = list(PRODUCTS)
    overrides = {REGION: {"hofstede": {dim: value}}} if dim else {}
    return load_spec({"regions": [REGION, "US"], "n_consumers": n, "horizon_days": 180,
                      "sellers": [seller], "region_overrides": overrides})


@cache
def measures(dim: str | None, value: float | None, seed: int, products: bool = False,
             n: int = N_CONSUMERS) -> dict[str, float]:
    """Target mechanisms and outcomes in Indonesia (region 0) after one run."""
    m = MarketModel(_spec(dim, value, products, n), rng=seed)
    while m.running:
        m.step()
    c = m.counters[0, 0]
    pop = m.population
    here = pop.region == 0
    return {
        "wom_touches": c[Counter.WOM_TOUCHES] / here.sum(),
        "mean_trust": float(pop.trust[here, 0].mean()),
        "live_orders": c[Counter.LIVE_ORDERS],
        "repeat_per_customer": c[Counter.REPEAT_PURCHASES] / max(1.0, c[Counter.NEW_CUSTOMERS]),
        "orders": c[Counter.PAID],
        "order_value": c[Counter.GMV] / max(1.0, c[Counter.PAID]),
    }


def paired_change(dim: str, value: float, key: str, products: bool = False
                  ) -> tuple[float, float, float]:
    """Mean relative change of ``key`` (changed / base - 1) and its 95% interval."""
    n = N_CONSUMERS_BY_KEY.get(key, N_CONSUMERS)
    rel = np.array([measures(dim, value, s, products, n)[key]
                    / measures(None, None, s, products, n)[key] - 1 for s in SEEDS])
    half = 1.96 * rel.std(ddof=1) / np.sqrt(len(rel))
    return float(rel.mean()), float(rel.mean() - half), float(rel.mean() + half)


# (mapping, dimension, new value, target measure, direction, largest plausible |change|)
# Indonesia's scores: pdi 78, idv 14, mas 46, uai 48, lto 62, ivr 38; new values are
# other catalog regions' (US idv 91, ivr 68, lto 26; DE pdi 35; JP uai 92, mas 95).
CASES = (
    ("share_propensity", "idv", 91, "wom_touches", -1, 0.9),
    ("peer_influence", "idv", 91, "mean_trust", -1, 0.1),
    ("kol_authority", "pdi", 35, "mean_trust", -1, 0.1),
    ("impulse", "ivr", 68, "live_orders", +1, 4.0),
    ("loyalty", "lto", 26, "repeat_per_customer", -1, 0.9),
    ("risk_weight", "uai", 92, "orders", -1, 0.8),
    ("brand_orientation", "mas", 95, "order_value", +1, 0.5),
)


def test_every_mapping_has_a_ceteris_paribus_case():
    assert {c[0] for c in CASES} == {m.name for m in CULTURE_MAPPINGS}
    for name, dim, *_ in CASES:
        assert next(m for m in CULTURE_MAPPINGS if m.name == name).dimension == dim


@pytest.mark.parametrize(("mapping", "dim", "value", "key", "direction", "bound"), CASES,
                         ids=[c[0] for c in CASES])
def test_one_score_moves_its_target_mechanism(mapping, dim, value, key, direction, bound):
    mean, lo, hi = paired_change(dim, value, key, products=(mapping == "brand_orientation"))
    if direction > 0:
        assert lo > 0, (mapping, mean, lo, hi)
    else:
        assert hi < 0, (mapping, mean, lo, hi)
    assert abs(mean) < bound, (mapping, mean)
