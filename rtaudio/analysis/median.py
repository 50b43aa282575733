"""Sliding-window median filter along one axis (the cost of HPSS).

Equals ``scipy.ndimage.median_filter(x, size=...)`` with ``mode="reflect"``
when the window spans one axis only (docs/maths/features.md §2), bit for
bit: the output values are selected from the input, never computed. The C
kernel (``native/kernels/median.c``) keeps a sorted copy of the window and
updates it by one removal and one insertion per step; the Numba kernel
(:mod:`rtaudio.kernels.numba.median`) mirrors it.
"""
from __future__ import annotations

import numpy as np

__all__ = ["median_filter_axis"]

_BACKENDS = ("c", "numba")


def median_filter_axis(x: np.ndarray, size: int, axis: int, *, backend: str = "c") -> np.ndarray:
    """Median over a window of ``size`` samples along ``axis`` of a 2-D array.

    Parameters
    ----------
    x : numpy.ndarray
        2-D float32 or float64 array without NaN.
    size : int
        Window length in samples (>= 1); the output at ``i`` is the element of
        rank ``size // 2`` of ``x[i - size//2 : i - size//2 + size]`` with the
        edges reflected (``d c b a | a b c d | d c b a``).
    axis : int
        0 or 1 (or -2, -1).
    backend : {"c", "numba"}
        Kernel.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``x``.
    """
    if x.ndim != 2 or x.dtype not in (np.float32, np.float64):
        raise ValueError(f"median filter needs a 2-D float32/float64 array, got {x.dtype} {x.shape}")
    if size < 1:
        raise ValueError(f"median filter size must be >= 1, got {size}")
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    axis = axis % 2
    if backend == "numba":
        from rtaudio.kernels.numba.median import median_filter_lines
        lines = np.ascontiguousarray(x if axis == 1 else x.T)
        out = np.empty_like(lines)
        median_filter_lines(lines, out, int(size))
        return out if axis == 1 else np.ascontiguousarray(out.T)
    from rtaudio._native import ffi, lib
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    n_rows, n_cols = x.shape
    if axis == 1:
        n_lines, n, line_stride, elem_stride = n_rows, n_cols, n_cols, 1
    else:
        n_lines, n, line_stride, elem_stride = n_cols, n_rows, 1, n_cols
    scratch = np.empty(n + 2 * size - 1, dtype=x.dtype)
    ctype = "float *" if x.dtype == np.float32 else "double *"
    kernel = lib.rtd_median_filter_f32 if x.dtype == np.float32 else lib.rtd_median_filter_f64
    kernel(ffi.cast(ctype, ffi.from_buffer(x)), ffi.cast(ctype, ffi.from_buffer(out)),
           n_lines, n, line_stride, elem_stride, int(size), ffi.cast(ctype, ffi.from_buffer(scratch)))
    return out
