"""float64 reference kernels: plain Python transcriptions of specs/effects.md."""
