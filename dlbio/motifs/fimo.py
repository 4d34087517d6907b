"""Motif hits in sequences with memelite's FIMO (in-process, numba; no MEME suite), written in
FIMO's own TSV columns, with q-values that FIMO gives and memelite leaves out.

memelite 0.5's p-values are P(score > s) where FIMO's are P(score >= s): a site at a motif's
best score gets p = 0, and a short motif's hits pass thresholds they should not (the 5-column
Ahr::Arnt's best site, p = 4^-5 ~ 1e-3, was reported at p = 0 under --thresh 1e-4).  So
memelite finds the candidate sites (its p-values are never above the true ones, so none is
missed) and each hit's p-value is recomputed here as FIMO defines it, on the same matrix
(log2 odds with memelite's pseudocount, in 0.1-bit steps), then thresholded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.utils.errors import DlbioError, require

COLUMNS = (
    "motif_id",
    "motif_alt_id",
    "sequence_name",
    "start",
    "stop",
    "strand",
    "score",
    "p-value",
    "q-value",
    "matched_sequence",
)
EXTRA = "pip install 'dlbio[motifs]'"


@dataclass(frozen=True)
class Motif:
    """A matrix to scan: ``motif_id``, ``name`` and ``probabilities`` (w, 4) A, C, G, T."""

    motif_id: str
    name: str
    probabilities: np.ndarray


def require_memelite() -> None:
    """A one-line error naming the extra when memelite is not installed."""
    import importlib.util

    if importlib.util.find_spec("memelite") is None:
        raise DlbioError(f"FIMO needs memelite, which is not installed: {EXTRA}")


def motifs_from(spec: str, release: str) -> list[Motif]:
    """The motifs a ``dlbio fimo`` MOTIFS argument names.

    Parameters
    ----------
    spec : str
        A MEME file (dlbio motifs' filters.meme, dlbio modisco's .meme, any MEME minimal file),
        ``jaspar`` (every CORE vertebrate matrix of *release*), or JASPAR ids and names
        separated by commas (``CTCF,MA0035``).
    release : str
        The JASPAR release.

    Returns
    -------
    list of Motif
        Each with its id, name and (w, 4) A,C,G,T probabilities.

    Raises
    ------
    DlbioError
        For a missing or malformed file, an empty one, or a name JASPAR lacks.
    """
    from dlbio.motifs import jaspar
    from dlbio.motifs.meme import read_meme

    path = Path(spec)
    if path.suffix.lower() in (".meme", ".txt") or path.is_file():
        require(path.is_file(), f"{path}: motif file not found")
        try:
            found = [Motif(mid, name or mid, prob) for mid, name, prob in read_meme(path)]
        except (ValueError, IndexError, UnicodeDecodeError):
            raise DlbioError(f"{path}: not a MEME motif file (a matrix is cut short or holds something else)") from None
        require(found, f"{path}: no MOTIF in this MEME file")
        return found
    if spec.strip().lower() == "jaspar":
        chosen = jaspar.load_collection(release)
    else:
        chosen = [jaspar.find(q, release) for q in spec.split(",") if q.strip()]
    return [Motif(m.matrix_id, m.name, m.probabilities()) for m in chosen]


def scan(motifs: list[Motif], ids: list[str], sequences: list[str], threshold: float = 1e-4) -> list[dict]:
    """Every hit of every motif in every sequence with p < *threshold*, on both strands.

    Parameters
    ----------
    motifs : list of Motif
        The matrices.
    ids : list of str
        The sequences and their names (any lengths; letters other than A, C, G, T score
        as N, no evidence for any motif).
    sequences : list of str
        The sequences and their names (any lengths; letters other than A, C, G, T score
        as N, no evidence for any motif).
    threshold : float, default=1e-4
        FIMO's --thresh: the largest p-value reported.

    Returns
    -------
    list of dict
        One per hit, with COLUMNS' keys: positions 1-based, inclusive, as FIMO's; q-value
        Benjamini-Hochberg over every position and strand scanned of every motif (a hit not
        reported has p above every reported one, so the ranks are exact); sorted by p-value.
    """
    require(0 < threshold <= 1, f"--threshold must be a p-value in (0, 1], got {threshold}")
    hits, tests = candidate_hits(motifs, sequences, threshold)
    for h in hits:
        m = motifs[h.pop("motif")]
        h["motif_id"], h["motif_alt_id"] = m.motif_id, m.name
        h["sequence_name"] = ids[h.pop("sequence")]
        h["start"] += 1  # 1-based, inclusive, as FIMO's
    hits.sort(key=lambda h: h["p-value"])
    if hits:
        p = np.array([h["p-value"] for h in hits])
        q = np.minimum(1.0, np.minimum.accumulate((p * tests / np.arange(1, len(p) + 1))[::-1])[::-1])
        for h, value in zip(hits, q):
            h["q-value"] = float(value)
    return hits


def candidate_hits(motifs: list[Motif], sequences: list[str], threshold: float) -> tuple[list[dict], int]:
    """memelite's FIMO hits below a p-value, with FIMO's p-values.

    memelite 0.5 gives P(score > s); each hit's p is recomputed as FIMO defines it,
    P(score >= s), on memelite's own matrix (never above memelite's, so no hit is missed).

    Parameters
    ----------
    motifs : list of Motif
        The motifs.
    sequences : list of str
        The sequences.
    threshold : float
        Keep hits with p < *threshold*.

    Returns
    -------
    tuple
        ([{"motif": index in *motifs*, "sequence": index in *sequences*, "start": 0-based,
        "stop", "strand", "score", "p-value", "matched_sequence"}], the placements tried:
        every position and strand of every motif, for the q-values).
    """
    require_memelite()
    from dlbio.motifs.tomtom import numba_cache_dir

    numba_cache_dir()
    from memelite import fimo

    pwms = {f"{k}": np.ascontiguousarray(m.probabilities.T, dtype=np.float64) for k, m in enumerate(motifs)}
    pvalues = [_PValue(m.probabilities) for m in motifs]
    hits, tests = [], 0
    by_length: dict[int, list[int]] = {}
    for k, s in enumerate(sequences):
        by_length.setdefault(len(s), []).append(k)
    for length, rows in by_length.items():
        onehot = _onehot(np.array([sequences[k] for k in rows]))  # (n, 4, L)
        tests += sum(2 * max(0, length - len(m.probabilities) + 1) for m in motifs) * len(rows)
        for frame in fimo(pwms, onehot, threshold=threshold):
            for motif_key, seq_idx, start, end, strand, score in zip(
                frame["motif_name"],
                frame["sequence_name"],
                frame["start"],
                frame["end"],
                frame["strand"],
                frame["score"],
            ):
                k = rows[int(seq_idx)]
                site = sequences[k][int(start) : int(end)].upper()
                site = site if strand == "+" else _reverse_complement(site)
                p = pvalues[int(motif_key)](site)
                if p < threshold:
                    hits.append(
                        {
                            "motif": int(motif_key),
                            "sequence": k,
                            "start": int(start),
                            "stop": int(end),
                            "strand": strand,
                            "score": float(score),
                            "p-value": p,
                            "matched_sequence": site,
                        }
                    )
    return hits, tests


def write_hits(path: str | Path, hits: list[dict]) -> Path:
    """Write hits in FIMO's TSV columns (COLUMNS), atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The TSV.
    hits : list of dict
        Each with COLUMNS' keys.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.utils.atomic import write_text

    def cell(key, value):
        return f"{value:.3g}" if key in ("p-value", "q-value") else f"{value:.4g}" if key == "score" else str(value)

    lines = ["\t".join(COLUMNS)] + ["\t".join(cell(k, h[k]) for k in COLUMNS) for h in hits]
    return write_text(path, "\n".join(lines) + "\n")


