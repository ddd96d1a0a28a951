"""Calibration on levels (ABC-SMC): pure pieces by hand, then determinism, resume, isolation.

The seeded runs use a tiny market (three regions, a few hundred consumers, 40 days) and a
budget of a handful of particles, so each takes seconds; the recovery test is slow-marked.
"""

from __future__ import annotations

import builtins
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import (
    CalibrationConfig,
    CalibrationStopped,
    Target,
    build_targets,
    distance,
    generation_seed,
    load_calibration_config,
    open_mapper,
    perturbation_kernel,
    posterior_summary,
    pseudo_targets,
    run_abc,
    run_calibration,
    run_recovery,
    standardised,
    strong_pairs,
    weighted_correlations,
)
from experiments.posterior import Posterior, load_posterior
from simulation.parameters import load_calibration

FACTS = Path(__file__).resolve().parent.parent / "experiments" / "validation" / "facts.yaml"
TINY_MARKET = {"regions": ["US", "DE", "ID"], "consumers_per_region": 300, "horizon_days": 40}


def tiny_config(population: int = 6, generations: int = 2, **abc) -> CalibrationConfig:
    """The shipped config on a tiny market and budget."""
    d = load_calibration_config().model_dump()
    d["market"] = dict(TINY_MARKET)
    d["abc"].update(population_size=population, generations=generations, **abc)
    d["predictive"]["draws"] = 3
    d["recovery"].update(truths=5, population_size=6, generations=2)
    return CalibrationConfig.model_validate(d)


# --------------------------------------------------------------------------- pure pieces

def test_standardised_level_by_hand():
    band = Target("k", "l", "q", "US", "band", 0.60, 0.80)  # centre 0.70, half-width 0.10
    assert standardised(0.75, band, 3.0) == pytest.approx(0.5)
    assert standardised(0.55, band, 3.0) == pytest.approx(-1.5)
    ceiling = Target("k", "l", "q", "DE", "ceiling", 0.0, 0.40)  # scale 0.20
    assert standardised(0.10, ceiling, 3.0) == 0.0
    assert standardised(0.50, ceiling, 3.0) == pytest.approx(0.5)
    assert standardised(math.nan, band, 3.0) == 3.0


def test_distance_is_root_mean_square_of_z():
    targets = [Target("a", "l", "q", "US", "band", 0.0, 2.0),   # centre 1, scale 1
               Target("b", "l", "q", "US", "band", 10.0, 14.0)]  # centre 12, scale 2
    # z = 3 and -1 -> sqrt((9 + 1) / 2)
    assert distance({"a": 4.0, "b": 10.0}, targets, 3.0) == pytest.approx(math.sqrt(5.0))


def test_distance_weighs_every_level_the_same_whatever_its_regions():
    # level x in two regions (z = 2 and 0), level y pooled (z = 1): each level weighs 1/2,
    # x's statistics 1/4 each -> sqrt((4/4 + 0/4 + 1/2) / 1) = sqrt(1.5), not sqrt(5/3)
    targets = [Target("x@US", "x", "q", "US", "band", 0.0, 2.0),
               Target("x@DE", "x", "q", "DE", "band", 0.0, 2.0),
               Target("y@all", "y", "q", "all", "band", 0.0, 2.0)]
    stats = {"x@US": 3.0, "x@DE": 1.0, "y@all": 2.0}
    assert distance(stats, targets, 3.0) == pytest.approx(math.sqrt(1.5))


def test_pseudo_targets_centre_on_simulated_values_and_drop_undefined():
    t = [Target("a", "l", "q", "US", "ceiling", 0.0, 0.4), Target("b", "l", "q", "US", "band",
                                                                  0.1, 0.3)]
    out = pseudo_targets(t, {"a": 0.1, "b": math.nan})
    assert len(out) == 1
    assert (out[0].kind, out[0].centre, out[0].scale) == ("band", pytest.approx(0.1),
                                                          pytest.approx(0.2))


def test_targets_cover_every_fitted_level_and_pool_global_figures():
    cfg = load_calibration_config()
    targets = build_targets(cfg)
    assert {t.level for t in targets} == set(cfg.levels)
    keys = {t.key for t in targets}
    assert {"fraud_rate_baseline@all", "touches_before_first_purchase@all",
            "return_rate_us@US", "return_rate_de@DE", "cart_abandonment_emerging@ID",
            "live_shopping_reach_sea@ID", "catalog_delivery_days@MX"} <= keys
    assert "cart_abandonment_developed@ID" not in keys
    assert all(t.kind == "ceiling" for t in targets if t.level == "cross_border_buyer_share")


