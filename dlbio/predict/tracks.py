"""Predicted profiles along a locus: one window every *step* bp, its prediction given to the
*step*-bp bin at the window's centre (DeepSEA labels the 200-bp bin at the centre of each
1000-bp window), written as bedGraph tracks for a genome browser and drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.data.genome import chromosome_windows
from dlbio.utils.atomic import write_text


def tile_windows(
    genome, chrom: str, start: int, end: int, length: int, step: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Bins along a region and the model's window centred on each, cut as danq-prepare cuts its
    windows (:func:`dlbio.data.genome.chromosome_windows`).

    Parameters
    ----------
    genome : Genome
        The genome.
    chrom : str
        The chromosome.
    start : int
        The region, 0-based, end excluded; bins [b, b + *step*) lying wholly in it.
    end : int
        The region, 0-based, end excluded; bins [b, b + *step*) lying wholly in it.
    length : int
        The model's window length.
    step : int
        The bin width.

    Returns
    -------
    tuple
        (bin starts int64 (n,), windows: base indices uint8 (n, length), the number of bins
        left out because their window runs off the chromosome).

    Raises
    ------
    DlbioError
        For a letter that is not DNA in a window, naming it.
    """
    flank = (length - step) // 2  # window start = bin start - flank
    bins = np.arange(start, end - step + 1, step, dtype=np.int64)
    inside = (bins - flank >= 0) & (bins - flank + length <= genome.lengths[chrom])
    skipped, bins = int((~inside).sum()), bins[inside]
    return bins, chromosome_windows(genome, chrom, bins - flank, length), skipped


def write_bedgraph(
    path: str | Path, chrom: str, bin_starts: np.ndarray, step: int, values: np.ndarray, name: str, description: str
) -> Path:
    """Write one track: a ``track type=bedGraph`` line, then ``chrom start end value`` per bin.

    Parameters
    ----------
    path : str or pathlib.Path
        The bedGraph, written atomically.
    chrom : str
        The chromosome.
    bin_starts : numpy.ndarray
        int64 (n,).
    step : int
        The bin width.
    values : numpy.ndarray
        (n,) probabilities, printed with 4 significant digits.
    name : str
        The track line's.
    description : str
        The track line's.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    lines = [f'track type=bedGraph name="{name}" description="{description}"\n']
    lines += [f"{chrom}\t{b}\t{b + step}\t{v:.4g}\n" for b, v in zip(bin_starts.tolist(), values.tolist())]
    return write_text(path, "".join(lines))


def draw_tracks(
    chrom: str,
    bin_starts: np.ndarray,
    step: int,
    values: np.ndarray,
    names: list[str],
    path: str | Path,
    title: str,
    span: tuple[int, int],
    intervals: list[tuple[str, np.ndarray, np.ndarray]] = (),
) -> Path:
    """Draw one panel per target, the prediction of each bin as a step along the chromosome on a
    shared axis; below them a row of boxes per set of intervals (peaks to compare with).

    Parameters
    ----------
    chrom : str
        The chromosome.
    bin_starts : numpy.ndarray
        int64 (n,).
    step : int
        The bin width.
    values : numpy.ndarray
        float (n, k) predictions.
    names : list of str
        The k targets' names.
    path : str or pathlib.Path
        The PNG.
    title : str
        The figure's title.
    span : tuple of (int, int)
        The region drawn (bp).
    intervals : list of tuple, optional
        (name, starts, ends) of each peak file's intervals in the region.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.evaluation.plots import pyplot, save_png

    plt = pyplot()
    k = values.shape[1]
    rows = k + (1 if intervals else 0)
    fig, axes = plt.subplots(
        rows,
        1,
        figsize=(11, 0.5 + 1.3 * k + 0.3 * len(intervals)),
        sharex=True,
        squeeze=False,
        height_ratios=[1] * k + ([0.25 * len(intervals)] if intervals else []),
    )
    if intervals:
        ax = axes[-1, 0]
        for row, (_, starts, ends) in enumerate(intervals):
            ax.broken_barh(list(zip(starts.tolist(), (ends - starts).tolist())), (row + 0.15, 0.7), color="0.3")
        ax.set_yticks([row + 0.5 for row in range(len(intervals))], [name for name, *_ in intervals], fontsize=8)
        ax.set_ylim(len(intervals), 0)
    edges = np.append(bin_starts, bin_starts[-1] + step) if len(bin_starts) else np.zeros(1)
    for j, ax in enumerate(axes[:k, 0]):
        if len(bin_starts):
            ax.stairs(values[:, j], edges, fill=True, color=f"C{j % 10}")
        ax.set_ylim(0, 1)
        ax.set_ylabel(names[j], rotation=0, ha="right", va="center", fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    axes[0, 0].set_title(title, fontsize=10)
    axes[-1, 0].set_xlim(*span)
    axes[-1, 0].set_xlabel(f"{chrom} (bp)")
    axes[-1, 0].ticklabel_format(axis="x", style="plain", useOffset=False)
    return save_png(fig, path)
