"""Calibration: deterministic objective, a toy fit that improves, file round trip, bounds."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from experiments.calibration import (
    CalibrationConfig,
    CalibrationError,
    Objective,
    fit,
    load_calibration_config,
    objective_value,
    run_calibration,
    run_out_of_sample,
    write_calibrated_parameters,
)
from experiments.runner import replication_seeds
from experiments.validation import load_facts, parse_facts
from simulation.parameters import PRIOR_DEFAULTS, ModelParameters
from simulation.profiles import profile_parameter_table
from simulation.spec import load_spec
from xbsim.cli import app

TINY_MARKET = {"regions": ["BR", "ID"], "n_consumers": 1_200, "horizon_days": 30,
               "sellers": [{"name": "entrant"}]}

# A fact the toy calibration can hit exactly: the share of green consumers is drawn from
# green_willing_share at set-up (no simulated days), so the objective is cheap and smooth.
GREEN_FACT = {"id": "green_share", "claim": "35% would pay a green premium", "source": "a test",
              "metric": "share_willing_to_pay_green_premium",
              "target": {"kind": "level", "baseline": {"value": 0.35, "band": [0.3, 0.4]}}}
DAYS_FACT = {"id": "ow_days", "claim": "local stock delivers faster", "source": "a test",
             "lever": {"overseas_warehouse": {"regions": ["BR", "ID"]}},
             "metric": "mean_delivery_days",
             "target": {"kind": "absolute_change", "band": [-30.0, -1.0], "unit": "days"}}


def _facts(*facts):
    return parse_facts({"market": TINY_MARKET, "replications": 2, "master_seed": 9,
                        "facts": list(facts)})


def _config(**over):
    data = {"parameters": {"green_willing_share": {"prior": [0.05, 0.95]},
                           "trust_threshold": {"prior": [0.3, 0.5]}},
            "fit": ["green_share"], "replications": 1, "master_seed": 4,
            "optimiser": {"popsize": 2, "maxiter": 1, "seed": 1, "init": "latinhypercube"},
            "max_evaluations": 50}
    data.update(over)
    return CalibrationConfig.model_validate(data)


def test_shipped_calibration_config_is_consistent():
    cfg = load_calibration_config()
    facts = load_facts()
    ids = {f.id for f in facts.facts}
    assert 4 <= len(cfg.parameters) <= 8
    assert set(cfg.fit) <= ids
    assert cfg.split is not None
    assert set(cfg.split.fit) <= ids and set(cfg.split.holdout) <= ids
    assert not set(cfg.split.fit) & set(cfg.split.holdout)
    assert cfg.master_seed != facts.master_seed  # validation runs on other seeds


def test_objective_is_deterministic_for_fixed_seeds():
    facts = _facts(DAYS_FACT)
    seeds = replication_seeds(3, 1)
    x = [0.4]
    first = Objective(facts, ["trust_threshold"], seeds)(np.array(x))
    again = Objective(facts, ["trust_threshold"], seeds)(np.array(x))
    assert first == again
    assert np.isfinite(first)
    other = Objective(facts, ["trust_threshold"], replication_seeds(4, 1))(np.array(x))
    assert other != first  # the seeds matter, so fixing them is what makes it deterministic


def test_objective_value_sums_squared_band_distances():
    facts = _facts(GREEN_FACT)
    obj = Objective(facts, ["green_willing_share"], replication_seeds(1, 2))
    value, results = obj.evaluate([0.45])
    share = results[0].rows[0]["estimate"]
    assert value == pytest.approx(((share - 0.35) / 0.05) ** 2)
    assert objective_value(results) == value


def test_toy_calibration_improves_the_objective(tmp_path):
    facts = _facts(GREEN_FACT)
    result = fit(facts, _config())
    assert result.objective_at_defaults > 25  # declared default 0.68 is 6 half-widths away
    assert result.objective < result.objective_at_defaults / 4
    assert 0.2 < result.best["green_willing_share"] < 0.5
    assert result.history[0]["green_willing_share"] == PRIOR_DEFAULTS["green_willing_share"]
    assert result.evaluations == len(result.history) > 1


def test_budget_stops_the_search():
    result = fit(_facts(GREEN_FACT), _config(), max_evaluations=1)
    assert result.stopped_by == "budget"
    assert result.evaluations == 1  # only the declared defaults


def test_budget_is_a_count_of_evaluations_so_the_fit_is_the_same_on_any_machine():
    first = fit(_facts(GREEN_FACT), _config(), max_evaluations=3)
    again = fit(_facts(GREEN_FACT), _config(), max_evaluations=3)
    assert first.stopped_by == again.stopped_by == "budget"
    assert first.evaluations == again.evaluations == 3
    assert first.best == again.best
    assert [h["objective"] for h in first.history] == [h["objective"] for h in again.history]


def test_calibrated_file_round_trip_sets_defaults(tmp_path):
    facts = _facts(GREEN_FACT)
    target = tmp_path / "calibrated.yaml"
    cfg = _config(optimiser={"popsize": 2, "maxiter": 0, "seed": 1, "init": "latinhypercube"})
    run = run_calibration(facts, cfg, tmp_path / "fit", write_to=target)
    assert run.written == target
    data = yaml.safe_load(target.read_text())
    assert set(data["parameters"]) == {"green_willing_share", "trust_threshold"}
    prov = data["provenance"]
    assert prov["facts_fitted"] == ["green_share"] and prov["seeds"] == run.fit.seeds
    assert prov["objective"] <= prov["objective_at_declared_defaults"]
    assert {"date", "git_commit"} <= set(prov)
    for name in ("fit_report.json", "fit_report.md", "history.csv", "convergence.png",
                 "manifest.json"):
        assert (tmp_path / "fit" / name).exists(), name
    report = json.loads((tmp_path / "fit" / "fit_report.json").read_text())
    assert report["objective_calibrated"] == run.fit.objective

    # the written set is a profile a spec can name; declared defaults are untouched
    spec = load_spec({"profile": str(target), "parameters": {"beta_price": 1.5}})
    assert spec.parameters.green_willing_share == data["parameters"]["green_willing_share"]
    assert spec.parameters.trust_threshold == data["parameters"]["trust_threshold"]
    assert spec.parameters.beta_price == 1.5  # the spec's own value wins over the profile
    table = {r.name: r for r in profile_parameter_table(str(target))}
    assert table["green_willing_share"].calibrated and not table["beta_price"].calibrated
    assert ModelParameters().trust_threshold == PRIOR_DEFAULTS["trust_threshold"]


def test_priors_outside_the_declared_range_are_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"parameters\.trust_threshold: prior \[0\.01, 0\.5\] "
                                         r"lies outside the declared range"):
        _config(parameters={"trust_threshold": {"prior": [0.01, 0.5]}})
    bad = tmp_path / "cal.yaml"
    bad.write_text(yaml.safe_dump({
        "parameters": {"beta_delivery": {"prior": [0.5, 25.0]},
                       "kols_per_region": {"prior": [10, 20]},
                       "not_a_parameter": {"prior": [0, 1]}},
        "fit": ["overseas_warehouse_repurchase"]}))
    with pytest.raises(CalibrationError) as err:
        load_calibration_config(bad)
    message = str(err.value)
    assert "parameters.beta_delivery" in message and "[0.0, 20.0]" in message
    assert "parameters.kols_per_region: an integer parameter" in message
    assert "parameters.not_a_parameter: not a model parameter" in message
    with pytest.raises(CalibrationError, match=r"parameters\.trust_threshold"):
        write_calibrated_parameters(tmp_path / "x.yaml", {"trust_threshold": 2.0}, {})


def test_unfittable_or_unknown_facts_are_rejected():
    facts = load_facts()
    with pytest.raises(CalibrationError, match=r"green_premium_share.*by construction"):
        fit(facts, _config(fit=["green_premium_share"]))
    with pytest.raises(CalibrationError, match="no fact 'nope'"):
        fit(facts, _config(fit=["nope"]))


def test_cli_calibrate_bad_config_exits_2(tmp_path):
    bad = tmp_path / "cal.yaml"
    bad.write_text(yaml.safe_dump({"parameters": {"trust_threshold": {"prior": [0.0, 0.5]}},
                                   "fit": ["overseas_warehouse_repurchase"]}))
    result = CliRunner().invoke(app, ["calibrate", "--config", str(bad), "--out",
                                      str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "parameters.trust_threshold" in result.output


@pytest.mark.slow
def test_out_of_sample_reports_both_halves(tmp_path):
    facts = _facts(GREEN_FACT, DAYS_FACT)
    cfg = _config(split={"fit": ["green_share"], "holdout": ["ow_days"]},
                  optimiser={"popsize": 2, "maxiter": 1, "seed": 1, "init": "latinhypercube"})
    run = run_out_of_sample(facts, cfg, tmp_path / "oos")
    assert run.fit.fitted == ["green_share"]
    assert {r.fact.id for r in run.calibrated} == {"green_share", "ow_days"}
    assert {r.fact.id for r in run.defaults} == {"green_share", "ow_days"}
    report = (tmp_path / "oos" / "fit_report.md").read_text()
    assert "holdout" in report and "ow_days" in report
    assert (tmp_path / "oos" / "validation_calibrated" / "report.md").exists()
    assert (tmp_path / "oos" / "validation_declared_defaults" / "forest.png").exists()
