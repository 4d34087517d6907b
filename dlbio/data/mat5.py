"""MATLAB v5 MAT-files (DeepSEA's valid/test.mat): numeric arrays read, and uint8 arrays
written, a block at a time.

``scipy.io.savemat`` needs each array whole, in memory, and then builds a Fortran-order
copy and its compressed bytes beside it: for a DeepSEA-sized test.mat (455,024 x 4 x 1000
one-hot) that is three 1.8 GB buffers.  Here each variable is one zlib-compressed
``miMATRIX`` element (the layout savemat writes with ``do_compression=True``), its bytes
given in MATLAB's column-major order by an iterator of blocks, so only a block is made at
a time.  scipy.io.loadmat and MATLAB read the result.

Reading is the mirror image: ``scipy.io.loadmat`` returns each array whole (1.8 GB of one-hot
for DeepSEA's test.mat, where dlbio keeps 0.46 GB of base indices), so :func:`variables` lists
a file's arrays and :func:`iter_values` gives one array's values in column-major order, a
block at a time, from a compressed (v7, MATLAB's default) or uncompressed (v6) variable.

Format: the MAT-File Format document (MathWorks), "Level 5 MAT-File Format".
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from math import prod
from pathlib import Path

import numpy as np

from dlbio.utils.errors import DlbioError, require

_MI_INT8, _MI_UINT8, _MI_INT32, _MI_UINT32, _MI_MATRIX, _MI_COMPRESSED = 1, 2, 5, 6, 14, 15
_MX_UINT8_CLASS = 9
_MAX_ELEMENT = 2**32 - 1  # a data element's byte count is a uint32


def header(text: str = "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created by: dlbio") -> bytes:
    """A v5 MAT-file's 128-byte header.

    Parameters
    ----------
    text : str, optional
        The descriptive text (at most 116 bytes).

    Returns
    -------
    bytes
        Text, no subsystem data, version 0x0100, little-endian ('IM').
    """
    return text.encode().ljust(116) + b"\x00" * 8 + struct.pack("<H", 0x0100) + b"IM"


def _element(mi_type: int, payload: bytes) -> bytes:
    return struct.pack("<II", mi_type, len(payload)) + payload + b"\x00" * (-len(payload) % 8)


def write_uint8(fh, name: str, shape: tuple[int, ...], blocks: Iterable[np.ndarray], level: int = 4) -> None:
    """Append one uint8 variable to an open v5 MAT-file, compressed, a block at a time.

    Parameters
    ----------
    fh : binary file
        Open for writing, after the header.
    name : str
        The variable's name.
    shape : tuple of int
        Its MATLAB size.
    blocks : iterable of numpy.ndarray
        uint8 arrays whose bytes, in turn, are the array in column-major order (first index
        fastest), prod(*shape*) bytes in all.
    level : int, optional
        zlib level; 4, as h5py's gzip for train.mat (random one-hot DNA: 52 MB/s and 6.2x,
        where savemat's 6 gives 11 MB/s and 6.9x, and 1 gives 116 MB/s and 4.9x).
    """
    n_bytes = prod(shape)
    require(
        n_bytes + 256 <= _MAX_ELEMENT,
        f"{name}: {n_bytes:,} bytes is over MATLAB v5's 4 GB a variable (the .dlbio store has no such limit)",
    )
    dims = _element(_MI_INT32, struct.pack(f"<{len(shape)}i", *shape))
    head = (
        _element(_MI_UINT32, struct.pack("<II", _MX_UINT8_CLASS, 0))
        + dims
        + _element(_MI_INT8, name.encode())
        + struct.pack("<II", _MI_UINT8, n_bytes)
    )
    pad = -n_bytes % 8
    matrix = len(head) + n_bytes + pad
    start = fh.tell()
    fh.write(struct.pack("<II", _MI_COMPRESSED, 0))  # its compressed size is filled in at the end
    z = zlib.compressobj(level)
    fh.write(z.compress(struct.pack("<II", _MI_MATRIX, matrix) + head))
    written = 0
    for block in blocks:
        block = np.ascontiguousarray(block, np.uint8)
        written += block.nbytes
        fh.write(z.compress(block.data))
    if written != n_bytes:
        raise ValueError(f"{name}: blocks gave {written} bytes for shape {shape} ({n_bytes} bytes)")
    fh.write(z.compress(b"\x00" * pad) + z.flush())
    end = fh.tell()
    require(end - start - 8 <= _MAX_ELEMENT, f"{name}: over MATLAB v5's 4 GB a variable once compressed")
    fh.seek(start + 4)
    fh.write(struct.pack("<I", end - start - 8))
    fh.seek(end)


# ---------------------------------------------------------------------------- reading

# Data types of a v5 data element -> numpy type codes; MATLAB's numeric classes (6-15:
# double, single, int8 ... uint64) may store their values in any of them, e.g. a double
# array of 0/1 as miUINT8.
_NUMPY_TYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
_CLASS_NAMES = {1: "cell array", 2: "struct", 3: "object", 4: "char array", 5: "sparse array"}
_FLAG_COMPLEX = 0x0800
_READ_CHUNK = 1 << 20  # compressed bytes fed to zlib at a time


@dataclass(frozen=True)
class Variable:
    """One top-level variable of a v5 file.  shape: MATLAB's dimensions; dtype: its values'
    numpy type (None unless a real, non-sparse numeric array: *kind* says what it is)."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype | None
    kind: str
    offset: int  # where its bytes start in the file: the zlib data of a compressed
    size: int  # element, else the miMATRIX tag itself; and their number
    compressed: bool
    endian: str


