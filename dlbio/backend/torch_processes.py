"""``-g N`` on PyTorch: the N processes, started from the command the user ran.

Process r of N runs the whole command (``fn``) with GPU r; in it, ``make_strategy`` joins it
to the others (dlbio.backend.torch_only), and what it returns or raises comes back here.
Signals that stop a job reach every process, and a process that fails or dies stops the
others: one line, not N tracebacks or a hang in a collective.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import socket
import time
import traceback
from collections.abc import Callable
from multiprocessing import get_context

from dlbio.utils.errors import DlbioError

# (rank, count, port, on GPUs) inside a process run_in_processes started; None elsewhere
THIS_PROCESS: tuple[int, int, int, bool] | None = None
# How long the others may go on once one process has failed (a collective would wait for it).
GRACE_S = 10


def run_in_processes(fn: Callable, args: tuple, count: int, on_gpus: bool = True) -> list:
    """``fn(*args)`` in *count* new processes that train one model together.

    Process r joins the others when dlbio.backend.torch_only.start_processes is called in it
    and uses GPU r.  A SIGTERM to this process (kill, scancel) is passed on to them all (each
    saves and stops, as one process would); Ctrl-C reaches them from the terminal.  A
    :class:`DlbioError` (or any exception) in one of them is raised here, once; the others
    are then stopped.

    Parameters
    ----------
    fn : callable
        Importable (module level); its arguments picklable.
    args : tuple
        Its arguments.
    count : int
        Processes.
    on_gpus : bool, optional
        One GPU each (else they share the CPU's threads).

    Returns
    -------
    list
        What *fn* returned in each process, in process order.
    """
    from dlbio.utils.processes import quiet_resource_tracker

    quiet_resource_tracker()
    context = get_context("spawn")  # a forked CUDA context is unusable in the child
    results = context.Queue()
    port = _free_port()
    procs = [
        context.Process(target=_process_main, args=(rank, count, port, on_gpus, fn, args, results), daemon=True)
        for rank in range(count)
    ]

    def forward(signum, frame):
        for p in procs:
            if p.pid is not None and p.exitcode is None:
                os.kill(p.pid, signum)

    # Ctrl-C reaches every process of the terminal's group already; kill and scancel this one.
    old = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
    }
    try:
        for p in procs:
            p.start()
        return _collect(procs, results)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for p in procs:
            if p.pid is None:  # never started
                continue
            if p.exitcode is None:
                p.kill()
            p.join()
        results.close()
        results.join_thread()


def _collect(procs, results) -> list:
    """Each process's result; once one fails, what the others say within a few seconds (a
    process blocked in a collective with a failed one is then killed), and the error that
    explains it: a process that died, or a DlbioError or signal, before any error it caused
    in the others (a closed connection); else the first to come."""
    got: dict[int, tuple[bool, object]] = {}
    errors: list[BaseException] = []
    failed_at = None
    while len(got) < len(procs) and (failed_at is None or time.monotonic() - failed_at < GRACE_S):
        try:
            rank, ok, value = results.get(timeout=0.5)
        except queue.Empty:
            for rank, p in enumerate(procs):
                if p.exitcode not in (None, 0) and rank not in got:
                    ok, value = False, DlbioError(f"-g {len(procs)}: process {rank} {_death(p.exitcode)}")
                    got[rank] = (ok, value)
                    errors.append(value)
                    failed_at = failed_at or time.monotonic()
            continue
        got[rank] = (ok, value)
        if not ok:
            errors.append(value)
            failed_at = failed_at or time.monotonic()
    if errors:
        error = next(
            (e for e in errors if isinstance(e, (DlbioError, KeyboardInterrupt)) or _is_preemption(e)), errors[0]
        )
        if _is_preemption(error):  # this process speaks for all N, whichever stopped first: process 0 saved
            error.chief = True
        raise error
    return [got[r][1] for r in range(len(procs))]


def _death(exitcode: int) -> str:
    if exitcode == -signal.SIGKILL:
        return "was killed (SIGKILL: out of memory?)"
    return f"was killed by signal {-exitcode}" if exitcode < 0 else f"died (exit status {exitcode})"


def _process_main(rank, count, port, on_gpus, fn, args, results) -> None:
    global THIS_PROCESS
    THIS_PROCESS = (rank, count, port, on_gpus)
    import torch

    if on_gpus:
        torch.cuda.set_device(rank)  # before Keras puts anything on "cuda"
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // count))  # the node's cores, shared
    try:
        value = fn(*args)
    except BaseException as err:  # noqa: BLE001 -- handed to the process that started this one
        if not isinstance(err, (DlbioError, KeyboardInterrupt)) and not _is_preemption(err):
            err.add_note(f"in process {rank} of {count}:\n{traceback.format_exc()}")  # DLBIO_DEBUG=1 shows it
        results.put((rank, False, _picklable(err)))
        return  # status 0: a status other than 0 means the process died before it could tell
    results.put((rank, True, value))


def _is_preemption(err: BaseException) -> bool:
    return type(err).__name__ == "Preempted"


def _picklable(err: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001 -- any exception type, told by its text
        return DlbioError(f"{type(err).__name__}: {err}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
