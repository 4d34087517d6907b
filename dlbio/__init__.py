"""dlbio: the Deep Learning by Example class-2 examples and DanQ/DeepSEA on Keras 3.

Public entry points are the workflows in :mod:`dlbio.workflows`, one function per job; the
console commands in :mod:`dlbio.cli` are thin wrappers around them.  The jobs are also
here by name, imported on first use (``import dlbio`` does not start TensorFlow)::

    from dlbio import train_danq
    res = train_danq("data", epochs=2, filters=64, lstm_units=32, dense_units=64)
"""

__version__ = "0.1.0"

# TensorFlow's oneDNN kernels are on, TensorFlow's own default: DanQ trains 1.6x and predicts
# 1.2x faster with them on a CPU, as repeatable by seed (docs/benchmarks.md).  The class
# examples turn them off when they run on TensorFlow (dlbio.backend.select): a toy model runs
# faster without.  TF_ENABLE_ONEDNN_OPTS set by the user always stands.

# name -> (module, attribute): the console command each one serves is in the comment
_JOBS = {
    "detect_motif": ("dlbio.workflows.class2_detection", "detect_motif"),  # mdet-*
    "discover_motif": ("dlbio.workflows.class2_discovery", "discover_motif"),  # mdisc-*
    "vanishing_gradient": ("dlbio.workflows.vgrad", "vanishing_gradient"),  # vgrad-rnn
    "train_danq": ("dlbio.workflows.danq", "train"),  # danq-train
    "predict_danq": ("dlbio.workflows.danq_predict", "predict"),  # danq-predict -d
    "predict_fasta": ("dlbio.workflows.danq_predict", "predict_fasta"),  # danq-predict --fasta
    "load_dna_model": ("dlbio.models.files", "load_dna_model"),
    "import_danq": ("dlbio.workflows.published", "import_danq"),  # danq-import
    "discover_motifs": ("dlbio.workflows.motifs", "discover"),  # dlbio motifs
    "build_dataset": ("dlbio.workflows.datasets", "build_dataset"),  # danq-prepare
    "score_vcf": ("dlbio.workflows.variants", "score_vcf"),  # dlbio variants
    "mutagenesis": ("dlbio.workflows.mutagenesis", "mutagenesis"),  # dlbio mutagenesis
    "insert_motifs": ("dlbio.workflows.insertion", "insert_motifs"),  # dlbio insert-motif
    "attribute": ("dlbio.workflows.attribution", "attribute"),  # dlbio attribute
    "modisco": ("dlbio.workflows.modisco", "modisco"),  # dlbio modisco
    "fimo": ("dlbio.workflows.fimo", "fimo"),  # dlbio fimo
}
# The same jobs under their command's name, where that name is free: dlbio.predict and
# dlbio.motifs are packages, and import is Python's.
_JOBS.update(
    {
        "train": _JOBS["train_danq"],  # dlbio train
        "prepare": _JOBS["build_dataset"],  # dlbio prepare
        "convert": ("dlbio.data.sources", "convert"),  # dlbio convert
        "variants": _JOBS["score_vcf"],  # dlbio variants
        "track": ("dlbio.workflows.genomics", "predict_track"),  # dlbio track
        "insert_motif": _JOBS["insert_motifs"],  # dlbio insert-motif
        "check": ("dlbio.workflows.check", "check"),  # dlbio check
    }
)

__all__ = sorted(_JOBS)


def __getattr__(name: str):
    if name in _JOBS:
        import importlib

        module, attr = _JOBS[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'dlbio' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_JOBS])
