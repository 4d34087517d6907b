"""Random access to a genome FASTA (pyfaidx), with chromosome-name style matching."""

from __future__ import annotations

from pathlib import Path

from dlbio.errors import DlbioError, require


def _plain_gzip(path: Path) -> bool:
    """True for gzip that is not BGZF (BGZF blocks carry a 'BC' extra field; pyfaidx reads only those)."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return head[:2] == b"\x1f\x8b" and not (head[3] & 4 and head[12:14] == b"BC")


class Genome:
    """Indexed FASTA.  ``fetch(chrom, start, end)`` -> upper-case str, 0-based half-open;
    positions outside the chromosome come back as 'N'.

    Chromosome names are matched as given, else with 'chr' added or removed (``resolve``);
    callers count the renames, since only they know what a rename means to their input.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        require(self.path.is_file(), f"{self.path}: genome FASTA not found")
        require(not _plain_gzip(self.path), f"{self.path}: gzip-compressed genome; random access needs it "
                                            "uncompressed (gunzip) or compressed with bgzip (samtools/htslib)")
        try:
            from pyfaidx import Fasta

            self._fa = Fasta(str(self.path), as_raw=True, sequence_always_upper=True, rebuild=False)
        except Exception as exc:  # noqa: BLE001 - pyfaidx raises many types for a bad file
            raise DlbioError(f"{self.path}: not an indexable FASTA file ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:150] if str(exc) else ''})") from None
        self.lengths = {name: len(rec) for name, rec in self._fa.records.items()}
        require(self.lengths, f"{self.path}: no sequences")

    def resolve(self, chrom: str) -> str | None:
        """The genome's name for *chrom* (chr1 vs 1 style), or None if absent."""
        if chrom in self.lengths:
            return chrom
        alt = chrom[3:] if chrom.startswith("chr") else "chr" + chrom
        return alt if alt in self.lengths else None

    @property
    def style(self) -> str:
        return "chr1" if any(n.startswith("chr") for n in self.lengths) else "1"

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Exactly end - start letters; positions before 0 or past the end are 'N'."""
        length = self.lengths[chrom]
        left, right = max(0, start), min(end, length)
        core = self._fa[chrom][left:right] if right > left else ""
        pad_left = max(0, min(end, 0) - start)
        pad_right = max(0, end - max(start, length))
        return "N" * pad_left + core + "N" * pad_right
