"""Numba kernels: ``@njit(nogil=True, cache=True, fastmath=False)`` mirrors of
the C kernels in ``native/``, same operation order, same state arrays."""
