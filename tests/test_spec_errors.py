"""Every problem of a spec at once, in the user's words and places; strict YAML; CLI exits."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from typer.testing import CliRunner

from experiments.calibration import DEFAULT_OUTPUT, POSTERIOR_OUTPUT, load_calibration_config
from experiments.scenarios import ScenarioError, load_scenarios
from experiments.sweep import load_sweep
from experiments.validation import load_facts
from simulation.spec import MarketSpec, SpecError, check_region_references, load_spec, validate_spec
from simulation.yaml_loading import DuplicateKeyError, load_yaml
from xbsim.cli import app

# Three independent mistakes, one per place: the base, scenario 'kol', scenario 'budget'.
THREE_ERRORS = """\
name: three-errors
base:
  regions: [BRA, ID]
  n_consumers: 500
  horizon_days: 5
  sellers:
    - name: entrant
baseline: status_quo
scenarios:
  status_quo: {}
  kol:
    sellers:
      entrant:
        levers:
          live_streaming: {streams_per_month: 45}
  budget:
    sellers:
      entrant:
        marketing_budgt_per_1k_daily: 4
replications: 1
"""

SMALL_SCENARIOS = """\
name: small
base:
  regions: [BR]
  n_consumers: 200
  horizon_days: 3
  sellers:
    - name: entrant
baseline: direct
scenarios:
  direct: {}
  warehouse:
    sellers:
      entrant:
        levers:
          overseas_warehouse: {regions: [BR]}
  kol: {sellers: {entrant: {levers: {kol_marketing: {}}}}}
replications: 1
master_seed: 3
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path)
    return list(info.value.lines)


def test_three_independent_errors_are_three_lines_naming_file_scenario_and_path(tmp_path):
    path = _write(tmp_path, "scen.yaml", THREE_ERRORS)
    lines = _problems(path)
    assert len(lines) == 3, lines
    assert all(line.startswith(f"{path}: ") for line in lines)
    region, streams, budget = lines
    assert "base.regions: 'BRA'" in region and "did you mean 'BR'?" in region
    assert "affects every scenario" in region
    assert ("scenario 'kol': sellers[entrant].levers.live_streaming.streams_per_month: "
            "45 is above the maximum 30") in streams
    assert "scenario 'budget': sellers[entrant].marketing_budgt_per_1k_daily" in budget
    assert "did you mean 'marketing_budget_per_1k_daily'" in budget


def test_a_base_problem_is_reported_once_in_base_words(tmp_path):
    text = THREE_ERRORS.replace("regions: [BRA, ID]", "regions: [BR, ID]").replace(
        "n_consumers: 500", "n_consumers: 0")
    lines = _problems(_write(tmp_path, "scen.yaml", text))
    base = [line for line in lines if "n_consumers" in line]
    assert len(base) == 1, lines
    assert "base.n_consumers: 0 is below the minimum 1" in base[0]
    assert "affects every scenario" in base[0] and "scenarios." not in base[0]


def test_a_base_problem_fixed_by_a_patch_names_the_scenarios_it_affects(tmp_path):
    text = SMALL_SCENARIOS.replace(
        "    - name: entrant\n",
        "    - name: entrant\n      levers: {live_streaming: {streams_per_month: 45}}\n").replace(
        "kol: {sellers: {entrant: {levers: {kol_marketing: {}}}}}",
        "kol: {sellers: {entrant: {levers: {live_streaming: {streams_per_month: 8}}}}}")
    lines = _problems(_write(tmp_path, "s.yaml", text))
    assert lines == [f"{tmp_path / 's.yaml'}: base.sellers[entrant].levers.live_streaming."
                     "streams_per_month: 45 is above the maximum 30 (allowed: 0 to 30) "
                     "(affects scenarios 'direct', 'warehouse')"]


