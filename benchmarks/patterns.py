#!/usr/bin/env python3
"""Patterns of seqlets (dlbio.motifs.patterns) at scale: time and how well they sort.

Random 1000-bp records, each holding one of three 10-bp motifs (a random strand and
place), or none; the motif's bases get importance 1 over N(0, 0.05) noise.  Seqlets are
called as `dlbio mutagenesis --seqlets` calls them, then grouped into patterns.  Prints,
per record count: seqlets, seconds to call them and to group them, and per pattern its size
and the share of its seqlets that come from one motif.

    python benchmarks/patterns.py --records 2000,10000
    python benchmarks/patterns.py --records 20,50,200,1000 --modisco   # beside modisco-lite

With --modisco, modisco-lite (TF-MoDISco) runs on the same records (hypothetical
contributions: the importance on every base), for what each finds with few records, as
`dlbio mutagenesis --seqlets` sees them (a handful of peaks), and with many.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

MOTIFS = ("GATTACAGGC", "CCGGTTTCAA", "TGCATGCCTA")


def planted(n: int, rng, length: int = 1000):
    """codes uint8 (n, L), importance (n, L), the motif (index, or -1) of each record."""
    from dlbio.data.encoding import encode, reverse_complement

    which = rng.integers(-1, len(MOTIFS), n)
    codes = rng.integers(0, 4, (n, length)).astype(np.uint8)
    importance = rng.normal(0, 0.05, (n, length)).astype(np.float32)
    for r in np.flatnonzero(which >= 0):
        site = encode(MOTIFS[which[r]])
        site = reverse_complement(site) if rng.random() < 0.5 else site
        at = int(rng.integers(50, length - 60))
        codes[r, at : at + len(site)] = site
        importance[r, at : at + len(site)] += 1.0
    return codes, importance, which


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", default="2000,10000", help="comma-separated record counts")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--modisco", action="store_true", help="also run modisco-lite on the same records")
    a = ap.parse_args()
    from dlbio.interpret.seqlets import call_seqlets
    from dlbio.motifs.patterns import find_patterns
    from dlbio.workflows.seqlet_report import SEQLET_MIN_LEN

    for n in (int(v) for v in a.records.split(",")):
        codes, importance, which = planted(n, np.random.default_rng(a.seed))
        t0 = time.perf_counter()
        found = call_seqlets(importance, 1e-5, min_len=SEQLET_MIN_LEN)
        t1 = time.perf_counter()
        patterns = find_patterns(codes, importance, found)
        t2 = time.perf_counter()
        said = []
        for p in patterns:
            origin = Counter(int(which[found[i].record]) for i in p.members)
            motif, k = origin.most_common(1)[0]
            said.append(f"{p.name} {p.consensus()} {len(p.members)} ({100 * k / len(p.members):.1f} % motif {motif})")
        print(
            f"{n:,} records, {len(found):,} seqlets: called in {t1 - t0:.1f} s, patterns in {t2 - t1:.1f} s; "
            + "; ".join(said),
            flush=True,
        )
        if a.modisco:
            modisco_line(codes, importance, which)


def modisco_line(codes, importance, which) -> None:
    """modisco-lite's patterns of the same records: seqlets each, and the share from one motif."""
    from dlbio.data.encoding import agct_to_acgt, index_to_onehot
    from dlbio.motifs.modisco import run

    one_hot = agct_to_acgt(index_to_onehot(codes))
    hyp = np.repeat(importance[:, :, None], 4, axis=2)
    t0 = time.perf_counter()
    positive, _ = run(
        one_hot, hyp, {"max_seqlets_per_metacluster": 2000, "target_seqlet_fdr": 0.05, "n_leiden_runs": 2}
    )
    said = []
    for k, p in enumerate(positive or []):
        origin = Counter(int(which[s.example_idx]) for s in p.seqlets)
        motif, m = origin.most_common(1)[0]
        said.append(f"pattern_{k} {len(p.seqlets)} ({100 * m / len(p.seqlets):.1f} % motif {motif})")
    print(f"  modisco-lite: {len(said)} patterns in {time.perf_counter() - t0:.1f} s; " + "; ".join(said), flush=True)


if __name__ == "__main__":
    main()
