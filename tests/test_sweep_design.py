"""Sweep specs and designs: validation naming the field, SALib designs, points, run ids."""

from __future__ import annotations

import copy
import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from experiments.runner import replication_seeds
from experiments.store import make_run_id
from experiments.sweep import (
    SweepSpec,
    SweepSpecError,
    apply_point,
    load_sweep,
    plan_sweep,
    run_sweep,
)
from simulation.parameters import parameter_table
from simulation.spec import MarketSpec

SWEEPS = Path(__file__).resolve().parent.parent / "experiments" / "sweeps"
BASE = {"regions": ["ID"], "n_consumers": 300, "horizon_days": 10}
DECLARED = {p.name: p for p in parameter_table()}


def sweep(factors, design, **extra) -> SweepSpec:
    return SweepSpec.model_validate({"name": "t", "base": BASE, "factors": factors,
                                     "design": design, **extra})


def test_full_factorial_is_the_product_of_the_levels():
    plan = plan_sweep(sweep(
        [{"path": "parameters.trust_threshold", "levels": [0.2, 0.4, 0.6]},
         {"path": "sellers.0.fulfilment.direct_mode", "levels": ["ecommerce_line",
                                                                 "express_air"]}],
        {"method": "full_factorial"}))
    got = [(p["parameters.trust_threshold"], p["sellers.0.fulfilment.direct_mode"])
           for p in plan.points]
    assert got == list(itertools.product([0.2, 0.4, 0.6], ["ecommerce_line", "express_air"]))
    assert plan.raw is None


def test_latin_hypercube_has_one_point_per_stratum_of_each_factor():
    n = 20
    plan = plan_sweep(sweep([{"path": "parameters.trust_threshold", "bounds": [0.2, 0.6]},
                             {"path": "parameters.share_rate", "bounds": [0.0, 0.5]}],
                            {"method": "lhs", "n": n, "seed": 7}))
    assert len(plan.points) == n
    for path, (lo, hi) in [("parameters.trust_threshold", (0.2, 0.6)),
                           ("parameters.share_rate", (0.0, 0.5))]:
        x = np.array([p[path] for p in plan.points])
        strata = np.floor((x - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))


@pytest.mark.parametrize("second_order, per_base", [(False, 3 + 2), (True, 2 * 3 + 2)])
def test_sobol_design_has_the_saltelli_size(second_order, per_base):
    factors = [{"path": f"parameters.{n}"} for n in ("trust_threshold", "share_rate",
                                                     "beta_price")]
    plan = plan_sweep(sweep(factors, {"method": "sobol", "n": 8,
                                      "calc_second_order": second_order}))
    assert len(plan.points) == 8 * per_base
    assert plan.raw.shape == (8 * per_base, 3)


def test_morris_design_has_trajectories_on_the_level_grid():
    factors = [{"path": "parameters.trust_threshold", "bounds": [0.2, 0.5]},
               {"path": "parameters.share_rate", "bounds": [0.0, 0.3]}]
    plan = plan_sweep(sweep(factors, {"method": "morris", "n": 3, "num_levels": 4}))
    assert len(plan.points) == 3 * (2 + 1)
    grid = np.linspace(0.2, 0.5, 4)
    x = np.array([p["parameters.trust_threshold"] for p in plan.points])
    assert np.abs(x[:, None] - grid[None, :]).min(axis=1).max() < 1e-12


def test_design_is_a_function_of_its_seed():
    def draw(seed):
        return plan_sweep(sweep([{"path": "parameters.trust_threshold"}],
                                {"method": "lhs", "n": 5, "seed": seed})).points

    assert draw(1) == draw(1)
    assert draw(1) != draw(2)


def test_default_bounds_and_integer_kind_come_from_the_parameter_table():
    plan = plan_sweep(sweep([{"path": "parameters.trust_threshold"},
                             {"path": "parameters.kols_per_region"}],
                            {"method": "lhs", "n": 4}))
    tt, kols = plan.factors
    assert tt.bounds == (DECLARED["trust_threshold"].lo, DECLARED["trust_threshold"].hi)
    assert kols.integer and kols.kind == "int"
    assert all(isinstance(p["parameters.kols_per_region"], int) for p in plan.points)


def test_integer_factor_gives_every_integer_the_same_share():
    plan = plan_sweep(sweep([{"path": "parameters.kols_per_region", "bounds": [1, 4]}],
                            {"method": "lhs", "n": 40, "seed": 3}))
    values = [p["parameters.kols_per_region"] for p in plan.points]
    assert {v: values.count(v) for v in set(values)} == {1: 10, 2: 10, 3: 10, 4: 10}


def test_bounds_outside_the_declared_range_name_the_field_and_range():
    with pytest.raises(ValidationError) as err:
        sweep([{"path": "parameters.trust_threshold", "bounds": [0.1, 1.5]}],
              {"method": "lhs", "n": 4})
    text = str(err.value)
    assert "factors.0" in text and "[0.05, 0.95]" in text and "trust_threshold" in text


@pytest.mark.parametrize("factors, design, needle", [
    ([{"path": "parameters.nope"}], {"method": "lhs", "n": 4}, "unknown parameter"),
    ([{"path": "parameters.trust_threshold"}], {"method": "lhs", "n": 4, "extra": 1},
     "design.extra"),
    ([{"path": "parameters.trust_threshold"}], {"method": "sobol", "n": 6}, "power of 2"),
    ([{"path": "parameters.trust_threshold"}], {"method": "lhs"}, "n: required"),
    ([{"path": "parameters.trust_threshold"}], {"method": "full_factorial"},
     "factors.0.levels: required"),
    ([{"path": "parameters.trust_threshold", "levels": [0.2]}], {"method": "lhs", "n": 4},
     "factors.0.levels: only for full_factorial"),
    ([{"path": "sellers.0.certified"}], {"method": "lhs", "n": 4},
     "factors.0.bounds: required"),
    ([{"path": "parameters.share_rate"}, {"path": "parameters.share_rate"}],
     {"method": "lhs", "n": 4}, "duplicate path"),
    ([{"path": "parameters.trust_threshold", "bounds": [0.6, 0.2]}],
     {"method": "lhs", "n": 4}, "lo < hi"),
])
def test_bad_sweep_specs_are_rejected_naming_the_field(factors, design, needle):
    with pytest.raises(ValidationError, match=needle):
        sweep(factors, design)


