"""The model is a proper Mesa model: agent types, AgentSets, DataCollector."""

from __future__ import annotations

import numpy as np

from simulation.consumers import Consumer, Stage
from simulation.kols import KOL
from simulation.metrics import METRIC_NAMES
from simulation.model import MarketModel
from simulation.payments import PaymentProvider
from simulation.sellers import Seller
from simulation.warehouses import Warehouse


def test_five_agent_types_reachable(small_spec):
    model = MarketModel(small_spec, rng=1)
    types = model.agents_by_type
    for cls in (Consumer, KOL, Seller, Warehouse, PaymentProvider):
        assert cls in types and len(types[cls]) > 0, cls.__name__
    assert len(types[Consumer]) == small_spec.n_consumers
    assert len(types[Seller]) == 2
    # hub per seller + two overseas warehouses for the second seller
    assert len(types[Warehouse]) == 4


def test_consumer_agents_are_views_onto_the_population(small_spec):
    model = MarketModel(small_spec, rng=2)
    for _ in range(30):
        model.step()
    agent = model.agents_by_type[Consumer].select(lambda a: a.index == 17).to_list()[0]
    assert model.consumer(17) is agent
    pop = model.population
    assert agent.region == model.regions.codes[pop.region[17]]
    assert agent.stage == Stage(int(pop.stage[17]))
    # the view reads row 17 live: write known values into the population and read them back
    marked = np.linspace(0.1, 0.9, pop.trust.shape[1]).astype(pop.trust.dtype)
    pop.trust[17] = marked
    pop.stage[17] = Stage.TRUSTING
    np.testing.assert_array_equal(agent.trust, marked)
    assert agent.stage == Stage.TRUSTING
    assert not np.array_equal(model.consumer(18).trust, marked)  # another row, another view
    assert set(agent.payment_methods) <= {"card", "wallet", "bank_transfer", "cod", "bnpl"}
    assert len(agent.payment_methods) >= 1
    aware = model.consumers.select(lambda a: a.stage >= Stage.AWARE)
    assert len(aware) == int((pop.stage >= Stage.AWARE).sum())
    by_region = model.consumers.groupby("region").count()
    assert sum(by_region.values()) == small_spec.n_consumers


def test_kols_have_heavy_tailed_followers(small_spec):
    model = MarketModel(small_spec, rng=3)
    followers = np.array(model.kols.get("n_followers"))
    assert followers.max() > 20 * np.median(followers)
    tiers = set(model.kols.get("tier"))
    assert len({t.name for t in tiers}) >= 4


def test_datacollector_has_metrics_tables_and_agent_data(small_spec):
    model = MarketModel(small_spec, rng=4)
    for _ in range(10):
        model.step()
    dc = model.datacollector
    totals = dc.get_model_vars_dataframe()
    assert list(totals.columns[: len(METRIC_NAMES)]) == list(METRIC_NAMES)
    assert len(totals) == 11  # day 0 and ten steps
    regions = dc.get_table_dataframe("regions")
    assert len(regions) == 11 * 3
    sellers = dc.get_agenttype_vars_dataframe(Seller)
    assert {"profit", "orders"} <= set(sellers.columns)
