#!/usr/bin/env python3
"""The pictures of docs/attributions.md, from the walk-through's outputs.

    python scripts/walkthrough_figures.py WALK_FOLDER docs/img

Writes modisco_patterns.png (each target's first TF-MoDISco pattern, its contribution logo,
its best JASPAR match and q) and attribution_ctcf.png (the first CTCF record's logo).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

TARGETS = ("CTCF", "Spi1", "CEBPB", "FOXA1", "HNF4A", "SOX2", "Nrf1", "GATA1")


def main() -> None:
    import logomaker
    import pandas as pd

    from dlbio.evaluation.plots import pyplot, save_png
    from dlbio.motifs.modisco import read_patterns

    walk, img = Path(sys.argv[1]), Path(sys.argv[2])
    rows = []
    for t in TARGETS:
        h5 = walk / "attr" / f"{t}.modisco.h5"
        tsv = walk / "attr" / f"{t}.modisco.tsv"
        if not h5.is_file():
            continue
        patterns = read_patterns(h5)
        report = [line.split("\t") for line in tsv.read_text().splitlines()[1:]]
        if patterns:
            rows.append((t, patterns[0], report[0]))
    plt = pyplot()
    fig, axes = plt.subplots(len(rows), 1, figsize=(7, 1.3 * len(rows)), squeeze=False)
    for ax, (t, p, r) in zip(axes[:, 0], rows):
        a, b = p.trimmed()
        logomaker.Logo(pd.DataFrame(p.cwm[a:b], columns=list("ACGT")), ax=ax, color_scheme="classic")
        ax.set_xticks([])
        ax.set_yticks([])
        sign = "" if p.sign > 0 else " that lower it"
        ax.set_title(f"target {t}: {p.n_seqlets} seqlets{sign} -> {r[6]} ({r[7]}), q = {float(r[8]):.1e}", fontsize=9)
    save_png(fig, img / "modisco_patterns.png")
    logos = sorted((walk / "attr").glob("CTCF.logo.*.png"))
    if logos:
        shutil.copyfile(logos[0], img / "attribution_ctcf.png")


if __name__ == "__main__":
    main()
