"""Each lever moves its mechanism in the documented direction (paired runs, common seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.runner import run_spec
from simulation.invariants import check_invariants
from simulation.levers import LEVER_CLASSES, Levers
from simulation.model import MarketModel
from simulation.spec import MarketSpec, SellerSpec, load_spec

SEEDS = (1, 2, 3)


def _spec(levers: dict | None = None, regions=("ID", "BR", "DE"), days: int = 90,
          **seller) -> MarketSpec:
    return load_spec({
        "regions": list(regions), "n_consumers": 6_000, "horizon_days": days,
        "sellers": [{"name": "entrant", "levers": levers or {}, **seller}],
    })


def _mean(spec: MarketSpec, metric: str, region: str = "all", seller: str = "entrant") -> float:
    values = []
    for seed in SEEDS:
        s = run_spec(spec, seed).summary
        row = s[(s.seller == seller) & (s.region == region) & (s.metric == metric)]
        values.append(float(row["value"].iloc[0]))
    return sum(values) / len(values)


@pytest.mark.slow
@pytest.mark.parametrize(("levers", "metric", "region", "direction"), [
    ({"overseas_warehouse": {"regions": ["ID", "BR", "DE"]}}, "mean_delivery_days", "all", -1),
    ({"overseas_warehouse": {"regions": ["ID", "BR", "DE"]}}, "negative_review_rate", "all", -1),
    ({"route_optimisation": {}}, "logistics_cost_per_order", "all", -1),
    ({"route_optimisation": {}}, "mean_delivery_days", "all", -1),
    ({"local_payments": {}}, "cart_abandonment_rate", "ID", -1),
    ({"green_logistics": {}}, "carbon_kg_per_order", "all", -1),
    ({"multimodal_logistics": {"threshold_usd": 1000}}, "carbon_kg_per_order", "all", -1),
    ({"product_positioning": {"strategy": "brand"}}, "negative_review_rate", "all", -1),
])
def test_lever_moves_its_mechanism(levers, metric, region, direction):
    # precision_targeting is tested on its mechanism in tests/test_targeting.py (who sees the
    # ads, paired seeds): its conversion gain is small in this model (validation: +3.1%,
    # CI includes 0), and 3 seeds of this market cannot resolve it (one data breach in a
    # treated seed moves orders by a third).
    base = _mean(_spec(), metric, region)
    treated = _mean(_spec(levers), metric, region)
    assert (treated - base) * direction > 0, f"{levers}: {metric} {base:.4g} -> {treated:.4g}"


@pytest.mark.slow
def test_payment_security_cuts_fraud_that_passes_screening():
    # fraud arrives per paid order (about 1 in 50): a market with a few thousand orders (the
    # regions with the most online buyers; NG and BR sell too little once reach is limited)
    def spec(levers=None):
        return load_spec({"regions": ["VN", "PH"], "n_consumers": 40_000, "horizon_days": 180,
                          "sellers": [{"name": "entrant", "levers": levers or {}}]})
    base, treated = _mean(spec(), "fraud_rate"), _mean(spec({"payment_security": {}}),
                                                         "fraud_rate")
    assert base > 0
    assert treated < base / 2, f"fraud_rate {base:.4g} -> {treated:.4g}"


def test_small_batch_replenishment_lowers_holding_stock():
    def stock(spec: MarketSpec) -> float:
        m = MarketModel(spec, rng=5)
        total = 0
        while m.running:
            m.step()
            total += sum(int(w.stock.sum()) for w in m.warehouse_list)
        return total / m.steps
    # 180 days: only online social users are reached now, so 90 days of a 6,000-consumer
    # market sell too little for either policy to reorder.
    assert stock(_spec({"small_batch_replenishment": {}}, days=180)) < stock(_spec(days=180))


def test_live_streaming_concentrates_orders_on_stream_days():
    from simulation.metrics import Counter

    spec = _spec({"live_streaming": {"streams_per_month": 8}, "kol_marketing": {}})
    live, streams = [], []
    for seed in (4, 5, 6):  # pooled seeds: live orders are few in a small market
        m = MarketModel(spec, rng=seed)
        while m.running:
            live_before = m.counters[0, :, Counter.LIVE_ORDERS].sum()
            streams_before = m.kol_feed.streams_by_kol.sum()
            m.step()
            live.append(m.counters[0, :, Counter.LIVE_ORDERS].sum() - live_before)
            streams.append(m.kol_feed.streams_by_kol.sum() - streams_before)
    live, stream_day = np.array(live), np.array(streams) > 0
    assert 0 < stream_day.sum() <= len(stream_day) / 3  # streams are events, not every day
    assert live.sum() >= 3  # enough live orders to say where they fall
    assert live[~stream_day].sum() == 0  # every live order falls on a stream day


def test_data_compliance_lowers_breach_fines():
    from simulation.ledger import Account
    shocks = [{"kind": "data_breach", "seller": "entrant", "day": 60}]
    fines = {}
    for name, levers in (("lax", {}), ("compliant", {"data_compliance": {}})):
        spec = load_spec({**_spec(levers).model_dump(), "shocks": shocks})
        m = MarketModel(spec, rng=6)
        while m.running:
            m.step()
        fines[name] = m.ledger.accounts[0, :, Account.FINES].sum()
    assert fines["lax"] > 0
    assert fines["compliant"] < fines["lax"]


def test_every_lever_runs_with_invariants():
    levers = {c.name: ({"regions": ["ID"]} if c.name == "overseas_warehouse" else {})
              for c in LEVER_CLASSES}
    spec = _spec(levers, days=40)
    m = MarketModel(spec, rng=7)
    while m.running:
        m.step()
        check_invariants(m)


def test_unknown_lever_is_rejected_with_its_name():
    from pydantic import ValidationError
    with pytest.raises(ValidationError, match="teleport"):
        SellerSpec(levers={"teleport": {}})
    with pytest.raises(ValidationError, match=r"levers\.overseas_warehouse\.regions"):
        SellerSpec(levers={"overseas_warehouse": {"regions": []}})
    assert Levers().active() == []


def test_budget_rebalance_keeps_split_valid():
    from simulation.levers.base import rebalance
    from simulation.spec import BudgetSplit

    split = rebalance(BudgetSplit(ads=0.6, kols=0.4, referral=0.0), "kols", 1.0)
    assert (split.ads, split.kols, split.referral) == (0.0, 1.0, 0.0)
    split = rebalance(BudgetSplit(ads=0.0, kols=0.0, referral=1.0), "referral", 0.3)
    assert (split.ads, split.kols, split.referral) == pytest.approx((0.7, 0.0, 0.3))
    spec = SellerSpec(levers={"kol_marketing": {"budget_share": 0.5},
                              "viral_referral": {"budget_share": 0.2}})
    from simulation.levers import apply_levers
    out = apply_levers(spec).budget_split
    assert out.ads + out.kols + out.referral == pytest.approx(1.0)
    assert out.referral == pytest.approx(0.2) and out.kols == pytest.approx(0.4)


def test_custom_lever_registered_and_validated():
    from pydantic import Field, ValidationError

    from simulation.levers import CUSTOM_LEVERS, Lever, register_lever

    @register_lever
    class CustomsPreclearance(Lever):
        name = "test_customs_preclearance"
        mechanism = "customs delay of direct parcels"
        delay_cut: float = Field(0.5, ge=0, le=1)

        def tune(self, mech, regions):
            mech.customs_factor *= 1.0 - self.delay_cut

    try:
        spec = _spec({"custom": {"test_customs_preclearance": {"delay_cut": 0.9}}}, days=5)
        m = MarketModel(spec, rng=1)
        assert (m.seller_list[0].mech.customs_factor == pytest.approx(0.1))
        with pytest.raises(ValidationError, match="delay_cut"):
            _spec({"custom": {"test_customs_preclearance": {"delay_cut": 3}}})
        with pytest.raises(ValidationError, match="unknown custom lever"):
            _spec({"custom": {"nope": {}}})
        with pytest.raises(ValueError, match="built-in"):
            register_lever(type("X", (Lever,), {"name": "overseas_warehouse"}))
    finally:
        CUSTOM_LEVERS.pop("test_customs_preclearance", None)
