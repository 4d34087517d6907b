"""Attribution maps: how much each base of a sequence contributes to one target's prediction.

Every method returns *hypothetical contributions* (n, L, 4) in A, C, G, T order: at each
position, what each of the four bases would contribute there, the array TF-MoDISco reads
(``modisco motifs -a``).  The actual contribution of a sequence is the hypothetical one at
its own base (``contributions``).  Against a reference r, with the gradient G averaged along
the path from r to the sequence, base b at a position contributes (e_b - r) . G: summed over
the sequence's own bases this is (x - r) . G, which adds up to f(x) - f(r) (completeness).

* ``ism``: every substitution predicted (dlbio.interpret.ism); a base's hypothetical
  contribution is its effect minus the mean of the four at that position.
* ``gradient_x_input``: the gradient at the sequence; no reference, so a motif that saturates
  the output (present twice, say) can score near zero.
* ``integrated_gradients``: from one uniform reference (0.25 per base), *steps* midpoints.
* ``expected_gradients``: integrated gradients from *references* dinucleotide-shuffled copies
  of each sequence, averaged (Erion et al. 2021; what DeepSHAP approximates with DeepLIFT's
  rescale rule, here integrated instead, so that it needs no per-layer rule on any backend
  nor one for the LSTM).  Each path is integrated at *steps* midpoints, as integrated
  gradients are: a motif's filters switch on late on the path from a shuffled reference
  (near the sequence), where 2 midpoints (0.25, 0.75) miss them and 4 do not
  (docs/benchmarks.md: 4 midpoints correlate 0.97-0.98 with a 64-point integral).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dlbio.data.encoding import agct_to_acgt, index_to_onehot
from dlbio.data.pipeline import prefetched
from dlbio.utils.errors import require
from dlbio.utils.options import Options
from dlbio.utils.progress import counter

METHODS = {
    "expected_gradients": "expected gradients (dinucleotide-shuffled references)",
    "integrated_gradients": "integrated gradients (uniform reference)",
    "gradient_x_input": "gradient x input",
    "ism": "in-silico saturation mutagenesis",
}
UNIFORM = 0.25  # integrated_gradients' reference: every base equally likely
SHUFFLE_WALKS = 2048  # references shuffled together (dlbio.interpret.references: quicker in blocks)


@dataclass(frozen=True)
class AttributionOptions(Options):
    """How attributions are computed.

    Attributes
    ----------
    method : str, default="expected_gradients"
        One of METHODS.
    references : int, default=10
        Dinucleotide-shuffled references per sequence (expected_gradients).
    steps : int, optional
        Midpoints on each reference's path: expected_gradients 4 by default (10 references x
        4 = 40 gradients a sequence, within the speed goal of docs/benchmarks.md),
        integrated_gradients 20.
    log_odds : bool, default=True
        Attribute the target's logit rather than its probability, which flattens where the
        prediction saturates near 0 or 1 (the field's usual choice).
    both_strands : bool, default=False
        Attribute the mean prediction over the sequence and its reverse complement.
    batch_size : int, default=256
        Inputs per gradient or prediction batch.
    seed : int, default=0
        Seeds the references.
    progress : bool or str, default=False
        Show progress over sequences.
    """

    method: str = "expected_gradients"
    references: int = 10
    steps: int | None = None
    log_odds: bool = True
    both_strands: bool = False
    batch_size: int = 256
    seed: int = 0
    progress: bool | str = False

    def check(self) -> None:
        """A clear error for an option out of range."""
        require(self.method in METHODS, f"--method must be one of {', '.join(METHODS)}, got {self.method!r}")
        require(self.references >= 1, f"--references must be at least 1, got {self.references}")
        require(self.steps is None or self.steps >= 1, f"--steps must be at least 1, got {self.steps}")
        require(self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}")

    @property
    def path_points(self) -> int:
        """Points on each path: *steps*, or the method's default."""
        if self.steps is not None:
            return self.steps
        return 20 if self.method == "integrated_gradients" else 4


def hypothetical_contributions(
    model, idx: np.ndarray, target: int, options: AttributionOptions | None = None, **overrides
) -> np.ndarray:
    """Hypothetical contributions of every base of each sequence to one target.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    idx : numpy.ndarray, shape=(n, L)
        Base indices uint8 (A=0, G=1, C=2, T=3, N=4).
    target : int
        The output attributed (0-based).
    options : AttributionOptions, optional
        The method and its settings (defaults when None).
    **overrides
        Fields of *options* to set, as keywords.

    Returns
    -------
    numpy.ndarray, shape=(n, L, 4)
        float32, columns A, C, G, T; in the unit of the prediction (logit with log_odds).
    """
    o = AttributionOptions.merged(options, overrides)
    o.check()
    idx = np.asarray(idx, np.uint8)
    if o.method == "ism":
        return _ism_hypothetical(model, idx, target, o)
    from dlbio.interpret.gradients import target_gradient

    refs = o.references if o.method == "expected_gradients" else 1
    rows = 1 if o.method == "gradient_x_input" else refs * o.path_points
    chunk = max(1, o.batch_size // rows)  # sequences per batch of gradients
    if o.method == "gradient_x_input":
        gradient = target_gradient(model, target, o.log_odds, o.both_strands)
        references = itertools.repeat(None)
    else:
        gradient = target_gradient(model, target, o.log_odds, o.both_strands, point=path_points, reduce=path_sums)
        # Shuffled ahead, in a thread, while the device takes the gradients.
        references = prefetched(_references(idx, chunk, o), depth=2)
    out = np.empty((*idx.shape, 4), np.float32)
    with counter(len(idx), "attributions", "seq", o.progress) as bar:
        for start, ref in zip(range(0, len(idx), chunk), references):
            x = index_to_onehot(idx[start : start + chunk])  # (c, L, 4), A,G,C,T
            hyp = gradient(x) if ref is None else _path_hypothetical(gradient, x, ref, o)
            out[start : start + len(x)] = agct_to_acgt(hyp)
            bar.update(len(x))
    return out


def contributions(idx: np.ndarray, hypothetical: np.ndarray) -> np.ndarray:
    """The actual contributions from the hypothetical ones.

    Parameters
    ----------
    idx : numpy.ndarray
        Base indices uint8 (n, L) (A,G,C,T codes).
    hypothetical : numpy.ndarray
        float (n, L, 4), A,C,G,T.

    Returns
    -------
    numpy.ndarray
        float32 (n, L, 4), A,C,G,T: *hypothetical* at each sequence's own base, 0 elsewhere
        and at N.
    """
    return (agct_to_acgt(index_to_onehot(idx)) * hypothetical).astype(np.float32)


def _references(idx: np.ndarray, chunk: int, o: AttributionOptions):
    """One-hot references float32 (c, K, L, 4) for each *chunk* sequences of *idx* (n, L): the
    uniform one (K = 1), or K dinucleotide shuffles of each sequence, made for a block of
    chunks at a time (SHUFFLE_WALKS walks) as the shuffle is quicker in blocks."""
    if o.method == "integrated_gradients":
        for start in range(0, len(idx), chunk):
            yield np.full((len(idx[start : start + chunk]), 1, idx.shape[1], 4), UNIFORM, np.float32)
        return
    from dlbio.interpret.references import dinucleotide_shuffle

    rng = np.random.default_rng(o.seed)
    block = chunk * max(1, SHUFFLE_WALKS // (chunk * o.references))
    for start in range(0, len(idx), block):
        shuffled = dinucleotide_shuffle(idx[start : start + block], o.references, rng)  # (b, K, L)
        for first in range(0, len(shuffled), chunk):
            yield index_to_onehot(shuffled[first : first + chunk])


def _path_hypothetical(gradient, x: np.ndarray, refs: np.ndarray, o: AttributionOptions) -> np.ndarray:
    """Hypothetical contributions (c, L, 4), A, G, C, T, of *x* (c, L, 4) against *refs*
    (c, K, L, 4): the mean of path_sums over K references x M midpoints, in calls of at most
    batch_size points a sequence."""
    k, m = refs.shape[1], o.path_points
    alphas = ((np.arange(m) + 0.5) / m).astype(np.float32)  # the midpoints of each path
    refs_per_call = k if k * m <= o.batch_size else max(1, o.batch_size // m)
    points_per_call = min(m, o.batch_size)
    total = 0.0
    for r in range(0, k, refs_per_call):
        for a in range(0, m, points_per_call):
            total = total + gradient(x, refs[:, r : r + refs_per_call], alphas[a : a + points_per_call])
    return total / (k * m)


def path_points(x, refs, alphas):
    """Every point of the straight paths from each reference to its sequence, r + alpha (x - r),
    in keras.ops (on the device, so that the host neither builds nor sends them).

    Parameters
    ----------
    x : tensor, shape=(c, L, 4)
        The sequences, one-hot.
    refs : tensor, shape=(c, K, L, 4)
        Each sequence's references.
    alphas : tensor, shape=(M,)
        The points' places on each path, 0 at the reference and 1 at the sequence.

    Returns
    -------
    tensor, shape=(c * K * M, L, 4)
        Sequence by sequence, reference by reference.
    """
    import keras

    ops = keras.ops
    steps = ops.reshape(alphas, (-1, 1, 1))
    points = ops.expand_dims(refs, 2) + steps * ops.expand_dims(ops.expand_dims(x, 1) - refs, 2)
    return ops.reshape(points, (-1, *ops.shape(x)[1:]))


def path_sums(gradients, x, refs, alphas):
    """Each sequence's (e_b - r) . G summed over its references r and the gradients G at their
    path_points, in keras.ops; divided by K x M it is the hypothetical contribution.

    Parameters
    ----------
    gradients : tensor, shape=(c * K * M, L, 4)
        The gradient at each of path_points(x, refs, alphas).
    x, refs, alphas : tensor
        As path_points takes them.

    Returns
    -------
    tensor, shape=(c, L, 4)
        float32, the model's A, G, C, T order.
    """
    import keras

    ops = keras.ops
    g = ops.reshape(gradients, (*ops.shape(refs)[:2], -1, *ops.shape(x)[1:]))  # (c, K, M, L, 4)
    g = ops.sum(g, axis=2)
    return ops.sum(g - ops.sum(refs * g, axis=-1, keepdims=True), axis=1)


def _ism_hypothetical(model, idx: np.ndarray, target: int, o: AttributionOptions) -> np.ndarray:
    """ISM effects (n, L, 4), A, C, G, T, centred on each position's mean over the four bases;
    every reference predicted once, in one batched call."""
    from dlbio.interpret.ism import saturation_mutagenesis
    from dlbio.predict import first_output, predict_index

    reference = first_output(predict_index(model, idx, batch_size=o.batch_size, both_strands=o.both_strands))
    out = np.empty((*idx.shape, 4), np.float32)
    with counter(len(idx), "attributions", "seq", o.progress) as bar:
        for k, x in enumerate(idx):
            effects = saturation_mutagenesis(
                model,
                x,
                target,
                batch_size=o.batch_size,
                log_odds=o.log_odds,
                both_strands=o.both_strands,
                reference=float(reference[k, target]),
            )
            out[k] = effects - effects.mean(axis=1, keepdims=True)
            bar.update(1)
    return out
