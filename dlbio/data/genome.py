"""Random access to a genome FASTA (pyfaidx), with chromosome-name style matching."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from dlbio.data.encoding import NOT_DNA, encode_lenient, not_dna
from dlbio.utils import guard
from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require

# Indexing reads the whole genome (about 20 s for hg38 on one core): say so for genomes this big.
NOTE_INDEXING_BYTES = 100_000_000


def _first_sentence(message: str, limit: int = 150) -> str:
    """The first sentence of a library's error message, for a one-line error."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = first.split(". ")[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _gzip_kind(path: Path) -> str | None:
    """'bgzip', 'gzip' (plain, no random access: BGZF blocks carry a 'BC' extra field) or None."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head[:2] != b"\x1f\x8b":
        return None
    return "bgzip" if head[3] & 4 and head[12:14] == b"BC" else "gzip"


def _index_names(path: Path, bgzip: bool) -> dict[str, str]:
    """Where the genome's index (.fai, and .gzi for bgzip) is, made or made again when missing
    or older than the genome (pyfaidx would read a stale one and give wrong bases, silently).

    Beside the genome, as samtools does, unless an index must be made and that folder is
    read-only (a shared reference); then in $DLBIO_CACHE/fai, named after the genome's path.
    Each index is written under a temporary name and renamed, so jobs that start together
    on a new genome never read one another's half-written index.
    """
    from pyfaidx import Faidx

    beside = [path.with_name(path.name + ext) for ext in (".fai", ".gzi")]
    if _current(path, beside, bgzip):
        return {"indexname": str(beside[0]), "gzi_indexname": str(beside[1])}
    files = beside
    if not (os.access(path.parent, os.W_OK) and all(not f.exists() or os.access(f, os.W_OK) for f in beside)):
        from dlbio.utils.resources import cache_dir

        key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
        files = [cache_dir("fai") / f"{key}.{path.name}{ext}" for ext in (".fai", ".gzi")]
    if files is beside or not _current(path, files, bgzip):  # beside is known to be stale or missing
        if path.stat().st_size >= NOTE_INDEXING_BYTES:
            print(f"indexing {path} (once; about 20 s for hg38) -> {files[0]}", file=sys.stderr, flush=True)
        with contextlib.ExitStack() as stack:
            tmp = [stack.enter_context(atomic_path(f)) for f in (files if bgzip else files[:1])]
            Faidx(
                str(path), indexname=str(tmp[0]), gzi_indexname=str(tmp[-1] if bgzip else files[1]), rebuild=True
            ).close()
    return {"indexname": str(files[0]), "gzi_indexname": str(files[1])}


def _current(genome: Path, index: list[Path], bgzip: bool) -> bool:
    mtime = genome.stat().st_mtime
    return all(f.is_file() and f.stat().st_mtime >= mtime for f in (index if bgzip else index[:1]))


class Genome:
    """Indexed FASTA.  ``fetch(chrom, start, end)`` -> upper-case str, 0-based half-open;
    positions outside the chromosome come back as 'N'.

    Chromosome names are matched as given, else with 'chr' added or removed (``resolve``);
    callers count the renames, since only they know what a rename means to their input.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        require(self.path.is_file(), f"{self.path}: genome FASTA not found")
        kind = _gzip_kind(self.path)
        require(
            kind != "gzip",
            f"{self.path}: gzip-compressed genome; random access needs it uncompressed "
            "(gunzip) or compressed with bgzip (samtools/htslib)",
        )
        try:
            from pyfaidx import Fasta

            self._fa = Fasta(
                str(self.path),
                as_raw=True,
                sequence_always_upper=True,
                rebuild=False,
                **_index_names(self.path, kind == "bgzip"),
            )
        except Exception as exc:  # noqa: BLE001 - pyfaidx raises many types for a bad file
            raise DlbioError(
                f"{self.path}: not an indexable FASTA file ({type(exc).__name__}: {_first_sentence(str(exc))})"
            ) from None
        guard.reading(self.path)
        for index in (self._fa.faidx.indexname, getattr(self._fa.faidx, "gzi_indexname", None)):
            if index:  # a damaged index gives wrong bases: it is an input too
                guard.reading(index)
        self.lengths = {name: len(rec) for name, rec in self._fa.records.items()}
        require(self.lengths, f"{self.path}: no sequences")

    def resolve(self, chrom: str) -> str | None:
        """The genome's name for a chromosome (chr1 vs 1 style).

        Parameters
        ----------
        chrom : str
            A chromosome name as another file writes it.

        Returns
        -------
        str or None
            The genome's name, or None if absent.
        """
        if chrom in self.lengths:
            return chrom
        alt = chrom[3:] if chrom.startswith("chr") else "chr" + chrom
        return alt if alt in self.lengths else None

    @property
    def style(self) -> str:
        return "chr1" if any(n.startswith("chr") for n in self.lengths) else "1"

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """A stretch of the genome.

        Parameters
        ----------
        chrom : str
            The genome's chromosome name.
        start : int
            0-based, end excluded; may run past either end.
        end : int
            0-based, end excluded; may run past either end.

        Returns
        -------
        str
            Exactly end - start letters; positions before 0 or past the end are 'N'.
        """
        length = self.lengths[chrom]
        left, right = max(0, start), min(end, length)
        core = self._fa[chrom][left:right] if right > left else ""
        pad_left = max(0, min(end, 0) - start)
        pad_right = max(0, end - max(start, length))
        return "N" * pad_left + core + "N" * pad_right


def chromosome_windows(genome: Genome, chrom: str, window_starts: np.ndarray, length: int) -> np.ndarray:
    """Windows of a chromosome, read and encoded once: the stretch they span.

    Parameters
    ----------
    genome : Genome
        The genome.
    chrom : str
        The chromosome.
    window_starts : numpy.ndarray
        int64 (k,) 0-based, sorted; a window that runs past either end reads N there.
    length : int
        The window length.

    Returns
    -------
    numpy.ndarray
        Base indices uint8 (k, length).

    Raises
    ------
    DlbioError
        For a letter that is not DNA, only where a window uses it.
    """
    if not len(window_starts):
        return np.zeros((0, length), np.uint8)
    lo = int(window_starts[0])
    seq = genome.fetch(chrom, lo, int(window_starts[-1]) + length)
    encoded, starts = encode_lenient(seq), window_starts - lo
    # Checked on the stretch (1 byte a base), not on the windows (1 KB a window): the first
    # window holding a bad letter, and its first one, as a scan of the windows finds.
    bad = np.flatnonzero(encoded == NOT_DNA)
    if len(bad):
        first = np.searchsorted(starts, bad - length + 1)  # the first window that can hold each
        used = (first < len(starts)) & (starts[np.minimum(first, len(starts) - 1)] <= bad)
        if used.any():
            p = int(bad[np.argmax(used)])
            w0 = int(starts[first[np.argmax(used)]])
            raise not_dna(f"{genome.path}:{chrom}:{lo + w0}-{lo + w0 + length}", seq[p], p - w0 + 1)
    return np.lib.stride_tricks.sliding_window_view(encoded, length)[starts]
