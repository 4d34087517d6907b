"""dlbio motifs: every first-layer filter -> PWM -> best JASPAR match (Tomtom) -> TSV, MEME, HTML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlbio.motifs import jaspar, tomtom
from dlbio.motifs.filter_matches import MIN_BITS, decide, match_rule, report_filters
from dlbio.motifs.filter_report import write_html, write_influence, write_tsv
from dlbio.motifs.meme import write_meme
from dlbio.utils.errors import require
from dlbio.utils.options import Options


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