def test_config_rejects_every_bad_prior_at_once(tmp_path):
    text = Path(load_calibration_config.__globals__["CALIBRATION_CONFIG"]).read_text()
    text = text.replace("prior: [0.2, 0.6]", "prior: [0.2, 1.5]").replace(
        "prior: [0.05, 0.6]", "prior: [0.6, 0.05]")
    path = tmp_path / "cal.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_calibration_config(path)
    msg = str(info.value)
    assert "trust_threshold.prior: [0.2, 1.5] outside the declared range [0.05, 0.95]" in msg
    assert "share_rate.prior: lower bound 0.6 must be below upper bound 0.05" in msg


def test_posterior_summary_and_identifiability_by_hand():
    cfg = tiny_config()
    x = np.linspace(0.2, 0.6, 101)  # the whole trust_threshold prior, uniform weights
    y = 2.0 * x  # interest_touches perfectly correlated with it
    post = Posterior(("trust_threshold", "interest_touches"), np.column_stack([x, y]),
                     np.full(101, 1 / 101))
    s = posterior_summary(cfg, post).set_index("parameter")
    assert s.loc["trust_threshold", "median"] == pytest.approx(0.4)
    assert s.loc["trust_threshold", "width_ratio"] == pytest.approx(1.0, abs=0.03)
    assert not s.loc["trust_threshold", "pinned_down"]
    assert s.loc["interest_touches", "pinned_down"]  # 0.72 wide of a 6.5-wide prior
    pairs = strong_pairs(weighted_correlations(post))
    assert pairs == [("trust_threshold", "interest_touches", pytest.approx(1.0))]


def test_scaled_kernel_is_twice_the_weighted_covariance_by_hand():
    # particles (0, 0), (2, 0), (0, 4) with weights 1/2, 1/4, 1/4: weighted means (0.5, 1),
    # weighted variances 1/2*0.25 + 1/4*2.25 + 1/4*0.25 = 0.75 and 1/2*1 + 1/4*1 + 1/4*9 = 3,
    # covariance 1/2*(-0.5)(-1) + 1/4*(1.5)(-1) + 1/4*(-0.5)(3) = -0.5; pyabc uses the
    # unbiased reliability-weights estimate, x 1/(1 - sum w^2) = 1/(1 - 0.375) = 1.6, and the
    # kernel is 2x that
    x = pd.DataFrame({"a": [0.0, 2.0, 0.0], "b": [0.0, 0.0, 4.0]})
    w = np.array([0.5, 0.25, 0.25])
    kernel = perturbation_kernel(2.0)
    kernel.fit(x, w)
    np.testing.assert_allclose(kernel.cov, 2 * 1.6 * np.array([[0.75, -0.5], [-0.5, 3.0]]))
    default = perturbation_kernel(None)
    default.fit(x, w)
    assert np.all(np.diag(default.cov) < np.diag(kernel.cov))  # Silverman shrinks it


def test_generation_seed_depends_on_seed_and_generation_only():
    assert generation_seed(0, 1) == generation_seed(0, 1)
    assert len({generation_seed(0, 0), generation_seed(0, 1), generation_seed(1, 0)}) == 3


# --------------------------------------------------------------------------- seeded runs

def _posterior(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "posterior.csv")


def test_serial_and_processes_give_the_same_posterior(tmp_path):
    cfg = tiny_config()
    a = run_calibration(cfg, tmp_path / "serial", backend="serial")
    b = run_calibration(cfg, tmp_path / "processes", backend="processes", workers=2)
    pd.testing.assert_frame_equal(a.abc.posterior, b.abc.posterior, check_exact=True)
    pd.testing.assert_frame_equal(a.predictive, b.predictive, check_exact=True)
    assert _posterior(tmp_path / "serial").equals(_posterior(tmp_path / "processes"))
    for name in ("report.md", "parameters.csv", "predictive.csv", "corner.png",
                 "calibrated_parameters.yaml", "manifest.json", "abc.db"):
        assert (tmp_path / "serial" / name).is_file(), name
    # the posterior is a distribution, not the prior: later generations narrowed it
    assert (a.summary["width_ratio"] < 1.0).any()


def test_killed_calibration_resumes_to_the_uninterrupted_posterior(tmp_path):
    cfg = tiny_config(generations=3)
    targets = build_targets(cfg)

    def kill_after_first(t: int) -> None:
        if t == 1:
            raise CalibrationStopped("injected fault after generation 1")

    with open_mapper("serial") as mapper:
        whole = run_abc(cfg, targets, tmp_path / "whole", mapper)
        with pytest.raises(CalibrationStopped):
            run_abc(cfg, targets, tmp_path / "killed", mapper, after_generation=kill_after_first)
        resumed = run_abc(cfg, targets, tmp_path / "killed", mapper)
    assert resumed.resumed_from == 2
    assert len(resumed.generations) == len(whole.generations) == 3
    pd.testing.assert_frame_equal(resumed.posterior, whole.posterior, check_exact=True)
    pd.testing.assert_frame_equal(resumed.generations, whole.generations, check_exact=True)


