"""Motifs: what a model learned and where motifs occur.

Filters -> sites -> count matrices (activations, sites, filters) matched to JASPAR (jaspar,
tomtom: memelite's Tomtom; filter_matches decides which matches count, filter_report writes
them); de novo motifs from attribution maps with TF-MoDISco (modisco: modisco-lite); motif
hits with FIMO (fimo: memelite); MEME files (meme) and logos (logos).
"""
