#!/usr/bin/env python3
"""Time the class-2 examples: dlbio vs a straight Keras 3 port of the slide script, same run.

Prints one JSON object per measurement.  Not a test: figures go to docs/benchmarks.md.
Usage: python benchmarks/run.py [--epochs 100] [--vgrad-epochs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from dlbio.data import synthetic  # noqa: E402
from dlbio.workflows.class2 import detect_motif, vanishing_gradient  # noqa: E402


def slide_port_mdet(cell: str, epochs: int, path: str) -> float:
    """The slide script with the Keras 3 renames only: Sequential, fit per batch, checkpoint per epoch."""
    d = synthetic.motif_detection_set(1000, 40, 10, "111", seed=7)
    layer = keras.layers.SimpleRNN(2, return_sequences=True) if cell == "simplernn" else \
        keras.layers.Conv1D(2, 3, activation="relu")
    model = keras.Sequential([keras.Input((10, 1)), layer, keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    t = time.perf_counter()
    model.fit(d.x_train, d.y_train, epochs=epochs, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(path)])
    model.predict(d.x_test, verbose=0)
    return time.perf_counter() - t


def slide_port_vgrad(cell: str, epochs: int) -> float:
    d = synthetic.next_char_set()
    x = keras.Input((100, 1))
    h = (keras.layers.SimpleRNN if cell == "simplernn" else keras.layers.LSTM)(1, return_sequences=True)(x)
    h = keras.layers.Flatten()(keras.layers.Dropout(0.2)(h))
    model = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))
    model.compile(loss="mse", optimizer="adam", metrics=["acc"])
    t = time.perf_counter()
    model.fit(d.x_train, d.y_train, batch_size=1000, shuffle=True, epochs=epochs, verbose=0)
    model.evaluate(d.x_test, d.y_test, verbose=0)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--vgrad-epochs", type=int, default=3)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    for cell in ("conv1d", "simplernn"):
        base = slide_port_mdet(cell, a.epochs, f"{tmp}/port_{cell}.keras")
        t = time.perf_counter()
        detect_motif(cell, epochs=a.epochs, checkpoint=f"{tmp}/dlbio_{cell}.keras", quiet=True)
        ours = time.perf_counter() - t
        print(json.dumps({"example": f"mdet-{cell}", "epochs": a.epochs, "slide_port_s": round(base, 2),
                          "dlbio_s": round(ours, 2), "speedup": round(base / ours, 2)}), flush=True)
    for cell in ("simplernn", "lstm"):
        base = slide_port_vgrad(cell, a.vgrad_epochs)
        t = time.perf_counter()
        vanishing_gradient([cell], epochs=a.vgrad_epochs, checkpoint_dir=tmp, quiet=True)
        ours = time.perf_counter() - t
        print(json.dumps({"example": f"vgrad-rnn {cell}", "epochs": a.vgrad_epochs, "slide_port_s": round(base, 2),
                          "dlbio_s": round(ours, 2), "speedup": round(base / ours, 2),
                          "note": "dlbio includes data generation and the gradient/accuracy evaluation"}), flush=True)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
