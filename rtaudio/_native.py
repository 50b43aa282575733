"""Access to the compiled CFFI extension (``rtaudio._rtdsp``)."""
from __future__ import annotations

import numpy as np

try:
    from rtaudio._rtdsp import ffi, lib  # type: ignore[import-not-found]
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "rtaudio's C kernels are not built. Install the package with "
        "`pip install .` (or `make build` in a source checkout)."
    ) from exc

__all__ = ["ffi", "lib", "pointer", "store_param"]


def pointer(ctype: str, array: np.ndarray):
    """A C pointer of type ``ctype`` to the data of a NumPy array.

    The array must stay alive while the pointer is used; callers keep a
    reference to it next to the pointer.
    """
    if not array.flags.c_contiguous:
        raise ValueError("native kernels need C-contiguous arrays")
    return ffi.cast(ctype, ffi.from_buffer(array))


def store_param(params: np.ndarray, cparams, index: int, value: float) -> None:
    """Atomically publish one parameter target to a running kernel."""
    lib.rtd_param_store(cparams, index, float(value))
