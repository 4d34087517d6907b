"""Targets: which ones a command works on (``--targets 1,5,CTCF`` -> 1-based numbers), and
their names for a model's outputs."""

from __future__ import annotations

from pathlib import Path

from dlbio.utils.errors import DlbioError, require


def parse_targets(
    spec: str | None, n_targets: int | None = None, names: list[str] | None = None, option: str = "--targets"
) -> list[int] | None:
    """Read a list of targets given by number or name.

    A name must be one of *names* (targets.tsv), whole, or up to its first '_' (``CTCF`` for
    ``CTCF_MA0139.2``), or for DeepSEA's 'cell|assay|treatment' without the treatment
    (``K562|GATA-1``), when that is unambiguous.

    Parameters
    ----------
    spec : str or None
        e.g. '1,5,CTCF'.
    n_targets : int or None, optional
        Numbers must lie in 1..*n_targets* (when known).
    names : list of str or None, optional
        The target names.
    option : str, optional
        The option the errors name.

    Returns
    -------
    list of int or None
        1-based targets, in the given order, no repeats; None for no *spec*.

    Raises
    ------
    DlbioError
        For a number out of range, an unknown or ambiguous name, or an empty item.
    """
    if not spec or not spec.strip():
        return None
    out: list[int] = []
    for item in (s.strip() for s in spec.split(",")):
        require(item, f"{option} {spec!r}: an empty item")
        if item.isdigit():
            t = int(item)
        else:
            require(
                names,
                f"{option}: {item!r} is a name, but the target names are unknown "
                "(give -d with targets.tsv, or target numbers)",
            )
            hits = (
                [i for i, n in enumerate(names) if n == item]
                or [i for i, n in enumerate(names) if n.split("_")[0] == item]
                or [i for i, n in enumerate(names) if "|" in n and n.rsplit("|", 1)[0] == item]
            )
            if len(hits) > 1:
                numbers = ", ".join(str(i + 1) for i in hits[:8]) + (", ..." if len(hits) > 8 else "")
                raise DlbioError(f"{option}: {item!r} names {len(hits)} targets ({numbers}); give one number")
            if not hits:
                shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
                raise DlbioError(f"{option}: {item!r} is not a target name (targets: {shown})")
            t = hits[0] + 1
        require(
            t >= 1 and (n_targets is None or t <= n_targets),
            f"{option}: {t} is not a target number (1..{n_targets or '?'})",
        )
        if t not in out:
            out.append(t)
    return out


def parse_target(
    spec: str, n_targets: int | None = None, names: list[str] | None = None, option: str = "--target"
) -> int:
    """One target, a 1-based number or a name, as in :func:`parse_targets`.

    Parameters
    ----------
    spec : str
        The target.
    n_targets : int or None, optional
        The number of targets.
    names : list of str or None, optional
        The target names.
    option : str, optional
        The option the errors name.

    Returns
    -------
    int
        1-based.
    """
    chosen = parse_targets(spec, n_targets, names, option)
    require(chosen and len(chosen) == 1, f"{option}: one target, got {spec!r}")
    return chosen[0]


DEEPSEA_N_TARGETS = 919


def deepsea_names(n_targets: int | None) -> list[str] | None:
    """DeepSEA's target names, for a data set or model of 919 targets that has no targets.tsv of
    its own (DeepSEA's download and the published DanQ/DeepSEA models have none).

    Parameters
    ----------
    n_targets : int or None
        The number of targets.

    Returns
    -------
    list of str or None
        The bundled 'cell|assay|treatment' names (data/deepsea/targets.tsv) for 919, else None.
    """
    if n_targets != DEEPSEA_N_TARGETS:
        return None
    from dlbio.data.deepsea_mat import read_target_names
    from dlbio.utils.resources import data_dir

    return read_target_names(data_dir() / "deepsea" / "targets.tsv", DEEPSEA_N_TARGETS)


def target_names_for(model, names: list[str] | None) -> list[str]:
    """Names for a model's outputs.

    Parameters
    ----------
    model : keras.Model
        The model (T outputs).
    names : list of str or None
        Names to use when they fit.

    Returns
    -------
    list of str
        *names* when there are T of them, else DeepSEA's for 919, else target_1..target_T.
    """
    n = model.outputs[0].shape[-1]
    if names and len(names) == n:
        return names
    return deepsea_names(n) or [f"target_{t + 1}" for t in range(n)]


def names_for_model(model, data_dir: str | Path | None) -> list[str] | None:
    """Target names for a model's outputs, from its data folder.

    Parameters
    ----------
    model : keras.Model
        The model (T outputs).
    data_dir : str or pathlib.Path or None
        Its data folder.

    Returns
    -------
    list of str or None
        ``<data_dir>/targets.tsv``'s names, else DeepSEA's for 919 outputs, else None.
    """
    from dlbio.data.deepsea_mat import read_target_names

    n = model.outputs[0].shape[-1]
    names = read_target_names(Path(data_dir) / "targets.tsv", n) if data_dir else None
    return names or deepsea_names(n)
