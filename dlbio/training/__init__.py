"""Training: optimizers, callbacks, reproducibility, distribution strategy."""
