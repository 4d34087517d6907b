"""Write and read MEME minimal motif format (Biopython 1.88 has no MEME writer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.utils.atomic import write_text


def write_meme(
    path: str | Path,
    matrices: list[tuple[str, str, np.ndarray, int]],
    background: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25),
) -> Path:
    """Write motifs as a MEME minimal file (Tomtom, FIMO and memelite read it), atomically.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    matrices : list of tuple
        (id, name, counts (w, 4) A,C,G,T, n_sites); empty matrices are skipped.
    background : tuple of float, optional
        A, C, G, T background frequencies.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    out = [
        "MEME version 4",
        "",
        "ALPHABET= ACGT",
        "",
        "strands: + -",
        "",
        "Background letter frequencies",
        "A {:.3f} C {:.3f} G {:.3f} T {:.3f}".format(*background),
        "",
    ]
    for mid, name, counts, n_sites in matrices:
        counts = np.asarray(counts, float)
        tot = counts.sum(axis=1, keepdims=True)
        if not np.all(tot > 0):
            continue
        prob = counts / tot
        out += [
            f"MOTIF {mid} {name}".rstrip(),
            "",
            f"letter-probability matrix: alength= 4 w= {len(prob)} nsites= {int(n_sites)} E= 0",
        ]
        out += ["  ".join(f"{v:.6f}" for v in row) for row in prob]
        out.append("")
    return write_text(path, "\n".join(out) + "\n")


def read_meme(path: str | Path) -> list[tuple[str, str, np.ndarray]]:
    """Every MOTIF of a MEME file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    list of tuple
        (id, name, probabilities (w, 4) A,C,G,T).
    """
    lines = Path(path).read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("MOTIF"):
            parts = lines[i].split()
            mid, name = parts[1], (parts[2] if len(parts) > 2 else "")
            while not lines[i].startswith("letter-probability"):
                i += 1
            w = int(lines[i].split("w=")[1].split()[0])
            mat = np.array([[float(v) for v in lines[i + 1 + r].split()] for r in range(w)])
            out.append((mid, name, mat))
            i += w
        i += 1
    return out
