"""One split of a set built from a genome, held once in memory as the chromosomes gave it.

Each chromosome adds a part: its bin starts, its windows (uint8 base index) and its labels
packed 8 targets a byte (np.packbits layout), so 919 targets take 115 bytes a row, not 919.
The split is a source (``n``, ``length``, ``n_targets``, ``read``): stores are written from
it chunk by chunk, without first joining the parts into one array (which held every row
twice).  With *reverse_complement_copies*, rows ``n/2..n-1`` are the reverse complements of
rows ``0..n/2-1``, made when they are read.
"""

from __future__ import annotations

import numpy as np

from dlbio.data.encoding import reverse_complement


class SplitRows:
    def __init__(self, length: int, n_targets: int, reverse_complement_copies: bool = False, target_names=None):
        self.length, self.n_targets = length, n_targets
        self.reverse_complement_copies = reverse_complement_copies
        self.target_names = target_names
        self.parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []  # chrom, bins, idx, packed labels
        self._ends = np.zeros(0, np.int64)  # forward rows up to the end of each part

    def add(self, chrom: str, bins: np.ndarray, idx: np.ndarray, packed_labels: np.ndarray) -> None:
        """Append rows of one chromosome.

        Parameters
        ----------
        chrom : str
            The chromosome.
        bins : numpy.ndarray
            int64 (k,) the rows' bin starts.
        idx : numpy.ndarray
            Base indices uint8 (k, L).
        packed_labels : numpy.ndarray
            uint8 (k, ceil(T/8)), ``np.packbits(axis=1)``.
        """
        assert len(bins) == len(idx) == len(packed_labels) and idx.shape[1] == self.length
        self.parts.append((chrom, np.asarray(bins, np.int64), idx, packed_labels))
        self._ends = np.append(self._ends, self.n_forward + len(bins))

    @property
    def n_forward(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0

    @property
    def n(self) -> int:
        return self.n_forward * (2 if self.reverse_complement_copies else 1)

    def read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the split (the reverse-complement copies after the forward rows).

        Parameters
        ----------
        start : int
            0-based, stop excluded.
        stop : int
            0-based, stop excluded.

        Returns
        -------
        tuple of numpy.ndarray
            (base indices uint8 (m, L), labels uint8 (m, T)).
        """
        start, stop, nf = max(0, start), min(stop, self.n), self.n_forward
        idx, packed = self._forward(min(start, nf), min(stop, nf))
        if stop > nf:  # the reverse-complement copies of forward rows start-nf..stop-nf-1
            rc_idx, rc_packed = self._forward(max(start, nf) - nf, stop - nf)
            idx, packed = np.concatenate([idx, reverse_complement(rc_idx)]), np.concatenate([packed, rc_packed])
        return idx, np.unpackbits(packed, axis=1, count=self.n_targets)

    def _forward(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        idx, packed = [np.zeros((0, self.length), np.uint8)], [np.zeros((0, -(-self.n_targets // 8)), np.uint8)]
        first = int(np.searchsorted(self._ends, start, side="right"))
        for p in range(first, len(self.parts)):
            begin = int(self._ends[p]) - len(self.parts[p][1])
            if begin >= stop:
                break
            a, b = max(start, begin) - begin, min(stop, int(self._ends[p])) - begin
            idx.append(self.parts[p][2][a:b])
            packed.append(self.parts[p][3][a:b])
        return np.concatenate(idx), np.concatenate(packed)

    def positives(self) -> np.ndarray:
        """Positive rows per target.

        Returns
        -------
        numpy.ndarray
            int64 (T,), counting the reverse-complement copies.
        """
        total = np.zeros(self.n_targets, np.int64)
        for *_, packed in self.parts:
            for i in range(0, len(packed), 65536):  # unpacked a block at a time: 919 bytes a row
                total += np.unpackbits(packed[i : i + 65536], axis=1, count=self.n_targets).sum(axis=0, dtype=np.int64)
        return total * (2 if self.reverse_complement_copies else 1)

    def coords(self) -> list[tuple[str, np.ndarray]]:
        """Where the forward rows come from.

        Returns
        -------
        list of tuple
            (chrom, bin starts int64 (k,)) per part, in row order.
        """
        return [(chrom, bins) for chrom, bins, *_ in self.parts]
