"""The run record beside a training run's outputs (``<prefix>.<model>.run.json``): command
line, versions, hardware, options and checksums of the data it trained on."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import keras

from dlbio.utils.atomic import write_text


def data_checksums(sets: dict) -> dict:
    """Checksums of a run's data, for its run.json.

    Parameters
    ----------
    sets : dict
        {split: source}.

    Returns
    -------
    dict
        Per split: the store's SHA-256 from its manifest (``verified``: checked against the
        data when it was opened), or size and SHA-256 of a .mat file's first 64 MB.
    """
    import hashlib

    out = {}
    for split, s in sets.items():
        manifest = getattr(s, "manifest", None)
        if manifest:
            out[split] = {
                "path": str(s.path),
                "seq_sha256": manifest["seq_sha256"],
                "labels_sha256": manifest["labels_sha256"],
                "verified": bool(s.verified),
                "build_id": manifest.get("build_id"),
            }
            continue
        h = hashlib.sha256()
        with open(s.path, "rb") as fh:
            h.update(fh.read(64 << 20))
        out[split] = {"path": str(s.path), "bytes": s.path.stat().st_size, "sha256_first_64MB": h.hexdigest()}
    return out


def write_run_record(path: Path, **fields) -> Path:
    """Write run.json beside the outputs: command line, versions, the backend and its devices,
    and the given fields.

    Parameters
    ----------
    path : pathlib.Path
        The JSON file.
    **fields
        What else to record (the config, data checksums, results).

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio import backend

    ran = backend.describe()
    rec = {
        "command": sys.argv,
        "python": platform.python_version(),
        "backend": ran["backend"],
        ran["backend"]: ran["version"],
        "keras": keras.__version__,
        "platform": platform.platform(),
        "devices": ran["devices"],
        "gpus": backend.gpus(),
        **fields,
    }
    return write_text(path, json.dumps(rec, indent=2, default=str) + "\n")
