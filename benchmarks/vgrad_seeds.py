#!/usr/bin/env python3
"""How much does the vgrad LSTM(1) depend on its initialisation?

Trains the vgrad model (dlbio.models.toy.next_char_predictor) on the slides' data
(data seed 7) once per initialisation seed and prints the test accuracy at the given
epochs, one JSON line per run.  Runs in parallel, one single-threaded process per
core.  Any Keras 3 backend; the figures in docs/class2.md used KERAS_BACKEND=jax
on 16 cores (about 2 minutes per 16 runs of 150 epochs) and on 2 cores (2 minutes per
run of 200 epochs).

  python benchmarks/vgrad_seeds.py --seeds 1-16 --eval-at 100,150 --jobs 16
  python benchmarks/vgrad_seeds.py --gate keras2-hard-sigmoid --seeds 1-8 --eval-at 100,200  # Keras <= 2.2 gate

With TensorFlow, the product does the same study: `vgrad-rnn --cell lstm --epochs 150
--eval-at 100,150 --repeats 16 --jobs 16`.  This script stays for what the product
does not do: other Keras backends (it never imports TensorFlow) and the Keras 2 gate.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor


def keras2_hard_sigmoid(x):
    """Keras <= 2.2's hard sigmoid, clip(0.2 x + 0.5, 0, 1); Keras 3's has slope 1/6."""
    import keras

    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def one_run(cell: str, gate: str, seed: int, data_seed: int, eval_at: list[int]) -> dict:
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    import keras
    import numpy as np

    from dlbio.data import synthetic
    from dlbio.models import toy

    data = synthetic.next_char_set(seed=data_seed)
    keras.utils.set_random_seed(seed)
    model = toy.next_char_predictor(cell)
    if gate == "keras2-hard-sigmoid":
        model.get_layer("recurrent").cell.recurrent_activation = keras2_hard_sigmoid
    model.compile(loss="mse", optimizer="adam", steps_per_execution=-(-len(data.x_train) // 1000))
    acc, done, t = {}, 0, time.perf_counter()
    for epoch in eval_at:
        model.fit(data.x_train, data.y_train, batch_size=1000, epochs=epoch - done, shuffle=True, verbose=0)
        done = epoch
        p = model.predict(data.x_test, batch_size=8192, verbose=0)[:, 0]
        acc[epoch] = round(100 * float(np.mean(np.round(p) == data.y_test)), 2)
    return {
        "cell": cell,
        "gate": gate,
        "seed": seed,
        "data_seed": data_seed,
        "backend": keras.backend.backend(),
        "test_accuracy": acc,
        "seconds": round(time.perf_counter() - t),
    }


def seed_list(text: str) -> list[int]:
    """'1-4,9' -> [1, 2, 3, 4, 9]"""
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cell", default="lstm", choices=["lstm", "simplernn"])
    ap.add_argument("--gate", default="sigmoid", choices=["sigmoid", "keras2-hard-sigmoid"])
    ap.add_argument("--seeds", default="1-16", help="initialisation seeds, e.g. 1-16 or 1,5,7")
    ap.add_argument("--data-seed", default="7", help="7 = the slides' own strings; 'same' = each run's own seed")
    ap.add_argument("--eval-at", default="100,150")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    eval_at = sorted(int(e) for e in args.eval_at.split(","))
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = [
            pool.submit(
                one_run, args.cell, args.gate, s, s if args.data_seed == "same" else int(args.data_seed), eval_at
            )
            for s in seed_list(args.seeds)
        ]
        for r in runs:
            print(json.dumps(r.result()), flush=True)


if __name__ == "__main__":
    main()
