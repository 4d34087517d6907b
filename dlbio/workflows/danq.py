"""danq-train: train DanQ or DeepSEA (the Biowulf train.py); predicting is dlbio.workflows.danq_predict."""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dlbio.backend import seed_everything
from dlbio.data import sources
from dlbio.evaluation.metrics import default_results_name
from dlbio.models import deepsea as models
from dlbio.models.files import load_dna_model
from dlbio.training.config import RunConfig, RunFiles
from dlbio.training.log import LogSummary, summarize_log
from dlbio.training.preemption import sigterm_as_preemption
from dlbio.training.run_lock import run_lock
from dlbio.training.run_model import compiled_model
from dlbio.training.run_record import data_checksums, write_run_record
from dlbio.training.strategy import ProcessesToStart, make_strategy
from dlbio.training.trainer import fit_resumable
from dlbio.utils.environment import warn_if_gpus_unseen
from dlbio.utils.errors import require
from dlbio.workflows.danq_predict import predict


@dataclass
class TrainResult:
    checkpoint: Path
    log: Path
    history: dict  # this process's epochs only
    results: Path | None
    metrics_lines: list[str]
    summary: LogSummary | None = None  # the whole run, from the log (resumes included)
    chief: bool = True  # False on the other processes of --multi-worker or -g N: they wrote nothing


def train(data_dir: str | Path, **options) -> TrainResult:
    """danq-train from Python: :func:`run_training` on a :class:`RunConfig`.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        The data folder (DeepSEA's .mat files or dlbio stores).
    **options
        Flat option names of the config's sections, as on the command line
        (``epochs=2, filters=64, model_name="DeepSEA", n_gpus=4``).

    Returns
    -------
    TrainResult
        The best model's path, its log, the run's history and test metrics.

    Examples
    --------
    >>> from dlbio import train_danq
    >>> res = train_danq("data", epochs=2, filters=64, lstm_units=32, dense_units=64)  # doctest: +SKIP
    """
    return run_training(RunConfig.from_options(data_dir, **options))


