"""Validation on effects: identities, posterior draws (common to both arms), report formatting."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import experiments.validation as validation
from experiments.posterior import PosteriorError
from experiments.validation import (
    NO_INTERVAL,
    Estimate,
    RunCache,
    baseline_clear_of_zero,
    ci_inside,
    evaluate_fact,
    fmt_interval,
    fmt_value,
    load_facts,
    parse_facts,
    posterior_draws,
    rate_interval,
)
from simulation.metrics import METRIC_NAMES
from xbsim.cli import app

T_975_DF2 = 4.302652729911275  # t quantile, 0.975, 2 degrees of freedom (tables)

TINY_MARKET = {"regions": ["BR", "ID"], "n_consumers": 1_500, "horizon_days": 30,
               "sellers": [{"name": "entrant"}]}
SHARED_EFFECTS = ("overseas_warehouse_repurchase", "overseas_warehouse_negative_reviews",
                  "precision_targeting_conversion", "precision_targeting_cac",
                  "payment_security_fraud_level", "route_optimisation_cost",
                  "route_optimisation_delivery_days", "agile_supply_stockouts",
                  "green_premium_share")
PATTERN_EFFECTS = ("referral_repurchase", "family_group_buy_basket", "local_kol_repurchase_id",
                   "overseas_warehouse_sea_delivery", "ewallet_payment_conversion_id")


def _effects_file(**over):
    lever = {"id": "ow_days", "claim": "warehouses deliver faster", "source": "a test",
             "lever": {"overseas_warehouse": {"regions": ["BR", "ID"]}},
             "metric": "mean_delivery_days",
             "target": {"kind": "absolute_change", "band": [-30.0, -1.0], "unit": "days"}}
    ident = {"id": "ow_cost_identity", "claim": "an input", "source": "a test",
             "lever": {"route_optimisation": {}}, "metric": "logistics_cost_per_order",
             "target": {"kind": "relative", "band": [-0.3, -0.1]},
             "identity": "the lever's cost_cut is the figure"}
    data = {"market": TINY_MARKET, "replications": 2, "posterior_draws": 0, "master_seed": 5,
            "facts": [lever, ident]}
    data.update(over)
    return data


# --- the shipped effects ---------------------------------------------------------------------
def test_every_effect_pattern_is_in_the_project_copy_with_a_source():
    facts = load_facts()
    ids = [f.id for f in facts.facts]
    assert set(SHARED_EFFECTS + PATTERN_EFFECTS) <= set(ids)
    assert all(f.source.strip() for f in facts.facts)
    assert facts.posterior_draws >= 2 and facts.market["profile"] == "calibrated"


def test_identities_are_labelled():
    facts = load_facts()
    identities = {f.id for f in facts.facts if f.is_identity}
    assert identities == {"payment_security_fraud_level", "route_optimisation_cost",
                          "family_group_buy_basket", "green_premium_share"}
    text = facts.fact("family_group_buy_basket").identity
    assert "group_basket_multiplier" in text


def test_shipped_effects_text_never_says_they_were_fitted():
    text = validation.FACTS_FILE.read_text().lower()
    assert "calibration's four seeds" not in text
    assert not hasattr(validation, "calibration_note")


# --- pure functions (hand-computed) ------------------------------------------------------------
def test_rate_interval_is_on_the_logit_scale_and_stays_in_0_1():
    # 0.1, 0.2, 0.3: mean 0.2, sd 0.1, se 0.1 / sqrt(3); logit(0.2) = log(0.25);
    # half-width on the logit scale t * se / (0.2 * 0.8) = 1.552587.
    est = rate_interval([0.1, 0.2, 0.3])
    half = T_975_DF2 * (0.1 / math.sqrt(3)) / 0.16
    assert est.value == pytest.approx(0.2)
    assert est.ci_low == pytest.approx(1 / (1 + math.exp(-(math.log(0.25) - half))))
    assert est.ci_high == pytest.approx(1 / (1 + math.exp(-(math.log(0.25) + half))))
    assert est.ci_low == pytest.approx(0.050265, abs=1e-6)
    assert est.ci_high == pytest.approx(0.541477, abs=1e-6)
    # a rare rate whose t interval would cross 0 ([-0.055, 0.088]) stays inside (0, 1)
    rare = rate_interval([0.0, 0.0, 0.05])
    assert 0.0 < rare.ci_low < rare.value < rare.ci_high < 1.0
    # every replication 0: the interval is the point
    assert rate_interval([0.0, 0.0]) == Estimate(0.0, 0.0, 0.0, 2)


def test_relative_change_needs_a_baseline_clear_of_zero():
    assert baseline_clear_of_zero([10.0, 11.0, 12.0])  # CI 11 -+ 2.48
    assert not baseline_clear_of_zero([1.0, 2.0, 3.0])  # CI 2 -+ 2.48 reaches below 0
    assert not baseline_clear_of_zero([-1.0, 1.0, 0.5])  # mean 0.17, CI includes 0
    assert not baseline_clear_of_zero([-100.0, -90.0])
    assert baseline_clear_of_zero([5.0]) and not baseline_clear_of_zero([0.0])


def test_ci_inside_band():
    band = (-0.55, -0.25)
    assert ci_inside(Estimate(-0.4, -0.5, -0.3, 5), band)
    assert not ci_inside(Estimate(-0.4, -0.6, -0.3, 5), band)
    assert not ci_inside(Estimate(-0.4, math.nan, math.nan, 1), band)


def test_formatting_never_prints_nan():
    assert fmt_value(math.nan, "relative") == "n/a"
    assert fmt_value(0.25, "relative") == "+25.0%"
    assert fmt_value(-2.0, "absolute_change") == "-2.00"
    assert fmt_value(0.012, "level") == "1.200%"
    assert fmt_interval(math.nan, math.nan, "relative", 1) == f"({NO_INTERVAL})"
    assert fmt_interval(-0.1, 0.2, "relative", 3) == "[-10.0%, +20.0%]"
    assert fmt_interval(math.nan, math.nan, "contrast", 0) == "(no interval: no data)"


def test_new_metrics_are_known():
    for name in ("checkout_conversion_rate", "referred_repurchase_rate", "other_repurchase_rate",
                 "group_order_value", "solo_order_value"):
        assert name in METRIC_NAMES


# --- posterior draws ---------------------------------------------------------------------------
def _posterior_csv(path):
    pd.DataFrame({"trust_threshold": [0.30, 0.45, 0.60], "ad_notice_rate": [0.10, 0.20, 0.30],
                  "weight": [1.0, 1.0, 2.0]}).to_csv(path, index=False)
    return path


def test_posterior_draws_seeded_and_fallback(tmp_path, monkeypatch):
    file = _posterior_csv(tmp_path / "posterior.csv")
    a = posterior_draws(4, 7, file)
    assert a.parameters == posterior_draws(4, 7, file).parameters
    assert len(a.parameters) == 4 and "parameter uncertainty" in a.interval_kind
    assert "4 posterior draws" in a.interval_kind
    # no shipped posterior yet: a note, then seed noise only
    monkeypatch.setattr(validation, "POSTERIOR_FILE", tmp_path / "absent.csv")
    notes = []
    none = posterior_draws(4, 7, note=notes.append)
    assert none.parameters is None and "seed noise only" in none.interval_kind
    assert len(notes) == 1 and "no posterior file" in notes[0]
    with pytest.raises(PosteriorError, match="no file"):
        posterior_draws(4, 7, tmp_path / "named_but_absent.csv")
    assert posterior_draws(0, 7, file).parameters is None


class _SpyCache(RunCache):
    """Records every (spec, seed) asked for and answers with a constant summary."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def summary(self, spec, seed):
        self.asked.append((spec, seed))
        return pd.DataFrame({"seller": ["entrant"], "region": ["all"],
                             "metric": ["mean_delivery_days"], "value": [5.0]})


