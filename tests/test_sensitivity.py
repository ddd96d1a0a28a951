"""Sensitivity analysis: known answers (Ishigami, placebo factors), outputs, refusals."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments import backends
from experiments.runner import replication_seeds
from experiments.sensitivity import SensitivityError, analyze_sweep, point_means
from experiments.sweep import SweepInterrupted, load_results, run_sweep
from simulation.cli import app

SWEEPS = Path(__file__).resolve().parent.parent / "experiments" / "sweeps"
BASE = {"regions": ["ID"], "n_consumers": 300, "horizon_days": 15,
        "parameters": {"kols_per_region": 10}}
PI = float(np.pi)
# Ishigami (a=7, b=0.1) on [-pi, pi]^3: analytical first-order and total indices
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
MASTER = 3


def ishigami_model(spec, seed, progress=None):
    """Stands in for the simulation: outcomes are known functions of three parameters."""
    p = spec.parameters
    x1, x2, x3 = p.choice_intercept, p.satisfaction_intercept, p.beta_trust - PI
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    noise = 1.0 if seed == replication_seeds(MASTER, 2)[0] else -1.0  # cancels in the mean
    rows = [("all", "all", "gmv", y), ("all", "all", "profit", y + noise),
            ("all", "all", "orders", 5.0), ("all", "all", "return_rate",
                                             np.nan if x1 > 0 else 0.1),
            ("all", "all", "awareness", 2.0 * p.share_rate)]
    return SimpleNamespace(summary=pd.DataFrame(rows, columns=["seller", "region", "metric",
                                                               "value"]))


def ishigami_sweep(method: str, replications: int = 1, **design) -> dict:
    return {
        "name": f"ishigami-{method}",
        "base": BASE,
        "factors": [
            {"path": "parameters.choice_intercept", "bounds": [-PI, PI]},
            {"path": "parameters.satisfaction_intercept", "bounds": [-PI, PI]},
            {"path": "parameters.beta_trust", "bounds": [0.0, 2 * PI]},
            {"path": "parameters.share_rate", "bounds": [0.0, 0.5]},
            # placebo: the stand-in model ignores it
            {"path": "parameters.order_compaction_interval", "bounds": [1, 60]},
        ],
        "design": {"method": method, "seed": 11, **design},
        "replications": replications,
        "master_seed": MASTER,
        "outcomes": ["gmv", "profit", "orders", "return_rate", "awareness"],
    }


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(backends, "run_spec", ishigami_model)
    out = tmp_path_factory.mktemp("sobol") / "out"
    try:
        run_sweep(ishigami_sweep("sobol", n=512), out, progress=False)
    finally:
        patch.undo()
    return out


def test_sobol_indices_match_the_ishigami_function(sobol_folder):
    result = analyze_sweep(sobol_folder, outcomes=["gmv"], write=False)
    t = result.indices.set_index("factor")
    first3 = ["parameters.choice_intercept", "parameters.satisfaction_intercept",
              "parameters.beta_trust"]
    assert np.allclose(t.loc[first3, "S1"], ISHIGAMI_S1, atol=0.08)
    assert np.allclose(t.loc[first3, "ST"], ISHIGAMI_ST, atol=0.08)
    # the analytical values lie inside the 95% confidence intervals
    assert (np.abs(t.loc[first3, "S1"] - ISHIGAMI_S1) <= t.loc[first3, "S1_conf"]).all()
    assert (np.abs(t.loc[first3, "ST"] - ISHIGAMI_ST) <= t.loc[first3, "ST_conf"]).all()
    for unused in ["parameters.share_rate", "parameters.order_compaction_interval"]:
        assert t.loc[unused, ["S1", "ST", "S1_conf", "ST_conf"]].eq(0).all()


def test_replications_are_averaged_per_point_before_the_analysis(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    folder = tmp_path / "out"
    run_sweep(ishigami_sweep("sobol", replications=2, n=8), folder, progress=False)
    result = analyze_sweep(folder, outcomes=["gmv", "profit"], write=False)
    t = result.indices.set_index(["outcome", "factor"])
    # profit is gmv plus seed noise of +1 and -1, which averaging removes exactly
    assert np.allclose(t.loc["gmv", "S1"], t.loc["profit", "S1"], rtol=1e-9, atol=1e-12)
    frame = load_results(folder)
    assert frame["replication"].nunique() == 2
    means = point_means(frame, "profit")
    assert np.allclose(means.to_numpy(), point_means(frame, "gmv").to_numpy())


def test_undefined_and_constant_outcomes_are_skipped_with_a_reason(sobol_folder):
    result = analyze_sweep(sobol_folder, outcomes=["orders", "return_rate", "gmv"],
                           write=False)
    assert result.skipped["orders"] == "constant over the design"
    assert result.skipped["return_rate"].startswith("undefined (NaN) at")
    assert set(result.indices["outcome"]) == {"gmv"}


def test_sensitivity_writes_csv_plots_and_manifest(sobol_folder):
    result = analyze_sweep(sobol_folder)
    out = sobol_folder / "sensitivity"
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == ["outcome", "metric", "region", "factor", "S1", "S1_conf",
                                   "ST", "ST_conf"]
    assert set(table["outcome"]) == {"gmv", "profit", "awareness"}
    for name in ["sobol_gmv.png", "sobol_profit.png", "sobol_awareness.png", "overview.png",
                 "skipped.csv", "manifest.json"]:
        assert (out / name).stat().st_size > 0
    assert {p.name for p in result.files} >= {"indices.csv", "overview.png"}
    # the share-rate outcome is linear in one factor: all of its variance is that factor's
    aw = table[table["outcome"] == "awareness"].set_index("factor")
    assert aw.loc["parameters.share_rate", "ST"] == pytest.approx(1.0, abs=0.05)


def test_morris_finds_the_placebo_and_the_linear_effect(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    spec = ishigami_sweep("morris", n=10, num_levels=4)
    run_sweep(spec, tmp_path / "out", progress=False)
    result = analyze_sweep(tmp_path / "out", outcomes=["awareness", "gmv"])
    t = result.indices.set_index(["outcome", "factor"])
    assert t.loc[("gmv", "parameters.order_compaction_interval"), "mu_star"] == 0
    assert t.loc[("gmv", "parameters.share_rate"), "mu_star"] == 0
    lin = t.loc[("awareness", "parameters.share_rate")]
    assert lin["mu_star"] > 0 and lin["sigma"] == pytest.approx(0, abs=1e-12)
    assert t.loc[("gmv", "parameters.satisfaction_intercept"), "mu_star"] > 0
    png = tmp_path / "out" / "sensitivity" / "morris_gmv.png"
    assert png.stat().st_size > 0


def test_cli_prints_the_leading_factors_and_writes_files(sobol_folder):
    result = CliRunner().invoke(app, ["sensitivity", str(sobol_folder), "--metric", "gmv",
                                      "--metric", "orders"])
    assert result.exit_code == 0, result.output
    assert "gmv" in result.output and "ST: choice_intercept" in result.output
    assert "orders" in result.output and "skipped: constant" in result.output
    assert (sobol_folder / "sensitivity" / "indices.csv").exists()


def test_refusals_name_the_problem(sobol_folder, tmp_path, monkeypatch):
    with pytest.raises(SensitivityError, match="no such metric/region"):
        analyze_sweep(sobol_folder, outcomes=["gmv@BR"], write=False)
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    lhs = ishigami_sweep("lhs", n=4)
    run_sweep(lhs, tmp_path / "lhs", progress=False)
    with pytest.raises(SensitivityError, match="lhs design has no Sobol or Morris"):
        analyze_sweep(tmp_path / "lhs")
    result = CliRunner().invoke(app, ["sensitivity", str(tmp_path / "lhs")])
    assert result.exit_code == 2 and "sobol or morris" in result.output

    calls = []

    def stop_early(spec, seed, progress=None):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(seed)
        return ishigami_model(spec, seed)

    monkeypatch.setattr(backends, "run_spec", stop_early)
    with pytest.raises(SweepInterrupted):
        run_sweep(ishigami_sweep("sobol", n=4), tmp_path / "partial", progress=False)
    with pytest.raises(SensitivityError, match="not finished; resume"):
        analyze_sweep(tmp_path / "partial")


@pytest.mark.slow
def test_real_model_sobol_gives_a_placebo_exactly_zero(tmp_path):
    # big enough that some points sell: a constant outcome would be skipped, not analysed
    market = {**BASE, "n_consumers": 1000, "horizon_days": 45}
    spec = {"name": "real-sobol", "base": market,
            "factors": [{"path": "parameters.trust_threshold", "bounds": [0.2, 0.6]},
                        {"path": "parameters.order_compaction_interval", "bounds": [1, 30]}],
            "design": {"method": "sobol", "n": 4, "seed": 2}, "outcomes": ["orders"]}
    run_sweep(spec, tmp_path / "out", progress=False)
    t = analyze_sweep(tmp_path / "out", write=False).indices.set_index("factor")
    assert t.loc["parameters.order_compaction_interval", ["S1", "ST"]].eq(0).all()
    assert t.loc["parameters.trust_threshold", "ST"] > 0


@pytest.mark.slow
def test_shipped_ci_study_runs_and_screens(tmp_path):
    out = tmp_path / "ci"
    frame = run_sweep(SWEEPS / "ci_screening.yaml", out, backend="processes", workers=2,
                      progress=False)
    assert (frame["status"] == "ok").all()
    result = CliRunner().invoke(app, ["sensitivity", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert table["factor"].nunique() >= 8
    placebo = table[table["factor"] == "parameters.order_compaction_interval"]
    assert len(placebo) and placebo[["mu", "mu_star", "sigma"]].eq(0).all(axis=None)
    orders = table[table["outcome"] == "orders"].set_index("factor")["mu_star"]
    assert orders.max() > 0
    assert len(list((out / "sensitivity").glob("morris_*.png"))) == table["outcome"].nunique()
