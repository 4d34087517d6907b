"""Variant-effect tables: the long table of every variant and target, and the summary.

Both are written chunk by chunk as ``dlbio variants`` scores the VCF, each atomically (a
temporary file renamed at the end): a run that fails leaves the user's previous file as it was.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from dlbio.predict.variants import Variant, logit

VARIANT_COLUMNS = ("chrom", "pos", "id", "ref", "alt")


@contextlib.contextmanager
def variant_writer(path: str | Path, variants: list[Variant], names: list[str], both_strands: bool = False):
    """Write variant effects as they come, atomically (a context manager).

    *path* ending in .h5/.hdf5: HDF5 ``ref_prob``/``alt_prob`` float32 (V, T), the variant
    columns (V,), attributes ``target_names`` and ``both_strands``.  Else a long TSV, one row
    per variant and target: probabilities, difference, log-odds difference.

    Parameters
    ----------
    path : str or pathlib.Path
        The table.
    variants : list of Variant
        All V variants, in the order they are written.
    names : list of str
        The T target names.
    both_strands : bool, optional
        Recorded in the HDF5 attributes.

    Yields
    ------
    callable
        ``write(start, part, ref_p, alt_p)``: the probabilities, float (len(part), T) each, of
        ``variants[start:start + len(part)]``.  HDF5 is compressed and written in a thread
        (dlbio.utils.write_behind), while the next variants are predicted; the TSV is
        formatted in the caller's thread, as Python holds the GIL to format.
    """
    from dlbio.predict.tables import create_prediction_arrays, is_hdf5
    from dlbio.utils.atomic import atomic_path, hdf5_writer
    from dlbio.utils.write_behind import written_behind

    path = Path(path)
    with atomic_path(path) as tmp:
        if is_hdf5(path):
            with hdf5_writer(tmp) as f:
                probs = create_prediction_arrays(f, len(variants), names, ("ref_prob", "alt_prob"), both_strands)
                for k in VARIANT_COLUMNS:
                    f[k] = np.array([getattr(v, k) for v in variants], dtype=np.int64 if k == "pos" else "S")

                def write(start, part, ref_p, alt_p):
                    probs[0][start : start + len(part)] = ref_p
                    probs[1][start : start + len(part)] = alt_p

                with written_behind(write) as write_behind:
                    yield write_behind
        else:
            with open(tmp, "w") as fh:
                fh.write("\t".join(VARIANT_COLUMNS) + "\ttarget\tref_prob\talt_prob\tdiff\tlog_odds_diff\n")

                def write(start, part, ref_p, alt_p):
                    diff, lo = alt_p - ref_p, logit(alt_p) - logit(ref_p)
                    for i, v in enumerate(part):
                        head = f"{v.chrom}\t{v.pos}\t{v.id}\t{v.ref}\t{v.alt}\t"
                        # Python floats (tolist, a variant at a time): formatting them is 2x
                        # faster than formatting numpy scalars, with the same text.
                        fh.writelines(
                            f"{head}{name}\t{r:.5f}\t{a:.5f}\t{d:+.5f}\t{o:+.4f}\n"
                            for name, r, a, d, o in zip(
                                names, ref_p[i].tolist(), alt_p[i].tolist(), diff[i].tolist(), lo[i].tolist()
                            )
                        )

                yield write


SUMMARY_COLUMNS = ("max_abs_diff", "target", "diff", "max_abs_log_odds_diff", "log_odds_target", "log_odds_diff")


@contextlib.contextmanager
def summary_writer(path: str | Path, names: list[str]):
    """Write the per-variant summary (for ranking variants) as it comes, atomically.

    One TSV row per variant: the variant columns, the target with the largest |diff| and that
    diff, and the same for the log-odds difference.

    Parameters
    ----------
    path : str or pathlib.Path
        The summary TSV.
    names : list of str
        The T target names.

    Yields
    ------
    callable
        ``write(part, ref_p, alt_p)`` with float (len(part), T) probabilities; it returns (the
        diff of largest |diff|, its target index), each (len(part),).
    """
    from dlbio.utils.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write("\t".join(VARIANT_COLUMNS + SUMMARY_COLUMNS) + "\n")

        def write(part, ref_p, alt_p):
            diff, lo = alt_p - ref_p, logit(alt_p) - logit(ref_p)
            rows = np.arange(len(part))
            top, top_lo = np.abs(diff).argmax(axis=1), np.abs(lo).argmax(axis=1)
            best, best_lo = diff[rows, top], lo[rows, top_lo]
            # Python numbers (tolist), as in variant_writer: the same text, formatted 2x faster.
            fh.writelines(
                f"{v.chrom}\t{v.pos}\t{v.id}\t{v.ref}\t{v.alt}\t{abs(d):.5f}\t{names[t]}\t{d:+.5f}"
                f"\t{abs(e):.4f}\t{names[u]}\t{e:+.4f}\n"
                for v, d, t, e, u in zip(part, best.tolist(), top.tolist(), best_lo.tolist(), top_lo.tolist())
            )
            return best, top

        yield write
