#!/usr/bin/env python3
"""Make data/genome_tiny: a small random genome with JASPAR motifs planted under peaks.

    python scripts/make_tiny_genome.py data/genome_tiny

chr1 (600 kb, training), chr2 and chr3 (150 kb each, validation and test) with CTCF,
GATA1 and CEBPB sites; one narrowPeak file per motif (peaks of 200-300 bp around
the sites), targets.tsv (sheet), a VCF with variants that destroy planted sites and
variants elsewhere, and example.fa (1000-bp windows to predict).
"""

import argparse
from pathlib import Path

import numpy as np

from dlbio.motifs import jaspar

MOTIFS = ["CTCF", "GATA1", "CEBPB"]
CHROMS = {"chr1": 600_000, "chr2": 150_000, "chr3": 150_000}
SITES_PER_100KB = 45


def main(out: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    genome, peaks, sites = {}, {m: [] for m in MOTIFS}, []
    for chrom, n in CHROMS.items():
        seq = np.array(list("ACGT"))[rng.choice(4, n, p=[0.29, 0.21, 0.21, 0.29])]
        for m in MOTIFS:
            mot = jaspar.find(m)
            prob = mot.probabilities(0.01)
            for _ in range(SITES_PER_100KB * n // 100_000):
                start = int(rng.integers(600, n - 600))
                site = np.array([rng.choice(list("ACGT"), p=p) for p in prob])
                if rng.random() < 0.5:
                    site = np.array(list("TGCA"))[["ACGT".index(b) for b in site[::-1]]]
                seq[start : start + len(site)] = site
                left, right = int(rng.integers(90, 140)), int(rng.integers(90, 140))
                peaks[m].append((chrom, start - left, start + len(site) + right))
                sites.append((chrom, start, m, "".join(site)))
        genome[chrom] = "".join(seq)
    with open(out / "genome.fa", "w") as fh:
        for chrom, s in genome.items():
            fh.write(f">{chrom}\n" + "\n".join(s[i : i + 60] for i in range(0, len(s), 60)) + "\n")
    for m in MOTIFS:
        with open(out / f"{m}.narrowPeak", "w") as fh:
            for i, (c, s, e) in enumerate(sorted(peaks[m])):
                fh.write(f"{c}\t{s}\t{e}\t{m}_peak{i + 1}\t1000\t.\t50.0\t10.0\t8.0\t{(e - s) // 2}\n")
    (out / "targets.tsv").write_text("".join(f"{m}\t{m}.narrowPeak\n" for m in MOTIFS))
    # variants: in the middle of test-chromosome sites (destroying: the most informative
    # base changed to the least likely one), and at random test-chromosome positions
    rows = []
    for chrom, start, m, _site in [s for s in sites if s[0] == "chr3"][:12]:
        prob = jaspar.find(m).probabilities()
        j = int(np.argmax(prob.max(axis=1)))
        # the site may be reverse-complemented: the ALT is chosen from the genome's base
        pos = start + j
        ref = genome[chrom][pos]
        alt = {"A": "C", "C": "A", "G": "T", "T": "G"}[ref]
        rows.append((chrom, pos + 1, f"{m}_site_{pos + 1}", ref, alt))
    for k in range(8):
        pos = int(rng.integers(1000, CHROMS["chr3"] - 1000))
        ref = genome["chr3"][pos]
        rows.append(("chr3", pos + 1, f"random_{k + 1}", ref, "A" if ref != "A" else "G"))
    with open(out / "variants.vcf", "w") as fh:
        fh.write(
            "##fileformat=VCFv4.2\n##contig=<ID=chr3,length=150000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        )
        for c, p, i, r, a in sorted(rows, key=lambda r: r[1]):
            fh.write(f"{c}\t{p}\t{i}\t{r}\t{a}\t.\tPASS\t.\n")
    with open(out / "example.fa", "w") as fh:
        for chrom, start, m, _ in [s for s in sites if s[0] == "chr3"][:3]:
            w0 = start - 493
            fh.write(f">{m}_{chrom}_{start}\n{genome[chrom][w0 : w0 + 1000]}\n")
        fh.write(f">background_chr3\n{genome['chr3'][5000:6000]}\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="example: python scripts/make_tiny_genome.py data/genome_tiny"
    )
    parser.add_argument("out", nargs="?", default="data/genome_tiny", help="output folder [data/genome_tiny]")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(Path(args.out), args.seed)
