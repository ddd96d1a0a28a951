"""Backends: serial, process pool and dask give identical results; failing runs are recorded."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from experiments import backends
from experiments.sweep import load_results, run_sweep
from tests import fault_helpers
from xbsim.cli import app

ROOT = Path(__file__).resolve().parent.parent
SPEC = {
    "name": "backends",
    "base": {"regions": ["ID"], "n_consumers": 300, "horizon_days": 15,
             "parameters": {"kols_per_region": 10}},
    "factors": [
        {"path": "parameters.trust_threshold", "levels": [0.3, 0.5]},
        # runs with a warehouse raise (tests.fault_helpers.raise_for_warehouse_runs)
        {"path": "sellers.0.fulfilment.overseas_warehouses", "levels": [[], ["ID"]]},
    ],
    "design": {"method": "full_factorial"},
    "replications": 2,
    "master_seed": 5,
}


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Exact equality of two tidy frames, except the measured wall time."""
    key = ["run_id", "seller", "region", "metric"]
    a = a.drop(columns="wall_s").sort_values(key, kind="stable").reset_index(drop=True)
    b = b.drop(columns="wall_s").sort_values(key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.fixture
def failing_points(monkeypatch):
    """Every backend runs tasks through fault_helpers: warehouse points raise in the worker."""
    monkeypatch.setattr(backends, "run_task", fault_helpers.raise_for_warehouse_runs)


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> pd.DataFrame:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backends, "run_task", fault_helpers.raise_for_warehouse_runs)
        return run_sweep(SPEC, tmp_path_factory.mktemp("serial") / "out", progress=False)


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(serial):
    runs = serial.drop_duplicates("run_id")
    assert len(runs) == 8
    bad = runs["sellers.0.fulfilment.overseas_warehouses"] == '["ID"]'
    assert bad.sum() == 4
    assert (runs.loc[bad, "status"] == "error").all() and (runs.loc[~bad, "status"] == "ok").all()
    assert runs.loc[bad, "error"].str.contains(
        r"ValueError: sellers\.0\.fulfilment\.overseas_warehouses: 'injected-failure' is not "
        r"one of the model's regions").all()
    ok = serial[serial["status"] == "ok"]
    assert ok["metric"].notna().all()
    assert ok.groupby("run_id").size().nunique() == 1  # every ok run has the full summary


def test_process_pool_gives_identical_results(serial, failing_points, tmp_path):
    same(run_sweep(SPEC, tmp_path / "out", backend="processes", workers=2, progress=False),
         serial)


def test_an_injected_failure_is_recorded_with_its_text(monkeypatch, tmp_path):
    real = backends.run_spec
    spec = {**SPEC, "factors": SPEC["factors"][:1]}
    failing_seed = None

    def flaky(market, seed, progress=None):
        nonlocal failing_seed
        failing_seed = seed if failing_seed is None else failing_seed
        if seed == failing_seed:
            raise RuntimeError("injected failure")
        return real(market, seed, progress)

    monkeypatch.setattr(backends, "run_spec", flaky)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    result = CliRunner().invoke(app, ["sweep", str(spec_file), "--out", str(tmp_path / "out"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert "4 runs (2 ok, 2 raised)" in result.output
    assert "RuntimeError: injected failure" in result.output
    runs = load_results(tmp_path / "out").drop_duplicates("run_id")
    failed = runs[runs["status"] == "error"]
    assert len(runs) == 4 and len(failed) == 2  # one seed fails at both points
    assert (failed["seed"] == failing_seed).all()
    assert failed["error"].str.startswith("RuntimeError: injected failure").all()


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results(serial, failing_points, tmp_path):
    same(run_sweep(SPEC, tmp_path / "out", backend="dask", workers=2, progress=False), serial)


@pytest.mark.slow
def test_cli_connects_to_an_existing_dask_scheduler(serial, failing_points, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        spec_file = tmp_path / "spec.yaml"
        spec_file.write_text(yaml.safe_dump(SPEC))
        result = CliRunner().invoke(app, ["sweep", str(spec_file), "--out",
                                          str(tmp_path / "out"), "--backend", "dask",
                                          "--scheduler", address, "--quiet"])
        assert result.exit_code == 0, result.output
        assert "8 runs (4 ok, 4 raised)" in result.output
        with Client(address) as client:  # the cluster is still there for others
            assert len(client.scheduler_info()["workers"]) == 2
    same(load_results(tmp_path / "out"), serial)


@pytest.mark.slow
@pytest.mark.notebooks
def test_processes_and_dask_sweeps_run_from_a_notebook(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # the kernel imports the project as an installed package would be (editable install)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    cells = [
        f"from experiments.sweep import run_sweep\nspec = {SPEC!r}",
        f"a = run_sweep(spec, {str(tmp_path / 'p')!r}, backend='processes', workers=2)",
        f"b = run_sweep(spec, {str(tmp_path / 'd')!r}, backend='dask', workers=2)",
        "assert a.drop(columns='wall_s').equals(b.drop(columns='wall_s'))\n"
        "print(a['run_id'].nunique(), 'runs')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1]["outputs"])
    assert "8 runs" in printed
