"""Lookups kept between days by the choice-and-checkout phase agree with computing afresh."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.scenarios import load_scenarios
from simulation.checkout import N_METHOD_MASKS
from simulation.model import MarketModel
from simulation.orders import OrderBook
from simulation.pricing import build_offers, days_of_income
from simulation.spec import load_spec
from simulation.warehouses import HUB

SCENARIOS = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"


def _demo_model() -> MarketModel:
    """A local incumbent and a localised entrant (several providers, overseas stock)."""
    specs = load_scenarios(SCENARIOS / "incumbent_vs_entrant.yaml").specs()
    spec = specs["localised_entry"].model_copy(update={
        "regions": ["BR", "ID", "DE", "US"], "n_consumers": 400, "horizon_days": 10})
    return MarketModel(load_spec(spec.model_dump()), rng=5)


def test_provider_table_matches_the_provider_lists():
    m = _demo_model()
    routing = m.payment_routing
    n_s, n_r = routing.offered_methods.shape
    s, r, k = np.indices((n_s, n_r, N_METHOD_MASKS)).reshape(3, -1)
    assert (routing.provider_for(s, r, k) == routing.route(s, r, k)).all()
    # One method mask for every payment broadcasts, as the fraud path uses it.
    assert (routing.provider_for(s, r, 1) == routing.route(s, r, np.ones_like(s))).all()


def test_fulfilling_warehouse_is_local_stock_or_else_the_hub():
    m = _demo_model()
    for seller in m.seller_list:
        for region, wh in enumerate(m.payment_routing.warehouse[seller.index].tolist()):
            site = m.warehouse_list[wh]
            assert site.region == region or site.region == HUB


def test_offers_follow_exchange_rates_and_de_minimis_changes():
    m = _demo_model()
    gdp = m.regions.gdp_per_capita[None, :]

    def fresh(discounted: bool) -> np.ndarray:
        return np.concatenate([
            days_of_income(s.landed_prices(m.fx.index, s.spec.live_stream_discount
                                           if discounted else 0.0), gdp)
            for s in m.seller_list])

    for change in (lambda: m.fx.shock(1, 0.3), lambda: m.regions.de_minimis_usd.__setitem__(
            2, 0.0), lambda: None):
        change()
        offers = build_offers(m)
        assert np.array_equal(offers.price_days, fresh(False))
        assert np.array_equal(offers.live_price_days, fresh(True))
    m.customs_delay[0] += 5.0
    promised = np.concatenate([s.promised_days() for s in m.seller_list])
    assert np.array_equal(build_offers(m).promised_days, promised)


def test_order_book_appends_defaults_after_compaction():
    book = OrderBook(capacity=16)
    book.append(3, state=np.array([0, 2, 0], dtype=np.int8), kol=7, value=1.5)
    assert book.compact() == 2
    rows = book.append(20, state=2)  # grows past the capacity too
    assert (book["kol"][rows] == -1).all() and (book["value"][rows] == 0.0).all()
    assert book["kol"][0] == 7 and book["value"][0] == 1.5
    assert book["id"].tolist() == [1, *range(3, 23)]
