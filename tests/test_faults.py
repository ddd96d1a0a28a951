"""Faults, determinism and confined paths (issue 8; the claims of docs/SECURITY.md).

Sweeps hit by a killed worker, a read-only folder or a full disk stop with one clear line,
keep every stored run readable and resume to exactly a clean sweep's results; the same spec
and seed give byte-identical tables on every backend, worker count and process; user-chosen
names never become paths outside the output folder; loaders run no code; servers listen on
loopback unless told otherwise.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

import experiments.sweep
from experiments import backends
from experiments.calibration import load_calibration_config
from experiments.compare import run_comparison
from experiments.scenarios import ScenarioFile, load_scenarios
from experiments.sensitivity import SensitivityError, _safe_name, analyze_sweep
from experiments.store import (
    RUNS_DIRNAME,
    TEMP_SUFFIX,
    ResultStore,
    part_files,
    run_statuses,
)
from experiments.sweep import (
    SweepInterrupted,
    SweepSpecError,
    load_results,
    load_sweep,
    plan_sweep,
    run_sweep,
)
from experiments.validation import load_facts
from simulation.parameters import load_calibration
from simulation.regions import load_catalog
from simulation.spec import load_spec
from tests import fault_helpers
from tests.fault_helpers import (
    DISK_FULL,
    FSIZE_LIMIT_BYTES,
    OUTER_MOUNT_NS_VAR,
    READONLY_CHMOD,
    READONLY_INJECT,
    READONLY_MOUNT,
)
from xbsim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = {"regions": ["ID"], "n_consumers": 300, "horizon_days": 15,
        "parameters": {"kols_per_region": 10}}
N_POINTS = 8
SPEC = {
    "name": "faults",
    "base": BASE,
    "factors": [{"path": "parameters.trust_threshold", "bounds": [0.2, 0.6]},
                {"path": "parameters.interest_touches", "bounds": [1.5, 6.0]}],
    "design": {"method": "lhs", "n": N_POINTS, "seed": 4},
    "replications": 1,
    "master_seed": 9,
}
N_RUNS = N_POINTS
STORED_BEFORE_FAULT = 3
"""Runs stored when a fault strikes mid-sweep (the helper stores every run at once)."""
VICTIM_INDEX = 4
"""The run (in plan order) whose worker is killed."""
STORED_BEFORE_KILL = 3
"""Runs stored before the victim's worker is killed (it waits for them; see fault_helpers)."""
WORKERS = 2
HASH_SEEDS = ("1", "2")
"""PYTHONHASHSEED of two separate runs: set and dict orders must not reach the results."""
SUBPROCESS_TIMEOUT_S = 180
RUN_SEED = 7
WRITABLE_DIR_MODE = 0o755
LONG_NAME_CHARS = 300
"""Longer than any file name the kernel accepts (255 bytes)."""
SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
READONLY_FAULT_VAR = "XBSIM_TEST_READONLY_FAULT"
"""Forces a read-only fault (readonly-mount or readonly-inject) instead of the most real one."""
NAMESPACE_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("unshare", "--mount", "--propagation", "private"),  # root: a private mount namespace
    ("unshare", "--map-root-user", "--mount"),  # anyone, where user namespaces are allowed
)


