"""dlbio mutagenesis --seqlets: the stretches of each record that matter (seqlets), the JASPAR
motif each one holds, and the patterns (de novo motifs) that alike seqlets make together."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

import numpy as np

from dlbio.utils.atomic import write_text

SEQLET_MIN_LEN = 4  # a seqlet's shortest span: below it, single strong bases pass alone
PATTERN_SHUFFLES = 99  # column-shuffled copies of each pattern, against Tomtom's weak-query matches
PATTERN_COLUMNS = (
    "pattern",
    "sign",
    "seqlets",
    "records",
    "width",
    "consensus",
    "jaspar",
    "jaspar_id",
    "jaspar_q",
    "jaspar_shuffled_p",
    "jaspar_strand",
)


def seqlet_report(
    importances: np.ndarray,
    chosen: list[tuple[str, str]],
    span: tuple[int, int],
    p: float,
    base: str,
) -> dict:
    """`dlbio mutagenesis --seqlets`: the seqlets of every record, each with the JASPAR motif it
    holds (looked for in the whole record), and their patterns.

    Writes ``<base>.seqlets.tsv`` (with each seqlet's pattern), ``<base>.patterns.tsv``
    (PATTERN_COLUMNS), ``<base>.patterns.meme`` and, where memelite names them,
    ``<base>.patterns.html`` (each pattern's logo beside its JASPAR match's).

    Parameters
    ----------
    importances : numpy.ndarray
        float (n, S) per-base importance of each record at positions *span*.
    chosen : list of tuple of (str, str)
        (id, sequence) of the n records.
    span : tuple of (int, int)
        [start, stop), 0-based: the S positions scored.
    p : float
        The seqlets' p-value threshold.
    base : str
        The outputs' stem.

    Returns
    -------
    dict
        {'seqlets': path, 'n_seqlets': (positive, negative), 'motifs': Counter of (sign, motif
        name) over the seqlets that hold one, 'patterns': path, 'pattern_list': [(name, n
        seqlets, consensus, JASPAR name or None)], 'patterns_html': path or None, 'tomtom':
        whether memelite (the motifs extra) was there to name the patterns}.
    """
    from dlbio.data.encoding import encode_lenient
    from dlbio.interpret.seqlets import call_seqlets, write_seqlets
    from dlbio.motifs import jaspar
    from dlbio.motifs.fimo import Motif
    from dlbio.motifs.patterns import find_patterns
    from dlbio.motifs.stretches import best_motifs
    from dlbio.motifs.tomtom import available as tomtom_available
    from dlbio.motifs.tomtom import best_matches

    found = call_seqlets(importances, p, min_len=SEQLET_MIN_LEN)
    collection = jaspar.load_collection()
    tomtom = tomtom_available()  # memelite is an extra: without it, seqlets and patterns go unnamed
    hits = (
        best_motifs(
            [Motif(m.matrix_id, m.name, m.probabilities()) for m in collection],
            [(chosen[s.record][1], span[0] + s.start, span[0] + s.end) for s in found],
        )
        if found and tomtom
        else [None] * len(found)
    )
    scanned = [seq[span[0] : span[1]] for _, seq in chosen]
    patterns = find_patterns(np.stack([encode_lenient(s) for s in scanned]), importances, found) if found else []
    matches = (
        best_matches([pat.probabilities() for pat in patterns], collection, PATTERN_SHUFFLES)
        if tomtom and patterns
        else [None] * len(patterns)
    )
    member_of = {i: pat.name for pat in patterns for i in pat.members}
    ids = [rid for rid, _ in chosen]
    out = write_seqlets(
        f"{base}.seqlets.tsv",
        found,
        ids,
        scanned,
        hits,
        span[0] + 1,
        [member_of.get(i, "-") for i in range(len(found))],
    )
    records = [len({found[i].record for i in pat.members}) for pat in patterns]
    table = write_patterns(f"{base}.patterns.tsv", patterns, records, matches)
    write_meme(f"{base}.patterns.meme", patterns)
    page = write_patterns_html(f"{base}.patterns.html", patterns, records, matches) if tomtom else None
    named = Counter(("+" if s.score > 0 else "-", h.name) for s, h in zip(found, hits) if h and h.significant)
    return {
        "seqlets": out,
        "n_seqlets": (sum(s.score > 0 for s in found), sum(s.score < 0 for s in found)),
        "motifs": named,
        "patterns": table,
        "patterns_html": page,
        "tomtom": tomtom,
        "pattern_list": [
            (pat.name, len(pat.members), pat.consensus(), m.name if m and m.significant() else None)
            for pat, m in zip(patterns, matches)
        ],
    }


def write_patterns(path: str | Path, patterns: list, records: list[int], matches: list) -> Path:
    """Write one TSV row per pattern (PATTERN_COLUMNS): its seqlets, the records they lie in, its
    width and consensus, and its best JASPAR match by Tomtom (name, id, q-value, the share of
    the pattern's column shuffles that match as well, strand), '-' where it is not significant
    (q < 0.05 and shuffled p < 0.05); all '-' without memelite.

    Parameters
    ----------
    path : str or pathlib.Path
        The TSV.
    patterns : list of Pattern
        The patterns.
    records : list of int
        Per pattern, the records its seqlets lie in.
    matches : list
        Per pattern, its best Tomtom Match or None.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    rows = ["\t".join(PATTERN_COLUMNS)]
    for pat, n_records, m in zip(patterns, records, matches):
        if m is None:
            said = "-\t-\t-\t-\t-"
        else:
            said = (
                (f"{m.name}\t{m.matrix_id}" if m.significant() else "-\t-")
                + f"\t{m.q:.3g}\t{m.shuffled_p:.3g}\t"
                + (m.strand if m.significant() else "-")
            )
        rows.append(
            f"{pat.name}\t{'+' if pat.sign > 0 else '-'}\t{len(pat.members)}\t{n_records}\t{len(pat.counts)}"
            f"\t{pat.consensus()}\t{said}"
        )
    return write_text(path, "\n".join(rows) + "\n")


def write_meme(path: str | Path, patterns: list) -> Path:
    """Write the patterns' matrices in MEME format (MOTIF pos1 CONSENSUS), for Tomtom, FIMO or a
    browser.

    Parameters
    ----------
    path : str or pathlib.Path
        The MEME file.
    patterns : list of Pattern
        The patterns.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.motifs.meme import write_meme as write

    return write(path, [(pat.name, pat.consensus(), pat.counts, len(pat.members)) for pat in patterns])


def write_patterns_html(path: str | Path, patterns: list, records: list[int], matches: list) -> Path:
    """Write a self-contained page: each pattern's logo beside the logo of its best JASPAR match.

    Parameters
    ----------
    path : str or pathlib.Path
        The page.
    patterns : list of Pattern
        The patterns.
    records : list of int
        Per pattern, the records its seqlets lie in.
    matches : list
        Per pattern, its best Tomtom Match.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    from dlbio.motifs import jaspar
    from dlbio.motifs.logos import PAGE_STYLE, logo_data_uri

    rows = []
    for pat, n_records, m in zip(patterns, records, matches):
        target = jaspar.find(m.matrix_id)
        tc = target.counts if m.strand == "+" else target.counts[::-1, ::-1]
        sig = m.significant()
        rows.append(
            f"<tr{' class=sig' if sig else ''}><td>{pat.name}</td><td>{len(pat.members)}</td>"
            f"<td>{n_records}</td><td><img src='{logo_data_uri(pat.counts, pat.name)}'></td>"
            f"<td>{html.escape(m.name)}<br><small>{m.matrix_id} ({m.strand})"
            f"{'' if sig else ', not significant'}</small></td><td>{m.q:.1e}</td>"
            f"<td>{m.shuffled_p:.2f}</td><td><img src='{logo_data_uri(tc, m.name)}'></td></tr>"
        )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>dlbio patterns</title>{PAGE_STYLE}</head><body>"
        "<h1>Patterns: seqlets alike, aligned and counted</h1>"
        f"<p>{len(patterns)} patterns; the best JASPAR 2024 CORE vertebrate match of each (Tomtom), "
        "shaded where q &lt; 0.05 and its column shuffles match worse (shuffled p &lt; 0.05).</p>"
        "<table><tr><th>pattern</th><th>seqlets</th><th>records</th><th>logo</th><th>best match</th><th>q</th>"
        "<th>shuffled p</th><th>JASPAR logo</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )
    return write_text(path, page)


def describe(result: dict, p: float) -> list[str]:
    """The lines `dlbio mutagenesis --seqlets` prints.

    Parameters
    ----------
    result : dict
        :func:`seqlet_report`'s.
    p : float
        The seqlets' p-value threshold.

    Returns
    -------
    list of str
    """
    counts, motifs = result["n_seqlets"], result["motifs"]
    said = []
    for sign, n, what in (("+", counts[0], "that the prediction needs"), ("-", counts[1], "that work against it")):
        line = f"{n:,} {what}"
        mine = [(name, k) for (s, name), k in motifs.most_common() if s == sign]
        if mine:
            held = sum(k for _, k in mine)
            names = ", ".join(f"{name} {k}" for name, k in mine[:5]) + (", ..." if len(mine) > 5 else "")
            line += f" ({held:,} hold{'s' if held == 1 else ''} a JASPAR motif: {names})"
        said.append(line)
    lines = [f"seqlets (p < {p:g}): {'; '.join(said)} -> {result['seqlets']}"]
    listed = result["pattern_list"]
    shown = "; ".join(
        f"{name} {consensus} ({n:,} seqlets" + (f", {match})" if match else ")")
        for name, n, consensus, match in listed[:6]
    ) + ("; ..." if len(listed) > 6 else "")
    files = ", ".join(str(f) for f in (result["patterns"], result["patterns_html"]) if f)
    lines.append(f"patterns of alike seqlets: {len(listed)}" + (f": {shown}" if listed else "") + f" -> {files}")
    if listed and not result["tomtom"]:
        lines.append(
            "(seqlets and patterns unnamed: matching them to JASPAR needs memelite: pip install 'dlbio[motifs]')"
        )
    return lines
