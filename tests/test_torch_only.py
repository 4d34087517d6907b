"""-g N on PyTorch: N processes over torch.distributed (gloo between CPU processes here, NCCL
between GPUs), as DistributedDataParallel trains; the PyTorch run of the suite runs these."""

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from conftest import BACKEND
from danq_runs import danq_args, read_losses

from dlbio.utils.errors import DlbioError

pytestmark = pytest.mark.skipif(BACKEND != "torch", reason="torch.distributed: the PyTorch run of the suite")

# danq-train with -g N over processes that share the CPU (the GPU check counts no GPUs here)
ON_CPU = (
    "import sys\nfrom dlbio.workflows import danq\n"
    "real = danq.make_strategy\n"
    "danq.make_strategy = lambda n, b, device_type='GPU': real(n, b, 'CPU')\n"
    "from dlbio.cli.train import danq_train\n"
    "danq_train.main(sys.argv[1:], standalone_mode=True)\n"
)
ARGS = danq_args(40, 400, 3)
LONG = danq_args(40, 2000, 3, "--patience", "10")


def _env():
    return {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": "", "DLBIO_CLUSTER_TIMEOUT_S": "60"}


def _danq_train(args, out_dir, **popen):
    return subprocess.Popen(
        [sys.executable, "-c", ON_CPU, *args, "--out-dir", str(out_dir)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _train_half_each(seed: int):
    """In each process: a model built from its own seed, then 3 SGD steps on its half of 8 rows."""
    import keras

    from dlbio.backend import seeded_dropout, torch_only
    from dlbio.training.strategy import make_strategy

    strategy = make_strategy(2, 8)
    rank = strategy.process_index
    model = _model(seed + rank)  # process 1 starts elsewhere: prepare_model gives it process 0's
    torch_only.prepare_model(model)
    x, y = _rows()
    model.fit(x[4 * rank : 4 * rank + 4], y[4 * rank : 4 * rank + 4], batch_size=4, epochs=3, shuffle=False, verbose=0)
    with_dropout = _model(seed, dropout=True)
    torch_only.prepare_model(with_dropout)
    seeded_dropout(with_dropout)  # as danq-train's training loop does
    torch_only.stop_processes()
    seeds = [keras.ops.convert_to_numpy(v) for v in with_dropout.non_trainable_variables if "seed_generator" in v.path]
    hidden = keras.Model(with_dropout.inputs, with_dropout.layers[1].output)  # after the dropout
    masked = keras.ops.convert_to_numpy(hidden(np.ones((16, 4), "float32"), training=True)) != 0
    return [keras.ops.convert_to_numpy(w) for w in model.weights], (seeds, masked)


def _model(seed: int, dropout: bool = False):
    import keras

    keras.utils.set_random_seed(seed)
    hidden = [keras.layers.Dense(3, activation="tanh")] + ([keras.layers.Dropout(0.5)] if dropout else [])
    model = keras.Sequential([keras.Input((4,)), *hidden, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def _rows():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")


def _fail_in_process_1(how: str):
    from dlbio.backend import torch_only
    from dlbio.training.strategy import make_strategy

    strategy = make_strategy(2, 8)
    if strategy.process_index == 1:
        if how == "die":
            os._exit(3)
        raise DlbioError("data.mat: no such file")
    torch_only.any_process(False)  # process 0 waits for process 1 in a collective, as training would
    return "done"


def test_two_processes_average_their_gradients_as_one_batch_of_both_halves():
    from dlbio.backend import torch_only, torch_processes

    per_process = torch_processes.run_in_processes(_train_half_each, (7,), 2, on_gpus=False)
    model = _model(7)
    x, y = _rows()
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    import keras

    one = [keras.ops.convert_to_numpy(w) for w in model.weights]
    for got, _ in per_process:
        assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(got, one)), (got, one)
    assert not np.allclose(one[0], keras.ops.convert_to_numpy(_model(7).weights[0]))  # it trained
    # the same model, but dropout masks of each process's own
    (_, (seeds0, masked0)), (_, (seeds1, masked1)) = per_process
    assert len(seeds0) == 1 and (seeds1[0] - seeds0[0]).tolist() == [torch_only.SEED_STRIDE, 0]
    # drawn from those seeds (not from torch's global generator, seeded alike in both processes)
    assert masked0.shape == (16, 3) and 0 < masked0.mean() < 1 and (masked0 != masked1).any()


def test_seeds_kept_on_the_host_are_the_seeds_keras_draws():
    """seeded_dropout(seeds_on_host=True): the masks, so the weights, of Keras's own seeded path."""
    import keras

    from dlbio.backend import seeded_dropout

    x, y = _rows()
    runs = {}
    for on_host in (False, True):
        model = _model(3, dropout=True)
        seeded_dropout(model, seeds_on_host=on_host)
        model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
        (generator,) = model.layers[1]._seed_generators
        runs[on_host] = (
            [keras.ops.convert_to_numpy(w) for w in model.weights],
            keras.ops.convert_to_numpy(generator.state),
            "next" in generator.__dict__,
        )
    (keras_weights, keras_state, keras_own), (host_weights, host_state, host_own) = runs[False], runs[True]
    assert keras_state[1] == host_state[1] == 6  # one draw per step: 2 steps in each of 3 epochs
    assert (keras_state == host_state).all() and not keras_own and host_own
    assert all((a == b).all() for a, b in zip(keras_weights, host_weights))
    # the unordered draws too, and back to Keras's own path
    keras_made, host_made = _model(5, dropout=True), _model(5, dropout=True)
    seeded_dropout(host_made, seeds_on_host=True)
    (k,), (h,) = keras_made.layers[1]._seed_generators, host_made.layers[1]._seed_generators
    for ordered in (False, True, False):
        assert (keras.ops.convert_to_numpy(k.next(ordered)) == keras.ops.convert_to_numpy(h.next(ordered))).all()
    assert (keras.ops.convert_to_numpy(k.state) == keras.ops.convert_to_numpy(h.state)).all()
    seeded_dropout(host_made)
    assert "next" not in h.__dict__
    assert (keras.ops.convert_to_numpy(k.next()) == keras.ops.convert_to_numpy(h.next())).all()


@pytest.mark.parametrize(
    "how,message", [("raise", "data.mat: no such file"), ("die", "process 1 died (exit status 3)")]
)
def test_a_failing_process_is_one_error_and_stops_the_others(how, message):
    from dlbio.backend import torch_processes

    start = time.monotonic()
    with pytest.raises(DlbioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        torch_processes.run_in_processes(_fail_in_process_1, (how,), 2, on_gpus=False)
    assert time.monotonic() - start < 45  # not the collective's timeout (60 s)


def _preempted_process_1_first():
    from pathlib import Path

    from dlbio.backend import torch_processes
    from dlbio.training.preemption import Preempted

    rank = torch_processes.THIS_PROCESS[0]
    if rank == 0:
        time.sleep(1)  # process 1's comes first
    raise Preempted(Path("state.keras"), None, chief=rank == 0)


def test_a_preemption_is_said_by_the_process_the_user_started():
    """Process 1 (which saved nothing, so says nothing) stops first: the command still says it."""
    from dlbio.backend import torch_processes
    from dlbio.training.preemption import Preempted

    with pytest.raises(Preempted) as stopped:
        torch_processes.run_in_processes(_preempted_process_1_first, (), 2, on_gpus=False)
    assert stopped.value.chief


@pytest.mark.slow
def test_g2_trains_one_model_in_two_processes_and_the_chief_writes(tmp_path):
    two = _danq_train([*ARGS, "-g", "2"], tmp_path / "two")
    one = _danq_train([*ARGS, "-g", "1"], tmp_path / "one")
    (_, err2), (_, err1) = two.communicate(timeout=400), one.communicate(timeout=400)
    assert two.returncode == 0 and one.returncode == 0, (err2[-1500:], err1[-1500:])
    assert "Traceback" not in err2
    assert err2.count("parameters") == 1 and "on 2 processes on the CPU" in err2  # the chief alone says it
    ckpt = tmp_path / "two" / "checkpoints"
    got, single = (
        read_losses(ckpt / "bestmodel.DanQ.log.csv"),
        read_losses(tmp_path / "one" / "checkpoints" / "bestmodel.DanQ.log.csv"),
    )
    assert got.shape == single.shape == (3, 2)
    assert got[-1, 0] < got[0, 0] - 0.005  # it really trains
    # each process trains on its own half with its own dropout masks: the same model, to a tolerance
    assert np.allclose(got, single, rtol=0.03), (got, single)
    record = json.loads((ckpt / "bestmodel.DanQ.run.json").read_text())
    assert record["config"]["processes"] == 2 and record["config"]["backend"] == "torch"


@pytest.mark.slow
def test_a_sigterm_stops_every_process_and_the_run_resumes_bit_for_bit(tmp_path):
    straight = _danq_train([*LONG, "-g", "2"], tmp_path / "straight")
    _, err = straight.communicate(timeout=400)
    assert straight.returncode == 0, err[-1500:]
    state = tmp_path / "checkpoints" / "bestmodel.DanQ.state.keras"
    proc = _danq_train([*LONG, "-g", "2"], tmp_path)
    deadline = time.time() + 300
    while not state.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert state.exists(), proc.communicate()
    proc.send_signal(signal.SIGTERM)  # scancel: to the process the user started
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 75, err[-1500:]
    assert "Traceback" not in err and "rerun with --resume" in err.strip().splitlines()[-1]
    with zipfile.ZipFile(state) as z:
        saved = json.loads(z.read("dlbio_state.json"))
    assert saved["step"] % 20 == 0  # the processes stop together, at a batch they agree on
    other = _danq_train([*LONG, "-g", "1", "--resume"], tmp_path)
    _, err = other.communicate(timeout=300)
    assert other.returncode == 2 and "cannot resume with different options (processes)" in err, err[-800:]
    proc = _danq_train([*LONG, "-g", "2", "--resume"], tmp_path)
    _, err = proc.communicate(timeout=400)
    assert proc.returncode == 0, err[-1500:]
    assert read_losses(tmp_path / "checkpoints" / "bestmodel.DanQ.log.csv").shape == (3, 2)  # every epoch once
    # each process's dropout masks come from its seed generators, which the state holds: the
    # resumed run ends where the uninterrupted one ends, every logged number alike
    log = "checkpoints/bestmodel.DanQ.log.csv"
    assert (tmp_path / log).read_text() == (tmp_path / "straight" / log).read_text()
