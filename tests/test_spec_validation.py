"""Bad specs and region data fail before any run, naming field, value and allowed range."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from simulation.model import MarketModel
from simulation.spec import MarketSpec, format_validation_error, load_spec
from xbsim.cli import app


def _message(data: dict) -> str:
    with pytest.raises(ValidationError) as info:
        load_spec(data)
    return format_validation_error(info.value)


def test_negative_population_names_field_and_bound():
    msg = _message({"n_consumers": -5})
    assert "n_consumers" in msg and "-5" in msg and "greater than or equal to 1" in msg


def test_parameter_out_of_range_names_field_value_and_range():
    msg = _message({"parameters": {"trust_threshold": 1.7}})
    assert "parameters.trust_threshold" in msg and "1.7" in msg and "0.95" in msg


def test_budget_split_must_sum_to_one():
    msg = _message({"sellers": [{"budget_split": {"ads": 0.7, "kols": 0.7, "referral": 0}}]})
    assert "sellers.0.budget_split" in msg and "sum to 1" in msg


def test_unknown_field_rejected():
    msg = _message({"n_consumer": 10})
    assert "n_consumer" in msg


def test_cost_above_price_rejected():
    msg = _message({"sellers": [{"products": [{"name": "x", "price_usd": 5,
                                                "unit_cost_usd": 9}]}]})
    assert "unit_cost_usd" in msg


def test_unknown_region_rejected_before_run():
    with pytest.raises(KeyError, match="XX"):
        MarketModel(MarketSpec(regions=["US", "XX"]), rng=0)


def test_warehouse_outside_model_regions_rejected():
    spec = load_spec({"regions": ["US"], "sellers": [
        {"fulfilment": {"overseas_warehouses": ["BR"]}}]})
    with pytest.raises(ValueError, match=r"sellers\.0\.fulfilment\.overseas_warehouses"):
        MarketModel(spec, rng=0)


def test_bad_region_override_names_region_field():
    spec = MarketSpec(regions=["US"], region_overrides={
        "US": {"payment_mix": {"card": 1.5}}})
    # named as the user wrote it (region_overrides), with the value and the allowed range
    with pytest.raises(ValueError, match=r"region_overrides\.US\.payment_mix\.card: value 1\.5 "
                                         r"outside the allowed range \[0\.0, 1\.0\]"):
        MarketModel(spec, rng=0)


def test_cli_bad_spec_exits_2_with_readable_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--consumers", "0", "--quiet"])
    assert result.exit_code == 2
