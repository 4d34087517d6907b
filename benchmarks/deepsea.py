#!/usr/bin/env python3
"""DanQ / DeepSEA at scale: dlbio vs the original approach, measured in the same run.

Makes a DeepSEA-layout train.mat (uncompressed v7.3, 1000 bp, 919 targets, like the
published one) of --n samples, then measures, each in a fresh subprocess so its peak
resident memory is its own:

  convert        danq-convert MB/s of train.mat
  loader         samples/s of the training input pipeline alone (store and .mat)
  resume         seconds to the first batch of an epoch resumed at its last batch
  train          samples/s of DanQ / DeepSEA training: dlbio (store -> tf.data) vs naive
                 (whole arrays as float32 in memory + model.fit, the original DanQ)
  predict        samples/s of prediction, dlbio vs naive
  read_test      seconds and memory to read a v5 test.mat of --test-n samples: dlbio (a stream
                 into base indices and labels) vs scipy.io.loadmat (whole arrays, the original)
  verify         MB/s of checking the train store against its SHA-256 from the page cache (the
                 first open of a store), and the seconds of an open once it is remembered

Prints one JSON object per measurement.  Usage:
  python benchmarks/deepsea.py [--n 20000] [--train-n 800] [--batch 100] [--test-n 20000]
                               [--out /tmp/dlbio-bench] [--only read_test,...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def peak_mb() -> float:
    """This process's peak resident memory.  VmHWM, where there is one: Linux carries ru_maxrss
    over an exec, so a measurement started by a parent that had just made large data would
    report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_data(out: Path, n: int) -> None:
    import numpy as np

    from dlbio.data import deepsea_mat

    out.mkdir(parents=True, exist_ok=True)
    if (out / "train.mat").exists():
        return
    rng = np.random.default_rng(0)
    for split, size in (("train", n), ("valid", 1000), ("test", 2000)):
        idx = rng.integers(0, 4, size=(size, 1000)).astype(np.uint8)
        labels = (rng.random((size, 919)) < 0.03).astype(np.uint8)
        deepsea_mat.write_split(
            out / f"{split}.mat", split, idx, labels, "7.3" if split == "train" else "5", compress=False
        )


def make_test_v5(path: Path, n: int) -> None:
    """A DeepSEA-sized v5 test.mat (n x 4 x 1000 one-hot, 919 targets at 3 %), as danq-prepare --mat writes."""
    import numpy as np

    from dlbio.data import deepsea_mat
    from dlbio.data.sources import ArraySource

    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, size=(n, 1000)).astype(np.uint8)
    labels = (rng.random((n, 919)) < 0.03).astype(np.uint8)
    deepsea_mat.write_source(path, "test", ArraySource(idx, labels), "5")


def m_read_test(a):
    path = a.out / f"v5_{a.test_n}" / "test.mat"
    t = time.perf_counter()
    if a.kind == "dlbio":
        from dlbio.data.deepsea_mat import MatSet

        n = MatSet(path, "test").n
    else:
        from scipy.io import loadmat

        n = len(loadmat(path)["testxdata"])
    return {
        "what": "read_test",
        "impl": a.kind,
        "samples": n,
        "file_MB": round(path.stat().st_size / 1e6),
        "seconds": round(time.perf_counter() - t, 1),
    }


def m_convert(a):
    from dlbio.data.sources import convert

    mb = (a.data / "train.mat").stat().st_size / 1e6
    t = time.perf_counter()
    convert(a.data, a.store, ("train", "valid", "test"), force=True)
    dt = time.perf_counter() - t
    return {"what": "convert", "mat_MB": round(mb, 1), "seconds": round(dt, 2), "MB_per_s": round(mb / dt, 1)}


def m_verify(a):
    from dlbio.data import checksums, store

    path = a.store / "train.dlbio"
    mb = sum(f.stat().st_size for f in path.iterdir()) / 1e6
    for f in path.iterdir():  # into the page cache: the figure is the hashing, not the disk
        f.read_bytes()
    os.environ["DLBIO_CACHE"] = str(a.out / "verify-cache")
    memo = checksums._memo_path(path)
    memo.unlink(missing_ok=True)
    t = time.perf_counter()
    assert store.StoreSet(path).verified
    first = time.perf_counter() - t
    t = time.perf_counter()
    store.StoreSet(path)
    again = time.perf_counter() - t
    return {
        "what": "verify",
        "store_MB": round(mb, 1),
        "seconds": round(first, 3),
        "MB_per_s": round(mb / first),
        "remembered_open_s": round(again, 4),
    }


def m_loader(a):
    from dlbio.data import sources
    from dlbio.data.pipeline import make_dataset

    folder = a.store if a.kind == "store" else a.data
    src = sources.open_split(folder, "train")
    ds = make_dataset(src, 500, shuffle=True, seed=1)
    if hasattr(ds, "take"):  # tf.data: warm up the graph
        for _ in ds.take(2):
            pass
    t, n = time.perf_counter(), 0
    for x, _ in ds:
        n += int(x.shape[0])
    dt = time.perf_counter() - t
    from dlbio import backend

    return {"what": "loader", "source": a.kind, "backend": backend.name(), "samples": n, "samples_per_s": round(n / dt)}


