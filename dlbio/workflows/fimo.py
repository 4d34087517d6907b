"""dlbio fimo: where motifs (JASPAR, a model's filters, MoDISco's patterns) occur in sequences."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlbio.utils.errors import require
from dlbio.utils.notes import Notes
from dlbio.utils.options import Options


@dataclass(frozen=True)
class FimoOptions(Options):
    """Attributes
    ----------
    bed : str or pathlib.Path, optional
        Regions and the genome to read them from, instead of a FASTA (each region whole).
    genome : str or pathlib.Path, optional
        Regions and the genome to read them from, instead of a FASTA (each region whole).
    threshold : float, default=1e-4
        The largest p-value reported (FIMO's --thresh).
    release : str
        The JASPAR release for ``jaspar`` and motif names.
    notes : Notes, optional
        Counts BED lines left out or clipped.
    strict : bool, default=False
        A BED line left out or clipped is an error.
    """

    bed: str | Path | None = None
    genome: str | Path | None = None
    threshold: float = 1e-4
    release: str = "JASPAR2024"
    notes: Notes | None = None
    strict: bool = False


def fimo(
    motifs: str, fasta: str | Path | None, out: str | Path, options: FimoOptions | None = None, **overrides
) -> dict:
    """Every hit of *motifs* in the sequences, with FIMO's columns (dlbio fimo).

    Parameters
    ----------
    motifs : str
        A MEME file (dlbio motifs' filters.meme, dlbio modisco's .meme), ``jaspar`` (every
        JASPAR CORE vertebrate matrix) or JASPAR names and ids, comma-separated.
    fasta : str or pathlib.Path, optional
        The sequences (any lengths), or the one-hot .npz dlbio attribute writes (its rows
        named by the ``.ids.txt`` beside it); or give *bed* and *genome*.
    out : str or pathlib.Path
        The TSV written (dlbio.motifs.fimo.COLUMNS), atomically.
    options : FimoOptions, optional
        Inputs and threshold (defaults when None).
    **overrides
        Fields of *options* to set, as keywords.

    Returns
    -------
    dict
        ``path`` (the TSV), ``hits`` (their number), ``motifs`` and ``sequences`` (how many
        were scanned) and ``by_motif`` {motif name: hits}.
    """
    from collections import Counter

    from dlbio.data.fasta import read_records
    from dlbio.motifs.fimo import motifs_from, require_memelite, scan, write_hits

    o = FimoOptions.merged(options, overrides)
    require_memelite()
    require(bool(fasta) != bool(o.bed), "give the sequences as --fasta FILE or as --bed FILE --genome FILE")
    chosen = motifs_from(motifs, o.release)
    if o.bed:
        require(o.genome, "--bed needs --genome")
        records = _regions(o)
    elif str(fasta).endswith(".npz"):
        records = _one_hot_records(Path(fasta))
    else:
        records = read_records(fasta)
    require(records, f"{fasta or o.bed}: no sequences")
    hits = scan(chosen, [rid for rid, _ in records], [seq for _, seq in records], o.threshold)
    path = write_hits(out, hits)
    return {
        "path": path,
        "hits": len(hits),
        "motifs": len(chosen),
        "sequences": len(records),
        "by_motif": Counter(h["motif_alt_id"] for h in hits),
    }


def _one_hot_records(path: Path) -> list[tuple[str, str]]:
    """(id, sequence) of each row of a one-hot .npz (N, 4, L), A, C, G, T (N where all 0); ids
    from ``<stem>.ids.txt`` (dlbio attribute's) when it lists as many, else the row numbers."""
    import numpy as np

    from dlbio.interpret.files import read_npz

    ohe = read_npz(path, "one-hot sequence")
    letters = np.array(list("ACGTN"))[np.where(ohe.sum(axis=2) > 0, ohe.argmax(axis=2), 4)]
    ids_file = path.with_name(path.name.removesuffix(".ohe.npz").removesuffix(".npz") + ".ids.txt")
    ids = ids_file.read_text().split("\n")[:-1] if ids_file.is_file() else []
    if len(ids) != len(ohe):
        ids = [str(i + 1) for i in range(len(ohe))]
    return [(rid, "".join(row)) for rid, row in zip(ids, letters)]


def _regions(o: FimoOptions) -> list[tuple[str, str]]:
    """(chrom:start-end, sequence) of each BED line, whole (FIMO's coordinates are then within it)."""
    from dlbio.data.genome import Genome
    from dlbio.data.intervals import read_bed

    genome = Genome(o.genome)
    regions = read_bed(o.bed, genome, keep_names=True)
    regions.notes.refuse_if(o.strict, str(o.bed))
    if o.notes is not None:
        o.notes.merge(regions.notes)
    return [(f"{chrom}:{s}-{e}", genome.fetch(chrom, s, e)) for chrom, s, e, _name, _centre in regions.names]
