"""The Python-mode audio callback: the same steps as ``rtd_engine_callback``.

Input channels are mapped onto the chain's channels (channel ``c`` reads
stream channel ``c mod in_channels``), the chain runs in place on a
preallocated float32 buffer, output channel ``c`` takes chain channel
``c mod channels``, and a timing record goes into the monitor ring. After
``chain.process`` one C call per block (``rtd_pyblock_end``,
native/engine/pyblock.c) writes the taps, the recording ring and the monitor
record through the same ``rtd_engine`` struct the native callback uses;
FTZ/DAZ are set in the callback thread before its first block, as in native
mode (docs/realtime.md §1). Every array is allocated once, in ``__init__``;
views for the stream's block size are cached, so the steady state allocates
nothing that outlives a callback.
"""
from __future__ import annotations

import time
from typing import Optional

import numpy as np

from rtaudio._native import ffi, lib
from rtaudio.chain import Chain
from rtaudio.engine.counters import EngineCounters
from rtaudio.engine.rings import FloatRing, MonitorRing


class PythonCallback(EngineCounters):
    """State and body of the Python-mode callback.

    Parameters
    ----------
    chain : Chain
        A prepared chain.
    channels, in_channels, out_channels, max_block : int
        As for ``NativeEngine``.
    monitor_ring : MonitorRing
        Receives one record per callback.
    tap_samples : int
        Capacity of the input/output tap rings in samples (0: none).
    record_ring : FloatRing, optional
        Ring feeding the recorder.
    """

    def __init__(self, chain: Chain, channels: int, in_channels: int, out_channels: int,
                 max_block: int, monitor_ring: MonitorRing, tap_samples: int = 0,
                 record_ring: Optional[FloatRing] = None) -> None:
        self.chain = chain
        self.channels, self.in_channels, self.out_channels = channels, in_channels, out_channels
        self.max_block = max_block
        self.work = np.zeros((max_block, channels), dtype=np.float32)
        self._cwork = ffi.cast("float *", ffi.from_buffer(self.work))
        self._in_map = np.arange(channels) % max(in_channels, 1)
        self._out_map = np.arange(out_channels) % channels
        self._in_identity = in_channels == channels
        self._out_identity = out_channels == channels
        self._views: dict[int, np.ndarray] = {max_block: self.work}
        self._finite = np.zeros((max_block, channels), dtype=bool)
        self.monitor_ring = monitor_ring
        self.tap_in = FloatRing(tap_samples) if tap_samples else None
        self.tap_out = FloatRing(tap_samples) if tap_samples else None
        self.record_ring = record_ring
        self._input_copy = np.zeros((max_block, channels), dtype=np.float32)  # for the input tap
        self._cinput_copy = ffi.cast("float *", ffi.from_buffer(self._input_copy))
        self._input_copies: dict[int, np.ndarray] = {max_block: self._input_copy}
        c = self.cdata = ffi.new("rtd_engine *")
        c.work = self._cwork
        c.channels, c.in_channels, c.out_channels, c.max_block = channels, in_channels, out_channels, max_block
        c.monitor = monitor_ring.cdata if monitor_ring is not None else ffi.NULL
        c.tap_in = self.tap_in.cdata if self.tap_in else ffi.NULL
        c.tap_out = self.tap_out.cdata if self.tap_out else ffi.NULL
        c.record = record_ring.cdata if record_ring is not None else ffi.NULL
        self._ftz_daz_set = False
        self.error: Optional[BaseException] = None

    def _view(self, frames: int) -> np.ndarray:
        view = self._views.get(frames)
        if view is None:
            view = self.work[:frames]
            self._views[frames] = view
        return view

    def thread_changed(self) -> None:
        """The stream was reopened: set FTZ/DAZ again in the new audio thread."""
        self._ftz_daz_set = False

    def __call__(self, indata: Optional[np.ndarray], outdata: Optional[np.ndarray], frames: int,
                 input_time: float, current_time: float, output_time: float, status: int) -> None:
        """Process one callback; ``indata``/``outdata`` are ``(frames, ch)`` float32."""
        enter = time.monotonic_ns()
        if not self._ftz_daz_set:  # per thread; the stream keeps its callback thread
            lib.rtd_enable_ftz_daz()
            self._ftz_daz_set = True
        nonfinite = 0
        done = 0
        while done < frames:
            n = min(frames - done, self.max_block)
            work = self._view(n)
            if indata is None or self.in_channels == 0:
                work.fill(0.0)
            elif self._in_identity:
                np.copyto(work, indata[done:done + n] if n != frames else indata)
            else:
                np.take(indata[done:done + n], self._in_map, axis=1, out=work)
            finite = self._finite[:n] if n != self.max_block else self._finite
            np.isfinite(work, out=finite)
            nonfinite += work.size - int(np.count_nonzero(finite))
            if self.tap_in is not None:
                copy = self._input_copies.get(n)
                if copy is None:
                    copy = self._input_copies[n] = self._input_copy[:n]
                np.copyto(copy, work)
            self.chain.process(work)
            if outdata is not None:
                if self._out_identity:
                    np.copyto(outdata[done:done + n] if n != frames else outdata, work)
                else:
                    np.take(work, self._out_map, axis=1, out=outdata[done:done + n])
            done += n
            lib.rtd_pyblock_end(self.cdata, self._cinput_copy, n, done >= frames, enter, input_time,
                                current_time, output_time, frames, status, nonfinite)
