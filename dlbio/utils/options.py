"""A job's options as one frozen object, as gReLU's ``train_params``: the defaults in one place,
a short signature, and the options a run used in one value that can be printed or kept.

A job takes its inputs, then ``options=None, **overrides``::

    mutagenesis(model, "peaks.fa", None, 1, "ism", MutagenesisOptions(zoom=30), log_odds=True)

where *overrides* replace single fields of *options* (or of the defaults), so the keyword
calls written before the object existed still work.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Base of the option objects (each a frozen dataclass of defaults)."""

    @classmethod
    def merged(cls, options: Options | None, overrides: dict):
        """Options with some fields changed.

        Parameters
        ----------
        options : Options or None
            The options (default: the defaults).
        overrides : dict
            Field names and values to set.

        Returns
        -------
        Options
            A new object of this class.

        Raises
        ------
        TypeError
            For an unknown name, as an unknown keyword argument is.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"{cls.__name__} has no option {unknown[0]!r}; it has {', '.join(sorted(known))}")
        return dataclasses.replace(options if options is not None else cls(), **overrides)
