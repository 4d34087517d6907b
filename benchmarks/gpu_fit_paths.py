"""Ways of the same DanQ fit, timed in turn on in-memory arrays (benchmarks/gpu.py's
``batch_logs`` and ``dropout`` parts): what one choice of danq-train's costs or saves per step."""

from __future__ import annotations

import time

import numpy as np


def danq_in_memory(batch: int, steps: int):
    """A compiled DanQ and *steps* batches of random one-hot sequences and labels in memory."""
    from dlbio.data.encoding import index_to_onehot
    from dlbio.models.deepsea import danq

    model = danq()
    model.compile(loss="binary_crossentropy", optimizer="rmsprop")
    rng = np.random.default_rng(0)
    x = index_to_onehot(rng.integers(0, 4, (batch * steps, 1000)).astype(np.uint8))
    y = (rng.random((batch * steps, 919)) < 0.03).astype(np.float32)
    return model, x, y


def in_turn(samples_per_s, ways=(False, True)) -> list[list[int]]:
    """``samples_per_s(way)`` for each of *ways* twice, in turn, after a first call that
    compiles: alternating shares out any drift of the machine's speed."""
    samples_per_s(ways[0])
    speeds = [[] for _ in ways]
    for _ in range(2):
        for way, speed in zip(ways, speeds):
            speed.append(round(samples_per_s(way)))
    return speeds


def batch_logs(batch: int, steps: int) -> dict:
    import keras

    from dlbio.training.progress_callbacks import BatchLogsAsTensors

    class EveryBatch(keras.callbacks.Callback):
        batch_logs_as_tensors = True

        def on_train_batch_end(self, b, logs=None):
            pass

    model, x, y = danq_in_memory(batch, steps)

    def samples_per_s(tensors: bool) -> float:
        calls = [EveryBatch()]
        if tensors:
            calls = BatchLogsAsTensors(calls, add_history=True, model=model, verbose=0, epochs=1, steps=steps)
        t0 = time.time()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=calls)
        return batch * steps / (time.time() - t0)

    floats, tensors = in_turn(samples_per_s)
    return {
        "batch": batch,
        "steps": steps,
        "logs_as_floats_samples_per_s": floats,
        "logs_as_tensors_samples_per_s": tensors,
    }


def dropout(batch: int, steps: int) -> dict:
    import keras

    from dlbio import backend

    model, x, y = danq_in_memory(batch, steps)
    generators = [g for layer in model._flatten_layers(include_self=False) for g in layer._seed_generators]

    def draws() -> int:  # the seeded path advances a generator's counter once a call
        return sum(int(keras.ops.convert_to_numpy(g.state)[1]) for g in generators)

    def samples_per_s(way: str) -> float:
        if way == "torch":
            backend.seeded_dropout(model)  # the states back on the device
            for generator in generators:
                generator._initial_seed = None  # Keras's torch backend then takes torch's dropout
        else:
            backend.seeded_dropout(model, seeds_on_host=way == "seeded_host")
        where[way] = str(generators[0].state.value.device)
        before, t0 = draws(), time.time()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        speed = batch * steps / (time.time() - t0)
        seed_draws[way] = draws() - before
        return speed

    ways, seed_draws, where = ("torch", "seeded", "seeded_host"), {}, {}
    speeds = in_turn(samples_per_s, ways)
    return {
        "batch": batch,
        "steps": steps,
        "dropout_layers": sum(isinstance(layer, keras.layers.Dropout) for layer in model.layers),
        **{f"{way}_dropout_samples_per_s": speed for way, speed in zip(ways, speeds)},
        "seed_draws_" + "_".join(ways): [seed_draws[way] for way in ways],
        "seed_state_device_" + "_".join(ways): [where[way] for way in ways],
    }
