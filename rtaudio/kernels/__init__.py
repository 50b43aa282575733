"""Numba and float64 reference kernels (the C kernels live in ``native/``)."""
