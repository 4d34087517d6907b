"""danq-import: the published DanQ weights (Keras 0.2 HDF5) -> a Keras 3 model file every command reads."""

from __future__ import annotations

from pathlib import Path

from dlbio.models import keras02
from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import require


def import_danq(
    source: str | Path, out: str | Path | None = None, length: int = 1000, pool: int | None = None
) -> tuple[Path, str]:
    """Convert the published DanQ weights (Keras 0.2, Theano) to a Keras 3 ``.keras`` file.

    Parameters
    ----------
    source : str or pathlib.Path
        DanQ_bestmodel.hdf5 or DanQ-JASPAR_bestmodel.hdf5, as the DanQ authors published them.
    out : str or pathlib.Path, optional
        The file to write; default: the source's name with ``.keras``, in the current folder.
    length : int, default=1000
        The input length the model is built for (DeepSEA's 1000 bp).
    pool : int, optional
        The max-pool size (= stride); the file does not store it, so by default the one
        that turns *length* into the file's time steps (13 DanQ, 15 DanQ-JASPAR at 1000 bp).

    Returns
    -------
    tuple of (pathlib.Path, str)
        The written path and a one-line description of the model.
    """
    source = Path(source)
    out = Path(out) if out is not None else Path(source.stem + ".keras")
    require(out.suffix == ".keras", f"{out}: the output must end in .keras")
    require(length > 0, f"--length must be positive, got {length}")
    weights = keras02.read_danq_weights(source)
    model = keras02.build_model(weights, length, pool, name=source.stem.replace("_bestmodel", "") + "-published")
    with atomic_path(out) as tmp:
        model.save(tmp)
    conv = model.get_layer("motif_conv")
    described = (
        f"{conv.filters} filters x {weights.kernel_size} bp, pool {model.get_layer('pool').pool_size[0]}, "
        f"2 forward LSTMs x {weights.lstm_units} (as the original ran them), "
        f"dense {weights.dense[0].shape[1]}, {model.outputs[0].shape[-1]} targets, "
        f"{model.count_params():,} parameters; input {length} bp one-hot A,G,C,T"
    )
    return out, described