class _Payload:
    """The bytes of one top-level element, read in order (through zlib when compressed)."""

    def __init__(self, fh, offset: int, size: int, compressed: bool, path: Path):
        self._fh, self._left, self._path = fh, size, path
        self._z = zlib.decompressobj() if compressed else None
        self._buf = bytearray()
        fh.seek(offset)

    def read(self, n: int) -> bytearray:
        """Exactly *n* bytes; a file that ends first is an error."""
        while len(self._buf) < n:
            if self._z is None:
                data = self._fh.read(min(n - len(self._buf), self._left)) if self._left else b""
                self._left -= len(data)
                self._buf += data
            else:
                data = self._z.unconsumed_tail
                if not data and self._left:
                    data = self._fh.read(min(_READ_CHUNK, self._left))
                    self._left -= len(data)
                if not data:
                    self._buf += self._z.flush()
                    data = None
                else:
                    # max_length bounds the output: mostly-zero labels compress a thousandfold.
                    self._buf += self._z.decompress(data, max(n - len(self._buf), 1 << 16))
            if not data and len(self._buf) < n:
                raise DlbioError(f"{self._path}: the file ends inside a variable (truncated?)")
        out = self._buf[:n]  # one copy: np.frombuffer and struct read a bytearray as they read bytes
        del self._buf[:n]
        return out


def _subelement(payload: _Payload, endian: str) -> tuple[int, bytes | bytearray]:
    """The next data element of a matrix: (type, its bytes), either tag format."""
    mi_type, n_bytes = struct.unpack(endian + "II", payload.read(8))
    if mi_type >> 16:  # small data element: the byte count in the upper half, data in the same 8 bytes
        n_small = mi_type >> 16
        mi_type &= 0xFFFF
        return mi_type, struct.pack(endian + "I", n_bytes)[:n_small]
    return mi_type, payload.read(n_bytes + (-n_bytes % 8))[:n_bytes]


