"""No command writes over its own inputs.

Two layers, one rule ("an output never resolves to an input of the same command"):

* Before any work, :func:`refuse_overwrite` compares the outputs a command will write with
  its inputs (the CLI does it for every option, from the option's type: :class:`Output`
  marks outputs, every other path option is an input; workflows add what only they know,
  such as the peak files a sheet lists or danq-train's checkpoint names).
* While it runs, every reader records the files it opens (:func:`reading`), and every
  write goes through :func:`dlbio.utils.atomic.atomic_path`, which asks :func:`check_write`: a
  write over a recorded input, or the replacement of a folder that holds one, is refused
  before the temporary file is made.  This catches the outputs whose names are known only
  late (one file per record or per target).

Files are compared by device and inode, so a symbolic or hard link to an input is caught too.
Recording happens only inside a :func:`session` (one per command run), so a long Python
session that reads a file in one call may still write it in a later one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from dlbio.utils.errors import DlbioError

_inputs: dict[tuple[int, int], tuple[str, Path]] | None = None  # (dev, inode) -> (how it was named, resolved path)


class Output(click.Path):
    """The type of an option that names what a command writes.

    *kind*: ``file``; ``prefix`` (the command writes ``<prefix><suffix>`` for each of
    *suffixes*, and ``<prefix>.<id><suffix>`` per record or target); ``folder`` (the
    command writes the *names* inside it, and never into an input folder); ``dataset`` (a
    folder built elsewhere and swapped in whole: nothing that is read may lie inside it).
    A *shared* folder may also be an input folder (danq-train's --out-dir beside the data):
    the command writes only its own sub-folders there, which it checks itself.
    """

    def __init__(
        self,
        kind: str = "file",
        suffixes: tuple[str, ...] = (),
        names: tuple[str, ...] = (),
        shared: bool = False,
        **kw,
    ):
        kw.setdefault("dir_okay", kind not in ("file", "prefix"))
        kw.setdefault("file_okay", kind in ("file", "prefix"))
        super().__init__(**kw)
        self.kind, self.suffixes, self.names, self.shared = kind, suffixes, names, shared


@contextlib.contextmanager
def session() -> Iterator[None]:
    """Record the inputs of one command run (the CLI wraps every command in one; a context
    manager).

    Yields
    ------
    None
    """
    global _inputs
    outer, _inputs = _inputs, {}
    try:
        yield
    finally:
        _inputs = outer


def reading(path: str | os.PathLike, label: str | None = None) -> None:
    """Record a file or folder as an input of the running command, so that no output replaces it.

    Parameters
    ----------
    path : str or os.PathLike
        The input (it exists).
    label : str or None, optional
        How the error names it (e.g. '--data'); default the path.
    """
    if _inputs is None:
        return
    key = _key(Path(path))
    if key is not None:
        _inputs.setdefault(key, (label or str(path), Path(path).resolve()))


def check_write(path: str | os.PathLike) -> None:
    """Refuse to write a path that is a recorded input, or a folder that holds one.

    Parameters
    ----------
    path : str or os.PathLike
        The path about to be written.

    Raises
    ------
    DlbioError
        Naming the input and the option it came from.
    """
    if not _inputs:
        return
    path = Path(path)
    hit = _inputs.get(_key(path)) if path.exists() else None
    if hit is not None:
        raise DlbioError(
            f"{path}: not written, it is an input of this command ({hit[0]}); give the output another name"
        )
    if path.is_dir():
        inside = _inside(path, [p for _, p in _inputs.values()])
        if inside is not None:
            raise DlbioError(
                f"{path}: not replaced, it holds {inside}, an input of this command; give the output another folder"
            )


def command_paths(command: click.Command, params: dict) -> tuple[list, list]:
    """The inputs and outputs among a click command's parsed parameters, for
    :func:`refuse_overwrite`: the options of type :class:`Output` are outputs, every other path
    option an input.

    Parameters
    ----------
    command : click.Command
        The command.
    params : dict
        Its parsed parameters.

    Returns
    -------
    tuple of (list, list)
        ([(label, path)], [(label, path, Output)]).
    """
    inputs, outputs = [], []
    for param in command.params:
        value = params.get(param.name)
        if not isinstance(param.type, click.Path) or value in (None, "", ()):
            continue
        label = max(param.opts, key=len) if param.opts[0].startswith("-") else param.human_readable_name
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(param.type, Output):
                outputs.append((label, v, param.type))
            else:
                inputs.append((label, v))
    return inputs, outputs


def refuse_overwrite(
    inputs: Iterable[tuple[str, str | os.PathLike]], outputs: Iterable[tuple[str, str | os.PathLike, Output]]
) -> None:
    """Raise a one-line :class:`DlbioError` when an output would overwrite an input.

    Parameters
    ----------
    inputs : iterable of (label, path)
        What the command reads, e.g. ``("--genome", "hg19.fa")``; None and paths that do
        not exist are left out (their readers report them).  Each is recorded with :func:`reading`.
    outputs : iterable of (label, path, Output)
        What the command writes, and how (the option's :class:`Output` type).
    """
    named = []
    for label, p in inputs:
        if p is None:
            continue
        p = Path(p)
        if p.exists():
            named.append((label, p))
            reading(p, f"{label} {p}")
    for label, out, kind in outputs:
        out = Path(out)
        problem = _clash(out, kind, named)
        if problem:
            raise DlbioError(f"{label} {out}: {problem}")


def _clash(out: Path, kind: Output, inputs: list[tuple[str, Path]]) -> str | None:
    if kind.kind in ("file", "prefix") and out.is_dir():
        return "is a folder; give a file name" if kind.kind == "file" else "is a folder; give a name prefix"
    if kind.kind in ("folder", "dataset") and out.exists() and not out.is_dir():
        return "is a file, not a folder"
    for label, p in inputs:
        what = f"the input {label} {p}"
        if kind.kind == "file" and same_file(out, p):
            return f"would overwrite {what}; give the output another name"
        if kind.kind == "prefix" and same_file(out, p):
            return f"is {what}; this option is the start of the output names ({out.name}.tsv, ...), give another"
        if kind.kind == "prefix" and _prefixed(out, p, kind.suffixes):
            return f"would overwrite {what}; give another output prefix"
        if kind.kind == "folder" and (
            (same_file(out, p) and not kind.shared) or any(same_file(out / n, p) for n in kind.names)
        ):
            return f"would write into {what}; give the output its own folder"
        if kind.kind == "dataset" and (same_file(out, p) or _inside(out, [p.resolve()]) is not None):
            return f"holds {what}, and the folder is replaced as a whole; give the output a folder of its own"
    return None


def _prefixed(prefix: Path, p: Path, suffixes: tuple[str, ...]) -> bool:
    """Would ``<prefix><suffix>`` or ``<prefix>.<id><suffix>`` be *p*?"""
    if not (p.is_file() and p.parent.exists() and prefix.parent.exists() and same_file(p.parent, prefix.parent)):
        return False
    name, stem = p.name, prefix.name
    return any(name == stem + s or (name.startswith(stem + ".") and name.endswith(s)) for s in suffixes)


def _inside(folder: Path, paths: Iterable[Path]) -> Path | None:
    top = folder.resolve()
    return next((p for p in paths if p == top or top in p.parents), None)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one existing file or folder (a link, a hard link, another spelling).

    Parameters
    ----------
    a : str or os.PathLike
        The paths.
    b : str or os.PathLike
        The paths.

    Returns
    -------
    bool
    """
    ka = _key(a)
    return ka is not None and ka == _key(b)


def _key(p: str | os.PathLike) -> tuple[int, int] | None:
    try:
        st = os.stat(p)
    except OSError:
        return None
    return st.st_dev, st.st_ino
