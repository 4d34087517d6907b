"""The one FASTA reader: records as (id, sequence), with one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.data.encoding import encode
from dlbio.data.intervals import open_text
from dlbio.utils.errors import DlbioError, require
from dlbio.utils.notes import Notes


def read_records(path: str | Path) -> list[tuple[str, str]]:
    """All records of a FASTA file (plain, or gzip/bgzip with a .gz suffix) as (id, sequence);
    DlbioError if missing, unreadable or empty."""
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
    """*seq* made exactly *length* long around its centre: padded with N on both sides, or
    centre-cropped.  Returns (sequence, 'padded with N' / 'centre-cropped' / None)."""
    if len(seq) < length:
        left = (length - len(seq)) // 2
        return "N" * left + seq + "N" * (length - len(seq) - left), "padded with N"
    if len(seq) > length:
        left = (len(seq) - length) // 2
        return seq[left : left + length], "centre-cropped"
    return seq, None


def encode_record(source: str | Path, rid: str, seq: str, length: int | None = None, hint: str = "") -> np.ndarray:
    """One record's base index uint8 (L,); a DlbioError naming *source* and the record when it
    is not *length* bp (if given; *hint* is added to that message) or holds a letter that is
    not DNA."""
    require(
        length is None or len(seq) == length,
        f"{source}: record {rid!r} is {len(seq)} bp, the model needs {length} bp{hint}",
    )
    return encode(seq, f"{source}: record {rid!r}")


def read_index(
    path: str | Path, length: int | None = None, resize: bool = False, notes: Notes | None = None
) -> tuple[list[str], np.ndarray]:
    """FASTA -> (ids, base index uint8 (n, L)).  Every record must be *length* bp (if given),
    or with *resize* is padded/cropped to it (``fit_length``), counted in *notes*."""
    ids, rows = [], []
    for rid, seq in read_records(path):
        if resize and length is not None:
            seq, how = fit_length(seq, length)
            if how and notes is not None:
                notes.add(how, rid)
        rows.append(encode_record(path, rid, seq, length, " (--resize pads or crops)"))
        ids.append(rid)
    return ids, np.stack(rows)
