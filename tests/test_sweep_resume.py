"""Resume: interrupted or killed sweeps, resumed, end with exactly a clean sweep's results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments import backends
from experiments.runner import replication_seeds
from experiments.store import RUNS_DIRNAME, part_files, run_statuses
from experiments.sweep import (
    SweepFolderError,
    SweepInterrupted,
    load_results,
    run_sweep,
)

ROOT = Path(__file__).resolve().parent.parent
REAL_RUN_SPEC = backends.run_spec
SPEC = {
    "name": "resume",
    "base": {"regions": ["ID"], "n_consumers": 300, "horizon_days": 15,
             "parameters": {"kols_per_region": 10}},
    "factors": [{"path": "parameters.trust_threshold", "bounds": [0.2, 0.6]},
                {"path": "parameters.interest_touches", "bounds": [1.5, 6.0]}],
    "design": {"method": "lhs", "n": 3, "seed": 4},
    "replications": 2,
    "master_seed": 9,
}
N_RUNS = 3 * 2


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Exact equality of two tidy frames sorted by run id, except the measured wall time."""
    key = ["run_id", "point_index", "seller", "region", "metric"]
    a = a.drop(columns="wall_s").sort_values(key, kind="stable").reset_index(drop=True)
    b = b.drop(columns="wall_s").sort_values(key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> pd.DataFrame:
    return run_sweep(SPEC, tmp_path_factory.mktemp("clean") / "out", progress=False)


def counting(monkeypatch, stop_after: int | None = None) -> list[int]:
    """Count simulations in this process; raise KeyboardInterrupt after ``stop_after``."""
    real, calls = REAL_RUN_SPEC, []

    def run(spec, seed, progress=None):
        if stop_after is not None and len(calls) == stop_after:
            raise KeyboardInterrupt
        calls.append(seed)
        return real(spec, seed, progress)

    monkeypatch.setattr(backends, "run_spec", run)
    return calls


def test_interrupted_then_resumed_sweep_equals_a_clean_one(clean, tmp_path, monkeypatch):
    out = tmp_path / "out"
    counting(monkeypatch, stop_after=2)
    with pytest.raises(SweepInterrupted) as stop:
        run_sweep(SPEC, out, progress=False)
    assert (stop.value.done, stop.value.total) == (2, N_RUNS)
    assert "resume" in str(stop.value)
    assert len(run_statuses(out)) == 2  # finished runs were flushed on the way out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"

    calls = counting(monkeypatch)
    resumed = run_sweep(SPEC, out, resume=True, progress=False)
    assert len(calls) == N_RUNS - 2  # only the unfinished runs
    same(resumed, clean)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"] == {"runs": N_RUNS, "design_rows": N_RUNS, "ok": N_RUNS,
                                  "error": 0}
    assert [s["status"] for s in manifest["sessions"]] == ["interrupted", "complete"]


