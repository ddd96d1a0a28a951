"""The model is a proper Mesa model: agent types, AgentSets, DataCollector."""

from __future__ import annotations

import numpy as np
import pytest

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
    assert model.consumer(17) == agent and model.consumer(17) != model.consumer(18)
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
    fast = model.consumers.select(mask=pop.stage >= Stage.AWARE)
    np.testing.assert_array_equal(fast.rows, aware.rows)
    by_region = model.consumers.groupby("region").count()
    assert by_region == {code: int((pop.region == r).sum())
                         for r, code in enumerate(model.regions.codes)}


def test_no_python_object_per_consumer(small_spec):
    model = MarketModel(small_spec, rng=2)
    registered = len(model.agents)  # Mesa's registry: sellers, KOLs, warehouses, providers
    assert registered < 1_000 < small_spec.n_consumers
    assert model.agents_by_type[Consumer] is model.consumers is model.population


def test_writing_through_a_consumer_view_raises_instead_of_changing_nothing(small_spec):
    model = MarketModel(small_spec, rng=2)
    agent = model.consumer(5)
    with pytest.raises(ValueError, match="read-only"):
        agent.trust[0] = 0.99
    with pytest.raises(AttributeError, match="read-only"):
        agent.stage = Stage.TRUSTING
    with pytest.raises(ValueError, match="read-only"):
        model.consumers.get("affinity")[5] = 3.0
    with pytest.raises(IndexError):
        model.consumer(small_spec.n_consumers)
    assert model.population.trust[5, 0] != np.float32(0.99)


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
    assert {"seller_profit", "seller_orders"} <= set(sellers.columns)
    stages = totals[[f"consumers_{st.name.lower()}" for st in Stage]]
    assert (stages.sum(axis=1) == small_spec.n_consumers).all()  # every consumer, one stage


@pytest.fixture
def restore_start_method():
    """mesa.batch_run forces multiprocessing's start method; put the previous one back."""
    import multiprocessing

    previous = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(previous, force=True)


def test_batch_run_reports_market_totals_under_the_metric_names(restore_start_method):
    import mesa

    from simulation.spec import MarketSpec, SellerSpec

    # 60 days: both sellers must sell (ads reach only social-media users)
    spec = MarketSpec(regions=["ID", "BR"], n_consumers=2_000, horizon_days=60,
                      sellers=[SellerSpec(name="a"), SellerSpec(name="b")])
    rows = mesa.batch_run(MarketModel, {"spec": [spec]}, rng=[3], max_steps=100,
                          number_processes=1, display_progress=False)
    model = MarketModel(spec, rng=3)
    while model.running:
        model.step()
    totals = model.datacollector.get_model_vars_dataframe().iloc[-1]
    seller_rows = [r for r in rows if "seller_orders" in r and r["seller_orders"] is not None]
    assert len(seller_rows) == 2  # one per seller
    for row in rows:
        for metric in ("orders", "profit", "gmv"):
            assert row[metric] == totals[metric], (metric, row)  # the market's, in every row
    per_seller = [r["seller_orders"] for r in seller_rows]
    assert sum(per_seller) == totals["orders"] and min(per_seller) > 0  # both sellers sold
