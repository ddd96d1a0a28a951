"""Sensitivity analysis: known answers (Ishigami, linear models, placebo factors), outputs,
intervals, refusals."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from SALib.sample import latin
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

from experiments import backends, sensitivity
from experiments.runner import replication_seeds
from experiments.sensitivity import (
    INDEX_SPECS,
    SensitivityError,
    SensitivityResult,
    analyze_sweep,
    factorial_indices,
    given_data_indices,
    index_interval,
    main_effects,
    morris_error_bars,
    plot_morris,
    point_means,
    prcc,
    ranking_lines,
    src,
)
from experiments.sweep import SweepInterrupted, load_results, run_sweep
from xbsim.cli import app

SWEEPS = Path(__file__).resolve().parent.parent / "experiments" / "sweeps"
BASE = {"regions": ["ID"], "n_consumers": 300, "horizon_days": 15,
        "parameters": {"kols_per_region": 10}}
PI = float(np.pi)
# Ishigami (a=7, b=0.1) on [-pi, pi]^3: analytical first-order and total indices
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
MASTER = 3


def ishigami_model(spec, seed, progress=None):
    """Stands in for the simulation: outcomes are known functions of three parameters."""
    p = spec.parameters
    x1, x2, x3 = p.choice_intercept, p.satisfaction_intercept, p.beta_trust - PI
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    noise = 1.0 if seed == replication_seeds(MASTER, 2)[0] else -1.0  # cancels in the mean
    rows = [("all", "all", "gmv", y), ("all", "all", "profit", y + noise),
            ("all", "all", "orders", 5.0), ("all", "all", "return_rate",
                                             np.nan if x1 > 0 else 0.1),
            ("all", "all", "awareness", 2.0 * p.share_rate)]
    return SimpleNamespace(summary=pd.DataFrame(rows, columns=["seller", "region", "metric",
                                                               "value"]))


def ishigami_sweep(method: str, replications: int = 1, **design) -> dict:
    return {
        "name": f"ishigami-{method}",
        "base": BASE,
        "factors": [
            {"path": "parameters.choice_intercept", "bounds": [-PI, PI]},
            {"path": "parameters.satisfaction_intercept", "bounds": [-PI, PI]},
            {"path": "parameters.beta_trust", "bounds": [0.0, 2 * PI]},
            {"path": "parameters.share_rate", "bounds": [0.0, 0.5]},
            # placebo: the stand-in model ignores it
            {"path": "parameters.order_compaction_interval", "bounds": [1, 60]},
        ],
        "design": {"method": method, "seed": 11, **design},
        "replications": replications,
        "master_seed": MASTER,
        "outcomes": ["gmv", "profit", "orders", "return_rate", "awareness"],
    }


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(backends, "run_spec", ishigami_model)
    out = tmp_path_factory.mktemp("sobol") / "out"
    try:
        run_sweep(ishigami_sweep("sobol", n=512), out, progress=False)
    finally:
        patch.undo()
    return out


def test_sobol_indices_match_the_ishigami_function(sobol_folder):
    result = analyze_sweep(sobol_folder, outcomes=["gmv"], write=False)
    t = result.indices.set_index("factor")
    first3 = ["parameters.choice_intercept", "parameters.satisfaction_intercept",
              "parameters.beta_trust"]
    assert np.allclose(t.loc[first3, "S1"], ISHIGAMI_S1, atol=0.08)
    assert np.allclose(t.loc[first3, "ST"], ISHIGAMI_ST, atol=0.08)
    # the analytical values lie inside the 95% confidence intervals
    assert (np.abs(t.loc[first3, "S1"] - ISHIGAMI_S1) <= t.loc[first3, "S1_conf"]).all()
    assert (np.abs(t.loc[first3, "ST"] - ISHIGAMI_ST) <= t.loc[first3, "ST_conf"]).all()
    for unused in ["parameters.share_rate", "parameters.order_compaction_interval"]:
        assert t.loc[unused, ["S1", "ST", "S1_conf", "ST_conf"]].eq(0).all()


def test_replications_are_averaged_per_point_before_the_analysis(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    folder = tmp_path / "out"
    run_sweep(ishigami_sweep("sobol", replications=2, n=8), folder, progress=False)
    result = analyze_sweep(folder, outcomes=["gmv", "profit"], write=False)
    t = result.indices.set_index(["outcome", "factor"])
    # profit is gmv plus seed noise of +1 and -1, which averaging removes exactly
    assert np.allclose(t.loc["gmv", "S1"], t.loc["profit", "S1"], rtol=1e-9, atol=1e-12)
    frame = load_results(folder)
    assert frame["replication"].nunique() == 2
    means = point_means(frame, "profit")
    assert np.allclose(means.to_numpy(), point_means(frame, "gmv").to_numpy())


def test_undefined_and_constant_outcomes_are_skipped_with_a_reason(sobol_folder):
    result = analyze_sweep(sobol_folder, outcomes=["orders", "return_rate", "gmv"],
                           write=False)
    assert result.skipped["orders"] == "constant over the design"
    assert result.skipped["return_rate"].startswith("undefined (NaN) at")
    assert set(result.indices["outcome"]) == {"gmv"}


def test_sensitivity_writes_csv_plots_and_manifest(sobol_folder):
    result = analyze_sweep(sobol_folder)
    out = sobol_folder / "sensitivity"
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == ["outcome", "metric", "region", "factor", "S1", "S1_conf",
                                   "ST", "ST_conf"]
    assert set(table["outcome"]) == {"gmv", "profit", "awareness"}
    for name in ["sobol_gmv.png", "sobol_profit.png", "sobol_awareness.png", "overview.png",
                 "skipped.csv", "manifest.json"]:
        assert (out / name).stat().st_size > 0
    assert {p.name for p in result.files} >= {"indices.csv", "overview.png"}
    # the share-rate outcome is linear in one factor: all of its variance is that factor's
    aw = table[table["outcome"] == "awareness"].set_index("factor")
    assert aw.loc["parameters.share_rate", "ST"] == pytest.approx(1.0, abs=0.05)


def test_morris_finds_the_placebo_and_the_linear_effect(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    spec = ishigami_sweep("morris", n=10, num_levels=4)
    run_sweep(spec, tmp_path / "out", progress=False)
    result = analyze_sweep(tmp_path / "out", outcomes=["awareness", "gmv"])
    t = result.indices.set_index(["outcome", "factor"])
    assert t.loc[("gmv", "parameters.order_compaction_interval"), "mu_star"] == 0
    assert t.loc[("gmv", "parameters.share_rate"), "mu_star"] == 0
    lin = t.loc[("awareness", "parameters.share_rate")]
    assert lin["mu_star"] > 0 and lin["sigma"] == pytest.approx(0, abs=1e-12)
    assert t.loc[("gmv", "parameters.satisfaction_intercept"), "mu_star"] > 0
    png = tmp_path / "out" / "sensitivity" / "morris_gmv.png"
    assert png.stat().st_size > 0


def test_cli_prints_the_leading_factors_with_their_intervals(sobol_folder):
    result = CliRunner().invoke(app, ["sensitivity", str(sobol_folder), "--metric", "gmv",
                                      "--metric", "orders"])
    assert result.exit_code == 0, result.output
    assert "gmv: top 3 of 5 factors by ST (index [95% CI])" in result.output
    assert "orders" in result.output and "skipped: constant" in result.output
    assert (sobol_folder / "sensitivity" / "indices.csv").exists()
    # every index is printed with its interval: value [value - conf, value + conf]
    t = analyze_sweep(sobol_folder, outcomes=["gmv"], write=False).indices.set_index("factor")
    row = t.loc["parameters.satisfaction_intercept"]
    line = next(x for x in result.output.splitlines() if "satisfaction_intercept" in x)
    for index in ("S1", "ST"):
        v, c = row[index], row[f"{index}_conf"]
        assert f"{index} {v:.3g} [{v - c:.3g}, {v + c:.3g}]" in line, line


def test_refusals_name_the_problem(sobol_folder, tmp_path, monkeypatch):
    with pytest.raises(SensitivityError, match="no such metric/region"):
        analyze_sweep(sobol_folder, outcomes=["gmv@BR"], write=False)
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    lhs = ishigami_sweep("lhs", n=4)
    run_sweep(lhs, tmp_path / "lhs", progress=False)
    with pytest.raises(SensitivityError, match="lhs design has no sobol analysis; use "
                                               "given_data"):
        analyze_sweep(tmp_path / "lhs", analysis="sobol")
    with pytest.raises(SensitivityError, match="needs at least 40 design points"):
        analyze_sweep(tmp_path / "lhs")
    result = CliRunner().invoke(app, ["sensitivity", str(tmp_path / "lhs"), "--analysis",
                                      "factorial"])
    assert result.exit_code == 2 and "use given_data" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output

    calls = []

    def stop_early(spec, seed, progress=None):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(seed)
        return ishigami_model(spec, seed)

    monkeypatch.setattr(backends, "run_spec", stop_early)
    with pytest.raises(SweepInterrupted):
        run_sweep(ishigami_sweep("sobol", n=4), tmp_path / "partial", progress=False)
    with pytest.raises(SensitivityError, match="not finished; resume"):
        analyze_sweep(tmp_path / "partial")


@pytest.mark.slow
def test_real_model_sobol_gives_a_placebo_exactly_zero(tmp_path):
    # big enough that some points sell: a constant outcome would be skipped, not analysed
    market = {**BASE, "n_consumers": 4000, "horizon_days": 120}
    spec = {"name": "real-sobol", "base": market,
            "factors": [{"path": "parameters.trust_threshold", "bounds": [0.2, 0.6]},
                        {"path": "parameters.order_compaction_interval", "bounds": [1, 30]}],
            "design": {"method": "sobol", "n": 4, "seed": 2}, "outcomes": ["orders"]}
    run_sweep(spec, tmp_path / "out", progress=False)
    t = analyze_sweep(tmp_path / "out", write=False).indices.set_index("factor")
    assert t.loc["parameters.order_compaction_interval", ["S1", "ST"]].eq(0).all()
    assert t.loc["parameters.trust_threshold", "ST"] > 0


@pytest.mark.slow
def test_shipped_ci_study_runs_and_screens(tmp_path):
    out = tmp_path / "ci"
    frame = run_sweep(SWEEPS / "ci_screening.yaml", out, backend="processes", workers=2,
                      progress=False)
    assert (frame["status"] == "ok").all()
    result = CliRunner().invoke(app, ["sensitivity", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert table["factor"].nunique() >= 8
    placebo = table[table["factor"] == "parameters.order_compaction_interval"]
    assert len(placebo) and placebo[["mu", "mu_star", "sigma"]].eq(0).all(axis=None)
    orders = table[table["outcome"] == "orders"].set_index("factor")["mu_star"]
    assert orders.max() > 0
    assert len(list((out / "sensitivity").glob("morris_*.png"))) == table["outcome"].nunique()


# --- given data (Latin hypercube) -----------------------------------------------------------

ISHIGAMI_PROBLEM = {"num_vars": 4, "names": ["x1", "x2", "x3", "placebo"],
                    "bounds": [[-PI, PI]] * 4}
LHS_POINTS = 1024
LINEAR_COEFS = np.array([3.0, -2.0, 0.5, 0.0])  # y = 3 x1 - 2 x2 + 0.5 x3, and a placebo


TEST_RESAMPLES = 30
"""Bootstrap resamples in the given-data tests: delta's bootstrap (thousands of small kernel
density fits) is the slow part, and the known answers hold with fewer resamples too."""


@pytest.fixture
def fewer_resamples(monkeypatch):
    monkeypatch.setattr(sensitivity, "NUM_RESAMPLES", TEST_RESAMPLES)


def _includes_zero(table: pd.DataFrame, index: str, rows) -> bool:
    spec = next(s for s in INDEX_SPECS["given_data"] if s.name == index)
    low, high = index_interval(table.loc[rows], spec)
    return bool((low <= 0).all() and (high >= 0).all())


def test_given_data_indices_match_the_ishigami_function_and_spot_the_placebo(fewer_resamples):
    x = latin.sample(ISHIGAMI_PROBLEM, LHS_POINTS, seed=5)
    y = Ishigami.evaluate(x[:, :3])
    t = given_data_indices(ISHIGAMI_PROBLEM, x, y, seed=0).set_index("factor")
    first3 = ["x1", "x2", "x3"]
    # RBD-FAST's S1 finds the analytical first-order indices, inside its 95% intervals
    assert (np.abs(t.loc[first3, "S1"] - ISHIGAMI_S1) <= t.loc[first3, "S1_conf"]).all()
    assert np.allclose(t.loc[first3, "S1"], ISHIGAMI_S1, atol=0.05)
    # the placebo: S1, SRC and PRCC near 0 with intervals that include 0
    for index in ("S1", "SRC", "PRCC"):
        assert _includes_zero(t, index, ["placebo"]), index
        assert abs(t.loc["placebo", index]) < 0.05, index
    # delta sees x3, which acts only through its interaction with x1 (S1 = 0); at a finite
    # sample a placebo's delta is small but not 0, so it is the yardstick, not 0
    assert t["delta"].idxmin() == "placebo"
    assert (t.loc[first3, "delta"] - t.loc[first3, "delta_conf"]
            > t.loc["placebo", "delta"] + t.loc["placebo", "delta_conf"]).all()
    # x1 acts linearly-ish (sin), x2 symmetrically (sin^2): only x1 has a monotone trend
    assert t.loc["x1", "PRCC_low"] > 0.3 and _includes_zero(t, "PRCC", ["x2", "x3"])


def test_src_and_prcc_of_a_linear_model_with_known_coefficients():
    x = latin.sample(ISHIGAMI_PROBLEM, 200, seed=2)
    y = x @ LINEAR_COEFS
    coef, half = src(x, y)
    # exact: SRC_i = b_i sd(x_i) / sd(y); analytic with equal ranges: b_i / |b|
    assert np.allclose(coef, LINEAR_COEFS * x.std(axis=0, ddof=1) / y.std(ddof=1),
                       atol=1e-12)
    assert np.allclose(coef, LINEAR_COEFS / np.linalg.norm(LINEAR_COEFS), atol=0.02)
    assert np.all(half < 1e-9)  # no residual: the coefficients are exact
    assert abs(coef[3]) <= half[3] + 1e-15  # the placebo's interval includes 0
    r, low, high = prcc(x, y)
    assert np.all(np.sign(r[:3]) == np.sign(LINEAR_COEFS[:3]))
    assert np.all(np.abs(r[:3]) > 0.7) and low[3] < 0 < high[3]
    assert np.all(low <= r) and np.all(r <= high)


def test_prcc_matches_a_hand_computed_example():
    # ranks x1 = 1..5, x2 = (2,1,4,3,5), y = (1,3,2,5,4): with deviations from the mean
    # rank 3, the rank correlations are r12 = 8/10, ry1 = 8/10, ry2 = 3/10, and the partial
    # correlations (ry1 - ry2 r12) / sqrt((1 - ry2^2)(1 - r12^2)) = 0.56 / sqrt(0.91 * 0.36)
    # and (ry2 - ry1 r12) / (1 - r12^2) = -0.34 / 0.36 = -17/18
    x = np.array([[1.0, 0.02], [2.0, 0.01], [4.0, 0.4], [8.0, 0.3], [100.0, 5.0]])
    y = np.array([1.0, 30.0, 2.0, 500.0, 40.0])  # only the ranks matter
    r, low, high = prcc(x, y)
    assert r == pytest.approx([0.56 / np.sqrt(0.91 * 0.36), -17 / 18], abs=1e-12)
    # Fisher z interval with n - k - 2 = 1: tanh(atanh(r) -+ 1.96)
    assert low == pytest.approx(np.tanh(np.arctanh(r) - 1.959963984540054), abs=1e-9)
    assert high == pytest.approx(np.tanh(np.arctanh(r) + 1.959963984540054), abs=1e-9)


def test_lhs_sweep_gets_a_given_data_analysis(tmp_path, monkeypatch, fewer_resamples):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    folder = tmp_path / "lhs"
    run_sweep(ishigami_sweep("lhs", n=64), folder, progress=False)
    cli = CliRunner().invoke(app, ["sensitivity", str(folder), "--metric", "awareness",
                                   "--metric", "orders"])
    assert cli.exit_code == 0, cli.output
    assert "orders                           skipped: constant over the design" in cli.output
    out = folder / "sensitivity"
    table = pd.read_csv(out / "indices.csv")
    assert list(table.columns) == ["outcome", "metric", "region", "factor", "delta",
                                   "delta_conf", "S1", "S1_conf", "SRC", "SRC_conf", "PRCC",
                                   "PRCC_low", "PRCC_high"]
    t = table.set_index("factor")
    # awareness = 2 x share_rate: SRC 1 and PRCC 1 for it, 0 for the rest
    assert t.loc["parameters.share_rate", "SRC"] == pytest.approx(1.0, abs=1e-9)
    assert t.loc["parameters.share_rate", "PRCC"] == pytest.approx(1.0, abs=1e-9)
    others = t.drop("parameters.share_rate")
    assert np.allclose(others["SRC"], 0, atol=1e-9)
    for name in ["given_data_awareness.png", "overview.png", "manifest.json"]:
        assert (out / name).stat().st_size > 0
    assert "awareness: top 3 of 5 factors by S1" in cli.output
    line = next(x for x in cli.output.splitlines() if x.strip().startswith("share_rate"))
    assert re.search(r"delta \S+ \[\S+, \S+\]  S1 \S+ \[\S+, \S+\]  SRC 1 \[1, 1\]  "
                     r"PRCC 1 \[\S+, 1\]", line), line


def test_a_sobol_design_can_also_get_the_given_data_analysis(tmp_path, monkeypatch,
                                                             fewer_resamples):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    folder = tmp_path / "sobol"
    run_sweep(ishigami_sweep("sobol", n=16), folder, progress=False)
    result = analyze_sweep(folder, outcomes=["awareness"], analysis="given_data")
    assert result.method == "given_data"
    assert {p.parent for p in result.files} == {folder / "sensitivity" / "given_data"}
    assert not (folder / "sensitivity" / "indices.csv").exists()  # the Sobol one's place
    t = result.indices.set_index("factor")
    assert t["S1"].idxmax() == "parameters.share_rate"


# --- full factorial -------------------------------------------------------------------------


def test_main_effects_of_a_linear_model_and_of_a_pure_interaction():
    grid = pd.DataFrame([(a, b, c) for a in (0, 1, 2) for b in (0, 1, 2) for c in ("u", "v")],
                        columns=["a", "b", "placebo"])
    # y = 2a + b: variances over the levels 4 * 2/3 and 2/3, no interaction
    t = main_effects(grid, 2.0 * grid["a"] + grid["b"]).set_index("factor")
    assert t["main_share"].to_dict() == pytest.approx({"a": 0.8, "b": 0.2, "placebo": 0.0})
    assert t["effect_range"].to_dict() == pytest.approx({"a": 4.0, "b": 2.0, "placebo": 0.0})
    # y = a * b on +-1 levels: no main effects, all of the variance is the interaction's
    pm = pd.DataFrame([(a, b) for a in (-1, 1) for b in (-1, 1)], columns=["a", "b"])
    t = main_effects(pm, pm["a"] * pm["b"])
    assert t["main_share"].tolist() == [0.0, 0.0]


def test_factorial_indices_average_the_replications_and_resample_seeds():
    levels = pd.DataFrame({"a": [0, 1, 0, 1], "b": ["u", "u", "v", "v"]})
    values = np.array([[1.0, np.nan], [5.0, 11.0], [1.0, 3.0], [5.0, 11.0]])
    t = factorial_indices(levels, values, seed=1).set_index("factor")
    # point means 1 (NaN left out), 8, 2, 8: level means of a 1.5 and 8
    assert t.loc["a", "effect_range"] == pytest.approx(6.5)
    assert t.loc["b", "effect_range"] == pytest.approx(0.5)
    # the seeds disagree, so resampling them gives intervals of non-zero width
    assert (t[["main_share_conf", "effect_range_conf"]] > 0).all(axis=None)


def factorial_sweep(replications: int) -> dict:
    spec = ishigami_sweep("full_factorial", replications=replications)
    spec["factors"] = [
        {"path": "parameters.choice_intercept", "levels": [0.0, PI / 2]},
        {"path": "parameters.satisfaction_intercept", "levels": [0.0, PI / 4, PI / 2]},
        {"path": "parameters.share_rate", "levels": [0.1, 0.2, 0.4]},
        {"path": "parameters.order_compaction_interval", "levels": [1, 30]},  # placebo
    ]
    spec["design"] = {"method": "full_factorial"}
    return spec


def test_full_factorial_sweep_gets_main_effects(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    folder = tmp_path / "ff"
    run_sweep(factorial_sweep(replications=2), folder, progress=False)
    result = analyze_sweep(folder, outcomes=["awareness", "profit"])
    assert result.method == "factorial"
    t = result.indices.set_index(["outcome", "factor"])
    aw = t.loc["awareness"]
    # awareness = 2 x share_rate: all of its variance, a range of 2 x (0.4 - 0.1)
    assert aw.loc["parameters.share_rate", "main_share"] == pytest.approx(1.0)
    assert aw.loc["parameters.share_rate", "effect_range"] == pytest.approx(0.6)
    placebo = t.xs("parameters.order_compaction_interval", level="factor")
    assert placebo[["main_share", "effect_range"]].eq(0).all(axis=None)
    # the seeds' noise (+1, -1) is common to all points: resampling seeds moves no share
    assert placebo["main_share_conf"].eq(0).all()
    low, high = index_interval(placebo, INDEX_SPECS["factorial"][0])
    assert (low <= 0).all() and (high >= 0).all()
    # gmv = sin x1 + 7 sin^2 x2 (x3 = -pi): additive, so main effects explain it all
    profit = t.loc["profit"]
    assert profit["main_share"].sum() == pytest.approx(1.0)
    assert profit.loc["parameters.satisfaction_intercept", "effect_range"] == pytest.approx(7.0)
    assert (folder / "sensitivity" / "factorial_profit.png").stat().st_size > 0


def test_full_factorial_with_one_replication_has_no_interval(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "run_spec", ishigami_model)
    run_sweep(factorial_sweep(replications=1), tmp_path / "ff", progress=False)
    result = analyze_sweep(tmp_path / "ff", outcomes=["awareness"], write=False)
    assert result.indices["main_share_conf"].isna().all()
    assert "main_share 1 [no CI]" in "\n".join(ranking_lines(result, 1))


# --- intervals in plots and on the console --------------------------------------------------

MORRIS_TABLE = pd.DataFrame({"outcome": "gmv", "factor": ["a", "b", "c"],
                             "mu": [0.1, -2.0, 0.0], "mu_star": [0.1, 2.0, 0.0],
                             "mu_star_conf": [0.5, 0.3, 0.0], "sigma": [0.2, 1.0, 0.0]})


def test_morris_error_bars_never_go_below_zero(tmp_path):
    below, above = morris_error_bars(MORRIS_TABLE)
    assert below.tolist() == pytest.approx([0.1, 0.3, 0.0])  # 0.1 - 0.5 clipped at 0
    assert above.tolist() == pytest.approx([0.5, 0.3, 0.0])
    fig = plot_morris(MORRIS_TABLE, "gmv", tmp_path / "m.png")
    bars = next(c for c in fig.axes[0].containers if hasattr(c, "errorbar"))
    segments = bars.errorbar.lines[2][0].get_segments()
    lows = [min(seg[:, 0]) for seg in segments]
    assert min(lows) >= 0 and max(max(seg[:, 0]) for seg in segments) == pytest.approx(2.3)


def test_ranking_lines_print_each_index_with_its_interval():
    result = SensitivityResult("morris", MORRIS_TABLE)
    lines = ranking_lines(result, top=2)
    assert lines[0] == "gmv: top 2 of 3 factors by mu_star (index [95% CI])"
    assert lines[1].split() == ["b", "mu_star", "2", "[1.7,", "2.3]", "sigma", "1", "[no",
                                "CI]"]
    assert "mu_star 0.1 [0, 0.6]" in lines[2]  # the lower end clipped at 0
