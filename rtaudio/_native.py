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

__all__ = ["ffi", "lib", "native_struct", "pointer", "recast"]

_POINTER_TYPES = {np.dtype(np.float64): "double *", np.dtype(np.float32): "float *",
                  np.dtype(np.int64): "int64_t *", np.dtype(np.uint64): "uint64_t *",
                  np.dtype(np.int32): "int32_t *"}


def recast(to_ffi, ctype: str, cdata, from_ffi=ffi):
    """``cdata`` of ``from_ffi`` as a ``ctype`` of ``to_ffi``: the same
    address in another CFFI instance (sounddevice's, libjack's), whose
    types do not mix with this module's."""
    return to_ffi.cast(ctype, int(from_ffi.cast("uintptr_t", cdata)))


def pointer(ctype: str, array: np.ndarray):
    """A C pointer of type ``ctype`` to the data of a NumPy array.

    The array must stay alive while the pointer is used; callers keep a
    reference to it next to the pointer.
    """
    if not array.flags.c_contiguous:
        raise ValueError("native kernels need C-contiguous arrays")
    return ffi.cast(ctype, ffi.from_buffer(array))


def native_struct(ctype: str, **fields):
    """Allocate a C struct (``ffi.new(ctype)``) and fill its fields.

    NumPy arrays become pointers to their data (the pointer type follows the
    array's dtype); other values are assigned as they are. The caller keeps
    the arrays alive as long as the struct.
    """
    struct = ffi.new(ctype)
    for name, value in fields.items():
        if isinstance(value, np.ndarray):
            value = pointer(_POINTER_TYPES[value.dtype], value)
        setattr(struct, name, value)
    return struct
