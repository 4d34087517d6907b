#!/usr/bin/env python3
"""danq-import on a DanQ-sized Keras 0.2 file (random weights, seeded): time, size, agreement, speed.

Writes a DanQ_bestmodel.hdf5-layout file of DanQ's sizes (320 x 26 filters, 2 LSTMs of
320, dense 925, 919 targets; 46,926,479 parameters), imports it, and checks the imported
model against the numpy re-implementation of the original Keras 0.2 computation used by
tests/test_keras02.py on a few 1000-bp sequences.  Then prices the imported model
(generic LSTM: hard-sigmoid gates have no cuDNN kernel) against dlbio's DanQ per sample.

  python benchmarks/import_danq.py --out /tmp/danq_import --n-check 4 --n-speed 2000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/danq_import", help="Folder for the two model files.")
    ap.add_argument("--n-check", type=int, default=4, help="sequences compared with the numpy reference")
    ap.add_argument("--n-speed", type=int, default=2000, help="sequences predicted for the speed figures")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from test_keras02 import keras02_danq_forward, write_keras02_danq

    from dlbio.data.encoding import index_to_onehot
    from dlbio.models import deepsea
    from dlbio.models.files import load_dna_model
    from dlbio.predict import predict_index
    from dlbio.workflows.published import import_danq

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    source = out / "DanQ_bestmodel.hdf5"
    t = time.perf_counter()
    layers = write_keras02_danq(source, rng, steps=75, filters=320, kernel=26, units=320, hidden=925, targets=919)
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    path, described = import_danq(source, out / "DanQ_bestmodel.keras")
    import_s = time.perf_counter() - t
    model = load_dna_model(path)

    idx = rng.integers(0, 4, (args.n_check, 1000)).astype(np.uint8)
    expected = keras02_danq_forward(layers, index_to_onehot(idx).astype(np.float64))
    got = predict_index(model, idx)
    line = {
        "what": "import",
        "described": described,
        "write_keras02_s": round(write_s, 1),
        "import_s": round(import_s, 1),
        "hdf5_MB": round(source.stat().st_size / 1e6, 1),
        "keras_MB": round(path.stat().st_size / 1e6, 1),
        "checked_sequences": args.n_check,
        "max_abs_diff": float(np.abs(got - expected).max()),
        "share_of_outputs_in_0.01_0.99": round(float(((expected > 0.01) & (expected < 0.99)).mean()), 3),
    }
    print(json.dumps(line), flush=True)

    speed = rng.integers(0, 4, (args.n_speed, 1000)).astype(np.uint8)
    for name, m in (("imported (hard-sigmoid LSTMs)", model), ("dlbio DanQ (BiLSTM)", deepsea.danq())):
        predict_index(m, speed[:256])  # trace once
        t = time.perf_counter()
        predict_index(m, speed, batch_size=256)
        s = time.perf_counter() - t
        print(
            json.dumps(
                {"what": "predict", "model": name, "sequences": args.n_speed, "seq_per_s": round(args.n_speed / s, 1)}
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
