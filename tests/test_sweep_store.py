"""The Parquet results store: atomic parts, temp files ignored, tidy loading, forgetting."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from experiments.store import (
    RUNS_DIRNAME,
    ResultStore,
    load_results,
    part_files,
    remove_temp_files,
    run_statuses,
    write_design,
)
from experiments.sweep import SweepSpec, plan_sweep

SUMMARY = {
    "seller": ["entrant", "all", "all"],
    "region": ["ID", "ID", "all"],
    "metric": ["orders", "orders", "orders"],
    "value": [3.0, 3.0, 3.0],
}


@pytest.fixture
def plan():
    return plan_sweep(SweepSpec.model_validate({
        "name": "store",
        "base": {"regions": ["ID"], "n_consumers": 300, "horizon_days": 10},
        "factors": [{"path": "parameters.share_rate", "levels": [0.1, 0.2, 0.3]},
                    {"path": "sellers.0.fulfilment.overseas_warehouses",
                     "levels": [[], ["ID"]]}],
        "design": {"method": "full_factorial"},
        "replications": 2,
    }))


def record(run_id, status="ok", value=3.0):
    summary = {**SUMMARY, "value": [value] * 3} if status == "ok" else None
    return {"run_id": run_id, "status": status, "wall_s": 0.5, "summary": summary,
            "error": "" if status == "ok" else "ValueError: boom"}


def fill(folder, plan, store, status_of=lambda i: "ok"):
    write_design(folder, plan.design, plan.factor_types)
    for i, (rid, run) in enumerate(plan.runs.items()):
        store.add(record(rid, status_of(i), value=float(i)), plan.stored_point(run.point_index),
                  run.replication, run.seed)
    store.flush()


def test_parts_are_written_in_batches_and_load_as_a_tidy_frame(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types, flush_interval_s=1e9, flush_max_runs=4)
    fill(tmp_path, plan, store)
    assert len(plan.runs) == 12
    assert len(part_files(tmp_path)) == 3  # 4 + 4 + 4
    frame = load_results(tmp_path)
    assert list(frame.columns) == [
        "run_id", "point_index", "replication", "seed", "status", "error", "wall_s",
        "parameters.share_rate", "sellers.0.fulfilment.overseas_warehouses",
        "seller", "region", "metric", "value"]
    assert len(frame) == 12 * 3
    assert frame.groupby(["point_index", "replication"]).size().eq(3).all()
    # list-valued levels are stored as canonical JSON text
    assert set(frame["sellers.0.fulfilment.overseas_warehouses"]) == {"[]", '["ID"]'}
    first = frame.iloc[0]
    assert (first["point_index"], first["replication"]) == (0, 0)
    assert first["seed"] == plan.seeds[0]


def test_a_buffered_run_is_not_visible_until_flushed(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types, flush_interval_s=1e9)
    write_design(tmp_path, plan.design, plan.factor_types)
    rid, run = next(iter(plan.runs.items()))
    assert store.add(record(rid), plan.stored_point(run.point_index), 0, run.seed) is None
    assert run_statuses(tmp_path) == {}
    path = store.flush()
    assert path is not None and path.exists()
    assert run_statuses(tmp_path) == {rid: "ok"}


def test_a_run_arriving_after_the_interval_is_written_at_once(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types, flush_interval_s=0.0)
    rid, run = next(iter(plan.runs.items()))
    assert store.add(record(rid), plan.stored_point(run.point_index), 0, run.seed) is not None


def test_temporary_and_foreign_files_are_ignored_and_cleaned(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types)
    fill(tmp_path, plan, store)
    clean = load_results(tmp_path)
    runs = tmp_path / RUNS_DIRNAME
    good = part_files(tmp_path)[0]
    # what a kill during a write leaves: a truncated hidden temp file
    (runs / f".{good.name}.123.abcd.tmp").write_bytes(good.read_bytes()[:100])
    (runs / "notes.txt").write_text("not a part")
    assert load_results(tmp_path).equals(clean)
    assert remove_temp_files(tmp_path) == 1
    assert not list(runs.glob("*.tmp")) and (runs / "notes.txt").exists()


def test_an_error_run_is_one_row_with_its_error(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types)
    fill(tmp_path, plan, store, status_of=lambda i: "error" if i == 1 else "ok")
    frame = load_results(tmp_path)
    errors = frame[frame["status"] == "error"]
    assert len(errors) == 1
    assert errors["error"].item() == "ValueError: boom"
    assert errors[["seller", "region", "metric", "value"]].isna().all(axis=None)
    assert sorted(run_statuses(tmp_path).values()).count("error") == 1


def test_forget_removes_runs_so_each_run_is_stored_once(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types, flush_interval_s=1e9, flush_max_runs=4)
    fill(tmp_path, plan, store, status_of=lambda i: "error" if i in (1, 4, 5, 6, 7) else "ok")
    errors = {rid for rid, s in run_statuses(tmp_path).items() if s == "error"}
    assert len(errors) == 5
    assert store.forget(errors) == 2  # the first part is rewritten, the second emptied
    assert len(part_files(tmp_path)) == 2
    left = run_statuses(tmp_path)
    assert set(left).isdisjoint(errors) and len(left) == 7
    # writing the forgotten runs again leaves every run exactly once
    for rid in sorted(errors):
        run = plan.runs[rid]
        store.add(record(rid), plan.stored_point(run.point_index), run.replication, run.seed)
    store.flush()
    frame = load_results(tmp_path)
    assert frame.groupby("run_id").size().eq(3).all() and frame["run_id"].nunique() == 12


def test_columns_and_row_filters_are_applied_when_reading(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types)
    fill(tmp_path, plan, store)
    frame = load_results(tmp_path, columns=["metric", "value"],
                         where={"seller": "all", "region": ["all"]})
    assert list(frame.columns) == ["run_id", "point_index", "metric", "value"]
    assert len(frame) == 12


def test_parts_carry_one_schema(tmp_path, plan):
    store = ResultStore(tmp_path, plan.factor_types, flush_max_runs=1)
    fill(tmp_path, plan, store, status_of=lambda i: "error" if i == 0 else "ok")
    schemas = {pq.read_schema(p).remove_metadata() for p in part_files(tmp_path)}
    assert schemas == {store.schema}


def test_empty_store_loads_an_empty_frame_with_all_columns(tmp_path, plan):
    write_design(tmp_path, plan.design, plan.factor_types)
    frame = load_results(tmp_path)
    assert frame.empty and "sellers.0.fulfilment.overseas_warehouses" in frame.columns
