"""dlbio modisco: TF-MoDISco (modisco-lite, in-process) on attribution maps, its patterns
named by Tomtom against JASPAR, and a report: TSV, HTML with logos, MEME (for dlbio fimo)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.utils.errors import require
from dlbio.utils.options import Options

REPORT_COLUMNS = (
    "pattern",
    "sign",
    "seqlets",
    "sequences",
    "width",
    "consensus",
    "jaspar",
    "jaspar_id",
    "jaspar_q",
    "strand",
    "matched",
)
MATCH_Q = 0.05  # a pattern is named by its best JASPAR match below this Tomtom q-value


@dataclass(frozen=True)
class ModiscoOptions(Options):
    """TF-MoDISco's settings (modisco-lite's ``modisco motifs`` defaults) and the report's.

    Attributes
    ----------
    max_seqlets : int, default=2000
        Seqlets kept per sign (``-n``).
    window : int, default=400
        The central positions searched (``-w``); the whole sequence when shorter.
    sliding : int, default=20
        Seqlet core width (``-z``).
    flank : int, default=5
        Flank added to each seqlet core.
    trim : int, default=30
        Width patterns are trimmed to (``-t``).
    n_leiden : int, default=2
        Leiden clusterings, each from its own seed (``-l``).
    release : str
        The JASPAR release patterns are matched against.
    progress : bool or str, default=False
        Say what it does (modisco-lite's own messages).
    seed : int, default=0
        Kept with the results; modisco-lite seeds its clusterings itself (0, 1, ...).
    """

    max_seqlets: int = 2000
    window: int = 400
    sliding: int = 20
    flank: int = 5
    trim: int = 30
    n_leiden: int = 2
    release: str = "JASPAR2024"
    progress: bool | str = False
    seed: int = 0


@dataclass
class ModiscoResult:
    """What :func:`modisco` wrote (``h5``, ``tsv``, ``html``, ``meme``) and its ``patterns``:
    one dict a pattern with REPORT_COLUMNS' keys; ``sequences``, how many it read (None for a
    report of an existing results file)."""

    h5: Path
    tsv: Path
    html: Path
    meme: Path
    patterns: list[dict]
    sequences: int | None = None


def modisco(
    sequences: str | Path, attributions: str | Path, out: str | Path, options: ModiscoOptions | None = None, **overrides
) -> ModiscoResult:
    """De novo motifs from attribution maps with TF-MoDISco, each named by JASPAR (dlbio modisco).

    Writes ``<out>.h5`` (modisco-lite's results: ``modisco report -i`` reads it), and the
    report: ``<out>.tsv`` (REPORT_COLUMNS: a pattern's seqlets, the sequences they lie in,
    its trimmed consensus, its best JASPAR match by Tomtom, that match's q-value, and
    ``matched`` yes when q < MATCH_Q), ``<out>.html`` (each pattern's contribution logo
    beside its match's logo) and ``<out>.meme`` (the trimmed patterns, for dlbio fimo).

    Parameters
    ----------
    sequences : str or pathlib.Path
        One-hot sequences, (N, 4, L) under ``arr_0`` of an .npz (dlbio attribute's .ohe.npz).
    attributions : str or pathlib.Path
        Their hypothetical contributions, the same shape (the .hyp.npz).
    out : str or pathlib.Path
        The output stem.
    options : ModiscoOptions, optional
        TF-MoDISco's settings (defaults when None).
    **overrides
        Fields of *options* to set, as keywords.

    Returns
    -------
    ModiscoResult
        The files written and the patterns' rows.
    """
    from dlbio.interpret.files import read_pair
    from dlbio.motifs import modisco as md
    from dlbio.motifs.tomtom import available as tomtom_available
    from dlbio.utils.progress import OFF, normalise

    o = ModiscoOptions.merged(options, overrides)
    for name in ("max_seqlets", "window", "sliding", "trim", "n_leiden"):
        require(getattr(o, name) >= 1, f"--{name.replace('_', '-')} must be at least 1, got {getattr(o, name)}")
    md.require_modisco()
    require(tomtom_available(), f"naming MoDISco's patterns needs memelite (Tomtom): {md.EXTRA}")
    one_hot, hyp = read_pair(sequences, attributions)
    length = one_hot.shape[1]
    window = min(o.window, length)
    require(
        window >= o.sliding + 2 * o.flank, f"--window {window} is shorter than a seqlet ({o.sliding} + 2 x {o.flank})"
    )
    a = (length - window) // 2
    positive, negative = md.run(
        one_hot[:, a : a + window],
        hyp[:, a : a + window],
        {
            "max_seqlets_per_metacluster": o.max_seqlets,
            "sliding_window_size": o.sliding,
            "flank_size": o.flank,
            "trim_to_window_size": o.trim,
            "target_seqlet_fdr": 0.05,
            "n_leiden_runs": o.n_leiden,
            "verbose": normalise(o.progress) != OFF,
        },
    )
    h5 = md.save(f"{out}.h5", positive, negative, window)
    result = report(h5, out, o)
    result.sequences = len(one_hot)
    return result


def report(h5: str | Path, out: str | Path, options: ModiscoOptions | None = None, **overrides) -> ModiscoResult:
    """The TSV, HTML and MEME report of a TF-MoDISco results file (dlbio's or ``modisco
    motifs``'), its patterns matched to JASPAR with memelite's Tomtom; see :func:`modisco`.

    Parameters
    ----------
    h5 : str or pathlib.Path
        modisco-lite's HDF5 results.
    out : str or pathlib.Path
        The reports' stem: ``<out>.tsv``, ``.html``, ``.meme``.
    options : ModiscoOptions or None, optional
        The report's settings (JASPAR release, q threshold, trimming).
    **overrides
        Fields of *options* to change.

    Returns
    -------
    ModiscoResult
        The patterns' rows and the files written.
    """
    from dlbio.motifs import jaspar
    from dlbio.motifs.meme import write_meme
    from dlbio.motifs.modisco import read_patterns
    from dlbio.motifs.tomtom import best_matches

    o = ModiscoOptions.merged(options, overrides)
    patterns = read_patterns(h5)
    collection = jaspar.load_collection(o.release)
    spans = [p.trimmed() for p in patterns]
    matches = best_matches([p.ppm[a:b] for p, (a, b) in zip(patterns, spans)], collection) if patterns else []
    rows = []
    for p, (a, b), m in zip(patterns, spans, matches):
        rows.append(
            {
                "pattern": p.name,
                "sign": "+" if p.sign > 0 else "-",
                "seqlets": p.n_seqlets,
                "sequences": len(np.unique(p.examples)),
                "width": b - a,
                "consensus": p.consensus(),
                "jaspar": m.name if m else "-",
                "jaspar_id": m.matrix_id if m else "-",
                "jaspar_q": m.q if m else float("nan"),
                "strand": m.strand if m else "-",
                "matched": "yes" if m and m.q < MATCH_Q else "no",
            }
        )
    tsv = _write_tsv(f"{out}.tsv", rows)
    meme = write_meme(
        f"{out}.meme",
        [
            (p.name, r["consensus"], p.ppm[a:b] * p.n_seqlets, p.n_seqlets)
            for p, (a, b), r in zip(patterns, spans, rows)
        ],
    )
    page = _write_html(f"{out}.html", patterns, spans, rows, o.release)
    return ModiscoResult(Path(h5), tsv, page, meme, rows)


def _write_tsv(path: str, rows: list[dict]) -> Path:
    from dlbio.utils.atomic import write_text

    def cell(key, value):
        return f"{value:.3g}" if key == "jaspar_q" else str(value)

    lines = ["\t".join(REPORT_COLUMNS)] + ["\t".join(cell(k, r[k]) for k in REPORT_COLUMNS) for r in rows]
    return write_text(path, "\n".join(lines) + "\n")


def _write_html(path: str, patterns, spans, rows: list[dict], release: str) -> Path:
    from dlbio.motifs import jaspar
    from dlbio.motifs.logos import PAGE_STYLE, contribution_logo_data_uri, logo_data_uri
    from dlbio.utils.atomic import write_text

    body = []
    for p, (a, b), r in zip(patterns, spans, rows):
        if r["jaspar_id"] != "-":
            target = jaspar.find(r["jaspar_id"], release)
            counts = target.counts if r["strand"] == "+" else target.counts[::-1, ::-1]
            match = (
                f"<td>{html.escape(r['jaspar'])}<br><small>{r['jaspar_id']} ({r['strand']})</small></td>"
                f"<td>{r['jaspar_q']:.1e}</td><td><img src='{logo_data_uri(counts, r['jaspar'])}'></td>"
            )
        else:
            match = "<td>-</td><td>-</td><td></td>"
        body.append(
            f"<tr{' class=sig' if r['matched'] == 'yes' else ''}><td>{p.name}</td><td>{r['sign']}</td>"
            f"<td>{r['seqlets']}</td><td>{r['sequences']}</td>"
            f"<td><img src='{contribution_logo_data_uri(p.cwm[a:b])}'></td>{match}</tr>"
        )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>dlbio modisco</title>{PAGE_STYLE}</head><body>"
        "<h1>TF-MoDISco patterns</h1>"
        f"<p>{len(rows)} patterns (modisco-lite); each one's contribution logo (trimmed) beside its best "
        f"{html.escape(release)} CORE vertebrate match (memelite's Tomtom), shaded where q &lt; {MATCH_Q}.</p>"
        "<table><tr><th>pattern</th><th>sign</th><th>seqlets</th><th>sequences</th><th>contribution logo</th>"
        "<th>best match</th><th>q</th><th>JASPAR logo</th></tr>" + "".join(body) + "</table></body></html>\n"
    )
    return write_text(path, page)
