#!/usr/bin/env python3
"""The slides' vgrad_rnn.py on Keras 2 itself (tf_keras), for comparison with dlbio's Keras 3 port.

The data are the slide script's own windows (numpy seed 7); the model, loss, optimizer,
batch and shuffling are its code, line for line.  The only additions: the initial weights are seeded
(the slides' were not) and the test accuracy is printed after each of --eval-at epochs.
One single-threaded run per initialisation seed, --jobs at once; one line per run.

Needs a separate environment with Keras 2 (dlbio itself is Keras 3):

  python -m venv /tmp/k2 && /tmp/k2/bin/pip install tensorflow-cpu==2.21.0 tf_keras==2.21.0
  /tmp/k2/bin/python benchmarks/vgrad_keras2.py --cell lstm --seeds 1-8 --eval-at 100,150 --jobs 2

Figures (2 CPU cores, about 5.5 minutes per 150-epoch run): docs/class2.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def slide_data():
    """The slide script's windows: dlbio's generator at seed 7 makes them array for array
    (tests/test_synthetic.py checks it against the slide code).  It needs only numpy."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from dlbio.data import synthetic

    d = synthetic.next_char_set(seed=7)
    return d.x_train, d.y_train, d.x_test, d.y_test


def one_run(cell: str, seed: int, eval_at: list[int]) -> str:
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import tf_keras as keras
    from tf_keras.layers import LSTM, Dense, Dropout, Flatten, Input, SimpleRNN
    from tf_keras.models import Model

    x_train, y_train, x_test, y_test = slide_data()
    keras.utils.set_random_seed(seed)
    x = Input((x_train.shape[1], 1))
    y = (LSTM if cell == "lstm" else SimpleRNN)(1, return_sequences=True)(x)
    y = Flatten()(Dropout(0.2)(y))
    model = Model(inputs=x, outputs=Dense(1, activation="sigmoid")(y))
    model.compile(loss="mse", optimizer="adam", metrics=["acc"])
    t0, done, parts = time.time(), 0, []
    for stop in eval_at:
        model.fit(x_train, y_train, batch_size=1000, shuffle=True, epochs=stop, initial_epoch=done, verbose=0)
        done = stop
        parts.append(f"{stop}: {model.evaluate(x_test, y_test, verbose=0)[1] * 100:.2f}%")
    return f"{cell} init {seed} ({len(x_train)} training windows): {', '.join(parts)}; {time.time() - t0:.0f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cell", choices=["lstm", "simplernn"], default="lstm")
    ap.add_argument("--seeds", default="1-8", help="initialisation seeds, e.g. 1-8")
    ap.add_argument("--eval-at", default="100,150")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # a worker: this seed only
    args = ap.parse_args()
    eval_at = sorted(int(e) for e in args.eval_at.split(","))
    if args.one is not None:
        print(one_run(args.cell, args.one, eval_at), flush=True)
        return
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    worker = [sys.executable, __file__, "--cell", args.cell, "--eval-at", args.eval_at, "--one"]

    def run(seed: int) -> str:  # a process each: TensorFlow's threads are set once per process
        done = subprocess.run([*worker, str(seed)], capture_output=True, text=True)
        return done.stdout.strip() or f"{args.cell} init {seed}: failed\n{done.stderr[-2000:]}"

    with ThreadPoolExecutor(args.jobs) as pool:
        for line in pool.map(run, seeds):
            print(line, flush=True)


if __name__ == "__main__":
    main()
