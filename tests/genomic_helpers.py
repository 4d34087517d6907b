"""Shared by the genomics tests: BED and VCF writers, and a hand-built motif model whose
predictions are known exactly (the random genome is the `genome` fixture in conftest.py)."""

import gzip

import keras
import numpy as np


def write_bed(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
    return p


def write_vcf(tmp_path, rows, gz=False):
    text = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    p = tmp_path / ("v.vcf.gz" if gz else "v.vcf")
    if gz:
        with gzip.open(p, "wt") as fh:
            fh.write(text)
    else:
        p.write_text(text)
    return p


def motif_model(length=60):
    """Target 0 fires on 'GATAAG' (either strand via a second filter), target 1 on 'CCCCCC'."""
    x = keras.Input((length, 4))
    conv = keras.layers.Conv1D(3, 6, activation="relu", name="motif_conv")
    h = keras.layers.GlobalMaxPooling1D()(conv(x))
    dense = keras.layers.Dense(2, activation="sigmoid")
    model = keras.Model(x, dense(h))
    k = np.full((6, 4, 3), -1.0, np.float32)
    for f, word in enumerate(["GATAAG", "CTTATC", "CCCCCC"]):
        for p, b in enumerate(word):
            k[p, "AGCT".index(b), f] = 1.0
    conv.set_weights([k, np.full(3, -5.0, np.float32)])
    w = np.zeros((3, 2), np.float32)
    w[0, 0] = w[1, 0] = 8.0
    w[2, 1] = 8.0
    dense.set_weights([w, np.array([-4.0, -4.0], np.float32)])
    return model
