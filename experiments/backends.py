"""Where sweep runs execute: in this process, in a local process pool, or on a dask cluster.

Every backend runs the same module-level function, :func:`run_task`, on the same picklable
:class:`Task` (run id, the market spec as JSON, seed), so a run is a pure function of
(spec, seed) wherever it happens and all backends give identical numbers. Nothing defined in
``__main__`` or in a notebook is ever sent to a worker, and workers start with ``forkserver``
(or ``spawn``), never ``fork``, so parallel sweeps neither hang nor fail to unpickle in
Jupyter. Backends yield results as runs finish and keep only a few runs in flight, so an
interrupted sweep loses at most the runs that were executing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

from experiments.runner import run_spec
from simulation.spec import MarketSpec

Backend = Literal["serial", "processes", "dask"]
BACKENDS: tuple[str, ...] = ("serial", "processes", "dask")

IN_FLIGHT_PER_WORKER = 2
"""Runs queued per worker: keeps workers busy while the driver writes results, and bounds
what an interruption discards."""
WORKER_JOIN_TIMEOUT_S = 5.0
"""How long to wait for terminated pool workers to exit."""
DASK_CONNECT_TIMEOUT_S = 30.0
"""How long to wait for an existing dask scheduler to answer."""
LOOPBACK_ANY_PORT = "127.0.0.1:0"
FORKSERVER_PRELOAD = ("experiments.backends",)
"""Imported once in the fork server, so each worker starts without re-importing the model."""


@dataclass(frozen=True)
class Task:
    """One run to execute: its id, the complete market spec as JSON, and the seed."""

    run_id: str
    spec_json: str
    seed: int


def run_task(task: Task) -> dict[str, Any]:
    """Simulate one task; an exception becomes an 'error' record instead of propagating.

    Returns plain data (picklable everywhere): run_id, status, error, wall_s and the long
    summary as lists under 'summary' (None for an error).
    """
    t0 = time.perf_counter()
    try:
        spec = MarketSpec.model_validate_json(task.spec_json)
        summary = run_spec(spec, task.seed).summary
        record: dict[str, Any] = {
            "status": "ok", "error": "",
            "summary": {c: summary[c].tolist() for c in ("seller", "region", "metric", "value")},
        }
    except Exception as exc:  # a failing run is recorded, the sweep goes on
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
        record = {"status": "error", "error": f"{type(exc).__name__}: {exc}{where}",
                  "summary": None}
    record.update(run_id=task.run_id, wall_s=time.perf_counter() - t0)
    return record


def execute(tasks: Iterable[Task], backend: str = "serial", workers: int | None = None,
            scheduler: str | None = None) -> Iterator[dict[str, Any]]:
    """Run ``tasks`` on ``backend`` and yield each result record as its run finishes.

    Closing the generator (or an exception such as KeyboardInterrupt inside it) cancels
    queued runs and shuts the pool or cluster down.

    Args:
        tasks: what to run; consumed lazily.
        backend: 'serial', 'processes' or 'dask'.
        workers: worker processes (default: CPU count); ignored by 'serial' and by an
            existing dask scheduler, which has its own workers.
        scheduler: address of a running dask scheduler (e.g. tcp://10.0.0.5:8786); without
            it the dask backend starts a local cluster on 127.0.0.1.
    """
    if backend == "serial":
        for task in tasks:
            yield run_task(task)
    elif backend == "processes":
        yield from _run_processes(tasks, default_workers(workers))
    elif backend == "dask":
        yield from _run_dask(tasks, workers, scheduler)
    else:
        raise ValueError(f"backend: unknown backend {backend!r}; use one of {BACKENDS}")


def default_workers(workers: int | None) -> int:
    """The worker count to use: ``workers`` if given, else the number of CPUs."""
    if workers is not None and workers < 1:
        raise ValueError(f"workers: must be at least 1 (got {workers})")
    return workers or os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Pool worker initializer: Ctrl-C is handled by the driver, which stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_context() -> multiprocessing.context.BaseContext:
    """A start method that is safe in notebooks and threaded programs: forkserver, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
        return ctx
    return multiprocessing.get_context("spawn")


def _run_processes(tasks: Iterable[Task], n_workers: int) -> Iterator[dict[str, Any]]:
    """Process-pool backend: a bounded number of runs in flight, results as they finish."""
    pending_tasks = iter(tasks)
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=process_context(),
                               initializer=_ignore_sigint)
    in_flight: set[Future] = set()
    finished = False
    try:
        for task in islice(pending_tasks, n_workers * IN_FLIGHT_PER_WORKER):
            in_flight.add(pool.submit(run_task, task))
        while in_flight:
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                for task in islice(pending_tasks, 1):
                    in_flight.add(pool.submit(run_task, task))
                yield future.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _abort_pool(pool)


def _abort_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued runs and stop the workers now, without waiting for running ones."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    # Before 3.14 there is no public way to stop running workers; the pool's process table
    # is the documented-by-usage escape hatch.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(WORKER_JOIN_TIMEOUT_S)


@contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    """Start processes with Ctrl-C ignored; the driver stops them, without their tracebacks.

    An ignored signal stays ignored across exec, so spawned dask workers inherit it; the
    driver's own handler is restored as soon as they have started.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_dask(tasks: Iterable[Task], workers: int | None, scheduler: str | None
              ) -> Iterator[dict[str, Any]]:
    """Dask backend: a local cluster on loopback, or the cluster behind ``scheduler``."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)
    else:
        with _children_ignore_sigint():
            cluster = LocalCluster(
                n_workers=default_workers(workers), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                # no dashboard; its HTTP endpoints on a free loopback port, not 8787
                scheduler_kwargs={"dashboard_address": LOOPBACK_ANY_PORT},
            )
        client = Client(cluster)
    session = uuid.uuid4().hex[:8]  # task keys must be unique on a shared scheduler
    pending_tasks = iter(tasks)
    in_flight: set[Any] = set()
    finished = False
    try:
        slots = max(1, sum(client.nthreads().values()))
        futures = as_completed()

        def submit(task: Task) -> None:
            fut = client.submit(run_task, task, key=f"xbsim-{task.run_id}-{session}",
                                pure=False)
            in_flight.add(fut)
            futures.add(fut)

        for task in islice(pending_tasks, slots * IN_FLIGHT_PER_WORKER):
            submit(task)
        for future in futures:
            in_flight.discard(future)
            for task in islice(pending_tasks, 1):
                submit(task)
            record = future.result()
            future.release()
            yield record
        finished = True
    finally:
        if not finished and in_flight:
            client.cancel(list(in_flight), force=True)
        client.close()
        if cluster is not None:
            cluster.close()
