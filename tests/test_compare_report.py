"""Compare output reported right: signed effects, noise, Holm, one replication, P&L, posterior."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from experiments.compare import (
    paired_differences,
    posterior_seed,
    run_comparison,
    scenario_spec,
)
from experiments.pnl import PNL_LINES, pnl_lines
from experiments.posterior import PosteriorError
from experiments.scenarios import ScenarioFile
from simulation.ledger import N_ACCOUNTS, Account, profit_of
from simulation.metrics import N_COUNTERS, Counter
from xbsim.cli import app

TINY = {
    "name": "tiny",
    "base": {"regions": ["BR", "ID"], "n_consumers": 1500, "horizon_days": 30,
             "sellers": [{"name": "entrant"}]},
    "baseline": "direct",
    "scenarios": {
        "direct": {},
        "warehouse": {"sellers": {"entrant": {"levers": {
            "overseas_warehouse": {"regions": ["BR", "ID"]}}}}},
    },
    "replications": 2,
    "master_seed": 5,
}
NAN_WORD = re.compile(r"\bnan\b", re.IGNORECASE)
PARAM = "initial_trust_share"
"""A declared parameter (range 0.01-0.99) the test posterior varies."""


def _runs(a: list[float], b: list[float], metric: str = "m") -> pd.DataFrame:
    return pd.DataFrame({"scenario": ["a"] * len(a) + ["b"] * len(b), "seller": "all",
                         "region": "all", "metric": metric,
                         "seed": list(range(len(a))) * 2, "value": [*a, *b]})


def test_negative_baseline_gives_usd_difference_and_no_relative_change():
    d = paired_differences(_runs([-5000.0, -6000.0, -5500.0], [-11000.0, -12500.0, -11800.0],
                                 "profit"), "a").iloc[0]
    assert d["unit"] == "USD"
    assert d["diff_mean"] == pytest.approx(-6266.6667)
    assert np.isnan(d["relative_change"])  # would be +114% "improvement" with the wrong sign
    assert d["significant"]


def test_numerical_noise_is_never_significant():
    base = [0.3, 0.4, 0.5]
    d = paired_differences(_runs(base, [v - 9.1e-16 for v in base], "return_rate"), "a")
    row = d.iloc[0]
    assert row["noise"] and not row["significant"] and not row["significant_holm"]
    assert row["p_value"] == 1.0


def test_holm_columns_and_rate_difference_bounds():
    runs = pd.concat([_runs([0.1, 0.2, 0.3], [0.4, 0.55, 0.6], "return_rate"),
                      _runs([10.0, 11.0, 12.0], [10.5, 11.2, 12.1], "orders")])
    d = paired_differences(runs, "a")
    assert {"p_value", "p_holm", "significant", "significant_holm", "noise"} <= set(d)
    assert (d["p_holm"] >= d["p_value"]).all()
    rate = d[d.metric == "return_rate"].iloc[0]
    assert -1 <= rate["diff_ci_low"] <= rate["diff_ci_high"] <= 1


def test_pnl_lines_add_up_to_the_ledger_profit():
    acc = np.zeros((3, N_ACCOUNTS))
    acc[0, Account.REVENUE] = 1000.0
    acc[0, Account.REFUNDS] = 50.0
    acc[0, Account.COGS] = 300.0
    acc[1, Account.MARKETING] = 200.0
    acc[2, Account.FINES] = 25.0
    ctr = np.zeros((2, N_COUNTERS))
    ctr[1, Counter.AD_SPEND] = 120.0
    ctr[1, Counter.KOL_SPEND] = 70.0
    lines = pnl_lines(acc, ctr)
    assert list(lines) == [name for name, _ in PNL_LINES]
    assert lines["marketing_ads"] == 120.0 and lines["marketing_kol_live"] == 70.0
    assert lines["marketing_other"] == pytest.approx(10.0)
    assert lines["profit"] == pytest.approx(float(profit_of(acc).sum()))  # 1000-50-300-200-25


def test_headline_metric_is_validated():
    assert ScenarioFile.model_validate(TINY).headline_metric == "orders"
    assert ScenarioFile.model_validate({**TINY, "headline_metric": "gmv"}).headline_metric \
        == "gmv"
    with pytest.raises(ValidationError, match="did you mean 'orders'"):
        ScenarioFile.model_validate({**TINY, "headline_metric": "order"})
    # left out of dumps at their defaults (published identities hash the dump), kept when set
    assert "headline_metric" not in ScenarioFile.model_validate(TINY).model_dump()
    dumped = ScenarioFile.model_validate({**TINY, "posterior_draws": 4}).model_dump()
    assert dumped["posterior_draws"] == 4


def test_report_opens_with_decision_summary_and_has_no_nan(tmp_path):
    res = run_comparison(ScenarioFile.model_validate(TINY), tmp_path, show_progress=False)
    text = (tmp_path / "report.md").read_text()
    assert text.index("## Decision summary") < text.index("## Details")
    assert "Seller's profit" in text and "Headline metric `orders`" in text
    assert "seed noise only" in text and "marketing_ads" in text
    for name in ("report.md", "differences.csv", "comparison.csv", "pnl.csv",
                 "pnl_differences.csv"):
        assert not NAN_WORD.search((tmp_path / name).read_text().replace(",,", ",")), name
    assert "nan%" not in text
    for name in ("differences.png", "pnl_differences.png", "metrics_by_scenario.png"):
        assert (tmp_path / name).stat().st_size > 0
    # rate levels stay inside [0, 1]
    t = res["table"]
    rates = t[t.metric.isin(["return_rate", "negative_review_rate"]) & t.ci_low.notna()]
    assert ((rates.ci_low >= 0) & (rates.ci_high <= 1)).all()
    # the P&L profit is the model's profit
    pnl = res["pnl"].set_index(["scenario", "seller", "line"])["mean"]
    model_profit = t[(t.metric == "profit") & (t.region == "all") & (t.seller == "all")]
    for r in model_profit.itertuples():
        assert pnl[(r.scenario, "all", "profit")] == pytest.approx(r.mean, rel=1e-9, abs=1e-6)


def test_one_replication_warns_in_report_and_cli(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**TINY, "replications": 1}))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["compare", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "one replication" in result.output
    text = (out / "report.md").read_text()
    assert "Warning: one replication" in text and "CI n/a" in text
    assert not NAN_WORD.search(text)


def _posterior_csv(tmp_path):
    path = tmp_path / "posterior.csv"
    pd.DataFrame({PARAM: [0.2, 0.5, 0.8], "weight": [1.0, 1.0, 2.0]}).to_csv(path, index=False)
    return path


def test_scenario_spec_lays_draw_under_explicit_parameters():
    scen = ScenarioFile.model_validate({**TINY, "scenarios": {
        "direct": {}, "fixed": {"parameters": {PARAM: 0.33}}}})
    draw = {PARAM: 0.8, "interest_touches": 5.0}
    assert scenario_spec(scen, "direct", draw).parameters.initial_trust_share == 0.8
    fixed = scenario_spec(scen, "fixed", draw)
    assert fixed.parameters.initial_trust_share == 0.33  # the scenario's own value wins
    assert fixed.parameters.interest_touches == 5.0
    assert posterior_seed(0) != posterior_seed(1)  # seed 0 is a valid master seed


@pytest.mark.slow  # three comparisons and a process pool: ~35-45 s on 2 busy cores
def test_posterior_draws_same_on_serial_and_processes(tmp_path):
    scen = ScenarioFile.model_validate({**TINY, "base": {**TINY["base"], "n_consumers": 800,
                                                         "horizon_days": 15}})
    post = _posterior_csv(tmp_path)
    serial = run_comparison(scen, tmp_path / "serial", show_progress=False, posterior=2,
                            posterior_file=post, backend="serial")
    procs = run_comparison(scen, tmp_path / "procs", show_progress=False, posterior=2,
                           posterior_file=post, backend="processes", workers=2)
    for name in ("differences.csv", "comparison.csv", "pnl.csv"):
        assert (tmp_path / "serial" / name).read_text() == (tmp_path / "procs" / name).read_text()
    manifest = json.loads((tmp_path / "serial" / "manifest.json").read_text())
    assert manifest["posterior"]["draws"] == 2 and len(manifest["posterior"]["sha256"]) == 64
    assert "parameter uncertainty (2 posterior draws" in manifest["intervals"]
    assert "parameter uncertainty (2 posterior draws" in (
        tmp_path / "serial" / "report.md").read_text()
    assert serial["posterior"] == procs["posterior"]
    # without draws the same seeds give other numbers: the draws were used
    plain = run_comparison(scen, tmp_path / "plain", show_progress=False, replications=2)
    assert not plain["table"]["mean"].equals(serial["table"]["mean"])


def test_posterior_errors(tmp_path):
    scen = ScenarioFile.model_validate(TINY)
    with pytest.raises(PosteriorError, match="no file"):
        run_comparison(scen, tmp_path, show_progress=False, posterior=2,
                       posterior_file=tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="--replications 3 and --posterior 2"):
        run_comparison(scen, tmp_path, show_progress=False, replications=3, posterior=2,
                       posterior_file=_posterior_csv(tmp_path))
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(TINY))
    result = CliRunner().invoke(app, ["compare", str(path), "--posterior", "2",
                                      "--posterior-file", str(tmp_path / "missing.csv"),
                                      "--quiet", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no file" in result.output
