"""The figure registry: build, verify, and detect a changed model."""

from __future__ import annotations

import dataclasses

import pandas as pd
from typer.testing import CliRunner

from experiments.figures.registry import all_figures, build, compare_data, verify
from simulation.cli import app

SMALL = {"n_consumers": 2000, "horizon_days": 40}


def _small(name: str, **extra):
    fig = all_figures()[name]
    return dataclasses.replace(fig, replications=2, base_overrides={**SMALL, **extra})


def test_registry_lists_figures_with_captions():
    figures = all_figures()
    assert len(figures) >= 2
    for fig in figures.values():
        assert fig.title and fig.caption
        fig.scenarios()  # every figure's scenarios validate


def test_build_then_verify_reproduces_exactly(tmp_path):
    fig = _small("payment_coverage_abandonment")
    folder = build(fig, root=tmp_path)
    for name in ("figure.png", "figure.svg", "data.csv", "manifest.json"):
        assert (folder / name).stat().st_size > 0
    assert verify(fig, root=tmp_path) == []


def test_changed_model_parameter_fails_verify_with_a_readable_diff(tmp_path):
    build(_small("payment_coverage_abandonment"), root=tmp_path)
    changed = _small("payment_coverage_abandonment",
                     parameters={"abandon_missing_method_rate": 0.5})
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
