"""Model builders (functional API, so sub-models for activations always work)."""