def run_training(config: RunConfig) -> TrainResult:
    """danq-train: fit DanQ/DeepSEA on a data folder, keep the best model, evaluate on test.

    Writes under ``<out_dir>/checkpoints/``: ``<prefix>.<model>.keras`` (best validation
    loss), ``.log.csv`` (per-epoch loss, val_loss, val_auc_median), ``.state.keras``
    (resume state, every epoch and on SIGTERM/SIGINT), ``.run.json`` (run record); and,
    when ``output.results`` is set, ``<out_dir>/predictions/<results>`` plus its per-target
    TSV (``"auto"``: :func:`default_results_name`; None or ``""``: no test predictions).
    With ``model.fine_tune`` (a Keras model file), that model trains instead of a new
    ``model.name``, and ``<model>`` in the file names is the file's stem.
    ``dataset.verify`` False skips the stores' checksums (``--no-verify``).

    Parameters
    ----------
    config : RunConfig
        The data folder and every option of the run (dlbio.training.config).

    Returns
    -------
    TrainResult
        The checkpoint and log paths, this process's history, the test predictions and
        their summary lines.

    Raises
    ------
    dlbio.training.preemption.Preempted
        When stopped by a signal (the state is saved; ``--resume`` continues).
    """
    m, t, hw, out = config.model, config.training, config.hardware, config.output
    data_dir, model_name, batch_size, epochs = config.data, m.name, t.batch_size, t.epochs
    weights, fine_tune, mixed_precision, seed = m.weights, m.fine_tune, t.mixed_precision, t.seed
    multi_worker, deterministic, n_gpus, limit = hw.multi_worker, hw.deterministic, hw.gpus, config.dataset.limit
    out_dir, prefix, results, quiet = out.out_dir, out.prefix, out.results, out.quiet
    from dlbio import backend

    require(model_name in models.MODELS, f"model must be one of {', '.join(models.MODELS)}, got {model_name!r}")
    require(batch_size > 0 and epochs > 0, "batch size and epochs must be positive")
    if fine_tune is not None:
        require(Path(fine_tune).is_file(), f"{fine_tune}: model file not found (--fine-tune)")
        require(
            weights is None,
            "--fine-tune trains the file's own model; -w loads weights into a new -m model: give one of them",
        )
        require(not mixed_precision, "--mixed-precision applies to models built here, not to a --fine-tune file")
        require(
            m.filters is None and m.kernel_size is None and m.lstm_units is None,
            "-f, -k and --lstm-units size a new model; a --fine-tune model keeps the file's sizes",
        )
        model_name = Path(fine_tune).name.removesuffix(".keras").removesuffix(".h5")
    if multi_worker:
        require(
            backend.name() != "torch",
            "--multi-worker runs on KERAS_BACKEND=jax or tensorflow; on torch, -g N trains on the GPUs of one node",
        )
        if backend.name() == "tensorflow":
            from dlbio.backend.tensorflow_multiworker import make_multiworker_strategy

            strategy = make_multiworker_strategy()  # must come before other TensorFlow work
        else:
            from dlbio.training.strategy import make_multi_process_strategy

            strategy = make_multi_process_strategy()  # must come before other JAX work
        require(
            batch_size % strategy.num_replicas_in_sync == 0,
            f"batch size {batch_size} is not a multiple of the {strategy.num_replicas_in_sync} replicas",
        )
    else:
        strategy = make_strategy(n_gpus, batch_size)  # checks -g before any data is read
    # A SIGTERM outside the training loop (reading data, the final test predictions) exits 75 too.
    state_path = Path(out_dir) / "checkpoints" / f"{prefix}.{model_name}.state.keras"
    if results == "auto":
        results = default_results_name(model_name, prefix)
    _refuse_overwriting_inputs(state_path, prefix, model_name, results, Path(out_dir), weights, fine_tune)
    if isinstance(strategy, ProcessesToStart):  # -g N on PyTorch: this run, in N processes
        return strategy.run(run_training, config)
    with (
        sigterm_as_preemption(state_path),
        _outputs_lock(state_path.with_name(f"{prefix}.{model_name}.lock"), strategy),
    ):
        gpus = backend.gpus()
        warn_if_gpus_unseen()
        deterministic = deterministic or not gpus  # free on CPU
        if mixed_precision and not gpus:
            print(
                "note: --mixed-precision without a GPU: float16 is emulated on the CPU (about 15 % slower "
                "for the walk-through DanQ) and the numbers differ from float32; it is meant for GPUs",
                file=sys.stderr,
                flush=True,
            )
        seed_everything(seed, deterministic=deterministic)
        sets = sources.open_data_dir(data_dir, limit, verify=config.dataset.verify)
        train_set, valid_set = sets["train"], sets["valid"]
        ckpt_dir = state_path.parent
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        files = RunFiles.under(ckpt_dir, prefix, model_name)
        ckpt, log = files.checkpoint, files.log
        model = compiled_model(strategy, m, t, train_set, deterministic)
        if out.verbose:
            model.summary(print_fn=lambda s, **k: print(s))
        if not quiet:
            _say_what_trains(model, train_set, valid_set, batch_size, epochs, strategy, multi_worker, bool(gpus))
        record = config.resume_record()
        record["model"] = model_name
        if fine_tune is not None:  # only then, so that states written before the key resume
            record["fine_tune"] = str(Path(fine_tune).resolve())
        if backend.name() != "tensorflow":  # likewise: TensorFlow states written before the key resume
            record["backend"] = backend.name()  # a state resumes on its own backend (seed dtypes differ)
        t0 = time.time()
        if multi_worker:
            # Its batches (JAX: each process's share) or its log and loss bookkeeping (TensorFlow)
            # differ from one process's, so a state resumes only in its own mode; set only here, so
            # that single-process states written before the key resume.
            record["multi_worker"] = True
        if getattr(strategy, "processes", 1) > 1 or (multi_worker and backend.name() == "jax"):
            record["processes"] = strategy.processes  # each process's share makes other batches
        if multi_worker and backend.name() == "tensorflow":
            from dlbio.backend.tensorflow_multiworker import fit_multiworker, is_chief

            history = fit_multiworker(strategy, model, train_set, valid_set, config, files, record)
            if not is_chief(strategy):
                return TrainResult(ckpt, log, history, None, [], chief=False)
        else:
            with _processes_together(strategy):
                history = fit_resumable(model, train_set, valid_set, config, files, record, strategy=strategy)
            if not _is_chief(strategy):
                return TrainResult(ckpt, log, history, None, [], chief=False)
        elapsed = time.time() - t0
        if history:  # a resume with nothing left to train keeps the record of the run that trained
            write_run_record(
                ckpt.with_suffix(".run.json"),
                config=record,
                data=data_checksums(sets),
                deterministic=deterministic,
                elapsed_s=elapsed,
                samples_per_s=len(history["loss"]) * train_set.n / max(elapsed, 1e-9),
            )
        res_path, lines = None, []
        if results:
            require(ckpt.is_file(), f"{ckpt}: no best model was saved (no completed epoch)")
            best = load_dna_model(ckpt)
            pr = predict(
                best,
                sets["test"],
                Path(out_dir) / "predictions" / results,
                batch_size=max(batch_size, 1024),
                quiet=quiet,
            )
            res_path, lines = pr.path, pr.summary
        return TrainResult(ckpt, log, history, res_path, lines, summarize_log(log))