def test_common_draws_both_arms_of_a_replication_get_the_same_parameters():
    facts = parse_facts(_effects_file())
    fact = facts.fact("ow_days")
    draws = [{"trust_threshold": 0.3, "ad_notice_rate": 0.1},
             {"trust_threshold": 0.6, "ad_notice_rate": 0.3}]
    cache = _SpyCache()
    evaluate_fact(facts, fact, [11, 12], cache, draws=draws)
    assert len(cache.asked) == 4
    by_seed = {}
    for spec, seed in cache.asked:
        by_seed.setdefault(seed, []).append(spec)
    for (_seed, specs), draw in zip(sorted(by_seed.items()), draws, strict=True):
        base, treat = specs
        assert base.sellers[0].levers.overseas_warehouse is None  # the two arms
        assert treat.sellers[0].levers.overseas_warehouse is not None
        for name, value in draw.items():
            assert getattr(base.parameters, name) == value == getattr(treat.parameters, name)
    with pytest.raises(ValueError, match="draws"):
        evaluate_fact(facts, fact, [11, 12, 13], cache, draws=draws)


# --- seeded runs -------------------------------------------------------------------------------
def _row_numbers(table: pd.DataFrame) -> None:
    for col in ("fact", "quantity", "estimate", "ci_low", "ci_high", "band_low", "band_high",
                "pass", "ci_inside_band", "identity", "difference", "n"):
        assert col in table.columns