class _PValue:
    """A motif's exact p-value, P(score >= s) on uniform random sequence, as FIMO defines it,
    for its log2 odds (memelite's: pseudocount EPS) in BIN-bit steps; N scores 0 bits."""

    EPS, BIN = 1e-4, 0.1

    def __init__(self, probabilities: np.ndarray):
        lo = np.log2(np.asarray(probabilities, np.float64) + self.EPS) + 2.0  # - log2(0.25)
        lo = np.concatenate([lo, np.zeros((len(lo), 1))], axis=1)  # column 4: N
        steps = np.rint(lo / self.BIN).astype(np.int64)
        self.low = steps[:, :4].min(axis=1, keepdims=True)
        self.steps = steps - self.low  # >= 0 for A, C, G, T
        pmf = np.ones(1)
        for column in self.steps[:, :4]:
            nxt = np.zeros(len(pmf) + column.max())
            for v in column:
                nxt[v : v + len(pmf)] += pmf / 4
            pmf = nxt
        self.survival = np.cumsum(pmf[::-1])[::-1]  # survival[s] = P(score >= s)

    def __call__(self, site: str) -> float:
        codes = ["ACGT".find(c) if c in "ACGT" else 4 for c in site]
        s = int(sum(self.steps[j, c] for j, c in enumerate(codes)))
        return float(self.survival[min(max(s, 0), len(self.survival) - 1)]) if s >= 0 else 1.0


_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def _reverse_complement(site: str) -> str:
    return site.translate(_COMPLEMENT)[::-1]


def _onehot(sequences: np.ndarray) -> np.ndarray:
    """Strings of one length (n,) -> float32 one-hot (n, 4, L), A, C, G, T; other letters all 0."""
    codes = np.frombuffer("".join(sequences).upper().encode(), np.uint8).reshape(len(sequences), -1)
    return np.stack([codes == ord(b) for b in "ACGT"], axis=1).astype(np.float32)
