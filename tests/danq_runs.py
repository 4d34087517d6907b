"""Tiny danq-train runs for the tests that start processes: their arguments, their training log
read back, and free ports for processes that meet on 127.0.0.1."""

import socket

import numpy as np

from dlbio.utils.resources import tiny_deepsea

# A DanQ of about 1,700 parameters on the bundled set: a run of a few hundred rows takes seconds.
TINY_DANQ = ["-d", str(tiny_deepsea()), "-f", "8", "-k", "9", "--lstm-units", "4", "--dense-units", "8"]
# A rate at which a few hundred rows move the loss measurably (the tests check that it falls).
SGD = ["-o", "", "--seed", "3", "-O", "sgd", "-l", "2.0"]


def danq_args(batch: int, rows: int, epochs: int, *more: str) -> list[str]:
    """danq-train's arguments for a tiny DanQ trained by SGD at rate 2.0 with seed 3, no outputs
    but the checkpoints (``-o ""``).

    Parameters
    ----------
    batch, rows, epochs : int
        ``-b``, ``-n`` and ``-e``.
    *more : str
        Further arguments (``--multi-worker``, ``--patience 10``...).

    Returns
    -------
    list of str
    """
    return [*TINY_DANQ, "-b", str(batch), "-n", str(rows), "-e", str(epochs), *more, *SGD]


def read_losses(path) -> np.ndarray:
    """A training log's loss and val_loss, one row an epoch.

    Parameters
    ----------
    path : Path
        The run's ``bestmodel.<name>.log.csv``.

    Returns
    -------
    ndarray
        float (epochs, 2).
    """
    rows = path.read_text().strip().splitlines()
    header = rows[0].split(",")
    return np.array([[float(v) for k, v in zip(header, r.split(",")) if k in ("loss", "val_loss")] for r in rows[1:]])


def free_ports(count: int = 1) -> list[int]:
    """Ports nobody listens on now, all bound at once so that they differ.

    Parameters
    ----------
    count : int, optional
        How many.

    Returns
    -------
    list of int
    """
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
