"""The lock-free single-producer / single-consumer ring and its three uses.

One C implementation (``rtd_ring``, native/engine/rings.c) carries
fixed-size items from the audio thread to Python; this module is its only
Python wrapper (docs/architecture.md §Rings):

- :class:`MonitorRing` -- one :data:`MONITOR_RECORD` per callback (the monitor);
- :class:`FloatRing` -- float32 samples (the audio taps and the recorder);
- :class:`PitchResultRing` -- one :data:`PITCH_RESULT` per analysed frame
  (the YinTracker).

Every array is allocated here by NumPy and the C struct only points at it,
so the native callback can produce with no Python at all. Indices only
grow; item ``q`` lives in slot ``q & (capacity - 1)``; a write is
all-or-nothing and a full ring drops (and counts) instead of waiting.
Importing this module needs only the compiled kernels, not the engine.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from rtaudio._native import ffi, lib

#: NumPy layout of ``rtd_monitor_record`` (64 bytes)
MONITOR_RECORD = np.dtype([
    ("enter_ns", "<i8"), ("exit_ns", "<i8"),
    ("input_time", "<f8"), ("current_time", "<f8"), ("output_time", "<f8"),
    ("index", "<u8"), ("frames", "<u4"), ("status", "<u4"),
    ("nonfinite", "<u4"), ("reserved", "<u4"),
])

#: NumPy layout of ``rtd_pitch_result`` (40 bytes; fields in reading order)
PITCH_RESULT = np.dtype({
    "names": ["channel", "frame", "time_s", "f0_hz", "confidence", "voiced"],
    "formats": ["<i4", "<i8", "<f8", "<f8", "<f8", "?"],
    "offsets": [32, 0, 8, 16, 24, 36],
    "itemsize": 40,
})


def _check_layout(dtype: np.dtype, ctype: str) -> None:
    if dtype.itemsize != ffi.sizeof(ctype):  # pragma: no cover - build mismatch
        raise ImportError(f"{ctype} and its NumPy dtype disagree in size")
    for name in dtype.names or ():
        if dtype.fields[name][1] != ffi.offsetof(ctype, name):  # pragma: no cover
            raise ImportError(f"{ctype}.{name} and its NumPy dtype disagree in offset")


#: the name of :data:`PITCH_RESULT` before the rings were merged
RESULT_DTYPE = PITCH_RESULT

_check_layout(MONITOR_RECORD, "rtd_monitor_record")
_check_layout(PITCH_RESULT, "rtd_pitch_result")


def pow2_at_least(n: int, minimum: int = 1) -> int:
    """The smallest power of two that is ``>= max(n, minimum)``."""
    return 1 << max(0, (max(int(n), int(minimum)) - 1).bit_length())


class Ring:
    """A C ``rtd_ring`` of items of one NumPy dtype.

    Parameters
    ----------
    capacity : int
        Items the ring holds (rounded up to a power of two, at least
        ``min_capacity``).
    dtype : numpy.dtype
        Item type (its ``itemsize`` is the C item size).
    min_capacity : int
        Smallest capacity.

    Notes
    -----
    One thread may write (usually C in the audio thread) and one thread may
    read at a time; neither ever waits for the other.
    """

    def __init__(self, capacity: int, dtype: Any, min_capacity: int = 1) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)) or capacity < 1:
            raise ValueError(f"ring capacity = {capacity!r} must be an integer >= 1")
        self.dtype = np.dtype(dtype)
        self.capacity = pow2_at_least(capacity, min_capacity)
        self.data = np.zeros(self.capacity, dtype=self.dtype)
        self.cdata = ffi.new("rtd_ring *")
        self.cdata.data = ffi.cast("unsigned char *", ffi.from_buffer(self.data))
        self.cdata.capacity = self.capacity
        self.cdata.item_size = self.dtype.itemsize

    # ------------------------------------------------------------ consumer
    @property
    def available(self) -> int:
        """Items waiting to be read."""
        return int(lib.rtd_ring_available(self.cdata))

    @property
    def dropped(self) -> int:
        """Items not written because the ring was full."""
        return int(lib.rtd_ring_dropped(self.cdata))

    def read(self, max_items: Optional[int] = None) -> np.ndarray:
        """Take the waiting items, oldest first (a new array, possibly empty)."""
        count = self.available
        if max_items is not None:
            count = min(count, max(0, int(max_items)))
        out = np.empty(count, dtype=self.dtype)
        if count:
            count = int(lib.rtd_ring_read(self.cdata, ffi.from_buffer(out), count))
        return out[:count]

    # ------------------------------------------------------------ producer
    def write(self, items: Any, count: Optional[int] = None) -> bool:
        """Write items (all or nothing); returns False when they did not fit.

        ``items`` is a NumPy array of the ring's dtype, or a C pointer to
        ``count`` items (a producer that already holds one).
        """
        if isinstance(items, np.ndarray):
            items = np.ascontiguousarray(items, dtype=self.dtype)
            count = len(items) if count is None else count
            return bool(lib.rtd_ring_write(self.cdata, ffi.from_buffer(items), count))
        if count is None:
            raise ValueError("count is needed with a C pointer")
        return bool(lib.rtd_ring_write(self.cdata, items, count))

    def producer_state(self) -> tuple[int, int, int]:
        """``(head, tail, dropped)`` for a producer that fills :attr:`data` itself."""
        return (int(lib.rtd_ring_head(self.cdata)), int(lib.rtd_ring_tail(self.cdata)),
                int(lib.rtd_ring_dropped(self.cdata)))

    def publish(self, head: int, dropped: int) -> None:
        """Make the slots written before ``head`` visible to the reader (release)."""
        lib.rtd_ring_publish(self.cdata, int(head), int(dropped))


class FloatRing(Ring):
    """float32 samples: the audio taps and the recorder's input.

    Parameters
    ----------
    capacity : int
        Samples the ring holds (rounded up to a power of two).
    """

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, np.float32)


class MonitorRing(Ring):
    """One :data:`MONITOR_RECORD` per audio callback.

    Parameters
    ----------
    capacity : int
        Records the ring holds (rounded up to a power of two).
    """

    def __init__(self, capacity: int = 1 << 13) -> None:
        super().__init__(capacity, MONITOR_RECORD)

    def push(self, enter_ns: int, exit_ns: int, input_time: float, current_time: float,
             output_time: float, index: int, frames: int, status: int, nonfinite: int) -> bool:
        """Write one record (the Python-mode callback's producer side)."""
        return bool(lib.rtd_monitor_push_values(self.cdata, enter_ns, exit_ns, input_time,
                                                current_time, output_time, index, frames,
                                                status, nonfinite))

    @property
    def lost(self) -> int:
        """Records the producer could not write because the ring was full."""
        return self.dropped

    def pop(self) -> np.ndarray:
        """All records available now (a copy), oldest first."""
        return self.read()


class PitchResultRing(Ring):
    """One :data:`PITCH_RESULT` per analysed frame of a YinTracker.

    Parameters
    ----------
    capacity : int
        Results held before the producer starts dropping; rounded up to a
        power of two (>= 4).

    Notes
    -----
    The C kernel writes through ``rtd_ring_write``; the Numba and reference
    kernels fill the slots through :attr:`columns` from ``head`` on and then
    call :meth:`publish`.
    """

    def __init__(self, capacity: int = 8192) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)) or capacity < 1:
            raise ValueError(f"result_capacity = {capacity!r} must be an integer >= 1")
        super().__init__(capacity, PITCH_RESULT, min_capacity=4)
        #: one strided view per field of :attr:`data` (written by the Python producers)
        self.columns = {name: self.data[name] for name in PITCH_RESULT.names}

    def read(self, max_results: Optional[int] = None) -> np.ndarray:
        """Take the waiting results (oldest first) without blocking.

        Only one thread may read. Returns a structured array of dtype
        :data:`PITCH_RESULT` (possibly empty).
        """
        return super().read(max_results)
