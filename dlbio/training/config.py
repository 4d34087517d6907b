"""A training run's parameters as one frozen object, read from TOML and written back.

``danq-train --config run.toml`` reads one; options given on the command line override it;
``--print-config`` writes the effective one.  Its sections are those of :class:`RunConfig`::

    data = "data"
    [model]
    name = "DanQ"
    filters = 320
    [training]
    batch_size = 500
    epochs = 60
    [hardware]
    gpus = 4
    [output]
    out_dir = "run1"

The run record (run.json) and the resume check take their options from it
(:meth:`RunConfig.resume_record`), in the keys resume states have always had.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path

from dlbio.utils.errors import DlbioError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class ModelSpec:
    """What trains: a new model of *name* (sizes None: the model's own), or a saved *fine_tune* file."""

    name: str = "DanQ"  # DanQ, DeepSEA or DanQ-JASPAR
    filters: int | None = None  # first-layer filters [320; DanQ-JASPAR 1024]
    kernel_size: int | None = None  # first-layer kernel [DanQ 26, DeepSEA 8, DanQ-JASPAR 30]
    lstm_units: int | None = None  # BiLSTM units per direction [DanQ 320, DanQ-JASPAR 512]
    dense_units: int = 925
    weights: str | None = None  # start a new model from these weights
    fine_tune: str | None = None  # train this Keras model file instead


@dataclass(frozen=True)
class TrainingOptions:
    batch_size: int = 500
    epochs: int = 60
    learning_rate: float = 1e-4
    optimizer: str = "rmsprop"  # adam, rmsprop or sgd
    lr_schedule: bool = False  # halve the learning rate every 10 epochs
    patience: int = 5  # early stopping: epochs without a better val_loss
    seed: int = 1
    mixed_precision: bool = False


@dataclass(frozen=True)
class DataOptions:
    limit: int | None = None  # the first N samples of each set (debug)
    verify: bool = True  # check stores against their checksums


@dataclass(frozen=True)
class HardwareOptions:
    gpus: int = 1  # on this node (TensorFlow: MirroredStrategy; JAX: DataParallel)
    multi_worker: bool = False  # one process per node (srun)
    deterministic: bool = False  # deterministic kernels on a GPU too (always on a CPU)


@dataclass(frozen=True)
class OutputOptions:
    out_dir: str = "."
    prefix: str = "bestmodel"
    results: str | None = "auto"  # test predictions in predictions/; "" or None: none
    resume: bool = False
    verbose: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class RunConfig:
    """One danq-train run: the data folder and the options of each section."""

    data: str = "data"
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainingOptions = field(default_factory=TrainingOptions)
    dataset: DataOptions = field(default_factory=DataOptions)
    hardware: HardwareOptions = field(default_factory=HardwareOptions)
    output: OutputOptions = field(default_factory=OutputOptions)

    SECTIONS = ("model", "training", "dataset", "hardware", "output")

    @classmethod
    def from_options(cls, data: str | Path, **options) -> RunConfig:
        """A config from flat option names, each looked up in its section.

        Parameters
        ----------
        data : str or pathlib.Path
            The data folder.
        **options
            Flat names (``epochs=2, filters=64``); ``model_name`` is the model's name (as ``-m``),
            ``n_gpus`` the GPUs.

        Returns
        -------
        RunConfig
        """
        aliases = {"model_name": "name", "n_gpus": "gpus"}  # train_danq's keywords before this object
        options = {aliases.get(k, k): v for k, v in options.items()}
        return cls(data=str(data)).replace(**options)

    @classmethod
    def read_toml(cls, path: str | Path) -> RunConfig:
        """Read a config written by ``danq-train --print-config`` (or by hand).

        Parameters
        ----------
        path : str or pathlib.Path
            The TOML file: ``data = "FOLDER"`` and the sections [model], [training], [dataset],
            [hardware], [output].

        Returns
        -------
        RunConfig

        Raises
        ------
        DlbioError
            Naming the file and the section or key, for an unreadable file, an unknown section or
            key, or a value of the wrong type.
        """
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
        except OSError as exc:
            raise DlbioError(f"{path}: cannot read the config ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise DlbioError(f"{path}: not a TOML file ({exc})") from None
        unknown = [k for k in table if k != "data" and k not in cls.SECTIONS]
        if unknown:
            raise DlbioError(
                f"{path}: unknown section or key {unknown[0]!r}; the sections are "
                f'{", ".join(cls.SECTIONS)}, beside data = "FOLDER"'
            )
        flat = {}
        for section in cls.SECTIONS:
            values = table.get(section, {})
            known = {f.name for f in fields(cls._section_type(section))}
            wrong = [k for k in values if k not in known]
            if wrong:
                raise DlbioError(f"{path}: [{section}] has no option {wrong[0]!r}; it has {', '.join(sorted(known))}")
            types = {f.name: f.type for f in fields(cls._section_type(section))}
            for key, value in values.items():
                _check_type(path, section, key, value, types[key])
            flat.update(values)
        return cls(data=str(table.get("data", cls.data))).replace(**flat)

    @classmethod
    def _section_type(cls, section: str):
        return {f.name: f for f in fields(cls)}[section].default_factory

    def replace(self, **options) -> RunConfig:
        """A copy with some options changed.

        Parameters
        ----------
        **options
            Flat names (``epochs=2``), each set in its section; ``data`` the folder.

        Returns
        -------
        RunConfig
        """
        if options.get("results", "") is None:  # no test predictions: one spelling, which TOML can hold
            options = {**options, "results": ""}
        sections = {}
        for name, value in options.items():
            if name == "data":
                continue
            section = self.section_of(name)
            sections.setdefault(section, {})[name] = value
        changed = {s: dataclasses.replace(getattr(self, s), **v) for s, v in sections.items()}
        return dataclasses.replace(self, data=str(options.get("data", self.data)), **changed)

    @classmethod
    def section_of(cls, name: str) -> str:
        """The section that holds an option.

        Parameters
        ----------
        name : str
            A flat option name.

        Returns
        -------
        str
            'model', 'training', 'dataset', 'hardware' or 'output'.

        Raises
        ------
        DlbioError
            When no section has it.
        """
        for section in cls.SECTIONS:
            if name in {f.name for f in fields(cls._section_type(section))}:
                return section
        raise DlbioError(f"{name!r} is not a danq-train option")

    def to_toml(self) -> str:
        """The config as TOML that :meth:`read_toml` reads back (None values left out).

        Returns
        -------
        str
        """
        lines = [f"data = {_toml_value(self.data)}"]
        for section in self.SECTIONS:
            lines.append(f"\n[{section}]")
            for f in fields(getattr(self, section)):
                value = getattr(getattr(self, section), f.name)
                if value is not None:
                    lines.append(f"{f.name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def resume_record(self) -> dict:
        """The options a run record and a resume state hold, in their keys since the first states
        (a state written before this object resumes).

        Returns
        -------
        dict
            Flat keys (data, model, batch_size, filters, ...) a resumed run must match.
        """
        m, t = self.model, self.training
        return {
            "data": str(Path(self.data).resolve()),
            "model": m.name,
            "batch_size": t.batch_size,
            "filters": m.filters,
            "kernel_size": m.kernel_size,
            "lstm_units": m.lstm_units,
            "dense_units": m.dense_units,
            "optimizer": t.optimizer,
            "learning_rate": t.learning_rate,
            "seed": t.seed,
            "limit": self.dataset.limit,
            "lr_schedule": t.lr_schedule,
            "epochs": t.epochs,
            "gpus": self.hardware.gpus,
            "mixed_precision": t.mixed_precision,
        }


_TYPES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


def _check_type(path, section: str, key: str, value, annotation: str) -> None:
    """*value* of [section] *key* is of its field's type ('int | None' etc.), or a one-line error."""
    allowed = [t.strip() for t in annotation.split("|")]
    ok = any(
        isinstance(value, _TYPES[t]) and not (t in ("int", "float") and isinstance(value, bool))
        for t in allowed
        if t in _TYPES
    )
    if not ok:
        raise DlbioError(
            f"{path}: [{section}] {key} = {value!r}: expected {' or '.join(t for t in allowed if t != 'None')}"
        )


@dataclass(frozen=True)
class RunFiles:
    """Where a training run writes: its best model, its per-epoch log and its resume state."""

    checkpoint: Path
    log: Path
    state: Path

    @classmethod
    def under(cls, folder: str | Path, prefix: str, model_name: str) -> RunFiles:
        """Where a run writes, in a folder.

        Parameters
        ----------
        folder : str or pathlib.Path
            The output folder.
        prefix : str
            The files' prefix ('bestmodel').
        model_name : str
            'DanQ', 'DeepSEA', ...

        Returns
        -------
        RunFiles
            ``<folder>/<prefix>.<model_name>.keras``, ``.log.csv`` and ``.state.keras``.
        """
        stem = Path(folder) / f"{prefix}.{model_name}"
        return cls(
            stem.with_name(stem.name + ".keras"),
            stem.with_name(stem.name + ".log.csv"),
            stem.with_name(stem.name + ".state.keras"),
        )


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
