"""Prediction: one batched function, and what is built on it.

* :mod:`~dlbio.predict.batched`: the one batched prediction from base indices
  (:func:`predict_index`, :func:`predict_source`), used by danq-predict, validation AUC,
  filter activations, variant scoring and mutagenesis;
* :mod:`~dlbio.predict.tables`: prediction tables in HDF5 (rows, arrays, target names);
* :mod:`~dlbio.predict.variants`: VCF variant effects (reference and alternative alleles);
* :mod:`~dlbio.predict.variant_tables`: those effects written as tables (HDF5 or TSV, and
  the per-variant summary);
* :mod:`~dlbio.predict.tracks`: predictions tiled along a region, as bedGraph and plots.

The batched functions are here by name, imported on first use (``dlbio.predict.tables``
and the others do not start Keras)::

    from dlbio.predict import predict_source
"""

_BATCHED = ("first_output", "in_batches", "predict_index", "predict_source")


def __getattr__(name: str):
    if name in _BATCHED:
        from dlbio.predict import batched

        return getattr(batched, name)
    raise AttributeError(f"module 'dlbio.predict' has no attribute {name!r}")


__all__ = list(_BATCHED)
