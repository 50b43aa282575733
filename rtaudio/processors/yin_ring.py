"""Lock-free single-producer / single-consumer ring of pitch results.

The producer is the YinTracker kernel (C, in the audio thread, or the
Numba/reference kernels followed by a C release store); the consumer is
any one reader thread (GUI, CLI, ``pitch()``) that polls
:meth:`PitchResultRing.read`. Every array is allocated here, by Python,
and the C struct ``rtd_yin_ring`` only points at them, so a native engine
can run the producer with no Python at all.

Protocol (``native/yin.c``): ``index[0]`` = head (results written so far,
stored by the producer with release order after the slot data),
``index[8]`` = tail (results consumed, stored by the consumer with
release order after copying the slots), ``index[1]`` = results dropped
because the ring was full. head and tail only grow; result ``q`` lives in
slot ``q & (capacity − 1)``. The producer never waits: if the reader is
``capacity`` results behind, the new result is dropped and counted.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from rtaudio._native import ffi, lib, pointer

#: dtype of the arrays returned by :meth:`PitchResultRing.read`
RESULT_DTYPE = np.dtype([("channel", np.int32), ("frame", np.int64), ("time_s", np.float64),
                         ("f0_hz", np.float64), ("confidence", np.float64), ("voiced", np.bool_)])


class PitchResultRing:
    """Preallocated SPSC queue of ``(channel, frame, time_s, f0_hz, confidence, voiced)``.

    Parameters
    ----------
    capacity : int
        Minimum number of results held before the producer starts dropping;
        rounded up to a power of two (≥ 4).
    """

    def __init__(self, capacity: int = 8192) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)) or capacity < 1:
            raise ValueError(f"result_capacity = {capacity!r} must be an integer >= 1")
        cap = 1 << max(2, (int(capacity) - 1).bit_length())
        self.capacity = cap
        self.index = np.zeros(16, dtype=np.int64)
        self.columns = {
            "channel": np.zeros(cap, dtype=np.int32),
            "frame": np.zeros(cap, dtype=np.int64),
            "time_s": np.zeros(cap, dtype=np.float64),
            "f0_hz": np.zeros(cap, dtype=np.float64),
            "confidence": np.zeros(cap, dtype=np.float64),
            "voiced": np.zeros(cap, dtype=np.uint8),
        }
        c = ffi.new("rtd_yin_ring *")
        c.index = pointer("int64_t *", self.index)
        c.channel = pointer("int32_t *", self.columns["channel"])
        c.frame = pointer("int64_t *", self.columns["frame"])
        c.time_s = pointer("double *", self.columns["time_s"])
        c.f0_hz = pointer("double *", self.columns["f0_hz"])
        c.confidence = pointer("double *", self.columns["confidence"])
        c.voiced = pointer("uint8_t *", self.columns["voiced"])
        c.capacity = cap
        self.cdata = c

    # ------------------------------------------------------------ consumer
    @property
    def available(self) -> int:
        """Results waiting to be read."""
        return int(lib.rtd_yin_ring_head(self.cdata) - lib.rtd_yin_ring_tail(self.cdata))

    @property
    def dropped(self) -> int:
        """Results dropped so far because the reader fell ``capacity`` behind."""
        return int(lib.rtd_yin_ring_dropped(self.cdata))

    def read(self, max_results: Optional[int] = None) -> np.ndarray:
        """Take the waiting results (oldest first) without blocking.

        Only one thread may read. Returns a structured array of dtype
        :data:`RESULT_DTYPE` (possibly empty).
        """
        head = int(lib.rtd_yin_ring_head(self.cdata))   # acquire: slot data visible
        tail = int(lib.rtd_yin_ring_tail(self.cdata))
        count = head - tail
        if max_results is not None:
            count = min(count, max(0, int(max_results)))
        out = np.empty(count, dtype=RESULT_DTYPE)
        if count:
            slots = (tail + np.arange(count, dtype=np.int64)) & (self.capacity - 1)
            for name, column in self.columns.items():
                out[name] = column[slots]
        lib.rtd_yin_ring_consume(self.cdata, tail + count)  # release: slots may be reused
        return out

    # ------------------------------------------------------------ producer
    def producer_state(self) -> tuple[int, int, int]:
        """``(head, tail, dropped)`` for a Python/Numba producer."""
        return (int(lib.rtd_yin_ring_head(self.cdata)), int(lib.rtd_yin_ring_tail(self.cdata)),
                int(lib.rtd_yin_ring_dropped(self.cdata)))

    def publish(self, head: int, dropped: int) -> None:
        """Make the slots written before ``head`` visible to the reader (release)."""
        lib.rtd_yin_ring_publish(self.cdata, int(head), int(dropped))
