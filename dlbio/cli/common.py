"""Plumbing shared by every command: error handling, common options, quiet TF logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dlbio.backend.tensorflow_start import quiet_tensorflow_start
from dlbio.utils.errors import DlbioError

# TensorFlow prints pages of start-up logs; users of the class examples want the
# slides' output.  Respect a value the user set.  (oneDNN: see dlbio/__init__.py.)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
quiet_tensorflow_start()  # and the lines TensorFlow 2.21 prints whatever that says


# A package missing at run time is most often an extra left out at install time.
_TENSORFLOW_HINT = "pip install 'dlbio[cpu]' (or 'dlbio[gpu]' on a GPU node)"
_INSTALL_HINTS = {
    "tensorflow": _TENSORFLOW_HINT,
    "keras": _TENSORFLOW_HINT,
    "jax": "pip install 'dlbio[jax]' (or 'dlbio[jax-cuda]' on a GPU node)",
    "torch": "pip install 'dlbio[torch]' (or 'dlbio[torch-cuda]' on a GPU node)",
    "memelite": "pip install 'dlbio[motifs]' (Tomtom for dlbio motifs)",
}

# The architectures danq-train builds, and danq-predict/danq-visualize rebuild for a weights file.
MODEL_CHOICE = click.Choice(["DanQ", "DeepSEA", "DanQ-JASPAR"])


class Command(click.Command):
    """A click command that turns user errors into one line and exit status 2.

    Set ``DLBIO_DEBUG=1`` to see the traceback of an unexpected error.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # click prints usage + hint + error on three lines; users get one.
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if isinstance(exc, click.NoSuchOption) or not exc.format_message():
                raise
            _fail(f"{exc.format_message()} (see {ctx.command_path} --help)")

    def invoke(self, ctx: click.Context):
        from dlbio import backend
        from dlbio.utils import guard

        try:
            backend.select(getattr(self, "preferred_backend", None), getattr(self, "onednn", None))
            with guard.session():
                guard.refuse_overwrite(*guard.command_paths(self, ctx.params))
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except DlbioError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted", status=130)
        except MemoryError:
            _fail("out of memory: use a smaller --batch-size or -n")
        except ModuleNotFoundError as exc:
            if os.environ.get("DLBIO_DEBUG"):
                raise
            package = (exc.name or str(exc)).split(".")[0]
            _fail(
                f"{package} is not installed in {sys.prefix}: {_INSTALL_HINTS.get(package, f'pip install {package}')}"
            )
        except OSError as exc:
            if os.environ.get("DLBIO_DEBUG"):
                raise
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or exc}")
        except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
            if os.environ.get("DLBIO_DEBUG"):
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            _fail(f"internal error ({type(exc).__name__}: {first[:300]}); rerun with DLBIO_DEBUG=1 for details")


def run_program(command: click.BaseCommand, **kwargs) -> None:
    """Run *command* as a program (console scripts, ``python -m dlbio``, scripts/).

    A run stopped by a signal (exit 75: its state is saved, its files closed) leaves with
    ``os._exit`` once its output is flushed.  A normal exit would first garbage-collect
    TensorFlow's interrupted input pipeline, whose teardown waits for the work in flight:
    18 to 42 s measured for the walk-through DanQ on 2 cores, past a ``scancel``'s KillWait.
    """
    from dlbio.utils.signals import PREEMPTED_EXIT

    try:
        command.main(**kwargs)
    except SystemExit as exc:
        if exc.code == PREEMPTED_EXIT:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(PREEMPTED_EXIT)
        raise


def echo_notes(notes) -> None:
    """One ``note:`` line per reason on stderr (dlbio.utils.notes.Notes, or a plain Counter)."""
    from dlbio.utils.notes import Notes

    if not isinstance(notes, Notes):
        notes = Notes(notes)
    for line in notes.lines():
        click.echo(f"note: {line}", err=True)


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def command(**kwargs):
    """``click.command`` with dlbio's error handling and help formatting."""
    kwargs.setdefault("cls", Command)
    kwargs.setdefault("context_settings", {"help_option_names": ["-h", "--help"], "max_content_width": 100})
    return click.command(**kwargs)


