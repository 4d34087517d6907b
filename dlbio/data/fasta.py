"""The one FASTA reader: records as (id, sequence), with one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.data.encoding import encode
from dlbio.data.intervals import open_text
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import Notes


def read_records(path: str | Path) -> list[tuple[str, str]]:
    """All records of a FASTA file (Biopython's parser).

    Parameters
    ----------
    path : str or pathlib.Path
        A FASTA file, plain or gzip/bgzip with a .gz suffix.

    Returns
    -------
    list of tuple of (str, str)
        (id, sequence) of each record, in order.

    Raises
    ------
    DlbioError
        Naming the file when it is missing, unreadable, empty, or a record has no sequence.
    """
    from Bio import SeqIO

    path = Path(path)
    require(path.is_file(), f"{path}: FASTA file not found")
    try:
        with open_text(path) as fh:
            records = [(rec.id, str(rec.seq)) for rec in SeqIO.parse(fh, "fasta")]
    except (ValueError, UnicodeDecodeError) as exc:
        raise DlbioError(f"{path}: not a FASTA file ({_first_line(exc)})") from None
    except (OSError, EOFError) as exc:
        raise DlbioError(f"{path}: cannot read ({exc})") from None
    require(records, f"{path}: no FASTA records found")
    empty = next((rid for rid, seq in records if not seq), None)
    require(empty is None, f"{path}: record {empty!r} has no sequence")
    return records


def _first_line(exc: Exception) -> str:
    """Biopython's own reason in one line (its messages go on with pages of advice)."""
    text = str(exc).strip()
    if "at the beginning of the file" in text or "before the first '>'" in text:
        return "text before the first '>' header line"
    return text.splitlines()[0][:200] if text else type(exc).__name__


def fit_length(seq: str, length: int) -> tuple[str, str | None]:
    """A sequence made exactly *length* long around its centre.

    Parameters
    ----------
    seq : str
        The sequence.
    length : int
        The length wanted.

    Returns
    -------
    tuple
        (sequence, how): *how* is 'padded with N' (both sides), 'centre-cropped' or None.
    """
    if len(seq) < length:
        left = (length - len(seq)) // 2
        return "N" * left + seq + "N" * (length - len(seq) - left), "padded with N"
    if len(seq) > length:
        left = (len(seq) - length) // 2
        return seq[left : left + length], "centre-cropped"
    return seq, None


def encode_record(source: str | Path, rid: str, seq: str, length: int | None = None, hint: str = "") -> np.ndarray:
    """One record's base indices, checked.

    Parameters
    ----------
    source : str or pathlib.Path
        The file, for the errors.
    rid : str
        The record's id.
    seq : str
        Its sequence.
    length : int or None, optional
        The length the model needs.
    hint : str, optional
        Added to the length error (e.g. how to resize).

    Returns
    -------
    numpy.ndarray
        uint8 (L,).

    Raises
    ------
    DlbioError
        Naming *source* and the record, when it is not *length* bp or holds a letter that is
        not DNA.
    """
    require(
        length is None or len(seq) == length,
        f"{source}: record {rid!r} is {len(seq)} bp, the model needs {length} bp{hint}",
    )
    return encode(seq, f"{source}: record {rid!r}")


def read_index(
    path: str | Path, length: int | None = None, resize: bool = False, notes: Notes | None = None
) -> tuple[list[str], np.ndarray]:
    """A FASTA file as base indices.

    Parameters
    ----------
    path : str or pathlib.Path
        The FASTA file.
    length : int or None, optional
        Every record must be this long.
    resize : bool, optional
        Pad or crop each record to *length* instead (:func:`fit_length`).
    notes : Notes or None, optional
        Counts the records padded or cropped.

    Returns
    -------
    tuple
        (ids, base indices uint8 (n, L)).
    """
    ids, rows = [], []
    for rid, seq in read_records(path):
        if resize and length is not None:
            seq, how = fit_length(seq, length)
            if how and notes is not None:
                notes.add(how, rid)
        rows.append(encode_record(path, rid, seq, length, " (--resize pads or crops)"))
        ids.append(rid)
    return ids, np.stack(rows)
