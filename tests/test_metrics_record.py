"""The DataCollector's daily record gives exactly the metrics a per-day computation gives.

MarketDataCollector stores each day's raw state and computes metrics, tables and agent
records for all days at once when read; these tests recompute every day the direct way
(population.region_counts, ledger.profit, compute_metrics on that day's arrays) and require
the same floats, bit for bit, including NaN where a denominator is zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.metrics import (
    FUNNEL_COLUMNS,
    METRIC_NAMES,
    Counter,
    compute_metrics,
    ratio,
)
from simulation.model import MarketModel
from simulation.regions import load_catalog
from simulation.sellers import Seller
from simulation.spec import FulfilmentSpec, MarketSpec, SellerSpec
from simulation.warehouses import Warehouse


def direct_metrics(model: MarketModel) -> dict[str, np.ndarray]:
    """Today's metrics per region and in total (last), computed from today's arrays only."""
    n_regions = model.regions.n
    counts = model.population.region_counts(n_regions)
    profit = model.ledger.profit()
    counters = model.counters

    def with_total(by_region: np.ndarray) -> np.ndarray:
        return np.append(by_region, by_region.sum())

    return compute_metrics(
        np.vstack([counters.sum(axis=0), counters.sum(axis=(0, 1))]),
        np.concatenate([profit[:, :n_regions].sum(axis=0), [profit.sum()]]),
        with_total(counts["consumers"]), with_total(counts["aware"]),
        with_total(counts["customers"]), with_total(counts["repeat_customers"]),
        ratio(with_total(counts["trust_sum"]), with_total(counts["aware_pairs"])),
        reached=with_total(counts["reached"]),
    )


def same_floats(a, b) -> bool:
    """Equal as floats, NaN equal to NaN (and -0.0 distinct from 0.0)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool((a.view(np.int64) == b.view(np.int64)).all())


SPECS = {
    # one seller, one consumer; three sellers over three regions of which two are empty
    "one": MarketSpec(regions=["ID"], n_consumers=1, horizon_days=40),
    "empty_regions": MarketSpec(regions=["ID", "BR", "DE"], n_consumers=1, horizon_days=20,
                                sellers=[SellerSpec(name=n) for n in "abc"]),
    "competing": MarketSpec(
        regions=["US", "ID", "BR"], n_consumers=2_000, horizon_days=40,
        sellers=[SellerSpec(name="direct"), SellerSpec(name="b"),
                 SellerSpec(name="warehoused", referral_rebate_usd=3.0,
                            fulfilment=FulfilmentSpec(overseas_warehouses=["ID", "US"]))],
    ),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_record_gives_the_per_day_metrics_exactly(name):
    spec = SPECS[name]
    model = MarketModel(spec, rng=5)
    n_regions = model.regions.n
    expected = [direct_metrics(model)]
    stages = [model.population.region_counts(n_regions)["stage"]]
    profits = [model.ledger.profit().sum(axis=1)]
    backlogs = [model.orders.backlog_by_warehouse(len(model.warehouse_list))]
    stocks = [[int(w.stock.sum()) for w in model.warehouse_list]]
    orders = [model.counters[:, :, Counter.PAID].sum(axis=1)]
    while model.running:
        model.step()
        today = direct_metrics(model)
        latest = model.latest
        for m in METRIC_NAMES:
            assert same_floats(latest["by_region"][m], today[m][:n_regions]), m
            assert same_floats(latest["total"][m], today[m][n_regions]), m
        expected.append(today)
        stages.append(model.population.region_counts(n_regions)["stage"])
        profits.append(model.ledger.profit().sum(axis=1))
        backlogs.append(model.orders.backlog_by_warehouse(len(model.warehouse_list)))
        stocks.append([int(w.stock.sum()) for w in model.warehouse_list])
        orders.append(model.counters[:, :, Counter.PAID].sum(axis=1))
        np.testing.assert_array_equal(latest["stage_counts"], stages[-1].sum(axis=0))
        assert same_floats(latest["seller_profit"], profits[-1])
        np.testing.assert_array_equal(latest["backlog"], backlogs[-1])

    dc = model.datacollector
    days = len(expected)
    totals = dc.get_model_vars_dataframe()
    assert len(totals) == days == len(dc._collection_steps)
    regions = dc.get_table_dataframe("regions")
    funnel = dc.get_table_dataframe("funnel")
    for m in METRIC_NAMES:
        assert same_floats(totals[m], [e[m][n_regions] for e in expected]), m
        assert same_floats(regions[m], np.concatenate([e[m][:n_regions] for e in expected])), m
        assert same_floats(dc.model_vars[m], totals[m]), m
    for k, col in enumerate(FUNNEL_COLUMNS):
        np.testing.assert_array_equal(funnel[col], np.concatenate([s[:, k] for s in stages]))
        np.testing.assert_array_equal(totals[f"consumers_{col}"],
                                      [s[:, k].sum() for s in stages])
    assert list(regions["region"]) == list(model.regions.codes) * days
    assert dc.tables["regions"]["step"] == regions["step"].tolist()

    records = dc._agenttype_records
    last = records[dc._collection_steps[-1]]
    assert [r[2:] for r in last[Seller]] == [
        (float(p), float(o)) for p, o in zip(profits[-1], orders[-1], strict=True)]
    assert [r[2:] for r in last[Warehouse]] == [
        (s, int(b)) for s, b in zip(stocks[-1], backlogs[-1], strict=True)]
    sellers = dc.get_agenttype_vars_dataframe(Seller)
    assert len(sellers) == len(records) * len(model.seller_list)


def test_totals_frame_is_the_model_vars_metrics_with_a_step_column():
    model = MarketModel(SPECS["one"], rng=1)
    for _ in range(5):
        model.step()
    dc = model.datacollector
    expected = dc.get_model_vars_dataframe().reset_index(names="step")
    pd.testing.assert_frame_equal(dc.totals_frame(), expected[["step", *METRIC_NAMES]])


def test_record_grows_past_the_horizon_and_refuses_table_rows():
    model = MarketModel(SPECS["one"], rng=2)
    for _ in range(3 * SPECS["one"].horizon_days):  # stepping on after the horizon
        model.step()
    dc = model.datacollector
    assert len(dc.get_model_vars_dataframe()) == 3 * SPECS["one"].horizon_days + 1
    with pytest.raises(ValueError, match="computed from the daily record"):
        dc.add_table_row("regions", {})


def test_funnel_columns_are_the_stages_in_order():
    from simulation.consumers import Stage

    assert tuple(s.name.lower() for s in Stage) == FUNNEL_COLUMNS


def test_validated_catalogs_are_shared_per_file_version_and_overrides(tmp_path):
    assert load_catalog() is load_catalog()
    override = {"regions": {"BR": {"customs_delay_days": 9}}}
    changed = load_catalog(overrides=override)
    assert changed is load_catalog(overrides={"regions": {"BR": {"customs_delay_days": 9}}})
    assert changed is not load_catalog()
    assert load_catalog().regions["BR"].customs_delay_days.value != 9

    from simulation.regions import default_catalog_path

    path = tmp_path / "regions.yaml"
    text = default_catalog_path().read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = load_catalog(path)
    assert load_catalog(path) is first
    path.write_text(text.replace("version:", "version: edited", 1), encoding="utf-8")
    assert load_catalog(path) is not first  # an edited file is read again
