#!/usr/bin/env python3
"""The GPU check: DanQ and DeepSEA through dlbio's own store, loader, danq-train and danq-predict.

Run by ``benchmarks/gpu.sh`` on a GPU machine (JAX and/or PyTorch with CUDA, no TensorFlow
needed).  Makes a synthetic store of --n DanQ-sized samples (1000 bp, 919 targets), then:

  danq_train      one timed epoch of danq-train (the second of two: the first compiles)
  danq_predict    danq-predict's prediction of --predict-n samples (timed after a warm-up batch)
  deepsea_train   one timed epoch of DeepSEA with --mixed-precision
  attributions    expected gradients (10 references x 4 midpoints) of --attribute-n 1000-bp
                  sequences for one target of the full-size DanQ (issue 31's speed goal)
  batch_logs      DanQ's fit with a batch-end callback, its logs made floats at every step
                  (Keras's way, a wait per step) against left as tensors (dlbio's
                  BatchLogsAsTensors, as danq-train runs), --logs-steps steps, twice each
  dropout         PyTorch only: DanQ's fit three ways, --logs-steps steps, twice each: with
                  torch's own dropout (masks from its global generator, which no resume state
                  holds); with the masks from Keras's seed generators that danq-train uses
                  there (dlbio.backend.seeded_dropout: a bit-identical --resume, but one read
                  of the seed on the host, so a wait on the GPU, per dropout layer and step);
                  and with the same seeds kept on the host (seeds_on_host=True: no wait)

Each prints one JSON line: samples/s, the mean GPU utilisation and the peak GPU memory
(nvidia-smi, sampled every 0.5 s) while it ran.  On a CPU it runs too (use a small --n),
without the GPU figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from gpu_fit_paths import batch_logs, dropout

ROOT = Path(__file__).resolve().parents[1]


class GpuMonitor:
    """nvidia-smi's utilisation and memory, sampled in a thread while a block runs."""

    def __init__(self):
        self.util, self.mem, self._stop = [], [], threading.Event()

    def __enter__(self):
        if shutil.which("nvidia-smi"):
            threading.Thread(target=self._poll, daemon=True).start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits"],
                capture_output=True,
                text=True,
            ).stdout
            for line in out.strip().splitlines()[:1]:
                u, m = (float(v) for v in line.split(","))
                self.util.append(u)
                self.mem.append(m)
            self._stop.wait(0.5)

    def __exit__(self, *exc):
        self._stop.set()

    def figures(self) -> dict:
        if not self.util:
            return {"gpu_util_mean_pct": None, "gpu_mem_peak_MiB": None}
        return {"gpu_util_mean_pct": round(float(np.mean(self.util)), 1), "gpu_mem_peak_MiB": max(self.mem)}


def make_store(out: Path, n: int, n_valid: int, n_test: int, length: int = 1000, targets: int = 919) -> Path:
    from dlbio.data.dataset import building
    from dlbio.data.store import write_store

    if (out / "dataset.json").is_file():
        return out

    class Random:
        def __init__(self, split, rows):
            self.split, self.n, self.length, self.n_targets, self.target_names = split, rows, length, targets, None
            self.rng = np.random.default_rng(len(split))

        def read(self, start, stop):
            m = max(0, min(stop, self.n) - start)
            return (
                self.rng.integers(0, 4, (m, length), dtype=np.uint8),
                (self.rng.random((m, targets)) < 0.03).astype(np.uint8),
            )

    with building(out, force=True) as (tmp, build_id):
        for split, rows in (("train", n), ("valid", n_valid), ("test", n_test)):
            write_store(tmp / f"{split}.dlbio", Random(split, rows), build_id=build_id)
    return out


def dlbio(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlbio", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def timed_epoch(store: Path, out: Path, model: str, batch: int, extra: list[str]) -> dict:
    """Two epochs of danq-train; the second's seconds, from the log lines of a batch job."""
    with GpuMonitor() as gpu:
        t0 = time.time()
        res = dlbio(
            "danq-train",
            "-d",
            store,
            "-m",
            model,
            "-e",
            2,
            "-b",
            batch,
            "-o",
            "",
            "--out-dir",
            out,
            "--patience",
            5,
            *extra,
        )
        wall = time.time() - t0
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-3:]}
    epochs = re.findall(r"epoch (\d+)/2: .*?; ([\d.]+) s", res.stderr)
    seconds = float(epochs[-1][1]) if epochs else None
    n = int(re.search(r"([\d,]+) training sequences", res.stderr).group(1).replace(",", ""))
    return {
        "samples": n,
        "epoch_s": seconds,
        "samples_per_s": round(n / seconds) if seconds else None,
        "wall_s_two_epochs": round(wall, 1),
        **gpu.figures(),
    }