def test_baseline_typo_in_plain_words_with_a_suggestion(tmp_path):
    text = THREE_ERRORS.replace("baseline: status_quo", "baseline: statusquo")
    lines = _problems(_write(tmp_path, "scen.yaml", text))
    baseline = [line for line in lines if "baseline:" in line]
    assert len(baseline) == 1 and "did you mean 'status_quo'?" in baseline[0]
    assert len(lines) == 4
    joined = "\n".join(lines)
    assert "Value error" not in joined and "(got dict)" not in joined and "(spec)" not in joined


def test_unknown_seller_in_a_patch_is_named_as_written(tmp_path):
    text = SMALL_SCENARIOS.replace("  kol: {sellers: {entrant:", "  kol: {sellers: {entrnt:")
    lines = _problems(_write(tmp_path, "s.yaml", text))
    assert lines == [f"{tmp_path / 's.yaml'}: scenario 'kol': sellers[entrnt]: no seller of that "
                     "name in the base (sellers: entrant); did you mean 'entrant'?"]


def test_region_references_are_checked_before_anything_runs(tmp_path):
    text = SMALL_SCENARIOS.replace("overseas_warehouse: {regions: [BR]}",
                                   "overseas_warehouse: {regions: [BRA, DE]}")
    lines = _problems(_write(tmp_path, "s.yaml", text))
    assert len(lines) == 2, lines
    assert all("scenario 'warehouse': sellers[entrant].levers.overseas_warehouse.regions: "
               in line for line in lines)
    assert "'BRA' is not one of the model's regions; did you mean 'BR'?" in lines[0]
    assert "'DE' is not one of the model's regions" in lines[1]


def test_literal_values_and_union_alternatives_are_one_plain_problem_each():
    with pytest.raises(SpecError) as info:
        validate_spec({"regions": ["BR"], "sellers": [{"levers": {
            "live_streaming": {"schedule": "sprad"}, "local_payments": {"regions": "ALL"}}}]})
    lines = info.value.lines
    assert lines == (
        "sellers[entrant].levers.live_streaming.schedule: 'sprad' is not one of "
        "'synchronised', 'spread'; did you mean 'spread'?",
        "sellers[entrant].levers.local_payments.regions: 'ALL' is not a list or 'all'; "
        "did you mean 'all'?",
    )


def test_the_model_reports_every_region_reference_at_once():
    spec = MarketSpec(regions=["US"], sellers=[{"name": "a", "target_regions": ["BR"],
                                                "fulfilment": {"overseas_warehouses": ["DE"]}}])
    with pytest.raises(ValueError, match=r"sellers\.0\.target_regions") as info:
        check_region_references(spec, ["US"])
    assert len(str(info.value).splitlines()) == 2


# --- duplicate keys, in every kind of file users write ---------------------------------------

DUPLICATED = {
    "market spec": (load_spec, "regions: [BR]\nn_consumers: 100\nhorizon_days: 3\n"
                               "n_consumers: 200\n", 4, 2, "n_consumers"),
    "scenario file": (load_scenarios, SMALL_SCENARIOS.replace(
        "  direct: {}\n", "  direct: {}\n  direct: {n_consumers: 300}\n"), 11, 10, "direct"),
    "sweep spec": (load_sweep, "name: s\nbase: {regions: [BR]}\nfactors:\n"
                               "  - {path: n_consumers, levels: [100, 200]}\n"
                               "design: {method: full_factorial}\n"
                               "design: {method: lhs, n: 4}\n", 6, 5, "design"),
    "facts": (lambda p: load_facts(p, shipped=False),
              "replications: 2\nfacts:\n  - id: a\n    claim: x\n    claim: y\n", 5, 4, "claim"),
    "calibration config": (load_calibration_config,
                           "parameters:\n  trust_threshold: {prior: [0.3, 0.5]}\n"
                           "  trust_threshold: {prior: [0.2, 0.4]}\nlevels: [a]\n", 3, 2,
                           "trust_threshold"),
}


