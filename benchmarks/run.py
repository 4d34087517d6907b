#!/usr/bin/env python3
"""Time the class-2 examples: dlbio vs a straight Keras 3 port of the slide script, same run.

Prints one JSON object per measurement.  Not a test: figures go to docs/benchmarks.md.
Usage: python benchmarks/run.py [--epochs 100] [--vgrad-epochs 3] [--examples mdet,mdisc,vgrad]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from Bio import motifs  # noqa: E402
from Bio.Seq import Seq  # noqa: E402

from dlbio.data import synthetic  # noqa: E402
from dlbio.utils.resources import data_dir  # noqa: E402
from dlbio.workflows.class2_detection import detect_motif  # noqa: E402
from dlbio.workflows.class2_discovery import discover_motif  # noqa: E402
from dlbio.workflows.vgrad import vanishing_gradient  # noqa: E402


def slide_port_mdet(cell: str, epochs: int, path: str) -> float:
    """The slide script with the Keras 3 renames only: Sequential, fit per batch, checkpoint per epoch."""
    d = synthetic.motif_detection_set(1000, 40, 10, "111", seed=7)
    layer = (
        keras.layers.SimpleRNN(2, return_sequences=True)
        if cell == "simplernn"
        else keras.layers.Conv1D(2, 3, activation="relu")
    )
    model = keras.Sequential(
        [keras.Input((10, 1)), layer, keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    t = time.perf_counter()
    model.fit(d.x_train, d.y_train, epochs=epochs, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(path)])
    model.predict(d.x_test, verbose=0)
    return time.perf_counter() - t


def slide_port_mdisc(cell: str, weights: Path, out: Path) -> tuple[float, str]:
    """The slide's mdisc script with the Keras 3 renames (a sub-model instead of K.function),
    then the slide's separate weblogo command."""
    t = time.perf_counter()
    n_seq, s_len, w_size, thresh, instances = 40, 10, 7, 0.8, []
    np.random.seed(1)
    x_test = np.round(np.random.uniform(0, 1, (n_seq, s_len, 1)))
    model = keras.models.load_model(weights)
    z = [int(np.round(model.predict(x_test, verbose=0)[i, 0])) for i in range(n_seq)]  # as the slide: 40 calls
    x_test = np.delete(x_test, [k == 0 for k in z], axis=0)
    motif_layer = model.layers[1]  # [0] is the Input layer of a functional model
    pos = keras.Model(model.inputs, motif_layer.output).predict(x_test, verbose=0).argmax(axis=1)[:, 0]
    if cell == "simplernn":  # the RNN fires after reading the motif: the window ends there
        pos = pos - w_size + 1
    x_rows = np.squeeze(x_test, axis=2).tolist()
    fasta = out / f"port_01_{cell}.fa"
    with open(fasta, "w") as alignment:
        for i in range(len(x_rows)):
            left, right = max(0, pos[i]), min(pos[i] + w_size, s_len)
            seq = "".join(str(int(x)) for x in x_rows[i][left:right])
            if len(seq) == w_size:
                instances.append(Seq(seq))
                alignment.write(f">{i + 1}\n{seq}\n")
    pwm = motifs.create(instances, alphabet="01").counts.normalize()
    consensus = "".join("1" if p > thresh else ("0" if p < 1 - thresh else "N") for p in pwm["1"])
    subprocess.run(
        [
            str(Path(sys.executable).with_name("weblogo")),
            "-f",
            str(fasta),
            "-F",
            "png",
            "-o",
            str(out / f"port_01_{cell}.png"),
            "-a",
            "01",
            "-C",
            "green",
            "1",
            "1",
            "-C",
            "red",
            "0",
            "0",
        ],
        check=True,
    )
    return time.perf_counter() - t, consensus


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
    ap.add_argument("--examples", default="mdet,mdisc,vgrad", help="comma-separated subset of mdet,mdisc,vgrad")
    a = ap.parse_args()
    examples = set(a.examples.split(","))
    tmp = tempfile.mkdtemp()
    for cell in ("conv1d", "simplernn") if "mdet" in examples else ():
        base = slide_port_mdet(cell, a.epochs, f"{tmp}/port_{cell}.keras")
        t = time.perf_counter()
        detect_motif(cell, epochs=a.epochs, checkpoint=f"{tmp}/dlbio_{cell}.keras", quiet=True)
        ours = time.perf_counter() - t
        print(
            json.dumps(
                {
                    "example": f"mdet-{cell}",
                    "epochs": a.epochs,
                    "slide_port_s": round(base, 2),
                    "dlbio_s": round(ours, 2),
                    "speedup": round(base / ours, 2),
                }
            ),
            flush=True,
        )
    for cell in ("conv1d", "simplernn") if "mdisc" in examples else ():
        weights = data_dir() / f"mdet_{cell}.keras"  # the shipped weights, as mdisc uses after install
        base, port_motif = slide_port_mdisc(cell, weights, Path(tmp))
        t = time.perf_counter()
        res = discover_motif(cell, weights, fasta=f"{tmp}/01_{cell}.fa", logo=f"{tmp}/01_{cell}.png")
        ours = time.perf_counter() - t
        print(
            json.dumps(
                {
                    "example": f"mdisc-{cell}",
                    "slide_port_s": round(base, 2),
                    "dlbio_s": round(ours, 2),
                    "speedup": round(base / ours, 2),
                    "port_motif": port_motif,
                    "dlbio_motif": res.consensus,
                    "note": "the port's time includes its separate weblogo command",
                }
            ),
            flush=True,
        )
    for cell in ("simplernn", "lstm") if "vgrad" in examples else ():
        base = slide_port_vgrad(cell, a.vgrad_epochs)
        t = time.perf_counter()
        vanishing_gradient([cell], epochs=a.vgrad_epochs, checkpoint_dir=tmp, quiet=True)
        ours = time.perf_counter() - t
        print(
            json.dumps(
                {
                    "example": f"vgrad-rnn {cell}",
                    "epochs": a.vgrad_epochs,
                    "slide_port_s": round(base, 2),
                    "dlbio_s": round(ours, 2),
                    "speedup": round(base / ours, 2),
                    "note": "dlbio includes data generation and the gradient/accuracy evaluation",
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
