"""Sequence logos drawn in-process with WebLogo (PNG/PDF need Ghostscript)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlbio.utils.atomic import atomic_path
from dlbio.utils.errors import DlbioError

# The slides' weblogo call: -C green 1 '1' -C red 0 '0'.
BINARY_COLORS = {"1": "green", "0": "red"}
DNA_COLORS = {"A": "green", "C": "blue", "G": "orange", "T": "red"}
MIN_GLYPH_BITS = 0.03
# The HTML reports' logo tables (dlbio motifs, the patterns of mutagenesis --seqlets); .sig shades a match.
PAGE_STYLE = (
    "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}"
    "img{height:90px}.sig{background:#eef8ee}</style>"
)


def draw_logo(
    counts: np.ndarray,
    alphabet: str,
    path: str | Path,
    colors: dict[str, str] | None = None,
    title: str = "",
    first_index: int = 1,
) -> Path:
    """Write a logo of a count matrix (weblogo), atomically.

    Parameters
    ----------
    counts : numpy.ndarray
        (w, len(alphabet)) counts; heights are in bits.
    alphabet : str
        The symbols, in the columns' order.
    path : str or pathlib.Path
        The logo, .png, .pdf, .svg or .eps.
    colors : dict or None, optional
        {symbol: colour}.
    title : str, optional
        The logo's title.
    first_index : int, optional
        The number of the first column.

    Returns
    -------
    pathlib.Path
        *path*.

    Raises
    ------
    DlbioError
        For another format.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("png", "pdf", "svg", "eps"):
        raise DlbioError(f"{path}: logo format must be png, pdf, svg or eps")
    image = render_logo(counts, alphabet, fmt, colors, title, first_index, name=str(path))
    with atomic_path(path) as tmp:
        tmp.write_bytes(image)
    return path


def logo_data_uri(counts: np.ndarray, title: str) -> str:
    """A DNA logo as a PNG data URI, for a self-contained HTML page.

    Parameters
    ----------
    counts : numpy.ndarray
        (w, 4) counts, A,C,G,T.
    title : str
        The logo's title.

    Returns
    -------
    str
        ``data:image/png;base64,...``.
    """
    import base64

    return "data:image/png;base64," + base64.b64encode(render_logo(counts, "ACGT", title=title)).decode()


def render_logo(
    counts: np.ndarray,
    alphabet: str,
    fmt: str = "png",
    colors: dict[str, str] | None = None,
    title: str = "",
    first_index: int = 1,
    name: str = "logo",
) -> bytes:
    """The logo of a count matrix as image bytes (weblogo).

    Parameters
    ----------
    counts : numpy.ndarray
        (w, len(alphabet)); column j holds symbol alphabet[j]; heights are in bits.
    alphabet : str
        The symbols.
    fmt : str, optional
        'png', 'pdf', 'svg' or 'eps'.
    colors : dict or None, optional
        {symbol: colour}.
    title : str, optional
        The logo's title.
    first_index : int, optional
        The number of the first column.
    name : str, optional
        What the errors call it.

    Returns
    -------
    bytes
    """
    from weblogo import LogoData, LogoFormat, LogoOptions, formatters
    from weblogo.colorscheme import ColorScheme, SymbolColor
    from weblogo.seq import Alphabet

    colors = colors or (BINARY_COLORS if set(alphabet) <= {"0", "1"} else DNA_COLORS)
    counts = np.array(counts, dtype=float)
    if not counts.any():
        counts[:] = 1.0  # an empty matrix draws as an empty logo instead of failing
    data = LogoData.from_counts(Alphabet(alphabet), counts)
    _drop_tiny_glyphs(data)
    options = LogoOptions(
        logo_title=title,
        first_index=first_index,
        unit_name="bits",
        show_fineprint=False,
        resolution=150,
        stack_width=30 if counts.shape[0] <= 12 else 15,
        title_fontsize=9,
    )
    options.color_scheme = ColorScheme([SymbolColor(a, c) for a, c in colors.items()])
    try:
        return formatters[fmt](data, LogoFormat(data, options))
    except (OSError, EnvironmentError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise DlbioError(
            f"cannot draw {name}: {first} (PNG/PDF logos need Ghostscript and fonts-urw-base35; "
            "'make demo' installs them, or use a .eps/.svg name)"
        ) from None


def _drop_tiny_glyphs(data) -> None:
    """Leave glyphs under MIN_GLYPH_BITS out of a weblogo LogoData, keeping every other glyph's height.

    Ghostscript fails (/unknownerror in .FAPIBuildChar) on glyphs scaled to almost
    nothing: of 428 JASPAR and filter matrices, 80 failed as they were and none once
    glyphs under 0.02 bits were left out (with this function, all 879 JASPAR 2024
    vertebrate matrices draw).  Such glyphs are invisible on a 1-2 bit axis.
    weblogo draws a glyph count * stack height / column total high, so removing a count
    alone would stretch what is left of the column (a 2:1 column of 0.08 bits would draw
    its larger glyph at the full 1 bit): the stack height shrinks by the share of the
    column that is left out, and the column width (data.weight) stays that of all counts.
    """
    counts = np.asarray(data.counts, dtype=float)
    total = counts.sum(axis=1, keepdims=True)
    prob = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
    glyph_bits = prob * data.entropy[:, None] / np.log(2)  # weblogo's entropy is in nats
    kept = glyph_bits >= MIN_GLYPH_BITS
    data.counts = np.where(kept, counts, 0.0)
    data.entropy = data.entropy * (prob * kept).sum(axis=1)


def contribution_logo_data_uri(matrix: np.ndarray, title: str = "") -> str:
    """A logo of signed contributions as a PNG data URI (logomaker): letters below the axis where
    a base works against the prediction.

    Parameters
    ----------
    matrix : numpy.ndarray
        (w, 4) contributions, A,C,G,T (a TF-MoDISco CWM).
    title : str, optional
        The logo's title.

    Returns
    -------
    str
        ``data:image/png;base64,...``.
    """
    import base64
    import io

    import logomaker
    import pandas as pd

    from dlbio.evaluation.plots import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(2.0, 0.25 * len(matrix)), 1.2), layout="constrained")
    logomaker.Logo(pd.DataFrame(matrix, columns=list("ACGT")), ax=ax, color_scheme="classic")
    ax.axhline(0, color="0.4", lw=0.5)
    ax.set_xticks([])
    ax.set_title(title, fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=100, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
