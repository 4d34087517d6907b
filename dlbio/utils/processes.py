"""Run independent trainings in worker processes, stoppable with Ctrl-C, SIGTERM or scancel."""

from __future__ import annotations

import os
import queue
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context

from dlbio.utils.progress import OFF, counter, normalise
from dlbio.utils.signals import sigterm_raises

_UPDATES = None  # in a worker: the queue its report_progress() calls go to (None: nobody is counting)


def report_progress(n: int = 1) -> None:
    """From inside a task of :func:`map_in_processes`: more units of work done.

    Parameters
    ----------
    n : int, optional
        Units done.
    """
    if _UPDATES is not None:
        _UPDATES.put(n)


def map_in_processes(
    fn: Callable,
    tasks: Sequence[tuple],
    jobs: int,
    desc: str,
    progress: bool | str,
    units: tuple[int, str] | None = None,
) -> list:
    """``[fn(*t) for t in tasks]`` in up to *jobs* spawned processes.

    A worker that raises or dies fails the whole map; Ctrl-C or SIGTERM stops every worker.

    Parameters
    ----------
    fn : callable
        Importable (module level); its arguments picklable.
    tasks : sequence of tuple
        The arguments of each call.
    jobs : int
        Processes at once.
    desc : str
        The progress bar's label.
    progress : bool or str
        See :mod:`dlbio.utils.progress`.
    units : tuple of (int, str) or None, optional
        (total, name): the bar counts what the tasks report with :func:`report_progress`
        (epochs: a task can take half an hour), not finished tasks.

    Returns
    -------
    list
        The results, in *tasks* order.
    """
    # spawn: a forked TensorFlow runtime is not safe to use in the child.  Workers
    # ignore SIGINT so that only this process reports a Ctrl-C; a worker that dies
    # fails the job (BrokenProcessPool) instead of hanging it.
    quiet_resource_tracker()
    context = get_context("spawn")
    updates = context.Queue() if normalise(progress) != OFF and units else None
    pool = ProcessPoolExecutor(
        min(jobs, len(tasks)), mp_context=context, initializer=_start_worker, initargs=(updates,)
    )
    results: dict[int, object] = {}
    total, unit = units if units else (len(tasks), "run")
    # SIGTERM (kill, scancel) stops the job like Ctrl-C, so the workers are stopped with it
    # instead of training on as orphans.
    with sigterm_raises(KeyboardInterrupt), counter(total, desc, unit, progress) as bar:
        try:
            futures = {pool.submit(fn, *task): i for i, task in enumerate(tasks)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    results[futures[fut]] = fut.result()
                bar.update(_drain(updates) if updates is not None else len(done))
            bar.update(total - bar.n)  # every task is done, whatever counts are still in flight
        except BaseException:
            for proc in list((pool._processes or {}).values()):  # no public terminate before Python 3.14
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    pool.shutdown()
    return [results[i] for i in range(len(tasks))]


def _drain(updates) -> int:
    n = 0
    while True:
        try:
            n += updates.get_nowait()
        except queue.Empty:
            return n


def quiet_resource_tracker() -> None:
    """Workers stopped by a signal leave their queue semaphores behind: the tracker process
    (started with this environment) cleans them up and need not warn.  Call it before the
    first queue or semaphore is made."""
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in os.environ.get("PYTHONWARNINGS", ""):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))


def _start_worker(updates) -> None:
    global _UPDATES
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _UPDATES = updates
    if updates is not None:
        updates.cancel_join_thread()  # a progress count need not hold up a worker's exit
