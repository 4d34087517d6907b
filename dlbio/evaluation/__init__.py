"""How well a model predicts: per-target ROC and PR AUCs, their tables, comparisons of two
runs (:mod:`~dlbio.evaluation.metrics`), their figures (:mod:`~dlbio.evaluation.figures`), and
the matplotlib set-up every figure shares (:mod:`~dlbio.evaluation.plots`)."""
