"""The figure registry: build, verify, and detect a changed model."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.figures.registry import all_figures, build, compare_data, verify
from simulation.parameters import set_defaults
from xbsim.cli import app

SMALL = {"n_consumers": 2000, "horizon_days": 40}


def _small(name: str, **extra):
    fig = all_figures()[name]
    return dataclasses.replace(fig, replications=2, base_overrides={**SMALL, **extra})


def test_registry_lists_figures_with_captions():
    figures = all_figures()
    assert len(figures) >= 2
    for fig in figures.values():
        assert fig.title and fig.caption
        fig.spec_hash()  # every figure's scenarios or source validate


def test_build_then_verify_reproduces_exactly(tmp_path):
    fig = _small("payment_coverage_abandonment")
    folder = build(fig, root=tmp_path)
    for name in ("figure.png", "figure.svg", "data.csv", "manifest.json"):
        assert (folder / name).stat().st_size > 0
    assert verify(fig, root=tmp_path) == []


def test_changed_model_parameter_fails_verify_with_a_readable_diff(tmp_path):
    build(_small("payment_coverage_abandonment"), root=tmp_path)
    changed = _small("payment_coverage_abandonment",
                     parameters={"abandon_base_rate": 0.99})
    problems = verify(changed, root=tmp_path)
    assert problems
    assert any("stored" in p and "rebuilt" in p for p in problems)


def test_compare_data_tolerance():
    a = pd.DataFrame({"k": ["x", "y"], "v": [1.0, 2.0]})
    b = pd.DataFrame({"k": ["x", "y"], "v": [1.0, 2.0 + 1e-6]})
    assert compare_data(a, a.copy(), 0.0) == []
    assert compare_data(a, b, 0.0)  # exact: the change is caught
    assert compare_data(a, b, 1e-3) == []  # within a stated tolerance
    assert "row count" in compare_data(a, b.iloc[:1], 0.0)[0]


def test_cli_lists_and_rejects_unknown_figures():
    runner = CliRunner()
    r = runner.invoke(app, ["figures", "list"])
    assert r.exit_code == 0 and "payment_coverage_abandonment" in r.output
    r = runner.invoke(app, ["figures", "verify", "nope"])
    assert r.exit_code == 2 and "unknown figure" in r.output


def _small_sources():
    """The sweep and validation figures, shrunk to seconds (same code paths)."""
    import copy

    from experiments.figures import fig_sobol_ranking as sobol
    from experiments.figures.sources import SensitivitySource, ValidationSource

    figs = all_figures()
    sweep = copy.deepcopy(sobol.SWEEP)
    sweep["design"]["n"] = 4
    sweep["base"].update(n_consumers=400, horizon_days=40)
    facts = ("payment_security_fraud_level", "route_optimisation_cost", "green_premium_share")
    return [
        dataclasses.replace(figs["sobol_ranking"],
                            source=SensitivitySource(sweep, sobol.OUTCOMES, backend="serial")),
        dataclasses.replace(figs["validation_forest"], source=ValidationSource(
            facts, replications=2, market={"n_consumers": 12000, "horizon_days": 90})),
    ]


@pytest.mark.slow
def test_sweep_and_validation_figures_build_and_reproduce(tmp_path):
    sobol, forest = _small_sources()
    for fig in (sobol, forest):
        folder = build(fig, root=tmp_path)
        assert (folder / "figure.png").stat().st_size > 0
        assert verify(fig, root=tmp_path) == []
    indices = pd.read_csv(tmp_path / "sobol_ranking" / "data.csv")
    assert set(indices["outcome"]) <= {"orders", "gmv", "profit", "awareness"}
    placebo = indices[indices["factor"] == "parameters.order_compaction_interval"]
    assert len(placebo) and placebo[["S1", "ST"]].eq(0).all(axis=None)
    table = pd.read_csv(tmp_path / "validation_forest" / "data.csv")
    assert set(table["fact"]) == {"payment_security_fraud_level", "route_optimisation_cost",
                                  "green_premium_share"}
    assert table[["estimate", "ci_low", "ci_high"]].notna().all(axis=None)


@pytest.mark.slow
def test_changed_parameter_default_fails_cli_verify_naming_the_figures(tmp_path, monkeypatch):
    from experiments.figures import registry

    small = {f.name: f for f in [_small("payment_coverage_abandonment"), *_small_sources()[1:]]}
    monkeypatch.setattr(registry, "all_figures", lambda: small)
    runner = CliRunner()
    assert runner.invoke(app, ["figures", "build", "--quiet", "--root", str(tmp_path)]
                         ).exit_code == 0
    ok = runner.invoke(app, ["figures", "verify", "--root", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    # a changed default, applied the way a calibration file is at import
    old = set_defaults({"abandon_missing_method_rate": 0.5})  # not a calibrated parameter
    try:
        bad = runner.invoke(app, ["figures", "verify", "--root", str(tmp_path)])
    finally:
        set_defaults(old)
    assert bad.exit_code == 1
    assert "MISMATCH payment_coverage_abandonment" in bad.output
    assert "spec changed" in bad.output and "stored" in bad.output
    assert "do not reproduce: payment_coverage_abandonment" in bad.output


def test_targeting_by_budget_reduces_paired_effects_and_untargeted_levels():
    from experiments.figures.fig_targeting_by_budget import FIGURE, reduce

    scen = FIGURE.scenarios()
    # Two seeds; every arm has the same made-up values except the targeted arms' conversion
    # (x1.5 in both seeds) and acquisition cost (x0.8): ratio of means +50% and -20%, with a
    # zero-width interval because the ratio is the same in both seeds.
    base = {"conversion_rate": [0.10, 0.20], "customer_acquisition_cost": [5.0, 10.0],
            "awareness": [0.5, 0.7], "first_exposure_wom_share": [0.2, 0.2],
            "first_exposure_referral_share": [0.1, 0.1], "marketing_allocated": [100.0, 100.0],
            "marketing_unspent": [20.0, 20.0], "gmv": [400.0, 400.0]}
    factor = {"conversion_rate": 1.5, "customer_acquisition_cost": 0.8}
    rows = []
    for name in scen.scenarios:
        for metric, values in base.items():
            f = factor.get(metric, 1.0) if name.endswith("_targeted") else 1.0
            rows += [(name, seed, "all", "all", metric, v * f)
                     for seed, v in zip((11, 12), values, strict=True)]
    runs = pd.DataFrame(rows, columns=["scenario", "seed", "seller", "region", "metric", "value"])
    data = reduce(runs, pd.DataFrame(), scen).set_index(["budget_per_1k_daily", "quantity"])
    budgets = sorted(data.index.get_level_values(0).unique())
    assert budgets == [0.3, 0.6, 1.0, 2.0, 3.0, 6.0]
    for b in budgets:
        assert data.loc[(b, "conversion_rate"), "value"] == pytest.approx(0.5)
        assert data.loc[(b, "conversion_rate"), "ci_low"] == pytest.approx(0.5)
        assert data.loc[(b, "customer_acquisition_cost"), "value"] == pytest.approx(-0.2)
        assert data.loc[(b, "awareness"), "value"] == pytest.approx(0.6)
        assert data.loc[(b, "first_exposure_friend_share"), "value"] == pytest.approx(0.3)
        assert data.loc[(b, "marketing_per_gmv"), "value"] == pytest.approx(0.2)
        assert data.loc[(b, "marketing_per_gmv"), "n"] == 2
