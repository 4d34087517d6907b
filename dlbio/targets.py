"""Targets: which ones a command works on (``--targets 1,5,CTCF`` -> 1-based numbers), and
their names for a model's outputs."""

from __future__ import annotations

from pathlib import Path

from dlbio.errors import DlbioError, require


def parse_targets(spec: str | None, n_targets: int | None = None, names: list[str] | None = None,
                  option: str = "--targets") -> list[int] | None:
    """'1,5,CTCF' -> [1, 5, k] (1-based, in the given order, no repeats); None for no *spec*.

    Numbers must lie in 1..*n_targets* (when known); a name must be one of *names*
    (targets.tsv), whole or up to its first '_' (``CTCF`` for ``CTCF_MA0139.2``) when
    that is unambiguous.  Errors name *option*.
    """
    if not spec or not spec.strip():
        return None
    out: list[int] = []
    for item in (s.strip() for s in spec.split(",")):
        require(item, f"{option} {spec!r}: an empty item")
        if item.isdigit():
            t = int(item)
        else:
            require(names, f"{option}: {item!r} is a name, but the target names are unknown "
                           "(give -d with targets.tsv, or target numbers)")
            hits = [i for i, n in enumerate(names) if n == item] or \
                   [i for i, n in enumerate(names) if n.split("_")[0] == item]
            if len(hits) != 1:
                shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
                raise DlbioError(f"{option}: {item!r} " + ("names several targets" if hits else
                                 f"is not a target name (targets: {shown})"))
            t = hits[0] + 1
        require(t >= 1 and (n_targets is None or t <= n_targets),
                f"{option}: {t} is not a target number (1..{n_targets or '?'})")
        if t not in out:
            out.append(t)
    return out


def parse_target(spec: str, n_targets: int | None = None, names: list[str] | None = None,
                 option: str = "--target") -> int:
    """One target: a 1-based number or a name, as in parse_targets."""
    chosen = parse_targets(spec, n_targets, names, option)
    require(chosen and len(chosen) == 1, f"{option}: one target, got {spec!r}")
    return chosen[0]


def target_names_for(model, names: list[str] | None) -> list[str]:
    """*names* when they fit the model's outputs, else target_1..target_T."""
    n = model.outputs[0].shape[-1]
    return names if names and len(names) == n else [f"target_{t + 1}" for t in range(n)]


def names_for_model(model, data_dir: str | Path | None) -> list[str] | None:
    """Target names from ``<data_dir>/targets.tsv`` for this model's outputs (None without a folder)."""
    from dlbio.data.deepsea_mat import read_target_names

    if not data_dir:
        return None
    return read_target_names(Path(data_dir) / "targets.tsv", model.outputs[0].shape[-1])
