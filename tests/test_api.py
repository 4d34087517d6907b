"""The jobs by name from Python: ``from dlbio import train_danq`` etc."""

import os
import subprocess
import sys

import dlbio


def test_import_is_light_and_names_resolve():
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    # on JAX and PyTorch, TensorFlow is never imported (Keras's torch backend imports jax itself)
    tf_after = "'tensorflow' in sys.modules" if backend == "tensorflow" else "'tensorflow' not in sys.modules"
    code = (
        "import sys, dlbio; assert 'tensorflow' not in sys.modules; "
        f"assert callable(dlbio.detect_motif) and {backend!r} in sys.modules and {tf_after}; "
        "print(len(dlbio.__all__))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout) == len(dlbio._JOBS)
    for name in dlbio.__all__:
        assert callable(getattr(dlbio, name)), name
    # a submodule of the same name would replace the job once imported (dlbio.mutagenesis did)
    import pkgutil

    assert not {m.name for m in pkgutil.iter_modules(dlbio.__path__)} & set(dlbio.__all__)
    try:
        dlbio.no_such_job  # noqa: B018
    except AttributeError as exc:
        assert "no_such_job" in str(exc)
    else:
        raise AssertionError("unknown names must raise AttributeError")


def test_train_danq_from_python(tmp_path):
    from dlbio import train_danq
    from dlbio.utils.resources import tiny_deepsea

    res = train_danq(
        tiny_deepsea(),
        epochs=1,
        filters=8,
        kernel_size=9,
        lstm_units=4,
        dense_units=8,
        batch_size=50,
        limit=100,
        out_dir=tmp_path,
        quiet=True,
    )
    assert res.summary.epochs == 1 and res.checkpoint.is_file() and res.results.is_file()


def test_onednn_is_tensorflows_default_off_for_the_class_examples_and_the_users_choice_stands():
    code = (
        "import os, sys, dlbio\nfrom dlbio.cli.common import Command\nfrom dlbio.backend import select\n"
        "from dlbio.cli.class2 import mdet_conv1d\nfrom dlbio.cli.danq import danq_predict\n"
        "command = mdet_conv1d if sys.argv[1] == 'class' else danq_predict\n"
        "select(None, getattr(command, 'onednn', None))\nprint(os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    for which, given, seen in (("class", None, "0"), ("danq", None, "unset"), ("class", "1", "1")):
        res = subprocess.run(
            [sys.executable, "-c", code, which],
            capture_output=True,
            text=True,
            env={**env, **({"TF_ENABLE_ONEDNN_OPTS": given} if given else {})},
        )
        assert res.stdout.strip() == seen, (which, given, res.stdout, res.stderr)