def _matrix_header(payload: _Payload, endian: str, path: Path):
    """Read a miMATRIX element up to its values: (name, shape, dtype or None, kind, value
    bytes, the values themselves when they sit in their tag (a small data element) else None)."""
    mi_type, _ = struct.unpack(endian + "II", payload.read(8))
    require(mi_type == _MI_MATRIX, f"{path}: not a MATLAB v5 variable (element type {mi_type})")
    _, flags = _subelement(payload, endian)
    flags = struct.unpack(endian + "I", flags[:4])[0]
    mx_class = flags & 0xFF
    _, dims = _subelement(payload, endian)
    shape = struct.unpack(f"{endian}{len(dims) // 4}i", dims)
    _, name = _subelement(payload, endian)
    name = name.decode("latin-1")
    if not 6 <= mx_class <= 15:
        return name, shape, None, _CLASS_NAMES.get(mx_class, f"MATLAB class {mx_class}"), 0, None
    if flags & _FLAG_COMPLEX:
        return name, shape, None, "complex array", 0, None
    tag = payload.read(8)
    mi_type, n_bytes = struct.unpack(endian + "II", tag)
    inline = None
    if mi_type >> 16:
        n_bytes, mi_type = mi_type >> 16, mi_type & 0xFFFF
        inline = tag[4 : 4 + n_bytes]
    code = _NUMPY_TYPES.get(mi_type)
    require(code is not None, f"{path}: {name}: values of v5 data type {mi_type} cannot be read")
    dtype = np.dtype(code).newbyteorder(endian)
    require(
        n_bytes == prod(shape) * dtype.itemsize,
        f"{path}: {name}: {n_bytes} bytes of values for shape {shape} (damaged file?)",
    )
    return name, shape, dtype, "numeric array", n_bytes, inline


def _endian(path: Path, head: bytes) -> str:
    mark = head[126:128]
    require(
        len(head) == 128 and mark in (b"IM", b"MI"),
        f"{path}: not a MATLAB .mat file of version 5, 7 or 7.3 (no MAT-file header)",
    )
    return "<" if mark == b"IM" else ">"


def variables(path: str | Path) -> dict[str, Variable]:
    """The variables of a v5 MAT-file, read from their headers only.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    dict
        {name: Variable}.

    Raises
    ------
    DlbioError
        For a truncated or malformed file, naming it.
    """
    path = Path(path)
    found: dict[str, Variable] = {}
    with open(path, "rb") as fh:
        endian = _endian(path, fh.read(128))
        while tag := fh.read(8):
            require(len(tag) == 8, f"{path}: the file ends inside an element header (truncated?)")
            mi_type, n_bytes = struct.unpack(endian + "II", tag)
            offset = fh.tell()
            if mi_type in (_MI_MATRIX, _MI_COMPRESSED):
                if mi_type == _MI_MATRIX:  # uncompressed: re-read its tag with the payload
                    offset -= 8
                    size = n_bytes + 8
                else:
                    size = n_bytes
                name, shape, dtype, kind, *_ = _matrix_header(
                    _Payload(fh, offset, size, mi_type == _MI_COMPRESSED, path), endian, path
                )
                found[name] = Variable(name, shape, dtype, kind, offset, size, mi_type == _MI_COMPRESSED, endian)
                end = offset + size + (-size % 8 if mi_type == _MI_MATRIX else 0)
            else:
                end = offset + n_bytes + (-n_bytes % 8)
            fh.seek(end)
            require(end <= path.stat().st_size, f"{path}: the file ends inside a variable (truncated?)")
    return found


def iter_values(path: str | Path, var: Variable, count: int):
    """A variable's values, a block at a time, in MATLAB's column-major order (first index
    fastest).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    var : Variable
        A variable of :func:`variables`.
    count : int
        Values per block (the last may be shorter).

    Yields
    ------
    numpy.ndarray
        1-D arrays of var.dtype in native byte order.
    """
    path = Path(path)
    require(var.dtype is not None, f"{path}: {var.name} is a {var.kind}, expected numbers")
    with open(path, "rb") as fh:
        payload = _Payload(fh, var.offset, var.size, var.compressed, path)
        *_, n_bytes, inline = _matrix_header(payload, var.endian, path)
        size = var.dtype.itemsize
        for start in range(0, n_bytes // size, count):
            m = min(count, n_bytes // size - start)
            data = inline[start * size : (start + m) * size] if inline is not None else payload.read(m * size)
            yield np.frombuffer(data, var.dtype).astype(var.dtype.newbyteorder("="), copy=False)
