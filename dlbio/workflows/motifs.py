"""dlbio motifs: every first-layer filter -> PWM -> best JASPAR match (Tomtom) -> TSV, MEME, HTML."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbio.data import encoding
from dlbio.motifs import jaspar, sites, tomtom
from dlbio.motifs.filters import filter_motifs
from dlbio.motifs.logos import PAGE_STYLE, logo_data_uri
from dlbio.motifs.meme import write_meme
from dlbio.utils.atomic import write_text
from dlbio.utils.errors import require
from dlbio.utils.options import Options

MIN_BITS = 6.0  # a trimmed filter motif with less information is too vague to name (a 4-mer with some play)


@dataclass
class FilterReport:
    """One row per filter (0-based index *filter*), best match may be None.  *matched* is the
    report's one decision (decide): "yes", "no", "low information" or "too few sites";
    *shuffled_q* the Benjamini-Hochberg q over the filters compared of its shuffle control."""

    filter: int
    n_sites: int
    information: float
    counts: np.ndarray  # (w, 4) A,C,G,T, trimmed
    match: tomtom.Match | None
    shuffled_q: float | None = None
    matched: str = "no"

    def matches(self) -> bool:
        """Whether the filter counts as its match (:func:`decide` set *matched* to "yes").

        Returns
        -------
        bool
        """
        return self.matched == "yes"


def decide(
    reports: list[FilterReport], q_threshold: float, fdr: float, min_bits: float = MIN_BITS, min_sites: int = 10
) -> None:
    """Set each report's *matched*, controlled for multiple testing across the filters.

    A filter is matched when Tomtom's q for its best JASPAR match is below *q_threshold* and,
    when shuffles ran, its shuffle control's tail p-value (Match.shuffled_tail_p), made a
    Benjamini-Hochberg q over every filter compared, is below *fdr*: at most a share *fdr* of
    the matched filters are expected to be matches their own column shuffles equal.  A filter
    whose trimmed motif holds under *min_bits* of information is "low information", not
    matched: near-uniform columns match the weak flanks of long JASPAR matrices.

    Parameters
    ----------
    reports : list of FilterReport
        Every filter's report; *matched* and *shuffled_q* are set in place.
    q_threshold : float
        Tomtom's q must be below it.
    fdr : float
        The shuffle controls' BH q must be below it.
    min_bits : float, optional
        The least information of a trimmed motif that can be matched.
    min_sites : int, optional
        Fewer sites: "too few sites".
    """
    compared = [r for r in reports if r.match is not None and r.match.shuffled_tail_p is not None]
    qs = tomtom.bh_qvalues(np.array([r.match.shuffled_tail_p for r in compared])) if compared else []
    for r, q in zip(compared, qs):
        r.shuffled_q = float(q)
    for r in reports:
        if r.n_sites < min_sites:
            r.matched = "too few sites"
        elif r.match is not None and r.information < min_bits:
            r.matched = "low information"
        elif r.match is not None and r.match.q < q_threshold and (r.shuffled_q is None or r.shuffled_q < fdr):
            r.matched = "yes"
        else:
            r.matched = "no"


def report_filters(
    model,
    idx: np.ndarray,
    release: str = jaspar.DEFAULT_RELEASE,
    min_sites: int = 10,
    progress: bool = False,
    shuffles: int = 99,
    seed: int = 0,
) -> list[FilterReport]:
    """Every first-layer filter's sites, trimmed PWM and best JASPAR match.

    Parameters
    ----------
    model : keras.Model
        A model whose first convolution reads one-hot DNA.
    idx : numpy.ndarray
        Base indices, uint8 (n, L), scanned on both strands.
    release : str, optional
        The JASPAR CORE vertebrate release.
    min_sites : int, optional
        A filter with fewer sites is not compared.
    progress : bool or str, optional
        See :mod:`dlbio.utils.progress`.
    shuffles : int, optional
        Column-shuffled copies of each filter's motif compared as its control (0: none).
    seed : int, optional
        Seeds the shuffles.

    Returns
    -------
    list of FilterReport
        One per filter, in order; *matched* is set by :func:`decide`.
    """
    fm = filter_motifs(model, idx, progress=progress)
    acgt = encoding.agct_to_acgt(fm.counts)
    queries, trimmed = [], []
    for f in range(len(acgt)):
        c = acgt[f]
        if fm.n_sites[f] < min_sites:
            queries.append(None)
            trimmed.append(c[:0])
            continue
        a, b = tomtom.trim(c / c.sum(axis=1, keepdims=True))
        c = c[a:b]
        trimmed.append(c)
        queries.append(c / c.sum(axis=1, keepdims=True) if len(c) else None)
    matches = tomtom.best_matches(queries, jaspar.load_collection(release), shuffles, seed)
    return [
        FilterReport(
            f,
            int(fm.n_sites[f]),
            sites.information_content(trimmed[f]) if len(trimmed[f]) else 0.0,
            trimmed[f],
            matches[f],
        )
        for f in range(len(acgt))
    ]


def match_rule(reports: list[FilterReport], q_threshold: float, fdr: float, min_bits: float = MIN_BITS) -> str:
    """What :func:`decide` asked of these reports, in words.

    Parameters
    ----------
    reports : list of FilterReport
        The reports (the shuffle part is said only when shuffles ran).
    q_threshold : float
        As given to :func:`decide`.
    fdr : float
        As given to :func:`decide`.
    min_bits : float
        As given to :func:`decide`.

    Returns
    -------
    str
    """
    shuffled = any(r.shuffled_q is not None for r in reports)
    return (
        f"q < {q_threshold}"
        + (f" and shuffle-control q < {fdr} (Benjamini-Hochberg over the filters)" if shuffled else "")
        + f", at least {min_bits:g} bits"
    )


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


@dataclass(frozen=True)
class MotifReportOptions(Options):
    """Which sequences :func:`discover` scans and how it matches filters to JASPAR.

    Attributes
    ----------
    split : str, default="test"
        Which split's sequences.
    targets : list of int, optional
        Sequences positive for these targets (1-based); default, for any.
    release : str
        The JASPAR release (bundled by pyjaspar).
    q_threshold : float, default=0.05
        A match counts when Tomtom's q is below *q_threshold* and the shuffle control's q,
        Benjamini-Hochberg over the filters, is below *fdr* (decide).
    fdr : float, default=0.05
        A match counts when Tomtom's q is below *q_threshold* and the shuffle control's q,
        Benjamini-Hochberg over the filters, is below *fdr* (decide).
    min_bits : float, default=MIN_BITS
        A filter motif with less information is "low information", not matched.
    n_show : int, default=30
        Filters shown in the HTML page.
    min_sites : int, default=10
        Filters with fewer sites are not compared.
    limit : int, optional
        Use the first N sequences of the split.
    quiet : bool, default=False
        No progress.
    shuffles : int, default=99
        Column shuffles per filter (0: Tomtom's q alone).
    seed : int, default=0
        The shuffles.
    influence : int, default=0
        With N > 0, also ``influence.tsv``: each filter's influence on each target over the
        first N positive sequences (dlbio.motifs.influence).
    verify : bool, default=True
        Check stores against their checksums.
    """

    split: str = "test"
    targets: list[int] | None = None
    release: str = jaspar.DEFAULT_RELEASE
    q_threshold: float = 0.05
    n_show: int = 30
    min_sites: int = 10
    limit: int | None = None
    quiet: bool = False
    shuffles: int = 99
    fdr: float = 0.05
    min_bits: float = MIN_BITS
    seed: int = 0
    influence: int = 0
    verify: bool = True


def discover(
    model_path: str | Path,
    data: str | Path,
    out_dir: str | Path,
    options: MotifReportOptions | None = None,
    **overrides,
) -> dict:
    """What the network learned: first-layer filters -> sites -> motifs -> JASPAR (dlbio motifs).

    Each filter's sites in positive sequences (both strands, the DanQ authors' procedure)
    make a count matrix, matched to JASPAR with Tomtom and against column-shuffled copies of
    itself.  Writes ``filters.meme``, ``filters.tsv`` and ``filters.html`` under *out_dir*.

    Parameters
    ----------
    model_path : str or pathlib.Path
        A model on one-hot DNA whose first layer is a Conv1D.
    data : str or pathlib.Path
        A data folder (stores or .mat files) whose positive sequences are scanned.
    out_dir : str or pathlib.Path
        Where the report goes.
    options : MotifReportOptions, optional
        Which sequences, and the matching rule (the defaults when None).
    **overrides
        Fields of *options* to set (``shuffles=0, influence=100``), as keywords.

    Returns
    -------
    dict
        ``reports`` (one per filter), the files written (``meme``, ``tsv``, ``html``),
        ``significant`` (the filters that count as matched) and their ``matched_names``,
        ``n_sequences`` scanned, ``rule`` (the matching rule in words), ``n_q_alone``
        (filters Tomtom's q alone would have matched); with *influence*, its table too.
    """
    o = MotifReportOptions.merged(options, overrides)
    split, targets, release, q_threshold = o.split, o.targets, o.release, o.q_threshold
    n_show, min_sites, limit, quiet = o.n_show, o.min_sites, o.limit, o.quiet
    shuffles, fdr, seed, influence = o.shuffles, o.fdr, o.seed, o.influence
    verify = o.verify
    from dlbio.models.files import load_dna_model
    from dlbio.utils.progress import progress_mode
    from dlbio.workflows.danq_predict import open_sets
    from dlbio.workflows.visualize import positive_sequences

    require(0 < q_threshold <= 1, f"--q must be in (0, 1], got {q_threshold}")
    require(0 < fdr <= 1, f"--fdr must be in (0, 1], got {fdr}")
    require(shuffles >= 0, f"--shuffles must be 0 or more, got {shuffles}")
    require(influence >= 0, f"--influence must be 0 or more, got {influence}")
    require(
        shuffles == 0 or shuffles >= tomtom.MIN_TAIL_SHUFFLES,
        f"--shuffles {shuffles} is too few to fit the shuffles' tail: use at least {tomtom.MIN_TAIL_SHUFFLES}, "
        "or --shuffles 0 for Tomtom's q alone",
    )
    model = load_dna_model(model_path)
    from dlbio.motifs.activations import first_conv_layer

    first_conv_layer(model)  # clear error before any data is read
    if influence:
        from dlbio.motifs.influence import silenceable_layer

        silenceable_layer(model)
    source = open_sets(data, limit, (split,), verify)[split]
    idx = positive_sequences(source, targets)
    reports = report_filters(model, idx, release, min_sites, progress_mode(quiet), shuffles, seed)
    decide(reports, q_threshold, fdr, o.min_bits, min_sites)
    out = Path(out_dir)
    meme = write_meme(
        out / "filters.meme",
        [(f"filter{r.filter + 1}", r.match.name if r.match else "", r.counts, r.n_sites) for r in reports],
    )
    tsv = write_tsv(reports, out / "filters.tsv")
    sig = [r for r in reports if r.matches()]
    extra, relied = {}, None
    if influence:
        from dlbio.data.targets import names_for_model, target_names_for
        from dlbio.motifs.influence import filter_influence

        change, _ = filter_influence(model, idx[:influence], progress=progress_mode(quiet))
        matched = {r.filter: r.match.name for r in sig}
        extra = write_influence(
            change, matched, target_names_for(model, names_for_model(model, data)), out / "influence.tsv"
        ) | {"n_influence": min(influence, len(idx))}
        relied = extra["per_filter"]
    page = write_html(reports, out / "filters.html", q_threshold, n_show, release, fdr, relied)
    return extra | {
        "reports": reports,
        "meme": meme,
        "tsv": tsv,
        "html": page,
        "significant": sig,
        "matched_names": sorted({r.match.name for r in sig}),
        "n_sequences": len(idx),
        "rule": match_rule(reports, q_threshold, fdr),
        "n_q_alone": sum(r.match is not None and r.match.q < q_threshold for r in reports),
    }