def seed_option(default: int, what: str = ""):
    """``--seed``; *what* names what a command that trains nothing draws at random, so --help says what it changes.

    Training is exactly repeatable only on CPU (GPU kernels may reorder sums), hence the two wordings.
    """
    if what:
        text = f"Random seed: {what}; the same seed gives the same output."
    else:
        text = "Random seed: data, weights and shuffling; the same seed repeats a CPU run exactly."
    return click.option("--seed", type=int, default=default, show_default=True, help=text)


verify_option = click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Check each store against its checksums the first time it is opened.",
)
strict_option = click.option(
    "--strict", is_flag=True, help="Stop at any input row that would be left out or changed (else counted in a note)."
)
force_option = click.option(
    "--force",
    is_flag=True,
    help="Replace the data set already in -o (swapped in one step, once the new one is complete).",
)
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar (nor, in a batch job's log, progress lines)."
)
both_strands_option = click.option(
    "--both-strands", is_flag=True, help="Average the forward and reverse-complement predictions."
)
# The commands that apply a trained model to sequences (variants, mutagenesis, track, insert-motif):
# the model file, and the folder whose targets.tsv names its outputs (see model_and_names).
model_option = click.option(
    "-w",
    "--model",
    "model_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Keras model file [checkpoints/bestmodel.DanQ.keras, what danq-train writes].",
)
names_data_option = click.option(
    "-d", "--data", type=click.Path(file_okay=False), default=None, help="Folder with targets.tsv (names)."
)


def model_and_names(model_path: str | None, data: str | None):
    """(the DNA model of -w, default what danq-train writes for DanQ; its target names:
    dlbio.data.targets.names_for_model, None when unknown)."""
    from dlbio.data.targets import names_for_model
    from dlbio.models.files import load_dna_model

    model = load_dna_model(model_path or default_model("DanQ"))
    return model, names_for_model(model, data)


def positive(name: str):
    """A click callback that rejects zero and negative sizes."""
    return at_least(1, name)


def at_least(low: float, name: str):
    """A click callback that rejects values below *low* (None passes: the option's default)."""

    def check(ctx, param, value):
        if value is not None and value < low:
            raise click.BadParameter(f"{name} must be {'positive' if low == 1 else f'at least {low}'}, got {value}")
        return value

    return check


def exceeds_zero(name: str):
    """A click callback for a rate: above 0."""

    def check(ctx, param, value):
        if value is not None and not value > 0:
            raise click.BadParameter(f"{name} must be above 0, got {value}")
        return value

    return check


def fraction(name: str, closed: bool = False):
    """A click callback for a share: in [0, 1) ([0, 1] with *closed*)."""

    def check(ctx, param, value):
        if value is not None and not (0 <= value <= 1 if closed else 0 <= value < 1):
            raise click.BadParameter(f"{name} must be in [0, {'1]' if closed else '1)'}, got {value}")
        return value

    return check


def default_data() -> str:
    """``-d`` of the DanQ/DeepSEA commands: ./data when it holds a set, else the bundled tiny one."""
    from dlbio.utils.resources import tiny_deepsea

    here = Path("data")
    return "data" if (here / "train.mat").exists() or (here / "train.dlbio").exists() else str(tiny_deepsea())


def targets_option(spec: str | None, data: str) -> list[int] | None:
    """--targets as 1-based numbers; names are looked up in <data>/targets.tsv, or without one
    in DeepSEA's (the numbers are checked against the data later)."""
    from dlbio.data.deepsea_mat import read_target_names
    from dlbio.data.targets import DEEPSEA_N_TARGETS, deepsea_names, parse_targets

    if not spec:
        return None
    return parse_targets(spec, None, read_target_names(Path(data) / "targets.tsv") or deepsea_names(DEEPSEA_N_TARGETS))


def default_model(model: str, prefix: str = "bestmodel") -> str:
    """The checkpoint danq-train writes for *model* under *prefix*."""
    return f"checkpoints/{prefix}.{model}.keras"
