#!/usr/bin/env python3
"""Users' data at scale: whole commands with a full-size DanQ (919 targets, 1000 bp,
untrained weights: the speed does not depend on them), each in a fresh process so that
its wall time and peak resident memory are its own (start-up and model loading included).

  variants       dlbio variants on N SNVs of data/genome_tiny chr1 (-o .h5 and .tsv)
  mutagenesis    dlbio mutagenesis of 1 and of 4 random 1000-bp sequences (--all-records; also of
                 their positions 401-600 only), and
                 with --method gradient of 1, 4 and --gradient-seqs (--no-png) sequences
  track          dlbio track over --track-kb kb of data/genome_tiny chr1 (--step 200), all 919
                 targets' bedGraphs and the figure of the first 16
  regions        danq-predict --bed on N random 200-bp chr1 regions, TSV and HDF5, with a
                 DanQ of the full 919 targets but 8 filters, so that the table (N x 919),
                 not the network, dominates
  prepare        danq-prepare on a random genome (--prepare-genome: a size in Mb, 3 chromosomes,
                 or hg19's 24 chromosome sizes; a gap of N in each) with --prepare-targets
                 targets of --prepare-peaks narrowPeak peaks (per 300 Mb) each

Prints one JSON object per measurement; docs/benchmarks.md records the figures.  Usage:
  python benchmarks/genomics.py [--variants 1000,5000] [--regions 200000] [--prepare-genome 300|hg19]
                                [--prepare-targets 10] [--prepare-peaks 10000]
                                [--track-kb 400] [--gradient-seqs 1000]
                                [--only variants,mutagenesis,track,regions,prepare] [--out /tmp/dlbio-bench-genomics]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
GENOME = ROOT / "data" / "genome_tiny" / "genome.fa"

# Runs one command and reports its wall time and its (only) child's peak RSS.
_TIMER = (
    "import json, resource, subprocess, sys, time; t = time.time(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(json.dumps({'wall_s': round(time.time() - t, 1), "
    "'peak_gb': round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, 2)}))"
)


def measure(name: str, *args, output: Path | None = None, **extra) -> None:
    cmd = [sys.executable, "-m", "dlbio", *map(str, args)]
    res = json.loads(
        subprocess.run([sys.executable, "-c", _TIMER, *cmd], check=True, capture_output=True, text=True).stdout
    )
    if output is not None:
        res["output_mb"] = round(output.stat().st_size / 2**20, 1)
    print(json.dumps({"measure": name, **extra, **res}), flush=True)


def make_models(out: Path) -> tuple[Path, Path]:
    import keras

    from dlbio.models.deepsea import danq

    keras.utils.set_random_seed(0)
    full, small = out / "danq_full.keras", out / "danq_919_small.keras"
    danq().save(full)
    danq(filters=8, kernel_size=9, lstm_units=4, dense_units=8).save(small)
    return full, small


def chr1() -> str:
    from dlbio.data.genome import Genome

    genome = Genome(GENOME)
    return genome.fetch("chr1", 0, genome.lengths["chr1"])


# hg19's chromosomes (UCSC sizes, bp): --prepare-genome hg19 makes a random genome of this layout.
HG19 = {
    "chr1": 249250621,
    "chr2": 243199373,
    "chr3": 198022430,
    "chr4": 191154276,
    "chr5": 180915260,
    "chr6": 171115067,
    "chr7": 159138663,
    "chr8": 146364022,
    "chr9": 141213431,
    "chr10": 135534747,
    "chr11": 135006516,
    "chr12": 133851895,
    "chr13": 115169878,
    "chr14": 107349540,
    "chr15": 102531392,
    "chr16": 90354753,
    "chr17": 81195210,
    "chr18": 78077248,
    "chr19": 59128983,
    "chr20": 63025520,
    "chr21": 48129895,
    "chr22": 51304566,
    "chrX": 155270560,
    "chrY": 59373566,
}


def genome_layout(name: str) -> dict[str, int]:
    """'hg19', or a size in Mb: 3 chromosomes in the ratio 4:3:3."""
    if name == "hg19":
        return HG19
    total = int(name) * 1_000_000
    return {"chr1": total * 4 // 10, "chr2": total * 3 // 10, "chr3": total * 3 // 10}


def make_genome_and_peaks(out: Path, lengths: dict[str, int], targets: int, peaks: int, rng) -> Path:
    """A random genome of chromosomes *lengths* (bases 1000-20000 of each N) and *targets*
    narrowPeak files of *peaks* peaks per 300 Mb; returns the target sheet."""
    out.mkdir(parents=True, exist_ok=True)
    chunk = 60 * 200_000  # bases made at a time (12 Mb, whole 60-base lines): hg19's chr1 at once is 2 GB
    with open(out / "genome.fa", "wb") as fh:
        for chrom, n in lengths.items():
            fh.write(f">{chrom}\n".encode())
            for a in range(0, n, chunk):
                seq = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, min(chunk, n - a), dtype=np.uint8)]
                if a == 0:
                    seq[1000:20000] = ord("N")
                whole = seq[: len(seq) - len(seq) % 60].reshape(-1, 60)  # 60 bases a line, as UCSC's FASTA
                fh.write(np.hstack([whole, np.full((len(whole), 1), ord("\n"), np.uint8)]).tobytes())
                if len(seq) % 60:
                    fh.write(seq[len(seq) - len(seq) % 60 :].tobytes() + b"\n")
    sheet = []
    for t in range(targets):
        rows = []
        for chrom, n in lengths.items():
            k = int(peaks * n / 300e6)
            starts, widths = np.sort(rng.integers(0, n - 2000, k)), rng.integers(150, 600, k)
            rows += [
                f"{chrom}\t{a}\t{a + w}\tp{i}\t0\t.\t1\t1\t1\t{w // 2}\n"
                for i, (a, w) in enumerate(zip(starts, widths))
            ]
        (out / f"t{t}.narrowPeak").write_text("".join(rows))
        sheet.append(f"T{t}\tt{t}.narrowPeak\n")
    (out / "targets.tsv").write_text("".join(sheet))
    return out / "targets.tsv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="1000,5000", help="comma-separated VCF sizes")
    ap.add_argument("--regions", type=int, default=200_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/dlbio-bench-genomics"))
    ap.add_argument(
        "--prepare-genome",
        default="300",
        help="genome for danq-prepare: a size in Mb (3 chromosomes), or hg19 (its 24 chromosomes' "
        "sizes, DeepSEA's hold-outs chr7 and chr8,chr9, --reverse-complement)",
    )
    ap.add_argument("--prepare-targets", type=int, default=10)
    ap.add_argument("--prepare-peaks", type=int, default=10_000, help="peaks per target and 300 Mb")
    ap.add_argument("--track-kb", type=int, default=400, help="region of dlbio track, kb")
    ap.add_argument("--gradient-seqs", type=int, default=1000, help="sequences of mutagenesis --method gradient")
    ap.add_argument("--only", default="variants,mutagenesis,track,regions,prepare", help="measurements to run")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    only = set(a.only.split(","))
    rng = np.random.default_rng(a.seed)
    full, small = make_models(a.out)
    seq = chr1()

    for n in map(int, a.variants.split(",")) if "variants" in only else ():
        vcf = a.out / f"snv{n}.vcf"
        pos = np.sort(rng.choice(np.arange(1000, len(seq) - 1000), n, replace=False))
        vcf.write_text(
            "#CHROM\tPOS\tID\tREF\tALT\n"
            + "".join(f"chr1\t{p + 1}\tv{p + 1}\t{seq[p]}\t{'A' if seq[p] != 'A' else 'C'}\n" for p in pos)
        )
        for suffix in ("h5", "tsv"):
            out = a.out / f"effects{n}.{suffix}"
            measure(
                "variants", "variants", "--vcf", vcf, "-g", GENOME, "-w", full, "-o", out, "-q", output=out, variants=n
            )

    if "mutagenesis" in only:
        measure_mutagenesis(a, rng, full)
    if "track" in only:
        targets = ",".join(map(str, range(1, 920)))
        measure(
            "track",
            "track",
            "-w",
            full,
            "-g",
            GENOME,
            "-r",
            f"chr1:0-{a.track_kb * 1000}",
            "-t",
            targets,
            "-o",
            a.out / "track",
            "-q",
            kb=a.track_kb,
            bins=a.track_kb * 5,
        )
    if "regions" in only:
        measure_regions(a, rng, small, seq)
    if "prepare" in only:
        lengths = genome_layout(a.prepare_genome)
        sheet = make_genome_and_peaks(
            a.out / f"genome{a.prepare_genome}_{a.prepare_targets}", lengths, a.prepare_targets, a.prepare_peaks, rng
        )
        split = (
            ["--reverse-complement"]
            if a.prepare_genome == "hg19"
            # danq-prepare's defaults: DeepSEA's
            else ["--test-chroms", "chr3", "--valid-chroms", "chr2", "--neg-fraction", 0.05]
        )
        measure(
            "prepare",
            "danq-prepare",
            "-g",
            sheet.parent / "genome.fa",
            "--sheet",
            sheet,
            *split,
            "-o",
            a.out / "prepared",
            "-q",
            "--force",
            genome=a.prepare_genome,
            megabases=round(sum(lengths.values()) / 1e6),
            targets=a.prepare_targets,
            peaks_per_300mb=a.prepare_peaks,
        )


def measure_mutagenesis(a, rng, full: Path) -> None:
    fasta = a.out / "four1000.fa"
    fasta.write_text("".join(f">r{i}\n{''.join(rng.choice(list('ACGT'), 1000))}\n" for i in range(4)))
    measure(
        "mutagenesis", "mutagenesis", "-w", full, "--fasta", fasta, "-t", 100, "-o", a.out / "ism", "-q", sequences=1
    )
    measure(
        "mutagenesis",
        "mutagenesis",
        "-w",
        full,
        "--fasta",
        fasta,
        "--all-records",
        "-t",
        100,
        "-o",
        a.out / "ism",
        "-q",
        sequences=4,
    )
    measure(
        "mutagenesis",
        "mutagenesis",
        "-w",
        full,
        "--fasta",
        fasta,
        "--all-records",
        "-t",
        100,
        "-o",
        a.out / "ism_centre",
        "-q",
        "--positions",
        "401-600",
        positions="401-600",
        sequences=4,
    )
    measure(
        "mutagenesis",
        "mutagenesis",
        "-w",
        full,
        "--fasta",
        fasta,
        "-t",
        100,
        "-o",
        a.out / "grad",
        "-q",
        "--method",
        "gradient",
        method="gradient",
        sequences=1,
    )
    measure(
        "mutagenesis",
        "mutagenesis",
        "-w",
        full,
        "--fasta",
        fasta,
        "--all-records",
        "-t",
        100,
        "-o",
        a.out / "grad",
        "-q",
        "--method",
        "gradient",
        method="gradient",
        sequences=4,
    )
    many = a.out / f"many{a.gradient_seqs}.fa"
    many.write_text("".join(f">r{i}\n{''.join(rng.choice(list('ACGT'), 1000))}\n" for i in range(a.gradient_seqs)))
    (a.out / "grad_many").mkdir(exist_ok=True)
    measure(
        "mutagenesis",
        "mutagenesis",
        "-w",
        full,
        "--fasta",
        many,
        "--all-records",
        "-t",
        100,
        "-o",
        a.out / "grad_many" / "g",
        "-q",
        "--method",
        "gradient",
        "--no-png",
        method="gradient",
        sequences=a.gradient_seqs,
    )


def measure_regions(a, rng, small: Path, seq: str) -> None:
    bed = a.out / f"regions{a.regions}.bed"
    starts = rng.integers(1000, len(seq) - 1200, a.regions)
    bed.write_text("".join(f"chr1\t{s}\t{s + 200}\tp{i}\n" for i, s in enumerate(starts)))
    for suffix in ("tsv", "h5"):
        out = a.out / f"regions.{suffix}"
        measure(
            "regions",
            "danq-predict",
            "-w",
            small,
            "--bed",
            bed,
            "--genome",
            GENOME,
            "-o",
            out,
            "-q",
            output=out,
            regions=a.regions,
        )


if __name__ == "__main__":
    main()
