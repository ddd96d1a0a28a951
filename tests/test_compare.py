"""Scenario files and the paired comparison: validation, CRN pairing, CIs, report files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from experiments.compare import paired_differences, run_comparison
from experiments.intervals import t_interval
from experiments.scenarios import ScenarioError, ScenarioFile, load_scenarios, merge_patch
from xbsim.cli import app

SMALL = {
    "name": "tiny",
    "base": {"regions": ["BR", "ID"], "n_consumers": 5000, "horizon_days": 60,
             "sellers": [{"name": "entrant"}]},
    "baseline": "direct",
    "scenarios": {
        "direct": {},
        "warehouse": {"sellers": {"entrant": {"levers": {
            "overseas_warehouse": {"regions": ["BR", "ID"]}}}}},
    },
    "replications": 3,
    "master_seed": 11,
}


def test_t_interval_known_answer():
    # mean 2, sd 1, n 3: half-width t(0.975, 2) * 1/sqrt(3) = 4.302653 * 0.577350 = 2.484138
    mean, lo, hi = t_interval(np.array([1.0, 2.0, 3.0]))
    assert mean == 2.0
    assert hi - mean == pytest.approx(2.484138, rel=1e-5)
    assert mean - lo == pytest.approx(2.484138, rel=1e-5)


def test_paired_difference_uses_common_seeds():
    runs = pd.DataFrame({
        "scenario": ["a"] * 3 + ["b"] * 3, "seller": "all", "region": "all", "metric": "m",
        "seed": [1, 2, 3] * 2, "value": [10.0, 20.0, 30.0, 11.0, 21.0, 31.0],
    })
    d = paired_differences(runs, "a")
    assert d["diff_mean"].iloc[0] == pytest.approx(1.0)
    # every pair differs by exactly 1, so the paired CI collapses onto it
    assert d["diff_ci_low"].iloc[0] == pytest.approx(1.0)
    assert d["relative_change"].iloc[0] == pytest.approx(0.05)


def test_merge_patch_by_seller_name_and_unknown_seller():
    merged = merge_patch(SMALL["base"], {"sellers": {"entrant": {"certified": True}}})
    assert merged["sellers"][0] == {"name": "entrant", "certified": True}
    with pytest.raises(ValueError, match="nobody"):
        merge_patch(SMALL["base"], {"sellers": {"nobody": {}}})


def test_bad_scenario_named_before_running():
    bad = {**SMALL, "scenarios": {"direct": {}, "oops": {"n_consumers": -1}}}
    with pytest.raises(ScenarioError, match=r"scenarios\.oops\.n_consumers"):
        ScenarioFile.model_validate(bad).specs()


def test_comparison_end_to_end(tmp_path):
    scen = ScenarioFile.model_validate(SMALL)
    res = run_comparison(scen, tmp_path, show_progress=False)
    table = res["table"]
    assert {"scenario", "region", "metric", "mean", "ci_low", "ci_high", "n"} <= set(table)
    row = table[(table.scenario == "warehouse") & (table.region == "all")
                & (table.seller == "all") & (table.metric == "mean_delivery_days")].iloc[0]
    assert row["n"] == 3 and row["ci_low"] <= row["mean"] <= row["ci_high"]
    # Same seeds in every scenario (common random numbers).
    runs = res["runs"]
    assert (sorted(runs[runs.scenario == "direct"].seed.unique())
            == sorted(runs[runs.scenario == "warehouse"].seed.unique()))
    d = res["differences"]
    delivery = d[(d.region == "all") & (d.seller == "all")
                 & (d.metric == "mean_delivery_days")].iloc[0]
    assert delivery["diff_ci_high"] < 0  # the warehouse delivers faster, significantly
    for name in ("report.md", "comparison.csv", "differences.csv", "manifest.json",
                 "metrics_by_scenario.png", "differences.png", "timeseries.png",
                 "runs.parquet", "timeseries.parquet"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "mean_delivery_days" in (tmp_path / "report.md").read_text()


def test_cli_run_and_compare_errors(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "replications": 1}))
    runner = CliRunner()
    ok = runner.invoke(app, ["run", str(path), "--scenario", "warehouse", "--out",
                             str(tmp_path / "run"), "--quiet"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "run" / "timeseries.parquet").exists()
    bad = runner.invoke(app, ["run", str(path), "--scenario", "nope", "--quiet"])
    assert bad.exit_code == 2
    assert load_scenarios(path).baseline_name == "direct"


@pytest.mark.parametrize("path", sorted(
    __import__("pathlib").Path(__file__).resolve().parent.parent.joinpath(
        "experiments", "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_validate(path):
    assert len(load_scenarios(path).specs()) >= 2