# --- helpers --------------------------------------------------------------------------------


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Exact equality of two tidy frames sorted by run, except the measured wall time."""
    key = ["run_id", "point_index", "seller", "region", "metric"]
    a = a.drop(columns="wall_s").sort_values(key, kind="stable").reset_index(drop=True)
    b = b.drop(columns="wall_s").sort_values(key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def table_bytes(folder: Path) -> bytes:
    """The sweep's tidy results without wall time, as CSV bytes (floats round-trip exactly)."""
    frame = load_results(folder).drop(columns="wall_s")
    return frame.to_csv(index=False, lineterminator="\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` by relative path (hidden files included)."""
    return {str(p.relative_to(folder)): sha256(p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def write_spec(folder: Path, spec: dict[str, Any] = SPEC) -> Path:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def child_env(**extra: str) -> dict[str, str]:
    """Environment of a helper or CLI subprocess: the project importable, our mount namespace."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env[OUTER_MOUNT_NS_VAR] = os.readlink("/proc/self/ns/mnt")
    return env


def with_fault(fault: str, after: int, folder: Path, *xbsim: str,
               prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``xbsim XBSIM...`` in a subprocess whose ``fault`` strikes once ``after`` runs are
    stored (see tests/fault_helpers.py)."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "tests.fault_helpers", fault, str(after), str(folder),
         *xbsim], cwd=ROOT, env=child_env(), capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT_S, check=False)


def xbsim_each_hash_seed(*args: str, out: Path) -> dict[str, Path]:
    """Run ``xbsim ARGS --out OUT-<seed>`` at once in fresh interpreters, one per hash seed."""
    outs = {seed: out.with_name(f"{out.name}-{seed}") for seed in HASH_SEEDS}
    procs = {seed: subprocess.Popen(
        [sys.executable, "-m", "xbsim", *args, "--out", str(outs[seed]), "--quiet"],
        cwd=ROOT, env=child_env(PYTHONHASHSEED=seed), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True) for seed in HASH_SEEDS}
    for seed, proc in procs.items():
        _, stderr = proc.communicate(timeout=SUBPROCESS_TIMEOUT_S)
        assert proc.returncode == 0, f"PYTHONHASHSEED={seed}: {stderr}"
    return outs


def _probe(fault: str, prefix: tuple[str, ...]) -> bool:
    proc = subprocess.run([*prefix, sys.executable, "-m", "tests.fault_helpers", "--probe",
                           fault], cwd=ROOT, env=child_env(), capture_output=True,
                          timeout=SUBPROCESS_TIMEOUT_S, check=False)
    return proc.returncode == 0


@functools.cache
def readonly_fault() -> tuple[str, tuple[str, ...]]:
    """The most real read-only folder this machine allows, and the command prefix it needs.

    Permissions where they bind (not root); else a read-only bind mount in a private mount
    namespace (root, or a user namespace); else, as a last resort, EROFS injected into the
    store's and the manifest's file creation. ``XBSIM_TEST_READONLY_FAULT`` (readonly-mount or
    readonly-inject) forces one, to check the fallback.
    """
    forced = os.environ.get(READONLY_FAULT_VAR)
    if forced == READONLY_INJECT or (forced is None and _probe(READONLY_CHMOD, ())):
        return (forced or READONLY_CHMOD), ()
    if forced in (None, READONLY_MOUNT) and shutil.which("unshare") and shutil.which("mount"):
        for prefix in NAMESPACE_PREFIXES:
            if _probe(READONLY_MOUNT, prefix):
                return READONLY_MOUNT, prefix
    if forced not in (None, READONLY_INJECT):
        pytest.fail(f"{READONLY_FAULT_VAR}={forced}: not possible on this machine")
    return READONLY_INJECT, ()


def restore_write_access(out: Path) -> None:
    """Undo a chmod fault (the other faults end with their process)."""
    for d in (out, out / RUNS_DIRNAME):
        if d.is_dir():
            d.chmod(WRITABLE_DIR_MODE)


def assert_store_intact(out: Path, n_runs: int) -> None:
    """No temporary or partial file; every part readable; each run stored once and whole."""
    assert not [p for p in out.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
    parts = part_files(out)
    assert sorted(p.name for p in (out / RUNS_DIRNAME).iterdir()) == [p.name for p in parts]
    ids = [i for p in parts for i in pq.read_table(p).column("run_id").unique().to_pylist()]
    assert len(ids) == len(set(ids)) == n_runs  # every run in exactly one part
    frame = load_results(out)
    assert frame["run_id"].nunique() == n_runs
    assert frame.groupby("run_id").size().nunique() == 1  # no run cut short
    assert json.loads((out / "manifest.json").read_text())["kind"] == "xbsim-sweep"


def assert_storage_error(stderr: str, out: Path, errno_code: int) -> None:
    """One line naming the folder, the reason and the way on; no traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"xbsim: error: cannot write to the sweep folder {out} "
                               f"({os.strerror(errno_code)})"), stderr
    assert "--resume" in lines[0]


def readonly_errno(fault: str) -> int:
    return errno.EACCES if fault == READONLY_CHMOD else errno.EROFS


def interrupt_after(monkeypatch: pytest.MonkeyPatch, runs: int) -> None:
    """Ctrl-C in this process once ``runs`` simulations have finished."""
    real, calls = backends.run_spec, []

    def run(spec: Any, seed: int, progress: Any = None) -> Any:
        if len(calls) == runs:
            raise KeyboardInterrupt
        calls.append(seed)
        return real(spec, seed, progress)

    monkeypatch.setattr(backends, "run_spec", run)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """An uninterrupted serial sweep: what every faulty-then-resumed sweep must equal."""
    out = tmp_path_factory.mktemp("clean") / "out"
    return run_sweep(SPEC, out, progress=False), out


# --- 1. faults during sweeps ----------------------------------------------------------------


def test_a_killed_worker_stops_the_sweep_and_resume_loses_nothing(clean, tmp_path, monkeypatch):
    """SIGKILL of one pool worker: exit 2 with one line, stored runs intact, resume == clean."""
    victim = list(plan_sweep(load_sweep(SPEC)).runs)[VICTIM_INDEX]
    marker = tmp_path / "killed-once"
    out = tmp_path / "out"
    # the victim's worker dies only once STORED_BEFORE_KILL runs are stored, which the
    # driver does run by run here: a known point, whatever the machine's speed
    monkeypatch.setattr(experiments.sweep, "ResultStore",
                        functools.partial(ResultStore, flush_interval_s=0.0))
    monkeypatch.setattr(backends, "run_task", functools.partial(
        fault_helpers.kill_once, marker=str(marker), victim=victim, folder=str(out),
        stored_first=STORED_BEFORE_KILL))
    result = CliRunner().invoke(app, ["sweep", str(write_spec(tmp_path)), "--out", str(out),
                                      "--backend", "processes", "--workers", str(WORKERS),
                                      "--quiet"])
    assert result.exit_code == 2, result.output
    assert marker.exists()  # the worker really died
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("xbsim: error: a worker process died")
    assert str(out) in lines[0] and "--resume" in lines[0]
    kept = run_statuses(out)
    assert STORED_BEFORE_KILL <= len(kept) < N_RUNS and victim not in kept
    assert_store_intact(out, len(kept))

    resumed = run_sweep(SPEC, out, backend="processes", workers=WORKERS, resume=True,
                        progress=False)
    same(resumed, clean[0])
    assert_store_intact(out, N_RUNS)


def test_read_only_folder_mid_sweep_fails_clearly_and_resume_completes(clean, tmp_path):
    """The folder turns read-only after some runs: one clear line, stored runs intact.

    Real where possible: permissions for a normal user; for root (which ignores them) a
    read-only bind mount in a private mount namespace; only where neither works is EROFS
    injected into the store's file creation (see :func:`readonly_fault`).
    """
    fault, prefix = readonly_fault()
    out = tmp_path / "out"
    try:
        proc = with_fault(fault, STORED_BEFORE_FAULT, out, "sweep", str(write_spec(tmp_path)),
                          "--out", str(out), "--quiet", prefix=prefix)
    finally:
        restore_write_access(out)
    assert proc.returncode == 2, proc.stderr
    assert_storage_error(proc.stderr, out, readonly_errno(fault))
    assert len(run_statuses(out)) == STORED_BEFORE_FAULT
    assert_store_intact(out, STORED_BEFORE_FAULT)

    same(run_sweep(SPEC, out, resume=True, progress=False), clean[0])
    assert_store_intact(out, N_RUNS)


def test_read_only_folder_before_resume_changes_nothing_and_resume_completes(
        clean, tmp_path, monkeypatch):
    """Resuming into a read-only folder fails naming it and leaves every byte as it was.

    Read-only as in the mid-sweep test (permissions, a read-only mount, else injected EROFS).
    """
    out = tmp_path / "out"
    interrupt_after(monkeypatch, STORED_BEFORE_FAULT)
    with pytest.raises(SweepInterrupted):
        run_sweep(SPEC, out, progress=False)
    monkeypatch.undo()
    before = file_digests(out)
    fault, prefix = readonly_fault()
    try:
        proc = with_fault(fault, 0, out, "sweep", str(write_spec(tmp_path)), "--out", str(out),
                          "--quiet", "--resume", prefix=prefix)
    finally:
        restore_write_access(out)
    assert proc.returncode == 2, proc.stderr
    assert_storage_error(proc.stderr, out, readonly_errno(fault))
    assert file_digests(out) == before

    same(run_sweep(SPEC, out, resume=True, progress=False), clean[0])
    assert_store_intact(out, N_RUNS)


def test_full_disk_mid_sweep_shows_no_partial_part_and_resume_completes(clean, tmp_path):
    """A real full disk (RLIMIT_FSIZE: writes fail with EFBIG part-way through a part).

    The sweep stops with one line; readers see only whole parts; after the limit is lifted
    (a new process) a resume gives exactly the clean sweep's results, nothing duplicated.
    """
    out = tmp_path / "out"
    proc = with_fault(DISK_FULL, STORED_BEFORE_FAULT, out, "sweep", str(write_spec(tmp_path)),
                      "--out", str(out), "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert_storage_error(proc.stderr, out, errno.EFBIG)
    assert_store_intact(out, STORED_BEFORE_FAULT)
    # every part is larger than the limit: the failed write was cut off part-way
    assert min(p.stat().st_size for p in part_files(out)) > FSIZE_LIMIT_BYTES

    same(run_sweep(SPEC, out, resume=True, progress=False), clean[0])
    assert_store_intact(out, N_RUNS)


def test_full_disk_leaves_no_partial_output_of_xbsim_run(tmp_path):
    """``xbsim run`` on a full disk: one line naming the file, and no partial file left."""
    spec = tmp_path / "market.yaml"
    spec.write_text(yaml.safe_dump(BASE))
    out = tmp_path / "out"
    proc = with_fault(DISK_FULL, 0, out, "run", str(spec), "--out", str(out), "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"xbsim: error: {os.strerror(errno.EFBIG)}: {out / 'timeseries.parquet'}"]
    assert files_under(out) == set()


# --- 2. determinism -------------------------------------------------------------------------


def test_tables_are_byte_identical_across_backends_and_worker_counts(clean, tmp_path):
    """Serial and process pools of one and two workers write the same bytes."""
    expected = sha256(table_bytes(clean[1]))
    for workers in (1, WORKERS):
        out = tmp_path / f"processes-{workers}"
        run_sweep(SPEC, out, backend="processes", workers=workers, progress=False)
        assert sha256(table_bytes(out)) == expected, f"processes x{workers}"


@pytest.mark.slow
def test_dask_tables_are_byte_identical_and_the_cluster_is_on_loopback(
        clean, tmp_path, monkeypatch):
    """A local dask cluster of two workers writes the serial bytes, listening on 127.0.0.1."""
    import distributed

    seen: list[list[str]] = []

    class SpyCluster(distributed.LocalCluster):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            seen.append([self.scheduler_address,
                         *(w.worker_address for w in self.workers.values())])

    monkeypatch.setattr(distributed, "LocalCluster", SpyCluster)
    out = tmp_path / "dask"
    run_sweep(SPEC, out, backend="dask", workers=WORKERS, progress=False)
    assert sha256(table_bytes(out)) == sha256(table_bytes(clean[1]))
    assert len(seen) == 1 and len(seen[0]) == 1 + WORKERS
    assert all(a.startswith("tcp://127.0.0.1:") for a in seen[0]), seen


def test_sweeps_in_separate_processes_write_byte_identical_tables(clean, tmp_path):
    """Two command-line sweeps with different hash seeds write the in-process bytes."""
    outs = xbsim_each_hash_seed("sweep", str(write_spec(tmp_path)), out=tmp_path / "hash")
    expected = sha256(table_bytes(clean[1]))
    for seed, out in outs.items():
        assert sha256(table_bytes(out)) == expected, f"PYTHONHASHSEED={seed}"


def test_xbsim_run_twice_writes_byte_identical_files(tmp_path):
    """Same spec and seed in two processes: identical Parquet and CSV bytes (not timings)."""
    spec = tmp_path / "market.yaml"
    spec.write_text(yaml.safe_dump(BASE))
    outs = xbsim_each_hash_seed("run", str(spec), "--seed", str(RUN_SEED), out=tmp_path / "run")
    digests = [{name: sha256((out / name).read_bytes())
                for name in ("timeseries.parquet", "funnel.parquet", "summary.csv")}
               for out in outs.values()]
    assert digests[0] == digests[1]
    for out in outs.values():
        assert json.loads((out / "manifest.json").read_text())["seeds"] == [RUN_SEED]


# --- 3. output paths stay in the chosen folder ----------------------------------------------


def nasty_names(tmp_path: Path) -> dict[str, str]:
    """Names that would escape the folder, or break a file system, if used as file names."""
    return {"parent": "../../etc/x", "absolute": str(tmp_path / "escaped"), "nested": "a/b",
            "dotdot": "..", "dot": ".", "nul": "x\x00y", "long": "n" * LONG_NAME_CHARS,
            "backslash": "..\\..\\x"}


@pytest.mark.parametrize("kind", ["parent", "absolute", "nested", "dotdot", "dot", "nul",
                                  "long", "backslash"])
def test_sweep_names_never_become_paths(kind, tmp_path):
    """Sweep, market and seller names are data: the sweep writes only its fixed file names."""
    name = nasty_names(tmp_path)[kind]
    out = tmp_path / "d1" / "d2" / "out"  # ../.. from here still lands inside tmp_path
    spec = {"name": name, "base": {**BASE, "name": name, "sellers": [{"name": name}]},
            "factors": [{"path": "parameters.trust_threshold", "levels": [0.4]}],
            "design": {"method": "full_factorial"}, "replications": 1}
    frame = run_sweep(spec, out, progress=False)
    assert files_under(tmp_path) == files_under(out)
    names = {str(p.relative_to(out)) for p in files_under(out)}
    assert {"manifest.json", "design.parquet"} <= names
    assert all(n in ("manifest.json", "design.parquet")
               or re.fullmatch(r"runs/part-[0-9a-f]+\.parquet", n) for n in names), names
    assert json.loads((out / "manifest.json").read_text())["name"] == name
    assert name in set(frame["seller"])


SCENARIO_NAME_KINDS = ("parent", "absolute", "nested", "dotdot", "nul", "long")
"""One scenario per kind (each costs a run and a place in every figure)."""


@pytest.mark.filterwarnings("ignore:Glyph 0:UserWarning",  # the NUL in a legend
                            "ignore:constrained_layout not applied:UserWarning")  # long names
def test_scenario_names_never_become_paths(tmp_path):
    """Scenario names are data: ``compare`` writes only its fixed file names in its folder."""
    names = [nasty_names(tmp_path)[kind] for kind in SCENARIO_NAME_KINDS]
    scen = ScenarioFile.model_validate({
        "name": names[0], "base": BASE, "replications": 1,
        "scenarios": {"baseline": {}, **{n: {"parameters": {"trust_threshold": 0.5}}
                                         for n in names}},
    })
    out = tmp_path / "d1" / "d2" / "out"
    result = run_comparison(scen, out, show_progress=False)
    assert files_under(tmp_path) == files_under(out)
    assert {p.name for p in files_under(out)} == {
        "runs.parquet", "timeseries.parquet", "comparison.csv", "differences.csv",
        "report.md", "metrics_by_scenario.png", "metrics_by_region.png", "differences.png",
        "timeseries.png", "manifest.json", "pnl.csv", "pnl_differences.csv",
        "pnl_differences.png"}
    assert set(result["table"]["scenario"]) == {"baseline", *names}


def stand_in_model(spec: Any, seed: int, progress: Any = None) -> SimpleNamespace:
    """Stands in for the simulation in a Morris sweep: outcomes are functions of two inputs."""
    p = spec.parameters
    rows = [("all", "all", "gmv", 10.0 * p.trust_threshold + p.interest_touches),
            ("all", "all", "profit", p.interest_touches ** 2)]
    return SimpleNamespace(summary=pd.DataFrame(rows, columns=["seller", "region", "metric",
                                                               "value"]))


@pytest.fixture
def morris_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A finished Morris sweep over the stand-in model."""
    monkeypatch.setattr(backends, "run_spec", stand_in_model)
    out = tmp_path / "morris"
    run_sweep({**SPEC, "design": {"method": "morris", "n": 4, "seed": 1},
               "outcomes": ["gmv", "profit"]}, out, progress=False)
    return out


def test_sensitivity_outcomes_are_checked_and_plot_names_sanitised(morris_folder, tmp_path):
    """Outcome names that are not metric[@REGION] are refused; file names stay one component."""
    for name in nasty_names(tmp_path).values():
        with pytest.raises(SensitivityError, match="no such metric/region"):
            analyze_sweep(morris_folder, outcomes=[name], write=False)
        result = CliRunner().invoke(app, ["sensitivity", str(morris_folder), "--metric",
                                          name.replace("\x00", "")])
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1, result.output
    result = analyze_sweep(morris_folder)
    out = morris_folder / "sensitivity"
    assert {p.parent for p in result.files} == {out}
    assert {p.name for p in result.files} >= {"morris_gmv.png", "morris_profit.png"}
    for kind, name in nasty_names(tmp_path).items():
        if kind != "long":  # refused above, before any file is named
            file_name = f"morris_{_safe_name(name)}.png"
            assert SAFE_FILE_NAME.fullmatch(file_name), file_name
            assert (out / file_name).resolve().parent == out.resolve()


def test_sweep_outcomes_are_validated_before_any_run(tmp_path):
    """Outcome names in a sweep spec are metrics or metric@REGION of the base's regions."""
    for name in nasty_names(tmp_path).values():
        with pytest.raises(ValidationError, match=r"outcomes\.0"):
            load_sweep({**SPEC, "outcomes": [name]})
    with pytest.raises(SweepSpecError, match=r"outcomes\.0: region '\.\./\.\./x'"):
        plan_sweep(load_sweep({**SPEC, "outcomes": ["gmv@../../x"]}))


def test_figure_names_are_single_safe_components_and_others_are_refused(tmp_path):
    """Registered figure names are safe folder names; any other name is refused by name."""
    from experiments.figures.registry import all_figures, select

    assert all(SAFE_FILE_NAME.fullmatch(n) and n not in (".", "..") for n in all_figures())
    for name in nasty_names(tmp_path).values():
        with pytest.raises(KeyError, match="unknown figure"):
            select([name])
    result = CliRunner().invoke(app, ["figures", "build", "../../etc/x", "--quiet"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


# --- 4. security claims ---------------------------------------------------------------------

SCANNED = ("simulation", "experiments", "benchmarks")
UNSAFE = re.compile(
    r"\byaml\.(?:load|load_all|unsafe_load|full_load)\s*\(|Loader\s*=\s*yaml\.(?:Full|Unsafe)?"
    r"Loader\b|\b(?:pickle|cPickle|cloudpickle|dill|marshal|joblib)\.loads?\s*\(|\bshelve\."
    r"|\bread_pickle\s*\(|allow_pickle\s*=\s*True|(?<![\w.])(?:eval|exec)\s*\("
    r"|\b__import__\s*\(|shell\s*=\s*True|\bos\.(?:system|popen)\s*\("
)
"""Calls that run code from data: unsafe YAML, unpickling, eval/exec, shells."""


def test_the_source_has_no_code_executing_loaders():
    """No unsafe YAML, pickle, eval/exec or shell anywhere in the shipped code."""
    assert UNSAFE.search("data = yaml.load(fh, Loader=yaml.Loader)")  # the scan does see
    assert not UNSAFE.search("data = yaml.safe_load(fh)")
    files = [p for d in SCANNED for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(files) > len(SCANNED)
    hits = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in files
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if UNSAFE.search(line)]
    assert hits == []


LOADERS = {
    "market spec": load_spec, "scenario file": load_scenarios, "sweep spec": load_sweep,
    "region catalog": load_catalog, "facts": load_facts,
    "calibration config": load_calibration_config, "calibrated parameters": load_calibration,
}


@pytest.mark.parametrize("what", list(LOADERS))
def test_every_yaml_loader_refuses_python_tags(what, tmp_path):
    """A YAML file with a python/object tag is refused and its code never runs."""
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(yaml.YAMLError, match="python/object"):
        LOADERS[what](evil)
    assert not marker.exists()


TELEMETRY_VAR = "SOLARA_TELEMETRY_MIXPANEL_ENABLE"
"""Solara's usage reports: the dashboard command switches them off."""


def test_dashboard_listens_on_loopback_unless_a_host_is_given(monkeypatch):
    """``xbsim dashboard`` serves on 127.0.0.1 by default (--host is the only way out) and
    switches Solara's usage reports off."""
    import simulation.dashboard

    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(command: list[str], env: dict[str, str], **kwargs: Any) -> SimpleNamespace:
        calls.append((command, env))
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(simulation.dashboard, "vendor_frontend_assets", list)
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.delenv(TELEMETRY_VAR, raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["dashboard", "--no-open"]).exit_code == 0
    assert runner.invoke(app, ["dashboard", "--no-open", "--host", "0.0.0.0"]).exit_code == 0
    hosts = [command[command.index("--host") + 1] for command, _ in calls]
    assert hosts == ["127.0.0.1", "0.0.0.0"]
    assert all(env[TELEMETRY_VAR] == "false" for _, env in calls)


class Refused(Exception):
    """Raised by stand-ins for dask's cluster and client once they have seen their arguments."""


def test_local_dask_cluster_is_created_on_loopback(monkeypatch):
    """Without --scheduler the dask backend starts its cluster on 127.0.0.1, no dashboard."""
    import distributed

    seen: dict[str, Any] = {}

    def cluster(**kwargs: Any) -> None:
        seen.update(kwargs)
        raise Refused

    monkeypatch.setattr(distributed, "LocalCluster", cluster)
    with pytest.raises(Refused):
        list(backends.execute(iter([]), "dask", workers=1))
    assert seen["host"] == "127.0.0.1" and seen["dashboard_address"] is None
    assert seen["scheduler_kwargs"]["dashboard_address"].startswith("127.0.0.1:")


def test_a_given_dask_scheduler_is_joined_not_a_local_cluster(monkeypatch):
    """--scheduler connects to exactly that address (a trust boundary) and starts nothing."""
    import distributed

    clients: list[str] = []

    def client(address: str, **kwargs: Any) -> None:
        clients.append(address)
        raise Refused

    def no_cluster(**kwargs: Any) -> None:
        raise AssertionError("a local cluster was started")

    monkeypatch.setattr(distributed, "Client", client)
    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    with pytest.raises(Refused):
        list(backends.execute(iter([]), "dask", scheduler="tcp://10.0.0.5:8786"))
    assert clients == ["tcp://10.0.0.5:8786"]