def test_more_generations_continue_the_same_run(tmp_path):
    """Raising the budget of generations on a finished folder continues it, no restart."""
    short, longer = tiny_config(generations=2), tiny_config(generations=3)
    with open_mapper("serial") as mapper:
        whole = run_abc(longer, build_targets(longer), tmp_path / "whole", mapper)
        run_abc(short, build_targets(short), tmp_path / "grown", mapper)
        grown = run_abc(longer, build_targets(longer), tmp_path / "grown", mapper)
    assert grown.resumed_from == 2
    pd.testing.assert_frame_equal(grown.posterior, whole.posterior, check_exact=True)


def test_a_folder_of_another_calibration_is_refused(tmp_path):
    with open_mapper("serial") as mapper:
        cfg = tiny_config(generations=1)
        run_abc(cfg, build_targets(cfg), tmp_path, mapper)
        other = tiny_config(generations=1, seed=7)
        with pytest.raises(ValueError, match="holds another calibration"):
            run_abc(other, build_targets(other), tmp_path, mapper)


def test_effect_fact_bands_cannot_change_the_calibrated_profile(tmp_path, monkeypatch):
    """Calibration never reads facts.yaml: with the file unreadable the posterior is equal."""
    cfg = tiny_config()
    first = run_calibration(cfg, tmp_path / "a", adopt_to=(tmp_path / "a.yaml",
                                                             tmp_path / "a.csv"))
    real_open = builtins.open
    opened: list[str] = []

    def guarded_open(file, *args, **kwargs):
        if Path(str(file)).name == FACTS.name:
            opened.append(str(file))
            raise PermissionError(f"facts are off limits to calibration: {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)  # what Path.open / read_text call
    second = run_calibration(cfg, tmp_path / "b", adopt_to=(tmp_path / "b.yaml",
                                                              tmp_path / "b.csv"))
    monkeypatch.undo()
    assert opened == []
    pd.testing.assert_frame_equal(first.abc.posterior, second.abc.posterior, check_exact=True)
    assert load_calibration(tmp_path / "a.yaml") == load_calibration(tmp_path / "b.yaml")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_adopted_profile_is_the_posterior_median_with_provenance(tmp_path):
    cfg = tiny_config()
    res = run_calibration(cfg, tmp_path / "out", adopt_to=(tmp_path / "cal.yaml",
                                                           tmp_path / "post.csv"))
    values = load_calibration(tmp_path / "cal.yaml")
    assert values == pytest.approx(dict(zip(res.summary["parameter"], res.summary["median"],
                                            strict=True)))
    import yaml

    prov = yaml.safe_load((tmp_path / "cal.yaml").read_text())["provenance"]
    assert prov["levels_fitted"] == cfg.levels and prov["effects_fitted"] == []
    assert {"run_id", "budget", "seed", "date", "git_commit"} <= set(prov)
    post = load_posterior(tmp_path / "post.csv")
    assert post.names == tuple(cfg.names)
    assert post.median() == pytest.approx(values)


@pytest.mark.slow
def test_recovery_covers_most_truths(tmp_path):
    """Five truths from the prior on a small market: the 90% intervals cover >= 80% of pairs.

    3,000 consumers per region over 120 days (about 90 s on one core): with ten free
    parameters, 1,000 over 90 days made the levels too noisy to recover (60%). Deterministic
    (seeded), so the result does not vary between runs: measured 82%.
    """
    d = tiny_config().model_dump()
    d["market"] = {"regions": ["US", "DE", "ID"], "consumers_per_region": 3000,
                   "horizon_days": 120}
    d["recovery"].update(population_size=30, generations=2)
    cfg = CalibrationConfig.model_validate(d)
    table = run_recovery(cfg, tmp_path)
    assert len(table) == 5 * len(cfg.names)
    assert (tmp_path / "recovery.md").is_file() and (tmp_path / "manifest.json").is_file()
    assert table["covered"].mean() >= 0.8


@pytest.mark.slow
def test_dask_gives_the_serial_posterior(tmp_path):
    """A local dask cluster (client map + gather) reproduces the serial posterior exactly."""
    cfg = tiny_config()
    a = run_calibration(cfg, tmp_path / "serial", backend="serial")
    b = run_calibration(cfg, tmp_path / "dask", backend="dask", workers=2)
    pd.testing.assert_frame_equal(a.abc.posterior, b.abc.posterior, check_exact=True)
