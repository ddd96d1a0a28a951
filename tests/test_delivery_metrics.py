"""The delivery metrics: delivered-only, resolved (delivered or lost) and every shipped parcel."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.fulfilment import IN_TRANSIT, days_to_end
from simulation.invariants import check_invariants
from simulation.metrics import N_COUNTERS, Counter, compute_metrics
from simulation.model import MarketModel
from simulation.spec import load_spec

MODES = ("express_air", "postal_air", "ecommerce_line", "sea_freight")


def _metrics(**counts: float) -> dict[str, float]:
    """compute_metrics on one row of counters set by name (everything else 0)."""
    c = np.zeros(N_COUNTERS)
    for name, value in counts.items():
        c[Counter[name]] = value
    out = compute_metrics(c, 0.0, 100.0, 10.0, 5.0, 1.0)
    return {k: float(v) for k, v in out.items()}


def test_resolution_days_count_lost_parcels_at_the_day_they_are_found_lost():
    # Two parcels delivered after 10 and 20 days (mean 15); one lost, found after 30 days.
    # Resolved: (10 + 20 + 30) / 3 = 20. Four legitimate parcels shipped, the fourth still in
    # transit and due 40 days after payment: (10 + 20 + 30 + 40) / 4 = 25.
    m = _metrics(DELIVERED=2, DELIVERY_DAYS=30, LOST=1, LOST_DAYS=30,
                 LEGIT_SHIPPED=4, LEGIT_SHIPPED_DAYS=100, SHIPPED=5)
    assert m["mean_delivery_days"] == 15.0
    assert m["mean_days_to_resolution"] == 20.0
    assert m["mean_shipped_parcel_days"] == 25.0


def test_resolution_days_equal_delivery_days_when_nothing_is_lost_and_nan_when_nothing_ends():
    m = _metrics(DELIVERED=4, DELIVERY_DAYS=38)
    assert m["mean_days_to_resolution"] == m["mean_delivery_days"] == 9.5
    empty = _metrics()
    assert np.isnan(empty["mean_days_to_resolution"])
    assert np.isnan(empty["mean_shipped_parcel_days"])


def test_days_to_end_is_arrival_minus_payment_day():
    assert days_to_end(np.array([0, 7], dtype=np.int32), np.array([3.25, 7.0])).tolist() == [
        3.25, 0.0]


def _run(loss_rate: float, seed: int = 3, days: int = 60) -> MarketModel:
    """A busy one-region market (ID) shipping by sea (many parcels in transit at the horizon)."""
    spec = load_spec({
        "regions": ["ID"], "n_consumers": 3000, "horizon_days": days,
        "parameters": {"purchase_occasion_rate": 0.3},
        "sellers": [{"name": "s", "fulfilment": {"direct_mode": "sea_freight"}}],
        "region_overrides": {"ID": {"shipping": {m: {"loss_rate": loss_rate} for m in MODES}}},
    })
    model = MarketModel(spec, rng=seed)
    while model.running:
        model.step()
        check_invariants(model)
    return model


@pytest.fixture(scope="module")
def lossy() -> MarketModel:
    """A seeded run in which a third of the parcels are lost."""
    return _run(loss_rate=0.3)


def test_shipped_parcel_days_add_up_resolved_and_in_transit_parcels(lossy):
    c = lossy.counters.sum(axis=(0, 1))
    book = lossy.orders
    moving = np.isin(book["state"], IN_TRANSIT) & ~book["fraud"]
    assert c[Counter.LOST] > 0 and c[Counter.DELIVERED] > 0 and moving.sum() > 0
    # Every legitimate parcel shipped is delivered, lost or still moving (never folded).
    assert c[Counter.LEGIT_SHIPPED] == c[Counter.DELIVERED] + c[Counter.LOST] + moving.sum()
    scheduled = days_to_end(book["t_created"][moving], book["t_arrive"][moving]).sum()
    assert c[Counter.LEGIT_SHIPPED_DAYS] == pytest.approx(
        c[Counter.DELIVERY_DAYS] + c[Counter.LOST_DAYS] + scheduled, rel=1e-12)


def test_resolution_mean_is_the_weighted_mean_of_delivered_and_lost(lossy):
    c = lossy.counters.sum(axis=(0, 1))
    total = lossy.latest["total"]
    delivered = c[Counter.DELIVERY_DAYS] / c[Counter.DELIVERED]
    lost = c[Counter.LOST_DAYS] / c[Counter.LOST]
    assert min(delivered, lost) <= total["mean_days_to_resolution"] <= max(delivered, lost)
    assert total["mean_delivery_days"] == pytest.approx(delivered, rel=1e-12)
    if lost > delivered:  # parcels lost late make the honest mean the longer one
        assert total["mean_days_to_resolution"] > total["mean_delivery_days"]


def test_without_losses_resolution_equals_delivery_every_day():
    model = _run(loss_rate=0.0, days=40)
    frame = model.datacollector.totals_frame()
    assert model.counters[..., Counter.LOST].sum() == 0
    delivered = frame["mean_delivery_days"].to_numpy()
    assert np.isfinite(delivered).any()
    np.testing.assert_array_equal(frame["mean_days_to_resolution"].to_numpy(), delivered)
