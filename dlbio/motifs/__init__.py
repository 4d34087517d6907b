"""Motif discovery: activations -> sites -> count matrix -> PWM / consensus / MEME / Tomtom."""
