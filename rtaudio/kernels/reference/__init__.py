"""float64 reference kernels: plain Python transcriptions of docs/maths/."""
