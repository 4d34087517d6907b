"""The files of dlbio motifs: filters.tsv, filters.html (each filter's logo beside its match's)
and influence.tsv (what silencing each filter does to each target)."""

from __future__ import annotations

import html
import io
from pathlib import Path

import numpy as np

from dlbio.motifs import jaspar
from dlbio.motifs.filter_matches import FilterReport, match_rule
from dlbio.motifs.logos import PAGE_STYLE, logo_data_uri
from dlbio.utils.atomic import write_text

TSV_COLUMNS = (
    "filter",
    "sites",
    "information_bits",
    "match_id",
    "match_name",
    "p_value",
    "q_value",
    "strand",
    "offset",
    "shuffled_p",
    "shuffled_q",
    "matched",
)


def write_tsv(reports: list[FilterReport], path: str | Path) -> Path:
    """Write a row per filter (TSV_COLUMNS; filter 1-based): its sites and information, its best
    JASPAR match (Tomtom p and q, strand, offset), its shuffle control (shuffled_p: the fitted
    tail p-value, Match.shuffled_tail_p; shuffled_q: BH across the filters) and the decision,
    matched (:func:`decide`).

    Parameters
    ----------
    reports : list of FilterReport
        The reports.
    path : str or pathlib.Path
        The TSV, written atomically.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    rows = ["\t".join(TSV_COLUMNS)]
    for r in reports:
        m = r.match
        shuffled = "" if m is None or m.shuffled_tail_p is None else f"{m.shuffled_tail_p:.3e}"
        shuffled_q = "" if r.shuffled_q is None else f"{r.shuffled_q:.3e}"
        tail = (
            f"{m.matrix_id}\t{m.name}\t{m.p:.3e}\t{m.q:.3e}\t{m.strand}\t{m.offset}\t{shuffled}\t{shuffled_q}"
            if m
            else "\t" * 7
        )
        rows.append(f"{r.filter + 1}\t{r.n_sites}\t{r.information:.2f}\t{tail}\t{r.matched}")
    return write_text(path, "\n".join(rows) + "\n")


def write_html(
    reports: list[FilterReport],
    path: str | Path,
    q_threshold: float,
    n_show: int,
    release: str,
    fdr: float = 0.05,
    relied: dict[int, tuple[str, float]] | None = None,
) -> Path:
    """Write a self-contained HTML page: each shown filter's logo beside its best match's logo.

    Parameters
    ----------
    reports : list of FilterReport
        The reports.
    path : str or pathlib.Path
        The page, written atomically.
    q_threshold : float
        As given to :func:`decide`, for the page's header.
    n_show : int
        Filters shown, matched first, then by Tomtom p.
    release : str
        The JASPAR release, for the header and the matches' logos.
    fdr : float, optional
        As given to :func:`decide`.
    relied : dict or None, optional
        0-based filter -> (target name, change): the target that filter's silencing lowers
        most (:func:`write_influence`), shown in a column.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    shown = sorted(
        [r for r in reports if r.match is not None],
        key=lambda r: (not r.matches(), r.match.p),
    )[:n_show]
    n_sig = sum(r.matches() for r in reports)
    out = io.StringIO()
    out.write(f"<!doctype html><html><head><meta charset='utf-8'><title>dlbio motifs</title>{PAGE_STYLE}</head><body>")
    out.write(
        f"<h1>First-layer filters vs {html.escape(release)} CORE vertebrates</h1>"
        f"<p>{n_sig} of {len(reports)} filters match a JASPAR motif at "
        f"{html.escape(match_rule(reports, q_threshold, fdr))}. "
        f"Showing {len(shown)}: those matches first, then the others, each by p-value.</p>"
        "<table><tr><th>filter</th><th>sites</th><th>bits</th><th>filter logo</th>"
        "<th>best match</th><th>p</th><th>q</th><th>shuffle-control q</th><th>matched</th><th>JASPAR logo</th>"
        + ("<th>silenced, lowers most</th>" if relied else "")
        + "</tr>"
    )
    for r in shown:
        m = r.match
        target = jaspar.find(m.matrix_id, release)
        tc = target.counts if m.strand == "+" else target.counts[::-1, ::-1]
        cls = " class='sig'" if r.matches() else ""
        out.write(
            f"<tr{cls}><td>{r.filter + 1}</td><td>{r.n_sites}</td><td>{r.information:.1f}</td>"
            f"<td><img src='{logo_data_uri(r.counts, f'filter {r.filter + 1}')}'></td>"
            f"<td>{html.escape(m.name)}<br><small>{m.matrix_id} ({m.strand})</small></td>"
            f"<td>{m.p:.1e}</td><td>{m.q:.1e}</td>"
            f"<td>{'' if r.shuffled_q is None else f'{r.shuffled_q:.1e}'}</td><td>{html.escape(r.matched)}</td>"
            f"<td><img src='{logo_data_uri(tc, m.name)}'></td>"
            + (f"<td>{html.escape(relied[r.filter][0])} {relied[r.filter][1]:+.3f}</td>" if relied else "")
            + "</tr>"
        )
    out.write("</table></body></html>\n")
    return write_text(path, out.getvalue())


def write_influence(
    change: np.ndarray, matched: dict[int, str], names: list[str], path: str | Path, n_strongest: int = 5
) -> dict:
    """Write influence.tsv: per filter (1-based), its JASPAR match when it counts as one, the
    target it lowers most when silenced and that change, then the change of every target.

    Parameters
    ----------
    change : numpy.ndarray
        float32 (F, T): the mean change of each target's prediction when each filter is
        silenced.
    matched : dict
        0-based filter -> its match's name, for the filters that count as matched.
    names : list of str
        The T target names.
    path : str or pathlib.Path
        The TSV, written atomically.
    n_strongest : int, optional
        How many of the strongest changes to return.

    Returns
    -------
    dict
        {'influence': path, 'per_filter': 0-based filter -> (the target name it lowers most,
        that change), 'strongest': the *n_strongest* (filter 1-based, match, target name,
        change) of most negative change over all filters and targets}.
    """
    per_filter = {f: (names[int(np.argmin(row))], float(row.min())) for f, row in enumerate(change)}
    rows = ["filter\tmatch\tstrongest_target\tstrongest_change\t" + "\t".join(names)]
    rows += [
        f"{f + 1}\t{matched.get(f, '')}\t{per_filter[f][0]}\t{per_filter[f][1]:+.5f}\t"
        + "\t".join(f"{v:+.5f}" for v in row)
        for f, row in enumerate(change)
    ]
    order = np.argsort(change, axis=None, kind="stable")[:n_strongest]
    strongest = [
        (int(f) + 1, matched.get(int(f), ""), names[int(t)], float(change[f, t]))
        for f, t in zip(*np.unravel_index(order, change.shape))
    ]
    return {"influence": write_text(path, "\n".join(rows) + "\n"), "per_filter": per_filter, "strongest": strongest}
