"""Run independent trainings in worker processes, stoppable with Ctrl-C, SIGTERM or scancel."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from tqdm.auto import tqdm

from dlbio.signals import sigterm_raises


def map_in_processes(fn: Callable, tasks: Sequence[tuple], jobs: int, desc: str, progress: bool) -> list:
    """``[fn(*t) for t in tasks]`` in up to *jobs* spawned processes; results in *tasks* order.

    *fn* must be importable (module level) and its arguments picklable.  A worker
    that raises or dies fails the whole map; Ctrl-C or SIGTERM stops every worker.
    """
    # spawn: a forked TensorFlow runtime is not safe to use in the child.  Workers
    # ignore SIGINT so that only this process reports a Ctrl-C; a worker that dies
    # fails the job (BrokenProcessPool) instead of hanging it.
    _quiet_resource_tracker()
    pool = ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=get_context("spawn"), initializer=_ignore_sigint)
    results: dict[int, object] = {}
    # SIGTERM (kill, scancel) stops the job like Ctrl-C, so the workers are stopped with it
    # instead of training on as orphans.
    with sigterm_raises(KeyboardInterrupt):
        try:
            futures = {pool.submit(fn, *task): i for i, task in enumerate(tasks)}
            for fut in tqdm(as_completed(futures), total=len(futures), desc=desc, unit="run", disable=not progress):
                results[futures[fut]] = fut.result()
        except BaseException:
            for proc in list((pool._processes or {}).values()):  # no public terminate before Python 3.14
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    pool.shutdown()
    return [results[i] for i in range(len(tasks))]


def _quiet_resource_tracker() -> None:
    # Workers stopped by Ctrl-C leave their queue semaphores behind; the tracker
    # process (started with this environment) cleans them up and need not warn.
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in os.environ.get("PYTHONWARNINGS", ""):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