def test_cli_validate_with_posterior_file_excludes_identities(tmp_path):
    facts = tmp_path / "effects.yaml"
    facts.write_text(yaml.safe_dump(_effects_file()))
    post = _posterior_csv(tmp_path / "posterior.csv")
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["validate", "--facts", str(facts), "--no-shipped",
                                      "--out", str(out), "--quiet", "--posterior", "2",
                                      "--posterior-file", str(post)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "validation.csv")
    _row_numbers(table)
    assert list(table["identity"]) == [False, True]
    ow = table.set_index("fact").loc["ow_days"]
    passes = int(bool(ow["pass"]))
    assert f"{passes} / 1 effects pass" in result.output  # the identity is not counted
    assert "1 identities of an input" in result.output
    assert "2 posterior draws" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["identities"] == ["ow_cost_identity"]
    assert len(manifest["posterior"]["draws"]) == 2 and manifest["replications"] == 2
    assert manifest["summary"] == {"evidence": 1, "passed": passes,
                                   "ci_inside": int(bool(ow["ci_inside_band"])),
                                   "identities": 1}
    per_seed = pd.read_csv(out / "per_seed.csv")
    assert len(per_seed) == 4
    report = (out / "report.md").read_text()
    assert "seed noise + parameter uncertainty" in report
    assert "Identities of an input" in report and "cost_cut is the figure" in report
    assert not re.search(r"\bnan\b", report.lower() + result.output.lower())


def test_one_replication_warns_instead_of_nan(tmp_path):
    facts = tmp_path / "effects.yaml"
    facts.write_text(yaml.safe_dump(_effects_file()))
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["validate", "--facts", str(facts), "--no-shipped",
                                      "--out", str(out), "--quiet", "--replications", "1"])
    assert result.exit_code == 0, result.output
    assert "warning: one replication" in result.output
    report = (out / "report.md").read_text()
    assert "Warning: one replication" in report and NO_INTERVAL in report
    assert not re.search(r"\bnan\b", (report + result.output).lower())
    assert "seed noise only" in report


def test_contrast_effect_within_the_treatment_arm(tmp_path):
    contrast = {"id": "referred", "claim": "referred buy again more", "source": "a test",
                "lever": {"viral_referral": {}}, "metric": "referred_repurchase_rate",
                "target": {"kind": "contrast", "reference_metric": "other_repurchase_rate",
                           "band": [0.1, 0.5]}}
    facts = parse_facts(_effects_file(facts=[contrast]))
    cache = RunCache()
    res = evaluate_fact(facts, facts.facts[0], [1, 2], cache)
    assert cache.runs == 2  # one arm only
    row = res.rows[0]
    assert row["quantity"] == "vs other_repurchase_rate" and row["kind"] == "contrast"
    with pytest.raises(validation.FactsError, match="reference_metric"):
        parse_facts(_effects_file(facts=[{**contrast, "target": {
            **contrast["target"], "reference_metric": "nope"}}]))
