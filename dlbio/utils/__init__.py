"""Plumbing every layer uses, with no science in it.

* :mod:`~dlbio.utils.errors`: :class:`DlbioError` and ``require``, the one-line errors users see;
* :mod:`~dlbio.utils.atomic`: write to a temporary file, then rename (nothing half-written
  under a final name), HDF5 writes that survive a full disk;
* :mod:`~dlbio.utils.guard`: no command writes over its own inputs;
* :mod:`~dlbio.utils.notes`: rows left out or changed, counted with their first ids (``--strict``);
* :mod:`~dlbio.utils.progress`: the one progress counter (a tqdm bar on a terminal, lines in a log);
* :mod:`~dlbio.utils.signals`, :mod:`~dlbio.utils.processes`: SIGTERM/SIGINT handling, and
  independent runs in worker processes stopped together;
* :mod:`~dlbio.utils.environment`: the GPUs a job was given, and why the backend does not see them;
* :mod:`~dlbio.utils.resources`: the bundled data and the cache folder.
"""
