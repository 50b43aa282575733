"""The kernels of HPSS: sliding-window median filter along one axis and
librosa's soft mask (docs/maths/features.md §2).

:func:`median_filter_axis` equals ``scipy.ndimage.median_filter(x,
size=...)`` with ``mode="reflect"`` when the window spans one axis only,
bit for bit: the output values are selected from the input, never
computed. The C kernel (``native/kernels/median.c``) keeps a sorted copy of
the window and updates it by one removal and one insertion per step, with
min/max/blend operations only, 16 lines side by side in SIMD lanes; the
Numba kernel (:mod:`rtaudio.kernels.numba.median`) updates the sorted window
one line at a time by counting the two ranks. Both select the same values
and accept any strides (no transposed copies).
"""
from __future__ import annotations

import numpy as np

__all__ = ["apply_mask", "median_filter_axis", "softmask"]

_BACKENDS = ("c", "numba")


def _check_backend(backend: str) -> None:
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")


def _ptr(array: np.ndarray):
    from rtaudio._native import ffi
    ctype = "float *" if array.dtype in (np.float32, np.complex64) else "double *"
    # the address itself: from_buffer refuses Fortran-ordered arrays
    return ffi.cast(ctype, array.__array_interface__["data"][0])


def median_filter_axis(x: np.ndarray, size: int, axis: int, *, backend: str = "c") -> np.ndarray:
    """Median over a window of ``size`` samples along ``axis`` of a 2-D array.

    Parameters
    ----------
    x : numpy.ndarray
        2-D float32 or float64 array without NaN (any strides).
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
        Same shape, dtype and memory layout as ``x``.
    """
    if x.ndim != 2 or x.dtype not in (np.float32, np.float64):
        raise ValueError(f"median filter needs a 2-D float32/float64 array, got {x.dtype} {x.shape}")
    if size < 1:
        raise ValueError(f"median filter size must be >= 1, got {size}")
    _check_backend(backend)
    axis = axis % 2
    if not (x.flags.c_contiguous or x.flags.f_contiguous):
        x = np.ascontiguousarray(x)
    out = np.empty_like(x)  # same layout (C or F) as x
    if backend == "numba":
        from rtaudio.kernels.numba.median import median_filter_lines
        median_filter_lines(x if axis == 1 else x.T, out if axis == 1 else out.T, int(size))
        return out
    from rtaudio._native import lib
    s0, s1 = (s // x.itemsize for s in x.strides)
    n_rows, n_cols = x.shape
    if axis == 1:
        n_lines, n, line_stride, elem_stride = n_rows, n_cols, s0, s1
    else:
        n_lines, n, line_stride, elem_stride = n_cols, n_rows, s1, s0
    scratch = np.empty(lib.rtd_median_scratch(n_lines, n, int(size)), dtype=x.dtype)
    kernel = lib.rtd_median_filter_f32 if x.dtype == np.float32 else lib.rtd_median_filter_f64
    kernel(_ptr(x), _ptr(out), n_lines, n, line_stride, elem_stride, int(size), _ptr(scratch))
    return out


def _memory_order(a: np.ndarray) -> tuple[int, ...]:
    """Axis order that makes ``a`` C-contiguous if it is contiguous in
    some axis order (e.g. an STFT stored frame by frame), else None."""
    perm = tuple(int(i) for i in np.argsort([-abs(s) for s in a.strides], kind="stable"))
    return perm if np.transpose(a, perm).flags.c_contiguous else None


def _same_layout(first: np.ndarray, *others: np.ndarray) -> tuple[list[np.ndarray], tuple[int, ...]]:
    """Views of all arrays in one C-contiguous axis order (copies only when
    their layouts differ); the permutation used."""
    perm = _memory_order(first)
    if perm is None or any(o.shape != first.shape or _memory_order(o) != perm for o in others):
        perm = tuple(range(first.ndim))
    return [np.ascontiguousarray(np.transpose(a, perm)) for a in (first, *others)], perm


def softmask(x: np.ndarray, ref: np.ndarray, margin: float, power: float, split_zeros: bool, *,
             backend: str = "c") -> np.ndarray:
    """``librosa.util.softmask(x, ref * margin, power, split_zeros)`` for
    finite ``power`` (same float operations; docs/maths/features.md §2)."""
    _check_backend(backend)
    (x, ref), perm = _same_layout(x, np.asarray(ref, dtype=x.dtype))
    mask = np.empty_like(x)
    split = 0.5 if split_zeros else 0.0
    if backend == "numba":
        from rtaudio.kernels.numba.median import softmask as kernel
        kernel(x.reshape(-1), ref.reshape(-1), float(margin), float(power), split, mask.reshape(-1))
        return np.transpose(mask, np.argsort(perm))
    from rtaudio._native import lib
    fn = lib.rtd_softmask_f32 if x.dtype == np.float32 else lib.rtd_softmask_f64
    fn(_ptr(x), _ptr(ref), float(margin), float(power), split, _ptr(mask), x.size)
    return np.transpose(mask, np.argsort(perm))


def apply_mask(D: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``D * mask`` for a complex ``D`` (C kernel, no temporaries): librosa's
    ``(|D| * mask) * (D / |D|)`` within two roundings."""
    from rtaudio._native import lib
    real = np.float32 if D.dtype == np.complex64 else np.float64
    (D, mask), perm = _same_layout(D, np.asarray(mask, dtype=real))
    out = np.empty_like(D)
    fn = lib.rtd_apply_mask_c64 if D.dtype == np.complex64 else lib.rtd_apply_mask_c128
    fn(_ptr(D), _ptr(mask), _ptr(out), D.size)
    return np.transpose(out, np.argsort(perm))
