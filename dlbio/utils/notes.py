"""What a reader did to input rows without stopping: counted, with the first few ids, per reason.

Every row a command leaves out or changes (a region on a chromosome the genome lacks, a
peak clipped at a chromosome end, a record padded with N) is counted under its reason, and
the command prints one ``note:`` line per reason.  ``--strict`` makes the first such reason
an error instead (:meth:`Notes.refuse_if`), before any output is written.
"""

from __future__ import annotations

from collections import Counter

from dlbio.utils.errors import DlbioError

SHOWN = 3  # ids named per reason


class Notes(Counter):
    """A Counter of reasons, with up to :data:`SHOWN` example ids each.

    ``notes[reason] += 1`` still counts; :meth:`add` also keeps an id and says whether the
    reason changes or leaves out the row (``changes=True``, what ``--strict`` refuses) or
    only tells (a chr1/1 rename, an unsorted file).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.examples: dict[str, list[str]] = {}
        self.changing: set[str] = set()

    def add(
        self,
        reason: str,
        example: str | None = None,
        changes: bool = True,
        n: int = 1,
        examples: tuple[str, ...] | list[str] = (),
    ) -> None:
        """Count rows under a reason.

        Parameters
        ----------
        reason : str
            Why they were left out or changed.
        example : str or None, optional
            An id, kept among the first few.
        changes : bool, optional
            Whether these rows were changed or left out (``--strict`` refuses those).
        n : int, optional
            How many.
        examples : tuple or list of str, optional
            Ids, kept among the first few.
        """
        self[reason] += n
        if changes:
            self.changing.add(reason)
        shown = self.examples.setdefault(reason, [])
        for e in ([example] if example is not None else []) + list(examples):
            if len(shown) < SHOWN:
                shown.append(e)

    def merge(self, other: Counter, prefix: str = "") -> None:
        """Add another counter's counts (and, for Notes, its ids and kinds).

        Parameters
        ----------
        other : collections.Counter
            Counts by reason.
        prefix : str, optional
            Put before each reason (e.g. the file's name).
        """
        for reason, n in other.items():
            self.add(
                prefix + reason,
                changes=reason in getattr(other, "changing", {reason}),
                n=n,
                examples=getattr(other, "examples", {}).get(reason, ()),
            )

    def lines(self) -> list[str]:
        """The counts in words.

        Returns
        -------
        list of str
            One 'reason: N (first: a, b, c)' per reason, sorted.
        """
        return [f"{reason}: {n}{self._first(reason, n)}" for reason, n in sorted(self.items())]

    def refuse_if(self, strict: bool, source: str) -> None:
        """Under ``--strict``, refuse the first reason that changed or left out rows.

        Parameters
        ----------
        strict : bool
            Whether to refuse.
        source : str
            The input, for the error.

        Raises
        ------
        DlbioError
            With *strict*, naming *source*, the reason and its count.
        """
        if not strict:
            return
        reason = next((r for r in sorted(self) if r in self.changing), None)
        if reason is not None:
            n = self[reason]
            raise DlbioError(
                f"{source}: {reason}: {n} row{'s' if n > 1 else ''}{self._first(reason, n)} "
                "(--strict stops at any row that is left out or changed)"
            )

    def _first(self, reason: str, n: int) -> str:
        shown = self.examples.get(reason)
        if not shown:
            return ""
        return f" ({', '.join(shown)}{', ...' if n > len(shown) else ''})"
