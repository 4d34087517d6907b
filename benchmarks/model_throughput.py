#!/usr/bin/env python3
"""Model arithmetic alone: DanQ / DeepSEA train and predict samples/s on in-memory arrays.

No input pipeline, no files: this is the ceiling a device gives the model, to compare
with what the store + tf.data loader delivers (benchmarks/deepsea.py).  Runs on any
Keras 3 backend (KERAS_BACKEND=tensorflow|jax|torch), so it also measures a GPU
machine where only JAX or PyTorch is installed.  One JSON line per measurement.

  python benchmarks/model_throughput.py --model DanQ --batch 500 --precision mixed_bfloat16
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="DanQ", choices=["DanQ", "DeepSEA"])
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--steps", type=int, default=40, help="timed training steps (after one warm-up epoch)")
    ap.add_argument("--precision", default="float32", choices=["float32", "mixed_float16", "mixed_bfloat16"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import keras

    from dlbio.data.encoding import index_to_onehot
    from dlbio.models import deepsea

    keras.mixed_precision.set_global_policy(args.precision)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    n = args.batch * args.steps
    x = index_to_onehot(rng.integers(0, 4, (n, 1000)))
    y = (rng.random((n, 919)) < 0.03).astype(np.float32)
    model = deepsea.build(args.model, 919, 1000)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop")
    model.fit(x[: args.batch * 4], y[: args.batch * 4], batch_size=args.batch, epochs=1, verbose=0)  # compile
    t = time.perf_counter()
    model.fit(x, y, batch_size=args.batch, epochs=1, verbose=0)
    train = n / (time.perf_counter() - t)
    pb = max(args.batch, 2000)
    model.predict(x[:pb], batch_size=pb, verbose=0)
    t = time.perf_counter()
    model.predict(x, batch_size=pb, verbose=0)
    pred = n / (time.perf_counter() - t)
    print(
        json.dumps(
            {
                "model": args.model,
                "backend": keras.backend.backend(),
                "precision": args.precision,
                "batch": args.batch,
                "train_samples_s": round(train),
                "predict_samples_s": round(pred),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
