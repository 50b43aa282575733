"""The native chain: the C engine struct and its processor slots.

``NativeEngine`` owns everything ``rtd_engine_callback`` (native/engine.c)
touches while a stream runs: the engine struct, the chain description
(slot array), the work buffer and the rings. Chain edits build a new slot
array and swap one pointer atomically; the old description is kept alive
until two more callbacks have completed (the callback that might have been
using it has then returned), or until the stream is closed.
"""
from __future__ import annotations

import threading
from typing import Optional

import numpy as np

from rtaudio._native import ffi, lib
from rtaudio.chain import Chain
from rtaudio.engine.counters import EngineCounters
from rtaudio.engine.rings import FloatRing
from rtaudio.errors import RtaudioError


def check_native_chain(chain: Chain) -> None:
    """Raise ``RtaudioError`` if a processor cannot run in the native chain."""
    for proc in chain:
        name = type(proc).__name__
        if not proc.c_process_symbol:
            raise RtaudioError(f"{name} has no C kernel; use mode='python'")
        if proc.backend != "c":
            raise RtaudioError(f"native mode runs C kernels, but {name} uses backend "
                               f"{proc.backend!r}; set backend='c' or use mode='python'")


class NativeEngine(EngineCounters):
    """The C side of an engine for one stream.

    Parameters
    ----------
    chain : Chain
        A prepared chain of processors with C kernels.
    channels : int
        Channels the chain processes.
    in_channels, out_channels : int
        Channels of the stream's input (0 for output only) and output.
    max_block : int
        Largest block handed to the kernels (the work buffer's size).
    monitor_ring : MonitorRing, optional
        Where the callback writes its timing records.
    tap_samples : int
        Capacity of each audio tap ring in samples (0: no taps).
    record_ring : FloatRing, optional
        Ring feeding the recorder thread.
    """

    def __init__(self, chain: Chain, channels: int, in_channels: int, out_channels: int,
                 max_block: int, monitor_ring=None, tap_samples: int = 0,
                 record_ring: Optional[FloatRing] = None) -> None:
        check_native_chain(chain)
        self.chain = chain
        self.work = np.zeros(max_block * channels, dtype=np.float32)
        self.cdata = ffi.new("rtd_engine *")
        c = self.cdata
        c.work = ffi.cast("float *", ffi.from_buffer(self.work))
        c.channels, c.in_channels, c.out_channels = channels, in_channels, out_channels
        c.max_block = max_block
        self.monitor_ring = monitor_ring
        c.monitor = monitor_ring.cdata if monitor_ring is not None else ffi.NULL
        self.tap_in = FloatRing(tap_samples) if tap_samples else None
        self.tap_out = FloatRing(tap_samples) if tap_samples else None
        c.tap_in = self.tap_in.cdata if self.tap_in else ffi.NULL
        c.tap_out = self.tap_out.cdata if self.tap_out else ffi.NULL
        self.record_ring = record_ring
        c.record = record_ring.cdata if record_ring is not None else ffi.NULL
        self._current: Optional[tuple] = None
        self._retired: list[tuple[tuple, int]] = []
        self._signature: Optional[tuple] = None
        self._lock = threading.Lock()  # publish() runs in the monitor and user threads
        self.publish()

    # -------------------------------------------------------------- chain
    @staticmethod
    def _chain_signature(chain: Chain) -> tuple:
        return tuple((id(p), bool(p.bypass), id(p.native_handle())) for p in chain)

    def publish(self) -> None:
        """Build a slot array from the chain's current processors and swap it in."""
        with self._lock:
            self._publish()

    def _publish(self) -> None:
        procs = self.chain.processors
        check_native_chain(self.chain)
        slots = ffi.new("rtd_slot[]", max(1, len(procs)))
        for i, proc in enumerate(procs):
            slots[i].process = proc.native_process_pointer()
            slots[i].self = proc.native_handle()
            slots[i].bypass = int(bool(proc.bypass))
        desc = ffi.new("rtd_chain_desc *")
        desc.slots = slots
        desc.count = len(procs)
        # keep the processors and everything their C structs point to alive
        # with the slots, even if a processor later replaces its arrays
        holder = (desc, slots, procs, [dict(vars(p)) for p in procs])
        lib.rtd_engine_set_chain(self.cdata, desc)
        if self._current is not None:
            self._retired.append((self._current, self.callbacks))
        self._current = holder
        self._signature = self._chain_signature(self.chain)

    @property
    def processors(self) -> tuple:
        """The processors of the chain last given to the callback."""
        current = self._current
        return current[2] if current is not None else ()

    def sync(self) -> bool:
        """Publish the chain again if processors or bypass flags changed.

        Returns True when a new slot array was published. Also frees chain
        descriptions no callback can still be using.
        """
        with self._lock:
            changed = self._chain_signature(self.chain) != self._signature
            if changed:
                self._publish()
            done = self.callbacks
            self._retired = [(h, at) for h, at in self._retired if done < at + 2]
            return changed

    def release_all(self) -> None:
        """Drop retired chain descriptions (call once the stream is closed)."""
        with self._lock:
            self._retired.clear()

    # ------------------------------------------------------------- status
    def request_stop(self) -> None:
        """Make the callback return paAbort from now on."""
        lib.rtd_engine_request_stop(self.cdata, 1)

    @property
    def callback_pointer(self):
        """``rtd_engine_callback`` as a C function pointer (no Python wrapper)."""
        return ffi.addressof(lib, "rtd_engine_callback")
