#!/usr/bin/env python3
"""Which JASPAR motif does a stretch hold?  The seqlet report's answer (dlbio.motifs.stretches,
on memelite's FIMO) on planted sites: time and how often it names the planted motif; and
FIMO's plain least-p hit beside it.  (Until 5a8c119 the answer came from dlbio's own exact
scanner, dlbio/motifs/scan.py; this script measured it against FIMO, and the figures that
retired it are in docs/benchmarks.md.)

Planted-motif sequences from dlbio's generator (200 bp, CTCF, GATA1, SPI1, CEBPB, FOXA1,
HNF4A); each planted site, widened by 5 bp a side, is a stretch to name.  The report scores
every JASPAR CORE vertebrate matrix at every placement overlapping the stretch, corrects the
best placement for the placements tried (Sidak) and the motifs for their number (BH): one
answer a stretch, the motif or none.  FIMO alone reports every placement of every matrix
with p < 1e-4 in the whole sequence; its answer is the hit of least p overlapping it.

    python benchmarks/motif_scan.py --sequences 500
"""

from __future__ import annotations

import argparse
import time

MOTIFS = ("CTCF", "GATA1", "SPI1", "CEBPB", "FOXA1", "HNF4A")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sequences", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from dlbio.data.encoding import decode
    from dlbio.data.simulate import simulate
    from dlbio.motifs import jaspar
    from dlbio.motifs.fimo import Motif, scan
    from dlbio.motifs.stretches import best_motifs

    planted = simulate(list(MOTIFS), {"test": a.sequences}, length=200, motifs_per_seq=2, seed=a.seed)
    idx, _ = planted.splits["test"]
    seqs = [decode(r) for r in idx]
    width = {m.name: m.length for m in planted.motifs}
    stretches = [(row, max(0, s - 5), min(200, s + width[name] + 5), name) for _, row, _, name, s, _ in planted.truth]
    collection = jaspar.load_collection()
    motifs = [Motif(m.matrix_id, m.name, m.probabilities()) for m in collection]
    scan(motifs[:2], ["w"], [seqs[0]])  # warm up (numba)
    t = time.perf_counter()
    ours = best_motifs(motifs, [(seqs[r], s, e) for r, s, e, _ in stretches])
    t_scan = time.perf_counter() - t
    t = time.perf_counter()
    hits = scan(motifs, [str(i) for i in range(len(seqs))], seqs)
    t_fimo = time.perf_counter() - t
    by_row: dict[int, list] = {}
    for h in hits:
        by_row.setdefault(int(h["sequence_name"]), []).append(h)
    named = {"scan": 0, "fimo": 0}
    same = both = 0
    for (r, s, e, truth), hit in zip(stretches, ours):
        fimo_best = min(
            (h for h in by_row.get(r, []) if h["start"] - 1 < e and h["stop"] > s),
            key=lambda h: h["p-value"],
            default=None,
        )
        ours_name = hit.name if hit and hit.significant else None
        fimo_name = fimo_best["motif_alt_id"] if fimo_best else None
        named["scan"] += bool(ours_name) and ours_name.upper().startswith(truth.upper())
        named["fimo"] += bool(fimo_name) and fimo_name.upper().startswith(truth.upper())
        if ours_name and fimo_name:
            both += 1
            same += ours_name == fimo_name
    n = len(stretches)
    print(f"{n} planted sites in {len(seqs)} sequences, {len(collection)} JASPAR matrices")
    print(f"stretches: {t_scan:.1f} s, names the planted motif for {named['scan']} ({100 * named['scan'] / n:.0f} %)")
    print(f"FIMO:    {t_fimo:.1f} s ({len(hits):,} hits p < 1e-4), its least-p hit is the planted motif for "
          f"{named['fimo']} ({100 * named['fimo'] / n:.0f} %)")  # fmt: skip
    print(f"where both name a motif ({both}), the same one: {same} ({100 * same / max(both, 1):.0f} %)")


if __name__ == "__main__":
    main()
