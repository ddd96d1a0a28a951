"""Invariants on seeded runs over random specs (hypothesis), and determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from experiments.runner import run_spec
from simulation.invariants import check_invariants
from simulation.levers import LEVER_CLASSES
from simulation.model import MarketModel
from simulation.parameters import ModelParameters
from simulation.regions import load_catalog
from simulation.spec import (
    BudgetSplit,
    FulfilmentSpec,
    MarketSpec,
    PaymentProviderSpec,
    ProductSpec,
    SellerSpec,
)

CODES = list(load_catalog().regions)


@st.composite
def sellers(draw, regions: list[str], i: int) -> SellerSpec:
    ads = draw(st.floats(0, 1))
    kols = draw(st.floats(0, 1 - ads))
    n_products = draw(st.integers(1, 3))
    products = []
    for j in range(n_products):
        price = draw(st.floats(2, 400))
        products.append(ProductSpec(
            name=f"p{j}", price_usd=price, unit_cost_usd=price * draw(st.floats(0, 0.9)),
            quality=draw(st.floats(0, 1)), green=draw(st.booleans()),
        ))
    warehouses = draw(st.lists(st.sampled_from(regions), unique=True, max_size=len(regions)))
    providers = [PaymentProviderSpec(name="cards", methods=["card"])]
    if draw(st.booleans()):
        providers.append(PaymentProviderSpec(
            name=f"local{i}", methods=["wallet", "bank_transfer", "cod", "bnpl"],
            fraud_screening=draw(st.floats(0, 1)), settlement_days=draw(st.integers(0, 30)),
        ))
    lever_names = draw(st.lists(st.sampled_from([c.name for c in LEVER_CLASSES]), unique=True,
                                max_size=5))
    levers = {name: ({"regions": [draw(st.sampled_from(regions))]}
                     if name == "overseas_warehouse" else {}) for name in lever_names}
    return SellerSpec(
        name=f"s{i}",
        levers=levers,
        products=products,
        marketing_budget_per_1k_daily=draw(st.floats(0, 50)),
        budget_split=BudgetSplit(ads=ads, kols=kols, referral=1 - ads - kols),
        referral_rebate_usd=draw(st.sampled_from([0.0, 2.0, 10.0])),
        live_stream_discount=draw(st.floats(0, 0.5)),
        fulfilment=FulfilmentSpec(
            direct_mode=draw(st.sampled_from(
                ["express_air", "postal_air", "ecommerce_line", "sea_freight"])),
            overseas_warehouses=warehouses,
        ),
        payment_providers=providers,
        compliance_spend_per_1k_daily=draw(st.floats(0, 5)),
        certified=draw(st.booleans()),
    )


@st.composite
def market_specs(draw) -> MarketSpec:
    regions = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    n_sellers = draw(st.integers(1, 2))
    params = ModelParameters(
        purchase_occasion_rate=draw(st.floats(0.01, 0.5)),
        trust_threshold=draw(st.floats(0.1, 0.6)),
        mean_degree=draw(st.floats(2, 20)),
        kols_per_region=draw(st.integers(0, 30)),
        breach_base_daily_rate=draw(st.sampled_from([0.0, 0.05])),
        max_backorder_days=draw(st.floats(0, 20)),
        warehouse_capacity_per_1k_consumers=draw(st.floats(0.5, 50)),
        order_compaction_interval=draw(st.integers(1, 10)),
    )
    horizon = draw(st.integers(1, 45))
    day = st.integers(1, horizon)
    shocks = draw(st.lists(st.one_of(
        st.builds(dict, kind=st.just("fx_shock"), region=st.sampled_from(regions), day=day,
                  log_change=st.floats(-1, 1)),
        st.builds(dict, kind=st.just("logistics_disruption"), start_day=day,
                  end_day=st.just(horizon), delay_factor=st.floats(1, 5),
                  closed=st.booleans()),
        st.builds(dict, kind=st.just("peak_sale"), days=st.lists(day, min_size=1, max_size=3)),
        st.builds(dict, kind=st.just("platform_ban"), region=st.sampled_from(regions),
                  platform=st.sampled_from(["tiktok", "facebook", "local"]), day=day),
        st.builds(dict, kind=st.just("data_breach"), seller=st.just("s0"), day=day),
    ), max_size=3))
    return MarketSpec(
        regions=regions,
        n_consumers=draw(st.integers(1, 600)),
        horizon_days=horizon,
        sellers=[draw(sellers(regions, i)) for i in range(n_sellers)],
        parameters=params,
        shocks=shocks,
    )


@given(spec=market_specs(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_every_day(spec: MarketSpec, seed: int):
    model = MarketModel(spec, rng=seed)
    check_invariants(model)
    while model.running:
        model.step()
        check_invariants(model)
    assert model.steps == spec.horizon_days


def test_invariants_on_a_busy_market(small_spec):
    # Twice the consumers and days of small_spec, so that every order state (returns too)
    # occurs whatever the calibrated trust threshold.
    spec = small_spec.model_copy(update={"n_consumers": 6_000, "horizon_days": 120})
    model = MarketModel(spec, rng=11)
    while model.running:
        model.step()
        check_invariants(model)
    # The run must have exercised the whole lifecycle, or the invariants proved little.
    counts = model.orders.state_counts()
    assert counts.sum() > 50
    from simulation.metrics import Counter
    from simulation.orders import OrderState as S
    for state in (S.ABANDONED, S.KEPT, S.RETURNED):
        assert counts[state] > 0, state.name
    # delivered is a passing state (an order moves on to reviewed, kept or returned), so
    # deliveries are counted as they happen rather than read off today's states
    assert model.counters[..., Counter.DELIVERED].sum() > 0


def test_same_seed_same_results(small_spec):
    a = run_spec(small_spec, seed=7)
    b = run_spec(small_spec, seed=7)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.funnel, b.funnel)


def test_seed_zero_is_a_seed_and_seeds_differ(small_spec):
    a = run_spec(small_spec, seed=0)
    b = run_spec(small_spec, seed=0)
    c = run_spec(small_spec, seed=1)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert not a.summary["value"].equals(c.summary["value"])


def test_no_global_random_state_is_used(small_spec):
    np.random.seed(123)  # noqa: NPY002 - the legacy global state the model must ignore
    import random

    random.seed(123)
    a = run_spec(small_spec, seed=5)
    np.random.seed(999)  # noqa: NPY002
    random.seed(999)
    b = run_spec(small_spec, seed=5)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_streams_keep_scenarios_in_step():
    """A lever that changes logistics leaves population, graph and KOLs draw for draw equal."""
    base = MarketSpec(regions=["BR", "ID"], n_consumers=2_000)
    treated = base.model_copy(update={"sellers": [SellerSpec(levers={
        "overseas_warehouse": {"regions": ["BR"]}})]})
    a, b = MarketModel(base, rng=5), MarketModel(treated, rng=5)
    np.testing.assert_array_equal(a.population.trust_prop, b.population.trust_prop)
    np.testing.assert_array_equal(a.graph.indices, b.graph.indices)
    assert [len(k.followers) for k in a.kols] == [len(k.followers) for k in b.kols]
    for _ in range(5):  # before any parcel exists, the markets move identically
        a.step()
        b.step()
    np.testing.assert_array_equal(a.population.attention, b.population.attention)
