"""Faults injected into sweeps by the fault tests, importable by worker processes.

Pool workers start with ``forkserver`` and helper subprocesses are fresh interpreters, so a
monkeypatch in the test process reaches neither: the faults live here, in a module they
import. :func:`kill_once` is sent to pool workers (bound with ``functools.partial``, which
pickles by reference); ``python -m tests.fault_helpers`` runs the ``xbsim`` command line with a
fault switched on once a given number of runs is stored.

Every fault strikes at a point the test names (a count of stored runs), never by out-running
the code: the tests that use them are deterministic on a fast or a slow machine.
"""

from __future__ import annotations

import errno
import functools
import multiprocessing
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from experiments.backends import Task

from experiments.backends import run_task as _REAL_RUN_TASK

FSIZE_LIMIT_BYTES = 512
"""Largest file this process may write once the disk is 'full': smaller than any part file,
so a part is cut off mid-write (EFBIG), as on a disk that fills up."""
READ_ONLY_DIR_MODE = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP
"""r-x for owner and group: what ``chmod a-w`` leaves of a folder."""
OUTER_MOUNT_NS_VAR = "XBSIM_TEST_OUTER_MOUNT_NS"
"""The test process's mount namespace: the helper refuses to mount inside it."""

READONLY_CHMOD = "readonly-chmod"
READONLY_MOUNT = "readonly-mount"
READONLY_INJECT = "readonly-inject"
DISK_FULL = "disk-full"
KILL_GROUP = "kill-group"
"""SIGKILL to the command's whole process group (driver and pool workers), as ``kill -9``."""
INTERRUPT_GROUP = "interrupt-group"
"""SIGINT to the command's whole process group, as a terminal's Ctrl-C."""
FAULTS: tuple[str, ...] = (READONLY_CHMOD, READONLY_MOUNT, READONLY_INJECT, DISK_FULL,
                           KILL_GROUP, INTERRUPT_GROUP)
STORED_POLL_S = 0.05
"""Pause between two looks at the store while a worker waits for runs to be stored."""
STORED_POLL_ATTEMPTS = 6000
"""Looks at the store before giving up (5 minutes at STORED_POLL_S): a bound, not a timing."""


def wait_until_stored(folder: str, runs: int) -> None:
    """Block until the sweep in ``folder`` has stored at least ``runs`` runs.

    A wait for a condition the test controls (the driver stores every run at once in these
    tests), bounded by a number of looks; never a race against the sweep's speed.
    """
    from experiments.store import part_files, run_statuses

    for _ in range(STORED_POLL_ATTEMPTS):
        if part_files(Path(folder)) and len(run_statuses(Path(folder))) >= runs:
            return
        time.sleep(STORED_POLL_S)  # waits for the stored-runs condition above, not a race
    raise RuntimeError(f"{folder}: fewer than {runs} runs were ever stored")


def raise_for_warehouse_runs(task: Task) -> dict[str, Any]:
    """Run ``task``; a spec with an overseas warehouse fails inside the run (its region code is
    spoilt), a run-time failure the test chooses by point, the same on every backend."""
    import dataclasses
    import json

    spec = json.loads(task.spec_json)
    if any(s["fulfilment"]["overseas_warehouses"] for s in spec["sellers"]):
        # the run's spec is spoilt inside the worker: the real run_task raises and records it
        spec["sellers"][0]["fulfilment"]["overseas_warehouses"] = ["injected-failure"]
        task = dataclasses.replace(task, spec_json=json.dumps(spec))
    return _REAL_RUN_TASK(task)


def kill_once(task: Task, marker: str, victim: str, folder: str = "",
              stored_first: int = 0) -> dict[str, Any]:
    """Run ``task`` in a pool worker; SIGKILL the worker on the victim run's first attempt.

    With ``stored_first``, the victim's worker first waits until that many runs are stored in
    ``folder``, so the kill strikes at a known point. The marker file records the attempt, so
    the retry after ``resume`` runs normally.
    """
    if multiprocessing.parent_process() is None:  # the driver, where run_task is replaced
        raise RuntimeError("kill_once runs in pool workers only")
    from experiments.backends import run_task  # the real one: workers import it afresh

    if task.run_id == victim:
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            if stored_first:
                wait_until_stored(folder, stored_first)
            os.kill(os.getpid(), signal.SIGKILL)  # never the test process: a child only
    return run_task(task)


def _signal_own_group(signum: int) -> None:
    """Send ``signum`` to this process's group, which must be its own (a new session).

    Refuses when the group is not led by this process: the test runner must never be hit.
    """
    group = os.getpgid(0)
    if group != os.getpid():
        raise RuntimeError("refusing to signal a process group this process does not lead; "
                           "start the command with start_new_session=True")
    os.killpg(group, signum)


