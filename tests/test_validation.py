"""Validation against stylized facts: schema errors, effect statistics, pass/fail, end to end."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from experiments.validation import (
    FACTS_FILE,
    Estimate,
    FactsError,
    absolute_change,
    band_distance,
    ci_overlaps,
    in_band,
    level,
    load_facts,
    parse_facts,
    relative_effect,
    run_validation,
    verdict,
)
from xbsim.cli import app

T_975_DF2 = 4.302652729911275  # t quantile, 0.975, 2 degrees of freedom (tables)

TINY_MARKET = {"regions": ["BR", "ID"], "n_consumers": 1_500, "horizon_days": 30,
               "sellers": [{"name": "entrant"}]}


def _fact(**over):
    fact = {"id": "ow_reviews", "claim": "warehouses cut bad reviews", "source": "a test",
            "lever": {"overseas_warehouse": {"regions": ["BR", "ID"]}},
            "metric": "negative_review_rate",
            "target": {"kind": "relative", "effect": -0.4, "band": [-0.55, -0.25]}}
    fact.update(over)
    return fact


def _file(*facts, **over):
    data = {"market": TINY_MARKET, "replications": 2, "master_seed": 5, "facts": list(facts)}
    data.update(over)
    return data


# --- schema ------------------------------------------------------------------------------------
def test_shipped_facts_validate_with_sources():
    facts = load_facts()
    assert len(facts.facts) >= 9
    assert all(f.source.strip() for f in facts.facts)
    green = facts.fact("green_premium_share")
    assert green.is_identity and green.input_parameter == "green_willing_share"
    regions = facts.market["regions"]
    ow = facts.fact("overseas_warehouse_repurchase").lever["overseas_warehouse"]["regions"]
    assert sorted(ow) == sorted(regions)
    assert FACTS_FILE.exists()


@pytest.mark.parametrize(("fact", "expected"), [
    (_fact(target={"kind": "relative", "band": [0.5, 0.2]}),
     "facts[ow_reviews].target.relative.band"),
    (_fact(target={"kind": "relative", "effect": 0.9, "band": [0.2, 0.5]}),
     "facts[ow_reviews].target.relative"),
    (_fact(metric="repurchase_rat"), "facts[ow_reviews].metric: unknown metric"),
    (_fact(lever={"overseas_warehouse": {"regions": []}}),
     "facts[ow_reviews].lever.overseas_warehouse.regions"),
    (_fact(lever={"teleportation": {}}), "facts[ow_reviews].lever.teleportation"),
    (_fact(lever=None), "facts[ow_reviews].lever: a relative target"),
    (_fact(source=""), "facts[ow_reviews].source"),
    (_fact(market={"n_consumers": -3}), "facts[ow_reviews].market.n_consumers"),
    (_fact(target={"kind": "level"}), "facts[ow_reviews].target.level"),
    (_fact(target={"kind": "odds", "band": [0, 1]}), "facts[ow_reviews].target"),
    (_fact(lever={"overseas_warehouse": {"regions": ["JP"]}}),
     "facts[ow_reviews].sellers.0.levers.overseas_warehouse.regions"),
])
def test_schema_errors_name_fact_and_field(fact, expected):
    with pytest.raises(FactsError) as err:
        parse_facts(_file(fact))
    assert expected in str(err.value)


def test_duplicate_ids_and_unknown_keys_are_rejected():
    with pytest.raises(FactsError, match="duplicate id"):
        parse_facts(_file(_fact(), _fact()))
    with pytest.raises(FactsError, match="replicatoins"):
        parse_facts(_file(_fact(), replicatoins=3))


def test_fact_without_id_is_named_by_position():
    bad = _fact()
    del bad["id"]
    with pytest.raises(FactsError, match=r"facts\[0\]\.id"):
        parse_facts(_file(bad))


def test_user_facts_merge_by_id(tmp_path):
    mine = tmp_path / "mine.yaml"
    replaced = _fact(id="route_optimisation_cost", lever={"route_optimisation": {}},
                     metric="logistics_cost_per_order",
                     target={"kind": "relative", "band": [-0.9, -0.05]})
    mine.write_text(yaml.safe_dump({"facts": [replaced, _fact(id="my_new_fact",
                                    lever={"overseas_warehouse": {"regions": ["US"]}})]}))
    merged = load_facts(mine)
    shipped = load_facts()
    assert len(merged.facts) == len(shipped.facts) + 1
    assert merged.fact("route_optimisation_cost").target.band == (-0.9, -0.05)
    assert merged.fact("route_optimisation_cost").source == "a test"
    only = load_facts(mine, shipped=False)
    assert [f.id for f in only.facts] == ["route_optimisation_cost", "my_new_fact"]


# --- statistics ----------------------------------------------------------------------------------
def test_relative_effect_known_answer():
    # B = 1, 2, 3 and T = 2, 2, 4: ratio of means (8/3) / 2 = 4/3, effect +1/3.
    # z = T / (8/3) - B / 2 = 0.25, -0.25, 0: sd 0.25, se 0.25 / sqrt(3) = 0.144338.
    # CI: exp(log(4/3) -+ 4.302653 * 0.144338) - 1 = exp(0.287682 -+ 0.621033) - 1.
    est = relative_effect([1.0, 2.0, 3.0], [2.0, 2.0, 4.0])
    assert est.value == pytest.approx(1 / 3)
    se = 0.25 / math.sqrt(3)
    assert est.ci_low == pytest.approx(math.exp(math.log(4 / 3) - T_975_DF2 * se) - 1, rel=1e-9)
    assert est.ci_high == pytest.approx(math.exp(math.log(4 / 3) + T_975_DF2 * se) - 1,
                                        rel=1e-9)
    assert est.ci_low == pytest.approx(-0.283482, abs=1e-6)
    assert est.ci_high == pytest.approx(1.481136, abs=1e-6)
    assert est.n == 3


def test_relative_effect_drops_unpaired_nan_and_handles_zero_baseline():
    est = relative_effect([1.0, float("nan"), 3.0, 2.0], [2.0, 5.0, 4.0, 2.0])
    assert est.n == 3 and est.value == pytest.approx(1 / 3)
    zero = relative_effect([0.0, 0.0], [1.0, 2.0])
    assert math.isnan(zero.value)
    # a negative baseline has no relative change (profit -100 -> -200 is not "+100%")
    assert math.isnan(relative_effect([-100.0, -100.0], [-200.0, -200.0]).value)


def test_absolute_change_and_level_known_answers():
    # paired differences 1, 2, 0: mean 1, sd 1, half-width 4.302653 / sqrt(3) = 2.484138
    est = absolute_change([1.0, 2.0, 3.0], [2.0, 4.0, 3.0])
    assert est.value == pytest.approx(1.0)
    assert est.ci_high - est.value == pytest.approx(2.484138, rel=1e-5)
    lv = level([0.01, 0.02, 0.03])
    assert lv.value == pytest.approx(0.02)
    assert lv.ci_high - lv.value == pytest.approx(0.02484138, rel=1e-5)


def test_pass_fail_logic():
    band = (-0.55, -0.25)
    assert in_band(-0.55, band) and in_band(-0.25, band) and in_band(-0.4, band)
    assert not in_band(-0.2, band) and not in_band(float("nan"), band)
    assert ci_overlaps(Estimate(-0.2, -0.3, -0.1, 5), band)
    assert not ci_overlaps(Estimate(-0.2, -0.24, -0.1, 5), band)
    assert ci_overlaps(Estimate(-0.3, float("nan"), float("nan"), 1), band)
    assert band_distance(-0.4, band) == pytest.approx(0.0)
    assert band_distance(-0.25, band) == pytest.approx(1.0)
    assert band_distance(-0.1, band) == pytest.approx(2.0)
    row = {"kind": "relative", "band_low": -0.4, "band_high": -0.1}
    assert verdict({**row, "estimate": 0.3}).startswith("wrong sign")
    assert verdict({**row, "estimate": -0.05}).startswith("too weak")
    assert verdict({**row, "estimate": -0.6}).startswith("too strong")
    assert verdict({**row, "estimate": -0.2}) == "inside the band"
    assert verdict({"kind": "level", "band_low": 0.008, "band_high": 0.016,
                    "estimate": 0.03}) == "level above the band"
    assert verdict({**row, "estimate": float("nan")}).startswith("undefined")


# --- end to end ----------------------------------------------------------------------------------
def test_tiny_validation_end_to_end(tmp_path):
    green = {"id": "green_share", "claim": "68% pay a green premium", "source": "a test",
             "metric": "share_willing_to_pay_green_premium",
             "target": {"kind": "level", "baseline": {"value": 0.68, "band": [0.6, 0.75]}},
             "input_parameter": "green_willing_share"}
    days = _fact(id="ow_days", metric="mean_delivery_days",
                 target={"kind": "absolute_change", "band": [-30.0, -1.0], "unit": "days"},
                 mechanism=["local_delivery_share"])
    facts = parse_facts(_file(_fact(mechanism=["mean_delivery_days"]), days, green))
    run = run_validation(facts, tmp_path / "v", show_progress=False)
    names = {p.name for p in run.files}
    assert names == {"validation.csv", "per_seed.csv", "forest.png", "report.md",
                     "manifest.json"}
    assert all(p.stat().st_size > 0 for p in run.files)
    # The two lever facts share baseline and treatment runs: 2 arms x 2 seeds.
    assert run.runs == 4
    table = pd.read_csv(tmp_path / "v" / "validation.csv")
    assert list(table["fact"]) == ["ow_reviews", "ow_days", "green_share"]
    row = table.set_index("fact").loc["ow_days"]
    assert row["estimate"] < 0  # local stock delivers faster than the hub
    assert bool(row["pass"]) == (-30.0 <= row["estimate"] <= -1.0)
    share = table.set_index("fact").loc["green_share"]
    assert share["estimate"] == pytest.approx(0.68, abs=0.05) and bool(share["pass"])
    report = (tmp_path / "v" / "report.md").read_text()
    assert "Identities of an input" in report and "forest.png" in report
    assert not re.search(r"\bnan\b", report.lower())
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert manifest["seeds"] == run.seeds and manifest["runs"] == 4
    assert manifest["identities"] == ["green_share"]
    mech = next(r for r in run.results if r.fact.id == "ow_days").mechanism
    assert mech.set_index("metric").loc["local_delivery_share", "treatment"] > 0.5


def test_cli_validate_bad_facts_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_file(_fact(metric="nope"))))
    result = CliRunner().invoke(app, ["validate", "--facts", str(bad), "--no-shipped",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "facts[ow_reviews].metric" in result.output


def test_cli_validate_tiny_run(tmp_path):
    facts = tmp_path / "f.yaml"
    facts.write_text(yaml.safe_dump(_file(_fact(id="ow_days", metric="mean_delivery_days",
                                                target={"kind": "absolute_change",
                                                        "band": [-30.0, -1.0]}))))
    result = CliRunner().invoke(app, ["validate", "--facts", str(facts), "--no-shipped",
                                      "--out", str(tmp_path / "o"), "--quiet",
                                      "--replications", "2"])
    assert result.exit_code == 0, result.output
    assert "ow_days" in result.output and (tmp_path / "o" / "report.md").exists()
