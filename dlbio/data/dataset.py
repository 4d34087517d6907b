"""A data set folder (danq-prepare, danq-convert, dlbio simulate), written whole or not at all.

The set is built in a temporary folder beside the target and swapped in only when every
split is complete (:func:`dlbio.utils.atomic.atomic_path`: one rename on Linux), so a kill at
any moment leaves the previous set exactly as it was.  ``dataset.json`` records one build
id, which every store of the set carries too, and the size of each file: readers refuse
splits of different builds, and files changed since the build (:func:`check_consistent`).
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.signals import sigterm_raises

MARKER = "dataset.json"
FORMAT = "dlbio-dataset"
# What a set folder holds when dlbio wrote it: anything else is the user's and is never replaced.
_OURS = re.compile(
    r"(dataset\.json|targets\.tsv|summary\.tsv|truth\.tsv|"
    r"(train|valid|test)\.(dlbio|mat|windows\.bed|records\.tsv))"
)


@contextlib.contextmanager
def building(out_dir: str | Path, force: bool = False) -> Iterator[tuple[Path, str]]:
    """Build a data set whole, or not at all (a context manager): the temporary folder becomes
    *out_dir* when the block ends.

    SIGTERM within the block stops the build as Ctrl-C does: the temporary folder is removed
    and *out_dir* is left as it was.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The set's folder.  A new or empty folder is filled; a folder holding a set dlbio
        built is replaced only with *force*; a folder holding anything else is refused.
    force : bool, optional
        Replace an existing set.

    Yields
    ------
    tuple of (pathlib.Path, str)
        (the temporary folder to write into, the build id).
    """
    out = Path(out_dir)
    check_replaceable(out, force)
    build_id = uuid.uuid4().hex

    def stopped():
        return DlbioError(f"{out}: stopped by SIGTERM before the set was complete; the folder is as it was")

    with sigterm_raises(stopped), atomic_path(out) as tmp:
        tmp.mkdir()
        yield tmp, build_id
        files = {p.name: _size(p) for p in sorted(tmp.iterdir())}
        record = {
            "format": FORMAT,
            "version": 1,
            "build_id": build_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": sys.argv,
            "files": files,
        }
        (tmp / MARKER).write_text(json.dumps(record, indent=1) + "\n")


def check_replaceable(out: Path, force: bool) -> None:
    """Refuse, in one line, a folder that :func:`building` must not replace.

    Parameters
    ----------
    out : pathlib.Path
        The set's folder.
    force : bool
        A set dlbio built may be replaced.

    Raises
    ------
    DlbioError
        When *out* is a file, holds something other than a set dlbio built, or holds one and
        not *force*.
    """
    if not out.exists():
        return
    require(out.is_dir(), f"{out}: is a file, not a folder")
    entries = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    if not entries:
        return
    foreign = next((name for name in sorted(entries) if not _OURS.fullmatch(name)), None)
    require(foreign is None, f"{out}: holds {foreign}, which dlbio did not write; give -o a new or empty folder")
    require(
        force,
        f"{out}: holds a data set already; --force replaces it (in one step, once the new set is "
        "complete), or give -o another folder",
    )


def read_record(folder: Path) -> dict | None:
    """A data folder's dataset.json.

    Parameters
    ----------
    folder : pathlib.Path
        The data folder.

    Returns
    -------
    dict or None
        The record (build id, splits' sizes, ...), or None when it has none (a DeepSEA
        download, an older set).

    Raises
    ------
    DlbioError
        When the file is not JSON.
    """
    path = Path(folder) / MARKER
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DlbioError(f"{path}: not valid JSON; rebuild the set") from None
    require(isinstance(record, dict) and record.get("format") == FORMAT, f"{path}: not a dlbio data set record")
    return record


def check_consistent(folder: Path, sets: dict) -> None:
    """Check that a folder's opened splits come from one build, unchanged since.

    A store carries its build id in its manifest; a .mat file is compared by size with what
    dataset.json recorded (a cheap check that catches a split copied in from elsewhere).

    Parameters
    ----------
    folder : pathlib.Path
        The data folder.
    sets : dict
        {split: source}, opened.

    Raises
    ------
    DlbioError
        Naming the split that does not belong.
    """
    record = read_record(folder)
    builds = {split: s.manifest.get("build_id") for split, s in sets.items() if getattr(s, "manifest", None)}
    if record is None:
        known = {split: b for split, b in builds.items() if b}
        if len(set(known.values())) > 1:
            (a, ida), (b, idb) = sorted(known.items())[:2]
            raise DlbioError(
                f"{folder}: its {a} and {b} splits come from different builds ({ida[:8]} and "
                f"{idb[:8]}); rebuild the set, or copy a set whole"
            )
        return
    for split, s in sets.items():
        path = Path(s.path)
        if split in builds:
            require(
                builds[split] == record["build_id"],
                f"{path}: from another build than {folder / MARKER} ({(builds[split] or 'none')[:8]}, the set "
                f"is {record['build_id'][:8]}); rebuild the set, or copy a set whole",
            )
        elif path.name in record.get("files", {}):
            require(
                _size(path) == record["files"][path.name],
                f"{path}: {_size(path):,} bytes, but the set was built with {record['files'][path.name]:,}: "
                "it changed since; rebuild the set",
            )


def _size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.iterdir()) if p.is_dir() else p.stat().st_size
