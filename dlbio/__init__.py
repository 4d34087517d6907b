"""dlbio: the Deep Learning by Example class-2 examples and DanQ/DeepSEA on Keras 3.

Public entry points are the workflows in :mod:`dlbio.workflows`; the console
commands in :mod:`dlbio.cli` are thin wrappers around them.
"""

__version__ = "0.1.0"
