"""Progress of long work: a tqdm bar for a person at a terminal, a line every 10 minutes in
a batch job's log (``tail -f slurm-<job>.out``, where a bar cannot go), nothing with --quiet.

Functions that do long work take ``progress``: one of :data:`BAR`, :data:`LINES`,
:data:`OFF`, or a bool (True: a bar, False: nothing) for callers from Python.  The CLI
passes ``progress_mode(quiet)``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Collection, Iterator

BAR, LINES, OFF = "bar", "lines", "off"
INTERVAL_S = 600.0  # between two progress lines in a log


def progress_mode(quiet: bool) -> str:
    """How a command shows progress.

    Parameters
    ----------
    quiet : bool
        ``--quiet``.

    Returns
    -------
    str
        OFF with *quiet*, BAR when stderr is a terminal, else LINES (a batch job's log).
    """
    if quiet:
        return OFF
    return BAR if sys.stderr.isatty() else LINES


def normalise(progress: bool | str | None) -> str:
    """A *progress* argument as one of the three modes.

    Parameters
    ----------
    progress : bool or str or None
        True: BAR; False, None: OFF; or BAR, LINES, OFF.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For another string.
    """
    if progress is True:
        return BAR
    if not progress:
        return OFF
    if progress not in (BAR, LINES, OFF):
        raise ValueError(f"progress must be a bool or one of {BAR}, {LINES}, {OFF}; got {progress!r}")
    return progress


def counter(total: int | None, desc: str, unit: str, progress: bool | str):
    """A context manager with ``update(n)`` counting units of work.

    Parameters
    ----------
    total : int or None
        Units in all.
    desc : str
        The label.
    unit : str
        The unit's name.
    progress : bool or str
        See :func:`normalise`.

    Returns
    -------
    tqdm or LineCounter
        A tqdm bar, a :class:`LineCounter`, or a disabled tqdm.
    """
    from tqdm.auto import tqdm

    how = normalise(progress)
    if how == LINES:
        return LineCounter(total, desc, unit)
    return tqdm(total=total, desc=desc, unit=unit, disable=how == OFF, dynamic_ncols=True)


def iterate(items: Collection, desc: str, unit: str, progress: bool | str) -> Iterator:
    """Iterate, counting one unit per item (see :func:`counter`).

    Parameters
    ----------
    items : collection
        What to iterate (it has a length).
    desc : str
        The label.
    unit : str
        The unit's name.
    progress : bool or str
        See :func:`normalise`.

    Yields
    ------
    object
        *items*' items.
    """
    with counter(len(items), desc, unit, progress) as count:
        for item in items:
            yield item
            count.update(1)


def duration(seconds: float) -> str:
    """A duration in words.

    Parameters
    ----------
    seconds : float
        The duration.

    Returns
    -------
    str
        '45 s', '12 min', '3.5 h'.
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _plural(unit: str) -> str:
    return unit if unit == "seq" or unit.endswith("s") else unit + "s"


class LineCounter:
    """The bar's counterpart for a log file: on stderr, every :data:`INTERVAL_S` seconds,
    ``<desc>: 120,000/455,024 seq (26 %) in 10 min, about 28 min left``, and a last line
    with the total time when it has written any (short work leaves the log alone)."""

    def __init__(self, total: int | None, desc: str, unit: str):
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self.interval_s = INTERVAL_S
        self._start = time.monotonic()
        self._last, self._lines = self._start, 0

    def update(self, n: int = 1) -> None:
        """Count units done; a line is written when the interval has passed since the last.

        Parameters
        ----------
        n : int, optional
            Units done.
        """
        self.n += n
        now = time.monotonic()
        if now - self._last >= self.interval_s and (self.total is None or self.n < self.total):
            self._say(now)

    def _say(self, now: float) -> None:
        elapsed = now - self._start
        text = f"{self.desc}: {self.n:,}"
        if self.total:
            text += f"/{self.total:,} {_plural(self.unit)} ({100 * self.n / self.total:.0f} %)"
        else:
            text += f" {_plural(self.unit)}"
        text += f" in {duration(elapsed)}"
        if self.total and 0 < self.n < self.total:
            text += f", about {duration(elapsed / self.n * (self.total - self.n))} left"
        print(text, file=sys.stderr, flush=True)
        self._last, self._lines = now, self._lines + 1

    def close(self) -> None:
        if self._lines:
            now = time.monotonic()
            print(
                f"{self.desc}: {self.n:,} {_plural(self.unit)} done in {duration(now - self._start)}",
                file=sys.stderr,
                flush=True,
            )
            self._lines = 0

    def __enter__(self) -> LineCounter:
        return self

    def __exit__(self, *exc) -> None:
        # An exception (a bad record, Ctrl-C) says its own line; no "done" after it.
        if exc[0] is None:
            self.close()
