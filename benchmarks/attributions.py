#!/usr/bin/env python3
"""Attributions, TF-MoDISco and FIMO on a planted-motif set: what the issue-31 goals measure.

Simulates a planted-motif set with dlbio's own generator (several JASPAR motifs, one target
each), trains a small DanQ on it, then, timing each step:

* expected gradients (10 dinucleotide-shuffled references) for each target's positive test
  sequences, and TF-MoDISco (modisco-lite) on them: is every planted motif recovered with a
  Tomtom q < 0.05, and is any pattern of 100+ seqlets something else?
* agreement with ISM at the planted sites (Pearson r, per-base contributions, logit);
* saturation: sequences holding a target's motif twice, contribution at the two sites under
  expected gradients and under gradient x input (probability, where saturation shows);
* FIMO (memelite) with the planted JASPAR matrices and with MoDISco's patterns: planted
  sites found;
* with --speed N: full-size DanQ (919 targets, 1000 bp), expected gradients for N sequences
  with 10 references, sequences per second;
* with --host N: the same for a model that costs next to nothing (one Conv1D of 4 filters),
  so that what is timed is dlbio's own work around the gradients (references, path points,
  copies): what a GPU would wait on.

    python benchmarks/attributions.py --out /tmp/bench            # ~10 min on 2 cores
    python benchmarks/attributions.py --speed 1000 --skip-planted  # the speed goal alone
    python benchmarks/attributions.py --host 1000 --skip-planted   # dlbio's own share
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

MOTIFS = ("CTCF", "GATA1", "SPI1", "CEBPB", "FOXA1", "HNF4A")
ISM_SETTINGS = {  # attributions compared with ISM at the planted sites
    "eg 10x4 (default)": {},
    "eg 10x8": {"steps": 8},
    "eg 20x8": {"references": 20, "steps": 8},
    "eg 10x2": {"steps": 2},
    "integrated_gradients": {"method": "integrated_gradients"},
    "gradient_x_input": {"method": "gradient_x_input"},
}


def timed(label: str, times: dict):
    class _T:
        def __enter__(self):
            self.t = time.perf_counter()

        def __exit__(self, *exc):
            times[label] = round(time.perf_counter() - self.t, 1)
            print(f"  [{label}: {times[label]} s]", flush=True)

    return _T()


def train_small_danq(planted, epochs: int, seed: int, filters: int):
    import keras

    from dlbio.data.encoding import index_to_onehot
    from dlbio.models.deepsea import danq

    keras.utils.set_random_seed(seed)
    # docs/danq.md's CPU model: DanQ with 128 filters of width 15, 64 LSTM units, 128 dense
    model = danq(n_targets=len(planted.motifs), length=planted.splits["train"][0].shape[1], filters=filters,
                 kernel_size=15, lstm_units=64, dense_units=128)  # fmt: skip
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    x, y = planted.splits["train"]
    vx, vy = planted.splits["valid"]
    model.fit(index_to_onehot(x), y, validation_data=(index_to_onehot(vx), vy), epochs=epochs, batch_size=64, verbose=2)
    return model


def planted_sites(planted, split: str, name: str) -> dict[int, list[tuple[int, int]]]:
    """{row: [(start, stop)]} of motif *name*'s planted sites in *split*."""
    out: dict[int, list[tuple[int, int]]] = {}
    width = {m.name: m.length for m in planted.motifs}
    for s, row, _mid, motif, start, _strand in planted.truth:
        if s == split and motif == name:
            out.setdefault(row, []).append((start, start + width[motif]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="bench_attributions")
    ap.add_argument("--n-train", type=int, default=30000)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--per-target", type=int, default=800, help="positive test sequences attributed per target")
    ap.add_argument("--ism", type=int, default=60, help="sequences per target for the ISM agreement")
    ap.add_argument("--speed", type=int, default=0, help="full-size DanQ: attribute this many 1000-bp sequences")
    ap.add_argument("--host", type=int, default=0, help="a near-free model: attribute this many 1000-bp sequences")
    ap.add_argument("--skip-planted", action="store_true")
    ap.add_argument("--motifs", default=",".join(MOTIFS), help="JASPAR motifs planted, one target each")
    ap.add_argument("--filters", type=int, default=128, help="the small DanQ's convolution filters")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict = {"times_s": {}}
    times = figures["times_s"]
    if not a.skip_planted:
        planted_benchmark(a, out, figures, times)
    if a.speed:
        speed_benchmark(a.speed, figures, times)
    if a.host:
        host_benchmark(a.host, figures)
    import keras

    figures["backend"] = keras.backend.backend()
    print(json.dumps(figures, indent=1))
    (out / "figures.json").write_text(json.dumps(figures, indent=1))


def planted_benchmark(a, out: Path, figures: dict, times: dict) -> None:
    from sklearn.metrics import roc_auc_score

    from dlbio.data.encoding import index_to_onehot
    from dlbio.data.simulate import simulate
    from dlbio.interpret.attributions import contributions, hypothetical_contributions
    from dlbio.interpret.files import write_npz
    from dlbio.motifs import jaspar
    from dlbio.motifs.modisco import read_patterns
    from dlbio.motifs.tomtom import qvalues
    from dlbio.predict import predict_index
    from dlbio.workflows.modisco import modisco

    with timed("simulate", times):
        planted = simulate(a.motifs.split(","), {"train": a.n_train, "valid": 1000, "test": 3000}, length=200,
                           motifs_per_seq=2, seed=a.seed)  # fmt: skip
    if (out / "model.keras").is_file():
        import keras

        model = keras.saving.load_model(out / "model.keras")
    else:
        with timed("train", times):
            model = train_small_danq(planted, a.epochs, a.seed, a.filters)
        model.save(out / "model.keras")
    tx, ty = planted.splits["test"]
    pred = predict_index(model, tx)
    figures["test_auc"] = {
        m.name: round(float(roc_auc_score(ty[:, j], pred[:, j])), 4) for j, m in enumerate(planted.motifs)
    }
    print("test ROC AUC", figures["test_auc"])
    names = [m.name for m in planted.motifs]
    collection = jaspar.load_collection()
    ids = [m.matrix_id for m in collection]
    planted_index = {m.name: ids.index(m.matrix_id) for m in planted.motifs}
    figures["modisco"], figures["ism_r"], figures["saturation"], figures["fimo"] = {}, {}, {}, {}
    for j, name in enumerate(names):
        rows = np.flatnonzero(ty[:, j] == 1)[: a.per_target]
        idx = tx[rows]
        with timed(f"attribute {name} ({len(rows)} seqs)", times):
            hyp = hypothetical_contributions(model, idx, j, references=10, seed=a.seed)
        stem = out / name
        write_npz(f"{stem}.ohe.npz", index_to_onehot(idx)[..., [0, 2, 1, 3]])
        write_npz(f"{stem}.hyp.npz", hyp)
        with timed(f"modisco {name}", times):
            result = modisco(f"{stem}.ohe.npz", f"{stem}.hyp.npz", f"{stem}.modisco", window=200)
        figures["modisco"][name] = [
            {k: r[k] for k in ("pattern", "seqlets", "consensus", "jaspar", "jaspar_q", "matched")}
            for r in result.patterns
        ]
        for row, pat in zip(figures["modisco"][name], read_patterns(result.h5)):
            lo, hi = pat.trimmed()  # Tomtom's q of the pattern against the planted matrix itself
            row["planted_q"] = float(qvalues(pat.ppm[lo:hi], collection)[planted_index[name]])
        # ISM agreement at planted sites, logit, per-base contribution of the sequence's own base
        sites = planted_sites(planted, "test", name)
        few = rows[: a.ism]
        with timed(f"ism {name} ({len(few)} seqs)", times):
            ism_hyp = hypothetical_contributions(model, tx[few], j, method="ism")
            ism = contributions(tx[few], ism_hyp).sum(axis=2)
        at = [(k, p) for k, r in enumerate(few) for s, e in sites.get(int(r), []) for p in range(s, e)]
        k_, p_ = np.array(at).T
        figures["ism_r"][name] = {}
        figures.setdefault("ism_r_hypothetical", {})[name] = {}
        for label, settings in ISM_SETTINGS.items():
            default = label == "eg 10x4 (default)"
            h = hyp[: len(few)] if default else hypothetical_contributions(model, tx[few], j, **settings)
            per_base = contributions(tx[few], h).sum(axis=2)
            figures["ism_r"][name][label] = round(float(np.corrcoef(per_base[k_, p_], ism[k_, p_])[0, 1]), 3)
            # the (L, 4) maps: every base's hypothetical contribution against ISM's centred effect
            r = np.corrcoef(h[k_, p_].ravel(), ism_hyp[k_, p_].ravel())[0, 1]
            figures["ism_r_hypothetical"][name][label] = round(float(r), 3)
        figures["saturation"][name] = saturation(model, planted.motifs[j], j, a.seed)
    figures["fimo"] = fimo_recall(planted, out, names)
    # recovered: a pattern of the target matches its planted matrix at Tomtom q < 0.05
    figures["recovered"] = {n: any(r["planted_q"] < 0.05 for r in figures["modisco"][n]) for n in names}
    # stray: a pattern of 100+ seqlets that matches no planted matrix at q < 0.05
    figures["stray_patterns_100"] = [
        (n, r["pattern"], r["jaspar"]) for n in names for r in figures["modisco"][n]
        if r["seqlets"] >= 100 and not any(
            float(qvalues(p.ppm[slice(*p.trimmed())], collection)[planted_index[m]]) < 0.05
            for p in read_patterns(out / f"{n}.modisco.h5") if p.name == r["pattern"] for m in names
        )
    ]  # fmt: skip


def saturation(model, motif, target: int, seed: int) -> dict:
    """Contribution (probability) at a motif planted once and twice in background sequences,
    under expected gradients and under gradient x input."""
    from dlbio.data.simulate import random_bases, sample_sites
    from dlbio.interpret.attributions import contributions, hypothetical_contributions

    rng = np.random.default_rng(seed + 1)
    n, w = 50, motif.length
    background = random_bases(rng, n, 200, 0.42)
    twice = background.copy()
    a, b = 40, 130
    twice[:, a : a + w] = sample_sites(motif, n, rng)
    twice[:, b : b + w] = sample_sites(motif, n, rng)
    from dlbio.predict import predict_index

    out = {"prediction_twice": round(float(predict_index(model, twice)[:, target].mean()), 4)}
    for method in ("expected_gradients", "gradient_x_input"):
        c = contributions(
            twice, hypothetical_contributions(model, twice, target, method=method, log_odds=False, seed=seed)
        )
        per_base = c.sum(axis=2)
        out[method] = round(float((per_base[:, a : a + w].sum(1) + per_base[:, b : b + w].sum(1)).mean()), 4)
    return out


def fimo_recall(planted, out: Path, names: list[str]) -> dict:
    """Planted test sites overlapped by a FIMO hit (p < 1e-4) of their JASPAR matrix, and of
    the MoDISco pattern named after it."""
    from dlbio.data.encoding import decode
    from dlbio.motifs.fimo import Motif, motifs_from, scan

    tx, _ = planted.splits["test"]
    seqs = [decode(r) for r in tx[:1000]]
    ids = [str(i) for i in range(len(seqs))]
    result = {}
    hits = scan([Motif(m.matrix_id, m.name, m.probabilities()) for m in planted.motifs], ids, seqs)
    for m in planted.motifs:
        sites = planted_sites(planted, "test", m.name)
        truth = [(r, s, e) for r, spans in sites.items() if r < len(seqs) for s, e in spans]
        found = {(int(h["sequence_name"]), h["start"] - 1) for h in hits if h["motif_alt_id"] == m.name}
        got = sum(any((r, p) in found for p in range(s - 2, s + 3)) for r, s, e in truth)
        result[m.name] = {"planted": len(truth), "found_jaspar": got}
        meme = out / f"{m.name}.modisco.meme"
        if meme.is_file() and "MOTIF" in meme.read_text():
            pats = motifs_from(str(meme), "JASPAR2024")
            ph = scan(pats, ids, seqs)
            cover = {(int(h["sequence_name"]), q) for h in ph for q in range(h["start"] - 1, h["stop"])}
            result[m.name]["found_modisco"] = sum(any((r, q) in cover for q in range(s, e)) for r, s, e in truth)
    return result


def speed_benchmark(n: int, figures: dict, times: dict) -> None:
    from dlbio.interpret.attributions import hypothetical_contributions
    from dlbio.models.deepsea import danq

    model = danq()
    idx = np.random.default_rng(0).integers(0, 4, (n, 1000)).astype(np.uint8)
    hypothetical_contributions(model, idx[:4], 0, references=10)  # compile
    t = time.perf_counter()
    hypothetical_contributions(model, idx, 0, references=10, progress=True)
    took = time.perf_counter() - t
    times[f"full DanQ, {n} x 1000 bp, 10 references"] = round(took, 1)
    figures["speed_seq_per_s"] = round(n / took, 2)


def host_benchmark(n: int, figures: dict) -> None:
    import keras

    from dlbio.interpret.attributions import hypothetical_contributions

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((1000, 4)),
            keras.layers.Conv1D(4, 8, activation="relu"),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    idx = np.random.default_rng(0).integers(0, 4, (n, 1000)).astype(np.uint8)
    hypothetical_contributions(model, idx[:64], 0, batch_size=1280)  # compiles, as gpu.py does
    rates = []
    for _ in range(2):
        t = time.perf_counter()
        hypothetical_contributions(model, idx, 0, batch_size=1280)
        rates.append(round(n / (time.perf_counter() - t), 1))
    figures["host_seq_per_s"] = rates


if __name__ == "__main__":
    main()