@pytest.mark.parametrize("what", list(DUPLICATED))
def test_duplicate_keys_are_refused_with_both_line_numbers(what, tmp_path):
    loader, text, line, first, key = DUPLICATED[what]
    path = _write(tmp_path, "dup.yaml", text)
    with pytest.raises(DuplicateKeyError) as info:
        loader(path)
    assert (info.value.line, info.value.first_line, info.value.key) == (line, first, key)
    assert str(info.value).startswith(f"{path}: line {line}: duplicate key {key!r} "
                                      f"(first at line {first})")


def test_strict_loader_keeps_safe_load_semantics():
    text = "defaults: &d {a: 1, b: 2}\nuse:\n  <<: *d\n  a: 5\nwhen: 2026-01-02\nn: 1e3\n"
    assert load_yaml(text) == yaml.safe_load(text)  # merge keys may be overridden
    with pytest.raises(yaml.YAMLError, match="python/object"):
        load_yaml("x: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(DuplicateKeyError, match="line 3: duplicate key 'b'"):
        load_yaml("a:\n  b: 1\n  b: 2\n")


# --- the command line --------------------------------------------------------------------------

def test_cli_reports_every_problem_one_line_each_with_status_2(tmp_path):
    path = _write(tmp_path, "scen.yaml", THREE_ERRORS)
    for command in ("run", "compare"):
        result = CliRunner().invoke(app, [command, str(path), "--quiet"])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 3, result.output
        assert all(line.startswith(f"xbsim: error: {path}: ") for line in lines)
        assert "Traceback" not in result.output


def test_cli_duplicate_key_is_one_line_with_status_2(tmp_path):
    path = _write(tmp_path, "m.yaml", "regions: [BR]\nregions: [ID]\n")
    result = CliRunner().invoke(app, ["run", str(path), "--quiet"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"xbsim: error: {path}: line 2: duplicate key 'regions' (first at line 1); each key "
        "may appear only once in a mapping"]


def test_run_without_scenario_says_which_it_runs(tmp_path):
    path = _write(tmp_path, "s.yaml", SMALL_SCENARIOS)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == ("running scenario 'direct' (the baseline; others: "
                                     "warehouse, kol; choose with --scenario)")
    chosen = CliRunner().invoke(app, ["run", str(path), "--scenario", "kol", "--out",
                                      str(tmp_path / "k"), "--quiet"])
    assert chosen.exit_code == 0 and chosen.stderr == ""
    wrong = CliRunner().invoke(app, ["run", str(path), "--scenario", "warehous", "--quiet"])
    assert wrong.exit_code == 2 and "did you mean 'warehouse'?" in wrong.output


def test_calibrate_adopts_only_when_told(tmp_path, monkeypatch):
    import pandas as pd

    import experiments.calibration

    seen: list = []

    def fake_run(cfg, out, backend, workers, scheduler, adopt_to=None, log=None):
        seen.append(adopt_to)
        summary = pd.DataFrame([{"parameter": "trust_threshold", "median": 0.4, "ci90_lo": 0.3,
                                 "ci90_hi": 0.5, "prior_lo": 0.2, "prior_hi": 0.6}])
        run = SimpleNamespace(generations=[0], total_simulations=1, resumed_from=0)
        return SimpleNamespace(abc=run, summary=summary,
                               predictive=pd.DataFrame({"covered": [True]}),
                               written=adopt_to[0] if adopt_to else None)

    monkeypatch.setattr(experiments.calibration, "run_calibration", fake_run)
    runner = CliRunner()
    for options in ([], ["--adopt"]):
        result = runner.invoke(app, ["calibrate", "--out", str(tmp_path), "--quiet", *options])
        assert result.exit_code == 0, result.output
    assert seen == [None, (DEFAULT_OUTPUT, POSTERIOR_OUTPUT)]
    result = runner.invoke(app, ["calibrate", "--adopt", "--recovery"])
    assert result.exit_code == 2 and "choose one of --adopt and --recovery" in result.output
