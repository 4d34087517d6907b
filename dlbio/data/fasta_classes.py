"""One FASTA file per class -> a labelled set, each class split on its own (stratified)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from dlbio.data.built_set import BuiltSet
from dlbio.data.sources import ArraySource
from dlbio.utils import guard
from dlbio.utils.errors import require
from dlbio.utils.notes import Notes


def fasta_classes(
    files: dict[str, Path], length: int, valid_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0
) -> tuple[BuiltSet, Notes]:
    """Labelled sets from one FASTA file per class/target; shorter sequences are padded with N
    (centred), longer ones centre-cropped to *length*.

    Each class is split on its own (stratified), *test_fraction* and *valid_fraction* of its
    records at random, at least one record in each split whose fraction is above 0, so that
    every class is in every split.

    Parameters
    ----------
    files : dict
        {class: FASTA path}.
    length : int
        The sequence length.
    valid_fraction : float, optional
        The shares of each class held out.
    test_fraction : float, optional
        The shares of each class held out.
    seed : int, optional
        Seeds the split.

    Returns
    -------
    tuple of (BuiltSet, Notes)
        The splits, and the records padded or cropped, counted.

    Raises
    ------
    DlbioError
        For a fraction outside [0, 1) or a class too small to be in every split.
    """
    from dlbio.data.fasta import read_index

    for option, f in (("--valid-fraction", valid_fraction), ("--test-fraction", test_fraction)):
        require(0.0 <= f < 1.0, f"{option} must be in [0, 1), got {f}")
    require(
        valid_fraction + test_fraction < 1.0,
        f"--valid-fraction {valid_fraction} and --test-fraction "
        f"{test_fraction} leave no training rows: their sum must be below 1",
    )
    names = list(files)
    for a, b in itertools.combinations(names, 2):
        require(
            not guard.same_file(files[a], files[b]),
            f"--fasta-class {a} and {b} name the same file ({files[b]}): its records would be labelled both",
        )
    rng = np.random.default_rng(seed)
    notes = Notes()
    rows = {"train": [], "valid": [], "test": []}
    for j, name in enumerate(names):
        lab = np.zeros(len(names), np.uint8)
        lab[j] = 1
        ids, idx = read_index(files[name], length, resize=True, notes=notes)
        n_test, n_valid = (max(1, int(round(f * len(ids)))) if f > 0 else 0 for f in (test_fraction, valid_fraction))
        require(
            len(ids) > n_test + n_valid,
            f"{files[name]}: {len(ids)} record{'s' if len(ids) > 1 else ''} in class {name}, too few for a "
            f"training, validation and test record each; add records or lower the fractions",
        )
        order = rng.permutation(len(ids))
        for split, part in (
            ("test", order[:n_test]),
            ("valid", order[n_test : n_test + n_valid]),
            ("train", order[n_test + n_valid :]),
        ):
            rows[split] += [(idx[i], lab, name, ids[i]) for i in part]
    splits, records = {}, {}
    for split, part in rows.items():
        if part:
            part = [part[i] for i in rng.permutation(len(part))]  # classes interleaved in row order
            splits[split] = ArraySource(np.stack([r[0] for r in part]), np.stack([r[1] for r in part]), names)
            records[split] = [(r[2], r[3]) for r in part]
    return BuiltSet(splits, names, notes, length=length, records=records), notes
