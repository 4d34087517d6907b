"""First-layer filters -> sites -> count matrices, the DanQ/FactorNet procedure.

For each filter, on each positive sequence and on its reverse complement: if the
filter's maximal activation is > 0, take the window of the filter's width at the
argmax.  Windows of both strands are stacked into one count matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from dlbio.data.encoding import reverse_complement
from dlbio.motifs import activations, sites
from dlbio.predict import predict_index


@dataclass
class FilterMotifs:
    """counts float64 (F, k, 4) in A,G,C,T order; n_sites int (F,); n_sequences scanned."""

    counts: np.ndarray
    n_sites: np.ndarray
    n_sequences: int


def filter_motifs(
    model: keras.Model, idx: np.ndarray, batch_size: int = 512, progress: bool | str = False
) -> FilterMotifs:
    """The count matrix of every first-layer Conv1D filter: the window at each sequence's
    maximal activation, where it is above 0, on both strands (the DanQ / FactorNet procedure).

    Parameters
    ----------
    model : keras.Model
        A model whose first convolution reads one-hot DNA.
    idx : numpy.ndarray
        Base indices uint8 (n, L).
    batch_size : int, optional
        Sequences per batch.
    progress : bool or str, optional
        See :mod:`dlbio.utils.progress`.

    Returns
    -------
    FilterMotifs
        counts float64 (F, k, 4) in A,G,C,T order, n_sites int (F,), the sequences scanned.
    """
    conv = activations.first_conv_layer(model)
    width = conv.kernel_size[0]
    peaks = activations.peak_model(model, conv)
    n_filters = conv.filters
    counts = np.zeros((n_filters, width, 4))
    n_sites = np.zeros(n_filters, np.int64)
    for strand_idx in (idx, reverse_complement(idx)):
        strand_idx = np.ascontiguousarray(strand_idx)
        peak_val, peak_pos = predict_index(peaks, strand_idx, progress=progress, batch_size=batch_size)
        for f in range(n_filters):
            rows = np.flatnonzero(peak_val[:, f] > 0)
            keep, windows = sites.cut_windows(strand_idx[rows], peak_pos[rows, f], width)
            counts[f] += sites.count_matrix(windows, 4)
            n_sites[f] += len(keep)
    return FilterMotifs(counts, n_sites, len(idx))