def predict(store: Path, out: Path, n: int) -> dict:
    from dlbio.data.sources import open_split
    from dlbio.models.files import load_dna_model
    from dlbio.predict import predict_source

    model = load_dna_model(out / "checkpoints" / "bestmodel.DanQ.keras")
    source = open_split(store, "test", n)
    # Compiles both batch shapes of the timed run, the last partial one too: on JAX a new shape
    # is a new compilation, seconds on a GPU, against under a second for 100,000 predictions.
    head = open_split(store, "test", 1024 + (n % 1024 or 1024))
    predict_source(model, head, batch_size=1024)
    with GpuMonitor() as gpu:
        t0 = time.time()
        pred = predict_source(model, source, batch_size=1024)
        dt = time.time() - t0
    assert pred.shape == (source.n, 919)
    return {"samples": source.n, "seconds": round(dt, 2), "samples_per_s": round(source.n / dt), **gpu.figures()}


def attributions(n: int) -> dict:
    from dlbio.interpret.attributions import hypothetical_contributions
    from dlbio.models.deepsea import danq

    model = danq()
    idx = np.random.default_rng(0).integers(0, 4, (n, 1000)).astype(np.uint8)
    batch = 1280
    per_call = batch // 40  # sequences a gradient call: 10 references x 4 midpoints each
    hypothetical_contributions(model, idx[: per_call + (n % per_call or per_call)], 0, batch_size=batch)  # as predict
    with GpuMonitor() as gpu:
        t0 = time.time()
        hyp = hypothetical_contributions(model, idx, 0, batch_size=batch)
        dt = time.time() - t0
    assert hyp.shape == (n, 1000, 4) and np.isfinite(hyp).all()
    return {"sequences": n, "references": 10, "seconds": round(dt, 2), "seq_per_s": round(n / dt, 1), **gpu.figures()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000, help="training samples in the store")
    ap.add_argument("--valid-n", type=int, default=8_000)
    ap.add_argument("--predict-n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--out", type=Path, default=Path("/tmp/dlbio-gpu"))
    ap.add_argument("--attribute-n", type=int, default=5000, help="sequences attributed")
    ap.add_argument("--logs-steps", type=int, default=60, help="training steps of each batch_logs and dropout run")
    ap.add_argument("--only", default="danq_train,danq_predict,deepsea_train,attributions,batch_logs,dropout")
    a = ap.parse_args()
    from dlbio import backend

    backend.select()
    where = {
        "backend": backend.name(),
        "version": backend.module().__version__,
        "gpus": backend.gpus(),
        "date": time.strftime("%Y-%m-%d"),
    }
    t0 = time.time()
    store = make_store(a.out / "store", a.n, a.valid_n, max(a.predict_n, 2048))
    print(json.dumps({"what": "store", "samples": a.n, "seconds": round(time.time() - t0, 1), **where}), flush=True)
    only = set(a.only.split(","))
    if "danq_train" in only or "danq_predict" in only:
        res = timed_epoch(store, a.out / "danq", "DanQ", a.batch, [])
        print(json.dumps({"what": "danq_train", "batch": a.batch, **res, **where}), flush=True)
    if "danq_predict" in only:
        print(json.dumps({"what": "danq_predict", **predict(store, a.out / "danq", a.predict_n), **where}), flush=True)
    if "deepsea_train" in only:
        res = timed_epoch(
            store, a.out / "deepsea", "DeepSEA", a.batch, ["--mixed-precision", "-O", "sgd", "-l", "0.01"]
        )
        print(
            json.dumps({"what": "deepsea_train", "mixed_precision": True, "batch": a.batch, **res, **where}), flush=True
        )
    if "attributions" in only:
        print(json.dumps({"what": "attributions", **attributions(a.attribute_n), **where}), flush=True)
    if "batch_logs" in only:
        print(json.dumps({"what": "batch_logs", **batch_logs(a.batch, a.logs_steps), **where}), flush=True)
    if "dropout" in only and where["backend"] == "torch":
        print(json.dumps({"what": "dropout", **dropout(a.batch, a.logs_steps), **where}), flush=True)


if __name__ == "__main__":
    main()