def _inside(path: Any, folder: Path) -> bool:
    """Whether ``path`` lies in ``folder`` (or is it)."""
    return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())


def _refuse_writes(folder: Path) -> None:
    """Injected EROFS: the store's and the manifest's file creation fail inside ``folder``."""
    import experiments.manifest
    import experiments.store

    real_os, real_tempfile = experiments.store.os, experiments.manifest.tempfile

    def erofs(path: Any) -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    class ReadOnlyOs:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_os, name)

        @staticmethod
        def open(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
            if _inside(path, folder):
                raise erofs(path)
            return real_os.open(path, flags, mode, **kwargs)

    class ReadOnlyTempfile:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_tempfile, name)

        @staticmethod
        def mkstemp(*args: Any, dir: Any = None, **kwargs: Any) -> tuple[int, str]:
            if dir is not None and _inside(dir, folder):
                raise erofs(dir)
            return real_tempfile.mkstemp(*args, dir=dir, **kwargs)

    experiments.store.os = ReadOnlyOs()  # type: ignore[assignment]
    experiments.manifest.tempfile = ReadOnlyTempfile()  # type: ignore[assignment]


def _chmod_read_only(folder: Path) -> None:
    """Real permissions: the folder and its runs/ lose write access (ignored by root)."""
    for d in (folder, folder / "runs"):
        if d.is_dir():
            d.chmod(READ_ONLY_DIR_MODE)


def _own_mount_namespace() -> bool:
    """Whether this process has a mount namespace of its own (not the test process's)."""
    outer = os.environ.get(OUTER_MOUNT_NS_VAR)
    return bool(outer) and os.readlink("/proc/self/ns/mnt") != outer


def _mount(*args: str) -> None:
    if not _own_mount_namespace():
        raise RuntimeError("refusing to mount outside a private mount namespace")
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _fill_disk() -> None:
    """Real EFBIG from now on: files of this process cannot grow past the limit."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing us
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT_BYTES, hard))


def arm(fault: str, folder: Path) -> Callable[[], None]:
    """Prepare ``fault`` for ``folder``; returns the function that switches it on."""
    if fault == READONLY_MOUNT:
        folder.mkdir(parents=True, exist_ok=True)
        _mount("--bind", str(folder), str(folder))
        return functools.partial(_mount, "-o", "remount,ro,bind", str(folder))
    if fault == READONLY_CHMOD:
        return functools.partial(_chmod_read_only, folder)
    if fault == READONLY_INJECT:
        return functools.partial(_refuse_writes, folder)
    if fault == DISK_FULL:
        return _fill_disk
    if fault == KILL_GROUP:
        return functools.partial(_signal_own_group, signal.SIGKILL)
    if fault == INTERRUPT_GROUP:
        return functools.partial(_signal_own_group, signal.SIGINT)
    raise ValueError(f"fault: unknown {fault!r}; known: {FAULTS}")


def readonly_probe(fault: str) -> bool:
    """Whether ``fault`` really makes a folder read-only for this process, on this machine."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "probe"
        folder.mkdir()
        try:
            arm(fault, folder)()
        except (OSError, RuntimeError, subprocess.CalledProcessError):
            return False  # cannot make it read-only here
        try:
            (folder / "x").write_bytes(b"x")
        except OSError:
            return True
        finally:
            if fault == READONLY_MOUNT:
                subprocess.run(["umount", str(folder)], check=False, capture_output=True)
            folder.chmod(stat.S_IRWXU)
        return False


def main(argv: list[str]) -> None:
    """``FAULT AFTER FOLDER XBSIM-ARGS...``: run ``xbsim`` with FAULT on once AFTER runs are stored.

    Every run is stored in a part of its own (no batching) and the fault strikes in the
    driver right after the AFTER-th run is stored, whatever the backend, so exactly AFTER runs
    are stored when it strikes; AFTER 0 switches it on before the command starts.
    """
    import experiments.sweep
    from experiments.store import ResultStore
    from xbsim.cli import app

    fault, after, folder, *command = argv
    strike, stored = arm(fault, Path(folder)), int(after)

    class StrikingStore(ResultStore):
        """Stores every run at once and strikes once ``stored`` runs are on disk."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **{**kwargs, "flush_interval_s": 0.0})
            self.added = 0

        def add(self, *args: Any, **kwargs: Any) -> Any:
            part = super().add(*args, **kwargs)
            self.added += 1
            if self.added == stored:
                strike()
            return part

    experiments.sweep.ResultStore = StrikingStore  # type: ignore[misc]
    if stored == 0:
        strike()
    sys.argv = ["xbsim", *command]
    app()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        sys.exit(0 if readonly_probe(sys.argv[2]) else 1)
    main(sys.argv[1:])
