"""In-silico saturation mutagenesis (ISM) of one sequence, its gradient estimate, and each
base's importance (what it writes and draws: dlbio.interpret.ism_outputs).

Effects are prediction(mutant) - prediction(reference) for one target, in columns
A, C, G, T (the reading order of people, not the model's A, G, C, T codes).
"""

from __future__ import annotations

import numpy as np

from dlbio.data.encoding import BASES, N_CODE, index_to_onehot
from dlbio.interpret.gradients import target_gradient
from dlbio.predict import predict_index
from dlbio.predict.variants import logit

ACGT = "ACGT"
_ACGT_CODES = np.array([BASES.index(b) for b in ACGT], np.uint8)  # A, C, G, T in the model's codes


def saturation_mutagenesis(
    model,
    idx: np.ndarray,
    target: int,
    batch_size: int = 512,
    progress: bool | str = False,
    log_odds: bool = False,
    both_strands: bool = False,
    span: tuple[int, int] | None = None,
    reference: float | None = None,
) -> np.ndarray:
    """Effect of every single-base substitution of one sequence on one target.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    idx : numpy.ndarray, shape=(L,)
        Base indices uint8 (A=0, G=1, C=2, T=3, N=4).
    target : int
        The output (0-based).
    batch_size : int, default=512
        Mutants per prediction batch.
    progress : bool or str, default=False
        Count the mutants predicted (dlbio.utils.progress).
    log_odds : bool, default=False
        Effects as logit(mutant) - logit(reference), which still move where the probability
        saturates near 0 or 1.
    both_strands : bool, default=False
        Each prediction is the mean over the sequence and its reverse complement.
    span : tuple of (int, int), optional
        (start, stop), 0-based, stop excluded: only those positions are changed; the rest of
        the sequence stays as context.
    reference : float, optional
        The sequence's own prediction of the target (a probability), when the caller has it
        from its batched prediction of every record, so that no reference is predicted twice.

    Returns
    -------
    numpy.ndarray, shape=(S, 4)
        float32, columns A, C, G, T (the reading order of people, not the model's codes):
        prediction(mutant) - prediction(reference), 0 at the reference base; S = stop - start
        (L without *span*).
    """
    start, stop = span or (0, len(idx))
    candidate = np.tile(_ACGT_CODES, (stop - start, 1))  # (S, 4) codes in A, C, G, T order
    changed = candidate != idx[start:stop, None]  # the reference itself is not predicted
    pos, col = np.nonzero(changed)
    first = 0 if reference is not None else 1  # row 0: the reference, unless it is given
    mutants = np.repeat(idx[None, :], len(pos) + first, axis=0)
    mutants[np.arange(first, len(pos) + first), start + pos] = candidate[pos, col]
    pred = predict_index(model, mutants, progress=progress, batch_size=batch_size, both_strands=both_strands)[
        :, target
    ].astype(np.float64)
    if reference is not None:
        pred = np.concatenate([[reference], pred])
    if log_odds:
        pred = logit(pred)
    effects = np.zeros((stop - start, 4), np.float32)
    effects[pos, col] = pred[1:] - pred[0]
    return effects


def gradient_effects(
    model, idx: np.ndarray, target: int, log_odds: bool = False, both_strands: bool = False
) -> np.ndarray:
    """First-order estimate of :func:`saturation_mutagenesis` from one gradient per sequence.

    The change a substitution makes, read off the tangent at the sequence: g[b] - g[ref], where
    g (L, 4) is the gradient of the target's prediction (with *log_odds*, of its logit) with
    respect to the one-hot input.  Exact for a model whose output (or logit) is linear in the
    input; otherwise right where the model is near linear around the sequence (it overshoots
    where a substitution takes a ReLU past 0).

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    idx : numpy.ndarray, shape=(n, L)
        Base indices uint8.
    target : int
        The output (0-based).
    log_odds : bool, default=False
        Differentiate the logit instead of the probability.
    both_strands : bool, default=False
        The prediction is the mean over the sequence and its reverse complement.

    Returns
    -------
    numpy.ndarray, shape=(n, L, 4)
        float32, columns A, C, G, T; 0 at the reference base; at an N (one-hot all 0) the
        change to each base is g[b].
    """
    # (n, L, 4) in the model's codes
    grads = target_gradient(model, target, log_odds, both_strands)(index_to_onehot(idx))
    g = grads[..., _ACGT_CODES]
    padded = np.concatenate([grads, np.zeros_like(grads[..., :1])], axis=-1)  # code N_CODE -> 0
    at_ref = np.take_along_axis(padded, np.minimum(idx, N_CODE)[..., None].astype(np.intp), axis=-1)
    return (g - at_ref).astype(np.float32)


def record_effects(
    model,
    idx: list[np.ndarray],
    target: int,
    method: str = "ism",
    log_odds: bool = False,
    both_strands: bool = False,
    progress: bool | str = False,
    span: tuple[int, int] | None = None,
    references: np.ndarray | None = None,
    batch: int = 64,
):
    """Each sequence's substitution effects, by prediction or by gradient, one at a time.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    idx : list of numpy.ndarray
        The sequences' base indices, uint8, shape=(L,) each.
    target : int
        The output (0-based).
    method : {"ism", "gradient"}, default="ism"
        "ism": :func:`saturation_mutagenesis`, one sequence at a time; "gradient":
        :func:`gradient_effects`, *batch* sequences at a time.
    log_odds : bool, default=False
        Effects in log-odds instead of probability.
    both_strands : bool, default=False
        Each prediction is the mean over the sequence and its reverse complement.
    progress : bool or str, default=False
        With "ism", count each sequence's mutants predicted (dlbio.utils.progress).
    span : tuple of (int, int), optional
        (start, stop), 0-based, stop excluded: the positions changed (default all L).
    references : numpy.ndarray, shape=(n,), optional
        With "ism", each sequence's own prediction of the target, so that none is predicted
        again.
    batch : int, default=64
        Sequences a gradient batch.

    Yields
    ------
    numpy.ndarray, shape=(S, 4)
        float32, columns A, C, G, T, one a sequence in order; S = stop - start.
    """
    if method not in ("ism", "gradient"):
        raise ValueError(f"method must be 'ism' or 'gradient', got {method!r}")
    start, stop = span or (0, len(idx[0]) if len(idx) else 0)
    if method == "ism":
        for k, x in enumerate(idx):
            yield saturation_mutagenesis(
                model,
                x,
                target,
                progress=progress,
                log_odds=log_odds,
                both_strands=both_strands,
                span=(start, stop),
                reference=None if references is None else float(references[k]),
            )
        return
    for first in range(0, len(idx), batch):
        effects = gradient_effects(model, np.stack(idx[first : first + batch]), target, log_odds, both_strands)
        yield from effects[:, start:stop]


def importance(effects: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """How much each reference base supports the prediction.

    Parameters
    ----------
    effects : numpy.ndarray
        float (L, 4): the change of prediction of each substitution (0 at the reference).
    idx : numpy.ndarray
        The reference's base indices, uint8 (L,).

    Returns
    -------
    numpy.ndarray
        float32 (L,): the mean loss of prediction over the substitutions of each position
        (-mean effect over the 3 other bases; over all 4 at an N).  Positive: changing the base
        lowers the prediction.
    """
    n_alt = np.where(idx == N_CODE, 4, 3)
    return (-effects.sum(axis=1) / n_alt).astype(np.float32)
