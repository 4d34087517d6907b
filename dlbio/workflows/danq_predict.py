"""danq-predict: predict a labelled DeepSEA-layout set or a FASTA file (the Biowulf predict.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from dlbio.data import sources
from dlbio.data.fasta import read_index
from dlbio.evaluation.metrics import per_target_metrics, summary_lines, write_metrics_tsv
from dlbio.predict import predict_index
from dlbio.predict.tables import FLOAT_FILTERS
from dlbio.utils.atomic import hdf5_file
from dlbio.utils.errors import require
from dlbio.utils.notes import Notes
from dlbio.utils.progress import progress_mode


@dataclass
class PredictResult:
    path: Path
    metrics_tsv: Path | None
    summary: list[str]


def predict(
    model: keras.Model, source, out: str | Path, batch_size: int = 1024, quiet: bool = False, both_strands: bool = False
) -> PredictResult:
    """Predict a labelled source and score it target by target (danq-predict -d).

    Writes *out*, HDF5: ``pred`` shape=(N, T) float32, ``labels`` shape=(N, T) uint8,
    attributes ``target_names`` and ``both_strands``; and ``<out stem>.metrics.tsv``: per
    target ROC AUC, PR AUC and positives.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), with T outputs.
    source : source
        A labelled sequence source (a split of dlbio.data.sources.open_data_dir).
    out : str or pathlib.Path
        The HDF5 file to write (atomically).
    batch_size : int, default=1024
        Sequences per batch.
    quiet : bool, default=False
        No progress bar or lines.
    both_strands : bool, default=False
        Average each sequence's and its reverse complement's predictions.

    Returns
    -------
    PredictResult
        The HDF5 and metrics paths, and the summary lines danq-predict prints (medians by
        DeepSEA category for 919 targets).
    """
    from dlbio.data.pipeline import iter_batches

    check_compatible(model, source)
    label_parts = []

    def sequences():  # one pass over the data: labels are kept as the batches go by
        for x, y in iter_batches(source, batch_size):
            label_parts.append(y)
            yield x

    pred = predict_index(model, sequences(), total=source.n, progress=progress_mode(quiet), both_strands=both_strands)
    labels = np.concatenate(label_parts) if label_parts else np.zeros((0, source.n_targets), np.uint8)
    out = Path(out)
    with hdf5_file(out) as f:
        f.create_dataset("pred", data=pred.astype(np.float32, copy=False), **FLOAT_FILTERS)
        f.create_dataset("labels", data=labels, compression="gzip")
        if source.target_names:
            f.attrs["target_names"] = np.array(source.target_names, dtype="S")
        f.attrs["both_strands"] = both_strands
    metrics = per_target_metrics(labels, pred)
    tsv = write_metrics_tsv(metrics, out.with_suffix(".metrics.tsv"), source.target_names)
    return PredictResult(out, tsv, summary_lines(metrics))


def check_compatible(model: keras.Model, source) -> None:
    """Check that a model reads a data set's sequences and predicts its targets.

    Parameters
    ----------
    model : keras.Model
        A model on one-hot DNA (L, 4).
    source : StoreSet or similar
        A split with ``length``, ``n_targets`` and (for the error) ``path``.

    Raises
    ------
    DlbioError
        Naming the data when the sequence length or the number of targets differs.
    """
    length = model.inputs[0].shape[1]
    n_out = model.outputs[0].shape[-1]
    require(
        length == source.length,
        f"{getattr(source, 'path', 'input')}: sequences are {source.length} bp but the model expects {length} bp",
    )
    if source.n_targets:
        require(
            n_out == source.n_targets,
            f"{getattr(source, 'path', 'input')}: {source.n_targets} targets but the model predicts {n_out}",
        )


def predict_fasta(
    model: keras.Model,
    fasta: str | Path,
    out: str | Path,
    target_names=None,
    batch_size: int = 1024,
    resize: bool = False,
    both_strands: bool = False,
    progress: bool = False,
    strict: bool = False,
) -> tuple[Path, Notes]:
    """Per-sequence, per-target probabilities for a FASTA file (danq-predict --fasta).

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), with T outputs.
    fasta : str or pathlib.Path
        The records; plain or gzipped.
    out : str or pathlib.Path
        A TSV (``id``, then one column per target) or, ending in .h5, HDF5 (``pred``
        shape=(N, T) float32, ``id``; dlbio.predict.tables).
    target_names : list of str, optional
        The column names (dlbio.data.targets.target_names_for); ``target_N`` otherwise.
    batch_size : int, default=1024
        Records per batch.
    resize : bool, default=False
        Pad a record of another length with N, or crop it about its centre, to L;
        without it such a record is an error.
    both_strands : bool, default=False
        Average each record's and its reverse complement's predictions.
    progress : bool, default=False
        Show progress.
    strict : bool, default=False
        Any resized record is an error, before anything is written.

    Returns
    -------
    tuple of (pathlib.Path, Notes)
        The file written, and the counts of resized records with their first ids.
    """
    from dlbio.data.targets import target_names_for
    from dlbio.predict.tables import predict_table

    length = model.inputs[0].shape[1]
    notes = Notes()
    ids, idx = read_index(fasta, length, resize, notes)
    notes.refuse_if(strict, str(fasta))
    names = target_names_for(model, target_names)
    path = predict_table(
        model, idx, [(i,) for i in ids], {"id": str}, names, out, both_strands, batch_size, progress=progress
    )
    return path, notes


def open_sets(data: str | Path, limit: int | None = None, splits=("test",), verify: bool = True):
    """Open the DeepSEA-layout folder *data* for the given splits
    (:func:`dlbio.data.sources.open_data_dir`).

    Parameters
    ----------
    data : str or pathlib.Path
        The data folder.
    limit : int or None, optional
        Read only the first *limit* rows of each split.
    splits : tuple of str, optional
        The splits ('train', 'valid', 'test').
    verify : bool, optional
        Check the stores' checksums.

    Returns
    -------
    dict
        {split: source}, the splits checked to agree in length and targets.
    """
    return sources.open_data_dir(data, limit, splits, verify)


__all__ = ["predict", "predict_fasta", "open_sets", "check_compatible"]
