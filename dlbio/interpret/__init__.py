"""Interpretation: which bases drive a model's predictions.

* :mod:`~dlbio.interpret.attributions`: attribution maps (expected gradients against
  dinucleotide-shuffled references, integrated gradients, gradient x input, ISM) as the
  hypothetical contributions TF-MoDISco reads; :mod:`~dlbio.interpret.references` the
  shuffles, :mod:`~dlbio.interpret.gradients` the one compiled gradient they all use,
  :mod:`~dlbio.interpret.files` their .npz, bedGraph/bigWig and logos;
* :mod:`~dlbio.interpret.ism`: in-silico saturation mutagenesis (every base changed to every
  other), and its gradient estimate;
* :mod:`~dlbio.interpret.seqlets`: the stretches whose importance is improbably high or low
  together;
* :mod:`~dlbio.interpret.insertion`: a motif planted into background sequences, and the
  prediction's response.

Motifs learned by a model (filters, JASPAR, Tomtom, patterns) are in :mod:`dlbio.motifs`.
"""