def test_bad_outcome_names_are_rejected():
    with pytest.raises(ValidationError, match=r"outcomes\.1"):
        sweep([{"path": "parameters.share_rate"}], {"method": "lhs", "n": 2},
              outcomes=["gmv", "gmvv"])
    with pytest.raises(SweepSpecError, match=r"outcomes\.0: region 'BR'"):
        plan_sweep(sweep([{"path": "parameters.share_rate"}], {"method": "lhs", "n": 2},
                         outcomes=["gmv@BR"]))


def test_a_bound_outside_a_declared_range_is_refused_with_the_sweep_spec():
    with pytest.raises(ValidationError,
                       match=r"\[-1, 5\] outside the declared range \[0, 100000\]"):
        sweep([{"path": "sellers.0.marketing_budget_per_1k_daily", "bounds": [-1, 5]}],
              {"method": "lhs", "n": 4})


def test_a_bound_giving_an_invalid_spec_fails_before_any_run(tmp_path):
    # region overrides are checked against the region catalog when points are planned
    spec = sweep([{"path": "region_overrides.ID.customs_delay_days", "bounds": [-5, 5]}],
                 {"method": "lhs", "n": 4})
    with pytest.raises(SweepSpecError,
                       match=r"(?s)factors\.0\.bounds: .*customs_delay_days: value -5"):
        run_sweep(spec, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_every_point_is_validated_with_cross_field_rules():
    # each bound alone is valid; the cost above the price is caught for the point itself
    spec = sweep([{"path": "sellers.0.products.0.unit_cost_usd", "bounds": [1, 30]}],
                 {"method": "lhs", "n": 4})
    with pytest.raises(SweepSpecError, match=r"unit_cost_usd .* must be below price_usd"):
        plan_sweep(spec)


def test_a_path_that_does_not_exist_is_named():
    spec = sweep([{"path": "sellers.3.marketing_budget_per_1k_daily", "bounds": [1, 5]}],
                 {"method": "lhs", "n": 2})
    with pytest.raises(SweepSpecError, match=r"factors\.0\.path: .*list of 1"):
        plan_sweep(spec)


def test_apply_point_sets_nested_values_and_validates():
    base = MarketSpec.model_validate({**BASE, "regions": ["ID", "BR"]}).model_dump(mode="json")
    before = copy.deepcopy(base)
    spec = apply_point(base,
                       {"sellers.0.marketing_budget_per_1k_daily": 7.5,
                        "region_overrides.BR.customs_delay_days": 9,
                        "parameters.share_rate": 0.3})
    assert spec.sellers[0].marketing_budget_per_1k_daily == 7.5
    assert spec.region_overrides == {"BR": {"customs_delay_days": 9}}
    assert spec.parameters.share_rate == 0.3
    assert spec.sellers[0].budget_split.ads == 0.6  # untouched defaults stay
    assert base == before  # the base is not modified


def test_run_id_is_the_short_sha256_of_canonical_point_and_seed():
    text = '{"point":{"a":0.1,"b":"x"},"seed":5}'
    expected = hashlib.sha256(text.encode()).hexdigest()[:16]
    assert make_run_id({"b": "x", "a": 0.1}, 5) == expected
    assert make_run_id({"a": 0.1, "b": "x"}, 6) != expected


def test_replications_use_the_runner_seeds_and_coincident_points_share_runs():
    plan = plan_sweep(sweep(
        [{"path": "parameters.share_rate", "levels": [0.1, 0.1, 0.2]}],
        {"method": "full_factorial"}, replications=2, master_seed=11))
    assert plan.seeds == replication_seeds(11, 2)
    assert len(plan.design) == 3 * 2
    assert len(plan.runs) == 2 * 2  # the repeated level is one simulation per seed
    assert plan.design["run_id"].iloc[0] == plan.design["run_id"].iloc[2]
    # replication 0 of every point runs first
    assert [r.replication for r in plan.runs.values()] == [0, 0, 1, 1]


def test_base_spec_is_read_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "market.yaml").write_text(yaml.safe_dump(BASE))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({
        "name": "rel", "base_spec": "market.yaml",
        "factors": [{"path": "parameters.share_rate"}], "design": {"method": "lhs", "n": 2}}))
    plan = plan_sweep(load_sweep(tmp_path / "s.yaml"))
    assert plan.base["n_consumers"] == BASE["n_consumers"]
    assert plan.identity["base"] == plan.base


def test_shipped_ci_study_is_valid_and_small():
    assert len(sorted(SWEEPS.glob("*.yaml"))) >= 2
    ci = plan_sweep(load_sweep(SWEEPS / "ci_screening.yaml"))
    assert ci.sweep.design.method == "morris"
    assert len(ci.factors) >= 8 and len(ci.runs) <= 60


@pytest.mark.slow
def test_shipped_cluster_study_is_valid_at_every_point():
    cluster = plan_sweep(load_sweep(SWEEPS / "cluster_sobol.yaml"))
    assert cluster.sweep.design.method == "sobol" and len(cluster.factors) >= 15
    n, d = cluster.sweep.design.n, len(cluster.factors)
    assert len(cluster.points) == n * (d + 2)
