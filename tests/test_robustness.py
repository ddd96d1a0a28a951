"""Robustness: fuzzed specs end in a clear error or a valid run; extreme inputs keep the
invariants; the command line fails with status 2 and one readable line."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from simulation.invariants import check_invariants
from simulation.model import MarketModel
from simulation.spec import format_validation_error, load_spec
from xbsim.cli import app

VALID = {
    "regions": ["BR", "ID"], "n_consumers": 300, "horizon_days": 5,
    "sellers": [{"name": "entrant", "marketing_budget_per_1k_daily": 5.0,
                 "budget_split": {"ads": 0.5, "kols": 0.5, "referral": 0.0},
                 "levers": {"overseas_warehouse": {"regions": ["BR"]}}}],
    "parameters": {"trust_threshold": 0.4},
}

# Paths into VALID and nasty values to put there.
PATHS = [
    ("n_consumers",), ("horizon_days",), ("regions",), ("name",),
    ("sellers", 0, "marketing_budget_per_1k_daily"), ("sellers", 0, "budget_split", "ads"),
    ("sellers", 0, "budget_split"), ("sellers", 0, "levers"),
    ("sellers", 0, "levers", "overseas_warehouse", "regions"), ("sellers", 0, "products"),
    ("parameters", "trust_threshold"), ("parameters", "kols_per_region"), ("parameters",),
    ("sellers",), ("shocks",), ("region_overrides",),
]
NASTY = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.just(math.nan),
    st.just(math.inf), st.just(-math.inf), st.floats(-1e6, 1e6), st.text(max_size=8),
    st.just([]), st.just({}), st.just(["XX"]), st.just({"teleport": {}}),
    st.just([{"kind": "meteor"}]), st.just({"BR": {"payment_mix": {"card": 2}}}),
    st.just([{"name": "x", "price_usd": -1}]),
)


def _mutate(path, value, drop: bool) -> dict:
    import copy

    spec = copy.deepcopy(VALID)
    node = spec
    for key in path[:-1]:
        node = node[key]
    if drop and isinstance(node, dict):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return spec


FUZZ_MAX_CONSUMERS = 5_000
FUZZ_MAX_DAYS = 60
"""A valid fuzzed spec larger than this is run at this size (its validation is what varied)."""


def assert_names_the_field(message: str, path: tuple) -> None:
    """Every line is ``field: problem``, and the message names the mutated field or a parent."""
    lines = message.strip().splitlines()
    assert lines and all(":" in line for line in lines), message
    keys = [k for k in path if isinstance(k, str)]
    assert any(k in message for k in keys), f"{message!r} names none of {keys}"


@given(path=st.sampled_from(PATHS), value=NASTY, drop=st.booleans())
def test_fuzzed_spec_is_a_clear_error_or_a_valid_run(path, value, drop):
    data = _mutate(path, value, drop)
    try:
        spec = load_spec(data)
    except ValidationError as e:
        assert_names_the_field(format_validation_error(e), path)
        return
    spec = spec.model_copy(update={"n_consumers": min(spec.n_consumers, FUZZ_MAX_CONSUMERS),
                                   "horizon_days": min(spec.horizon_days, FUZZ_MAX_DAYS)})
    try:
        model = MarketModel(spec, rng=0)
    except ValidationError as e:  # region overrides are validated with the catalog
        assert_names_the_field(format_validation_error(e), path)
        return
    except (ValueError, KeyError) as e:  # references to regions/sellers outside the model
        assert_names_the_field(str(e), path)
        return
    while model.running:
        model.step()
    check_invariants(model)


@pytest.mark.parametrize("extreme", [
    {"regions": ["JP"], "n_consumers": 1, "horizon_days": 3},
    {"regions": ["US"], "n_consumers": 50, "horizon_days": 1},
    {"sellers": [{"marketing_budget_per_1k_daily": 0.0}], "n_consumers": 200},
    {"parameters": {"kols_per_region": 0}, "n_consumers": 200},
    {"regions": ["BR"], "n_consumers": 400, "region_overrides": {"BR": {"shipping": {
        m: {"loss_rate": 1.0} for m in ("express_air", "postal_air", "ecommerce_line",
                                        "sea_freight")}}}},
    {"regions": ["BR"], "n_consumers": 400, "region_overrides": {
        "BR": {"fraud_attempt_rate": 0.999}},
     "sellers": [{"payment_providers": [{"name": "open", "methods": ["card", "wallet",
                                                                       "bank_transfer", "cod",
                                                                       "bnpl"],
                                          "fraud_screening": 0.0}]}]},
])
def test_extreme_but_valid_inputs_keep_invariants(extreme):
    spec = load_spec({"horizon_days": 40, **extreme})
    model = MarketModel(spec, rng=1)
    while model.running:
        model.step()
        check_invariants(model)


def test_all_parcels_lost_means_no_delivery():
    spec = load_spec({"regions": ["BR"], "n_consumers": 3000, "horizon_days": 60,
                      "parameters": {"purchase_occasion_rate": 0.3},
                      "region_overrides": {"BR": {"shipping": {
                          m: {"loss_rate": 1.0} for m in ("express_air", "postal_air",
                                                          "ecommerce_line", "sea_freight")}}}})
    m = MarketModel(spec, rng=2)
    while m.running:
        m.step()
    from simulation.metrics import Counter
    assert m.counters[..., Counter.LOST].sum() > 0
    assert m.counters[..., Counter.DELIVERED].sum() == 0


def test_cli_errors_exit_2_with_readable_lines(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text("regions: [US]\nn_consumers: -3\n")
    r = runner.invoke(app, ["run", str(bad), "--quiet"])
    assert r.exit_code == 2
    assert "n_consumers" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["run", str(tmp_path / "missing.yaml"), "--quiet"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    r = runner.invoke(app, ["run", str(tmp_path / "list.yaml"), "--quiet"])
    assert r.exit_code == 2 and "mapping" in r.output


def test_yaml_is_loaded_safely(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("!!python/object/apply:os.system ['echo pwned']\n")
    r = CliRunner().invoke(app, ["run", str(evil), "--quiet"])
    assert r.exit_code == 2 and "pwned" not in r.output
