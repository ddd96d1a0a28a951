"""Payment habits: methods consumers use, from the transaction mix or a usage survey."""

from __future__ import annotations

import numpy as np

from simulation.model import MarketModel
from simulation.payment_habits import draw_payment_methods, methods_in_use
from simulation.regions import PAYMENT_METHODS, RegionTable, load_catalog
from simulation.spec import MarketSpec


# --- pure functions ------------------------------------------------------------------------
def test_methods_in_use_hand_computed():
    use = np.array([[0.5, 0.0, 1.0], [0.5, 0.0, 1.0], [0.2, 0.2, 0.0]])
    uniforms = np.array([[0.4, 0.0, 0.99], [0.6, 0.5, 0.1], [0.3, 0.9, 0.5]])
    fallback = np.array([1, 1, 2])
    # consumer 0: methods 0 and 2 (0.4 < 0.5, 0 < 0 is false, 0.99 < 1); 1: method 2 only;
    # 2: none drawn, so her primary (fallback 2 = method 1).
    assert methods_in_use(use, uniforms, fallback).tolist() == [0b101, 0b100, 0b010]


def _table(codes: list[str], survey: dict[str, dict[str, float]] | None = None) -> RegionTable:
    catalog = load_catalog(overrides={"regions": survey} if survey else None)
    return RegionTable.from_regions([catalog.regions[c] for c in codes])


def test_unsurveyed_region_keeps_mix_draw_and_surveyed_one_follows_the_survey():
    """The survey replaces the draw of surveyed regions' consumers only."""
    us = _table(["US"])
    assert np.isnan(us.payment_use).all()
    region = np.zeros(200_000, dtype=np.int16)
    mask = draw_payment_methods(region, us, 0.4, np.random.default_rng(5))
    mix = us.payment_mix[0]
    # P(use m) = mix_m + (1 - mix_m) x 0.4 x mix_m (primary, or the second draw).
    expected = mix + (1 - mix) * 0.4 * mix
    held = np.array([((mask >> i) & 1).mean() for i in range(len(PAYMENT_METHODS))])
    se = np.sqrt(expected * (1 - expected) / len(region))
    assert np.all(np.abs(held - expected) < 5 * se + 1e-12)

    idn = _table(["ID"])
    use = idn.payment_use[0]
    assert not np.isnan(use).any()
    mask = draw_payment_methods(region, idn, 0.4, np.random.default_rng(5))
    held = np.array([((mask >> i) & 1).mean() for i in range(len(PAYMENT_METHODS))])
    none = np.prod(1 - use)  # drawn with no method: the primary from the mix instead
    expected = use + none * idn.payment_mix[0]
    se = np.sqrt(expected * (1 - expected) / len(region))
    assert np.all(np.abs(held - expected) < 5 * se)


def test_indonesia_survey_in_a_market():
    """A seeded market: card or wallet held by 1 - (1 - 0.251)(1 - 0.741) = 0.806 (+ fallbacks)."""
    model = MarketModel(MarketSpec(regions=["ID"], n_consumers=30_000, horizon_days=1), rng=2)
    mask = model.population.pay_mask
    card, wallet = PAYMENT_METHODS.index("card"), PAYMENT_METHODS.index("wallet")
    card_or_wallet = (((mask >> card) & 1) | ((mask >> wallet) & 1)).mean()
    assert abs(card_or_wallet - 0.806) < 0.02
    assert abs(((mask >> card) & 1).mean() - 0.251) < 0.02


def test_a_survey_can_be_added_by_override():
    """A user with a survey for another region adds it without touching code."""
    survey = {m: 0.5 for m in PAYMENT_METHODS}
    table = _table(["BR"], {"BR": {"payment_use": survey}})
    assert table.payment_use[0].tolist() == [0.5] * len(PAYMENT_METHODS)