def _refuse_overwriting_inputs(
    state_path: Path, prefix: str, model_name: str, results: str | None, out_dir: Path, weights, fine_tune
) -> None:
    """Before any work: none of the files this run writes may be the model it starts from."""
    from dlbio.utils.guard import Output, refuse_overwrite

    written = [
        state_path.with_name(f"{prefix}.{model_name}{s}")
        for s in (".keras", ".log.csv", ".run.json", ".lock", ".state.keras")
    ]
    if results:
        predictions = out_dir / "predictions" / results
        written += [predictions, predictions.with_suffix(".metrics.tsv")]
    refuse_overwrite(
        [("--weights", weights), ("--fine-tune", fine_tune)],
        [("this run's output (see --prefix, --out-dir, -o)", p, Output()) for p in written],
    )


def _say_what_trains(
    model, train_set, valid_set, batch_size: int, epochs: int, strategy, multi_worker: bool, on_gpus: bool
) -> None:
    """The first line of a training job's log (stderr; the chief only): model, data, devices."""
    from dlbio.data.pipeline import steps_per_epoch

    if not _is_chief(strategy):
        return
    replicas = strategy.num_replicas_in_sync
    where = (
        f"{replicas} replicas (--multi-worker)"
        if multi_worker
        else f"{replicas} GPU{'s' if replicas > 1 else ''}"
        if on_gpus
        else f"{replicas} processes on the CPU"
        if replicas > 1
        else "the CPU"
    )
    print(
        f"{model.name}: {model.count_params():,} parameters, {train_set.n_targets} targets; {train_set.n:,} "
        f"training sequences of {train_set.length} bp ({steps_per_epoch(train_set, batch_size):,} batches of "
        f"{batch_size} per epoch, up to {epochs} epoch{'s' if epochs > 1 else ''}), {valid_set.n:,} for "
        f"validation; on {where}",
        file=sys.stderr,
        flush=True,
    )


def _is_chief(strategy) -> bool:
    """Is this the process that writes the outputs (the only one, but in a multi-worker run)?"""
    if hasattr(strategy, "chief"):
        return strategy.chief
    from dlbio import backend

    if backend.name() == "tensorflow" and hasattr(strategy, "cluster_resolver"):
        from dlbio.backend.tensorflow_multiworker import is_chief

        return is_chief(strategy)
    return True


@contextlib.contextmanager
def _processes_together(strategy):
    """With several processes (JAX, PyTorch): all leave the cluster together when training
    ends or stops on a signal, and models made after it (the chief's test predictions) are
    its own."""
    try:
        yield
    finally:
        if getattr(strategy, "processes", 1) > 1:
            strategy.collectives.stop_processes()


def _outputs_lock(path: Path, strategy):
    """run_lock on *path*, taken by the one process that writes the outputs (the chief)."""
    return run_lock(path) if _is_chief(strategy) else contextlib.nullcontext()


__all__ = ["RunConfig", "run_training", "train"]
