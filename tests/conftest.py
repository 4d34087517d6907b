import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# The suite runs on one backend a run (make test runs it on each): pinned here, so that no
# command run in this process (the class examples prefer JAX) can choose another.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    """Run a click command in tmp_path; returns the click Result."""
    from click.testing import CliRunner

    monkeypatch.chdir(tmp_path)

    def _run(cmd, args, ok=True):
        res = CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)
        if ok:
            assert res.exit_code == 0, res.output + (res.stderr if hasattr(res, "stderr") else "")
        return res

    return _run


CHR = {"chr1": 2000, "chr2": 1200, "chr3": 1200}


@pytest.fixture
def genome(tmp_path):
    """A random 3-chromosome genome with a 200-bp gap of N on chr1: (g.fa path, {chrom: sequence})."""
    rng = np.random.default_rng(0)
    seqs = {c: "".join(rng.choice(list("ACGT"), n)) for c, n in CHR.items()}
    s = list(seqs["chr1"])
    s[1400:1600] = "N" * 200  # a gap on chr1
    seqs["chr1"] = "".join(s)
    path = tmp_path / "g.fa"
    path.write_text("".join(f">{c}\n{s}\n" for c, s in seqs.items()))
    return path, seqs


BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


# Modules whose tests compute nothing with Keras (readers, data sets, logos, locks, Lmod, the
# wheel): the TensorFlow run of the suite covers them, the JAX and PyTorch runs leave them out
# instead of running the same thing again.
BACKEND_FREE = {
    "test_atomic",
    "test_dataset",
    "test_docs",
    "test_fimo",
    "test_genome",
    "test_guard",
    "test_layers",
    "test_logos",
    "test_modisco",
    "test_modules",
    "test_packaging",
    "test_patterns",
    "test_prepare",
    "test_processes",
    "test_properties",
    "test_sbatch",
    "test_seqlets",
    "test_sites",
    "test_stretches",
    "test_synthetic",
    "test_training_log",
}


# Modules that run whole commands the way a user does, minutes of them: once, on the
# backend a user gets by default (TensorFlow); the backends' own suites test the same code.
DEFAULT_BACKEND_ONLY = {"test_docs_walkthroughs"}


def pytest_collection_modifyitems(config, items):
    """On JAX and PyTorch: tf_only tests (tf.distribute, tf.data, TensorFlow's build), the
    backend-free modules and the docs' walk-throughs are left out."""
    if BACKEND == "tensorflow":
        return
    needs_tf = pytest.mark.skip(reason=f"needs TensorFlow; KERAS_BACKEND={BACKEND}")
    free = pytest.mark.skip(reason="computes nothing with Keras: the TensorFlow run covers it")
    once = pytest.mark.skip(reason="the docs' walk-throughs run once, on the default backend (TensorFlow)")
    for item in items:
        if "tf_only" in item.keywords:
            item.add_marker(needs_tf)
        elif item.module.__name__.split(".")[-1] in BACKEND_FREE:
            item.add_marker(free)
        elif item.module.__name__.split(".")[-1] in DEFAULT_BACKEND_ONLY:
            item.add_marker(once)