def m_resume(a):
    """Seconds to the first batch of an epoch resumed at its last batch (the worst case of
    a requeued job), against a fresh epoch."""
    from dlbio.data import sources
    from dlbio.data.pipeline import make_dataset, steps_per_epoch

    folder = a.store if a.kind == "store" else a.data
    next(iter(make_dataset(sources.open_split(folder, "train", limit=500), 500)))  # start tf.data once
    src = sources.open_split(folder, "train")
    res = {"what": "resume", "source": a.kind, "samples": src.n}
    for name, skip in (("fresh_s", 0), ("at_last_batch_s", steps_per_epoch(src, 500) - 1)):
        t = time.perf_counter()
        next(iter(make_dataset(src, 500, shuffle=True, seed=1, skip_batches=skip)))
        res[name] = round(time.perf_counter() - t, 2)
    return res


def _model(name):
    import keras

    from dlbio.models import deepsea

    m = deepsea.build(name, 919, 1000)
    m.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=name == "DeepSEA")
    return m


class _Timer:
    def __init__(self):
        import keras

        class CB(keras.callbacks.Callback):
            def __init__(s):
                super().__init__()
                s.times = []

            def on_train_batch_end(s, batch, logs=None):
                s.times.append(time.perf_counter())

        self.cb = CB()


def m_train(a):
    import numpy as np

    from dlbio.data import sources
    from dlbio.data.encoding import index_to_onehot
    from dlbio.data.pipeline import make_dataset
    from dlbio.data.sources import read_all

    model, timer = _model(a.model), _Timer()
    if a.kind == "dlbio":
        src = sources.open_split(a.store, "train", limit=a.train_n)
        model.fit(make_dataset(src, a.batch, shuffle=True), epochs=1, verbose=0, callbacks=[timer.cb])
    else:  # the original approach: everything as float32 arrays in memory
        src = sources.open_split(a.data, "train", limit=a.train_n)
        idx, y = read_all(src)
        x = index_to_onehot(idx, np.float32)
        model.fit(x, y.astype(np.float32), batch_size=a.batch, epochs=1, verbose=0, callbacks=[timer.cb])
    steps = np.diff(timer.cb.times[1:])  # first batch includes tracing
    return {
        "what": "train",
        "model": a.model,
        "impl": a.kind,
        "batch": a.batch,
        "samples_per_s": round(a.batch / float(np.median(steps)), 1),
    }


def m_predict(a):
    import numpy as np

    from dlbio.data import sources
    from dlbio.data.encoding import index_to_onehot
    from dlbio.data.sources import read_all
    from dlbio.predict import predict_source

    model = _model(a.model)
    n = a.train_n * 2
    if a.kind == "dlbio":
        src = sources.open_split(a.store, "train", limit=n)
        predict_source(model, sources.open_split(a.store, "train", limit=256), 256)  # trace once
        t = time.perf_counter()
        predict_source(model, src, 256)
    else:
        idx, _ = read_all(sources.open_split(a.data, "train", limit=n))
        x = index_to_onehot(idx, np.float32)
        model.predict(x[:256], batch_size=256, verbose=0)
        t = time.perf_counter()
        model.predict(x, batch_size=256, verbose=0)
    return {
        "what": "predict",
        "model": a.model,
        "impl": a.kind,
        "samples_per_s": round(n / (time.perf_counter() - t), 1),
    }


MEASURES = {
    "convert": m_convert,
    "verify": m_verify,
    "loader": m_loader,
    "resume": m_resume,
    "train": m_train,
    "predict": m_predict,
    "read_test": m_read_test,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000, help="samples in the synthetic train.mat")
    ap.add_argument("--train-n", type=int, default=800, help="samples per training measurement")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path("/tmp/dlbio-bench"))
    ap.add_argument("--models", default="DanQ,DeepSEA")
    ap.add_argument("--test-n", type=int, default=20000, help="samples in the v5 test.mat of read_test")
    ap.add_argument(
        "--only", default="convert,verify,loader,resume,train,predict,read_test", help="measurements to run"
    )
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--kind", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--model", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.data, a.store = a.out / "mat", a.out / "store"
    if a.one:  # a single measurement, in this process
        res = MEASURES[a.one](a)
        res["peak_rss_MB"] = round(peak_mb())
        print(json.dumps(res), flush=True)
        return
    only = set(a.only.split(","))
    if only - {"read_test"}:
        make_data(a.data, a.n)
    if "read_test" in only:
        make_test_v5(a.out / f"v5_{a.test_n}" / "test.mat", a.test_n)
    runs = [
        ("convert", None, None),
        ("verify", None, None),
        ("loader", "store", None),
        ("loader", "mat", None),
        ("resume", "store", None),
        ("resume", "mat", None),
    ]
    for model in a.models.split(","):
        runs += [
            ("train", "dlbio", model),
            ("train", "naive", model),
            ("predict", "dlbio", model),
            ("predict", "naive", model),
        ]
    runs += [("read_test", "dlbio", None), ("read_test", "loadmat", None)]
    runs = [r for r in runs if r[0] in only]
    base = [
        sys.executable,
        __file__,
        "--n",
        str(a.n),
        "--train-n",
        str(a.train_n),
        "--batch",
        str(a.batch),
        "--test-n",
        str(a.test_n),
        "--out",
        str(a.out),
    ]
    for one, kind, model in runs:
        cmd = base + ["--one", one] + (["--kind", kind] if kind else []) + (["--model", model] if model else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        print(
            line[-1]
            if line
            else json.dumps({"what": one, "kind": kind, "model": model, "error": out.stderr.strip().splitlines()[-1:]}),
            flush=True,
        )


if __name__ == "__main__":
    main()
