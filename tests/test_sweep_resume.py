"""Resume: interrupted or killed sweeps, resumed, end with exactly a clean sweep's results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments import backends
from experiments.runner import replication_seeds
from experiments.store import RUNS_DIRNAME, run_statuses
from experiments.sweep import (
    SweepFolderError,
    SweepInterrupted,
    load_results,
    run_sweep,
)
from tests import fault_helpers

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
STORED_BEFORE_STOP = 5
"""Runs stored when the sweep is killed or interrupted: the driver signals its own process
group right after storing this many (tests/fault_helpers.py), so the point is exact."""
SUBPROCESS_TIMEOUT_S = 300
"""Upper bound on a sweep subprocess, so a hang fails the test instead of the suite."""


def child_env() -> dict[str, str]:
    """The environment of a CLI subprocess, with the project importable."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


def sweep_cli(spec_file: Path, out: Path, *extra: str, fault: str | None = None,
              after: int = 0) -> subprocess.Popen:
    """Start ``xbsim sweep`` in its own process group (session).

    With ``fault`` (see tests/fault_helpers.py), the command signals its own group once
    ``after`` runs are stored: the stop comes at a point the test controls.
    """
    command = [sys.executable, "-m", "xbsim"]
    if fault is not None:
        command = [sys.executable, "-m", "tests.fault_helpers", fault, str(after), str(out)]
    return subprocess.Popen(
        [*command, "sweep", str(spec_file), "--out", str(out), "--quiet", *extra],
        cwd=ROOT, env=child_env(), start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.slow
def test_killed_sweep_resumed_equals_a_clean_serial_sweep(tmp_path):
    spec_file = tmp_path / "kill.yaml"
    spec_file.write_text(yaml.safe_dump(KILL_SPEC))
    out = tmp_path / "out"
    proc = sweep_cli(spec_file, out, "--backend", "processes", "--workers", "2",
                     fault=fault_helpers.KILL_GROUP, after=STORED_BEFORE_STOP)
    _, stderr = proc.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    assert proc.returncode == -signal.SIGKILL, stderr  # killed, as with kill -9
    partial = load_results(out)  # readable: a part is visible whole or not at all
    assert partial["run_id"].nunique() == STORED_BEFORE_STOP
    assert partial.groupby("run_id").size().nunique() == 1
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    resume = sweep_cli(spec_file, out, "--backend", "processes", "--workers", "2", "--resume")
    _, stderr = resume.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    assert resume.returncode == 0, stderr
    assert not list((out / RUNS_DIRNAME).glob("*.tmp"))
    resumed = load_results(out)
    clean = run_sweep(KILL_SPEC, tmp_path / "clean", backend="serial", progress=False)
    assert resumed["run_id"].nunique() == KILL_RUNS
    assert not resumed.duplicated(["run_id", "point_index", "seller", "region", "metric"]).any()
    same(resumed, clean)
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert sessions[-1]["runs_to_do"] == KILL_RUNS - STORED_BEFORE_STOP  # nothing redone


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_keeps_finished_runs_and_exits_130(tmp_path):
    spec_file = tmp_path / "kill.yaml"
    spec_file.write_text(yaml.safe_dump(KILL_SPEC))
    out = tmp_path / "out"
    # what a terminal sends to the whole group on Ctrl-C
    proc = sweep_cli(spec_file, out, "--backend", "processes", "--workers", "2",
                     fault=fault_helpers.INTERRUPT_GROUP, after=STORED_BEFORE_STOP)
    _, stderr = proc.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"resume with: xbsim sweep {spec_file} --out {out}" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["counts"]["ok"] == STORED_BEFORE_STOP
    assert len(run_statuses(out)) == STORED_BEFORE_STOP