def test_resuming_a_finished_sweep_redoes_nothing(clean, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_sweep(SPEC, out, progress=False)
    calls = counting(monkeypatch)
    same(run_sweep(SPEC, out, resume=True, progress=False), clean)
    assert calls == []


def test_errors_are_finished_unless_retried(clean, tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = REAL_RUN_SPEC

    first_seed = replication_seeds(SPEC["master_seed"], 1)[0]

    def flaky(spec, seed, progress=None):
        if seed == first_seed:
            raise RuntimeError("transient")
        return real(spec, seed, progress)

    monkeypatch.setattr(backends, "run_spec", flaky)
    first = run_sweep(SPEC, out, progress=False)
    runs = first.drop_duplicates("run_id")
    assert (runs["status"] == "error").sum() == 3  # replication 0 of the three points
    assert runs.loc[runs["status"] == "error", "error"].str.startswith(
        "RuntimeError: transient").all()

    calls = counting(monkeypatch)
    run_sweep(SPEC, out, resume=True, progress=False)
    assert calls == []  # an errored run is finished, not redone

    retried = run_sweep(SPEC, out, resume=True, retry_errors=True, progress=False)
    assert len(calls) == 3
    same(retried, clean)  # no duplicates, no leftover error rows


def test_a_folder_with_results_needs_resume(tmp_path):
    out = tmp_path / "out"
    small = {**SPEC, "design": {"method": "lhs", "n": 1}, "replications": 1}
    run_sweep(small, out, progress=False)
    with pytest.raises(SweepFolderError, match="pass --resume"):
        run_sweep(small, out, progress=False)


def test_resume_refuses_a_different_sweep_naming_what_differs(tmp_path):
    out = tmp_path / "out"
    small = {**SPEC, "design": {"method": "lhs", "n": 1}, "replications": 1}
    run_sweep(small, out, progress=False)
    other = {**small, "master_seed": 10}
    with pytest.raises(SweepFolderError, match=r"different sweep; differs in sweep\.master_seed\."):
        run_sweep(other, out, resume=True, progress=False)


def test_a_new_optional_spec_field_does_not_block_resuming(tmp_path, monkeypatch):
    out = tmp_path / "out"
    small = {**SPEC, "design": {"method": "lhs", "n": 1}, "replications": 1}
    run_sweep(small, out, progress=False)
    # as if the folder had been made before the model grew the (null) `catalog` field
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["spec"]["base"].pop("catalog") is None
    path.write_text(json.dumps(manifest))
    calls = counting(monkeypatch)
    run_sweep(small, out, resume=True, progress=False)
    assert calls == []
    # a changed default is a difference, and the message points at the model code
    manifest["spec"]["base"]["parameters"]["share_rate"] = 0.99
    path.write_text(json.dumps(manifest))
    with pytest.raises(SweepFolderError, match=r"base\.parameters\.share_rate .*model code"):
        run_sweep(small, out, resume=True, progress=False)


def test_a_folder_holding_something_else_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SweepFolderError, match="no sweep manifest"):
        run_sweep(SPEC, tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


KILL_SPEC = {**SPEC, "name": "kill", "design": {"method": "lhs", "n": 12, "seed": 4}}
KILL_RUNS = 12 * 2


def sweep_cli(spec_file: Path, out: Path, *extra: str) -> subprocess.Popen:
    """Start ``python -m simulation.cli sweep`` in its own process group."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    return subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "sweep", str(spec_file), "--out", str(out),
         "--quiet", *extra],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def wait_for_some_parts(proc: subprocess.Popen, out: Path, total: int) -> int:
    """Wait until some but not all runs are on disk; return how many."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = len(run_statuses(out)) if part_files(out) else 0
        if done:
            assert done < total, "the sweep finished before it could be stopped"
            return done
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("no part was written in time")


@pytest.mark.slow
def test_killed_sweep_resumed_equals_a_clean_serial_sweep(tmp_path):
    spec_file = tmp_path / "kill.yaml"
    spec_file.write_text(yaml.safe_dump(KILL_SPEC))
    out = tmp_path / "out"
    proc = sweep_cli(spec_file, out, "--backend", "processes", "--workers", "2")
    wait_for_some_parts(proc, out, total=KILL_RUNS)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    partial = load_results(out)  # readable: a part is visible whole or not at all
    assert 0 < partial["run_id"].nunique() < KILL_RUNS
    assert partial.groupby("run_id").size().nunique() == 1

    resume = sweep_cli(spec_file, out, "--backend", "processes", "--workers", "2", "--resume")
    _, stderr = resume.communicate(timeout=300)
    assert resume.returncode == 0, stderr
    assert not list((out / RUNS_DIRNAME).glob("*.tmp"))
    resumed = load_results(out)
    clean = run_sweep(KILL_SPEC, tmp_path / "clean", backend="serial", progress=False)
    assert resumed["run_id"].nunique() == KILL_RUNS
    assert not resumed.duplicated(["run_id", "point_index", "seller", "region", "metric"]).any()
    same(resumed, clean)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_keeps_finished_runs_and_exits_130(tmp_path):
    spec_file = tmp_path / "kill.yaml"
    spec_file.write_text(yaml.safe_dump(KILL_SPEC))
    out = tmp_path / "out"
    proc = sweep_cli(spec_file, out, "--backend", "processes", "--workers", "2")
    wait_for_some_parts(proc, out, total=KILL_RUNS)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"resume with: xbsim sweep {spec_file} --out {out}" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    kept = manifest["counts"]["ok"]
    assert 0 < kept < KILL_RUNS and len(run_statuses(out)) == kept
