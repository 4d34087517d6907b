"""The gradient of one target's prediction with respect to the one-hot input: what every
gradient-based method here (the ISM estimate, gradient x input, integrated and expected
gradients) differentiates, compiled once per model, target and option."""

from __future__ import annotations

import weakref

from dlbio.backend import gradient_function

# One compiled gradient per model, target and option, kept while the model lives (as
# dlbio.backend.predict_function does): thousands of batches reuse it.
_GRADIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def target_gradient(model, target: int, log_odds: bool = False, both_strands: bool = False, point=None, reduce=None):
    """The compiled gradient of one target's output.

    Parameters
    ----------
    model : keras.Model
        Any model on one-hot DNA, shape=(L, 4), in A, G, C, T order.
    target : int
        The output differentiated (0-based).
    log_odds : bool, default=False
        Differentiate the output's logit (clipped at 1e-6, as dlbio.predict.variants.logit)
        instead of the probability, which flattens where it saturates near 0 or 1.
    both_strands : bool, default=False
        Differentiate the mean over the sequence and its reverse complement.
    point, reduce : callable, optional
        Where the gradient is taken and what comes back, built on the device from the call's
        inputs (dlbio.backend.gradient_function); module-level functions, as they are part of
        the cache's key.

    Returns
    -------
    callable
        By default ``x float32 (n, L, 4) -> gradient float32 (n, L, 4)``, the model's A, G, C, T
        order; x may be any point of one-hot space (a mix of bases on a path), not only one-hot.
    """
    per_model = _GRADIENTS.setdefault(model, {})
    key = (target, log_odds, both_strands, point, reduce)
    if key not in per_model:
        per_model[key] = gradient_function(
            model, lambda call, x: _objective(call, x, target, log_odds, both_strands), point, reduce
        )
    return per_model[key]


def _objective(call, x, target: int, log_odds: bool, both_strands: bool):
    import keras

    p = _target_output(call(x), target)
    if both_strands:
        # In A,G,C,T order the complement of channel c is 3 - c: reversing both axes of the
        # one-hot input is the reverse complement, and the gradient maps it back.
        p = (p + _target_output(call(keras.ops.flip(x, axis=(1, 2))), target)) / 2
    if log_odds:
        # The clipped logit of dlbio.predict.variants.logit, so that every method means the same.
        p = keras.ops.clip(p, 1e-6, 1 - 1e-6)
        p = keras.ops.log(p) - keras.ops.log1p(-p)
    # Sequences are independent (inference), so the gradient of the sum is each one's own.
    return keras.ops.sum(p)


def _target_output(out, target: int):
    import keras

    out = out[0] if isinstance(out, (list, tuple)) else out
    return keras.ops.cast(out, "float32")[:, target]
