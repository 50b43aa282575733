"""The virtual device: a clocked stream with no hardware.

A thread runs ``rtd_virtual_run`` (native/engine.c), which sleeps to
absolute ``CLOCK_MONOTONIC`` deadlines one buffer period apart and calls
the stream callback with input taken cyclically from a file, an array or
the built-in demo signal; output frames are captured into a preallocated
array (``output_seconds``) or discarded. Native mode hands it the C
callback itself; Python mode a CFFI callback around the Python callback
(which, like PortAudio's, takes the GIL). A clock thread that wakes up late
catches up while the lag fits in the device buffer (``buffer_periods``);
beyond it, it skips the lost periods and reports an output underflow, as
a real device would.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

import numpy as np

from rtaudio._native import ffi, lib
from rtaudio.engine.backends import DeviceChoice
from rtaudio.errors import RtaudioError

JOIN_TIMEOUT_S = 5.0
PA_ABORT = 2


@lru_cache(maxsize=4)
def _demo(samplerate: float, channels: int) -> np.ndarray:
    """The demo signal (8 s, looped by the clock), generated once per layout."""
    from rtaudio.demo import demo_signal
    data = demo_signal(samplerate, 8.0, channels)
    data.flags.writeable = False  # shared between streams: read only
    return data


class VirtualBackend:
    """Clocked file/demo device.

    Parameters
    ----------
    input : str, Path, numpy.ndarray or None
        Sound file, float32 ``(frames, channels)`` array, or None for the
        demo signal (``rtaudio.demo.demo_signal``, 8 s, looped).
    output_seconds : float
        Length of the captured output (``VirtualStream.captured``); 0
        discards the output.
    speed : float
        1.0 runs at the real buffer period; 0 as fast as possible.
    max_callbacks : int
        Stop after this many callbacks (0: run until stopped).
    buffer_periods : int
        Device buffering in periods: a late clock thread catches up with
        back-to-back callbacks while its lag is within it; beyond it the
        lost periods are skipped and flagged as an output underflow.
    realtime : bool
        Try to run the clock thread with SCHED_FIFO (like ``jackd -R``).
    loop : bool
        Play a file or array input again and again (the demo signal always
        loops). Without it the device stops after the last input frame, as
        ``max_callbacks`` would.
    """

    name = "virtual"

    def __init__(self, input: Union[str, Path, np.ndarray, None] = None, output_seconds: float = 0.0,
                 speed: float = 1.0, max_callbacks: int = 0, buffer_periods: int = 4,
                 realtime: bool = True, loop: bool = True) -> None:
        self.input = input
        self.output_seconds = float(output_seconds)
        self.speed = float(speed)
        self.max_callbacks = int(max_callbacks)
        self.buffer_periods = int(buffer_periods)
        self.realtime = bool(realtime)
        self.loop = bool(loop)

    def _load_input(self, samplerate: float, channels: int) -> tuple[np.ndarray, str]:
        if self.input is None:
            return _demo(float(samplerate), int(channels)), "demo signal"
        if isinstance(self.input, np.ndarray):
            data = np.ascontiguousarray(self.input, dtype=np.float32)
            if data.ndim == 1:
                data = data.reshape(-1, 1)
            return data, "array"
        from rtaudio.audiofile import read_audio
        data, rate = read_audio(self.input)
        if rate != samplerate:
            raise RtaudioError(f"virtual device input {self.input} is {rate} Hz but the engine "
                               f"runs at {samplerate:g} Hz; use --samplerate {rate}")
        return np.ascontiguousarray(data, dtype=np.float32), Path(self.input).name

    def resolve(self, device, samplerate: float, blocksize: int, channels: int) -> DeviceChoice:
        """The virtual device supports any rate, block size and channel count."""
        if blocksize < 1:
            raise RtaudioError(f"the virtual device needs a fixed blocksize >= 1, got {blocksize}")
        data, label = self._load_input(samplerate, channels)
        if len(data) == 0:
            raise RtaudioError("virtual device input has no frames")
        return DeviceChoice(name=f"virtual ({label})", samplerate=float(samplerate),
                            blocksize=int(blocksize), channels=int(channels),
                            in_channels=data.shape[1], out_channels=int(channels),
                            extra={"input": data, "loop": self.loop or self.input is None})

    def open(self, choice: DeviceChoice, native=None, pycallback=None) -> "VirtualStream":
        """Prepare a virtual stream (started by ``start``)."""
        return VirtualStream(choice, self, native, pycallback)


class VirtualStream:
    """The clock thread and the buffers of one virtual stream."""

    def __init__(self, choice: DeviceChoice, backend: VirtualBackend, native=None,
                 pycallback=None) -> None:
        self.choice = choice
        self.native = native
        self.pycallback = pycallback
        bs, ich, och = choice.blocksize, choice.in_channels, choice.out_channels
        self.input = choice.extra["input"]
        self.in_block = np.zeros((bs, max(ich, 1)), dtype=np.float32)
        self.out_block = np.zeros((bs, och), dtype=np.float32)
        frames = int(round(backend.output_seconds * choice.samplerate))
        self.output = np.zeros((frames, och), dtype=np.float32)
        v = ffi.new("rtd_virtual *")
        self.cdata = v
        v.input = ffi.cast("float *", ffi.from_buffer(self.input))
        v.input_frames = len(self.input)
        v.output = ffi.cast("float *", ffi.from_buffer(self.output)) if frames else ffi.NULL
        v.output_frames = frames
        v.in_block = ffi.cast("float *", ffi.from_buffer(self.in_block))
        v.out_block = ffi.cast("float *", ffi.from_buffer(self.out_block))
        v.in_channels, v.out_channels, v.blocksize = ich, och, bs
        v.samplerate = choice.samplerate
        v.speed = backend.speed
        v.max_callbacks = backend.max_callbacks
        if not choice.extra["loop"] and not backend.max_callbacks:
            v.max_callbacks = -(-len(self.input) // bs)  # play the input once
        v.buffer_periods = backend.buffer_periods
        v.realtime = int(backend.realtime)
        self._buffer_periods = max(1, backend.buffer_periods)
        if native is not None:
            v.callback = native.callback_pointer
            v.userdata = native.cdata
        else:
            self._ffi_callback = ffi.callback("rtd_stream_callback", self._python_entry,
                                              error=PA_ABORT)
            v.callback = self._ffi_callback
            v.userdata = ffi.NULL
        self._thread: Optional[threading.Thread] = None
        self.error: Optional[BaseException] = None

    def _python_entry(self, inp, out, frames, time_info, status, userdata) -> int:
        # in_block/out_block are the very buffers the C clock passes in.
        try:
            self.pycallback(self.in_block if self.choice.in_channels else None, self.out_block,
                            frames, time_info.inputBufferAdcTime, time_info.currentTime,
                            time_info.outputBufferDacTime, status)
        except BaseException as exc:  # report it, stop the stream
            self.error = exc
            return PA_ABORT
        return 0

    # -------------------------------------------------------------- stream
    @property
    def latency(self) -> tuple[float, float]:
        """One period of input, ``buffer_periods`` periods of output buffering."""
        period = self.choice.blocksize / self.choice.samplerate
        return period, self._buffer_periods * period

    @property
    def active(self) -> bool:
        """True while the clock thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def missed_periods(self) -> int:
        """Periods skipped because the clock thread woke up late."""
        return int(self.cdata.missed)

    @property
    def captured(self) -> np.ndarray:
        """The output frames captured so far."""
        return self.output[:int(self.cdata.output_written)]

    def start(self) -> None:
        """Start the clock thread."""
        self.cdata.stop = 0
        self._thread = threading.Thread(target=lib.rtd_virtual_run, args=(self.cdata,),
                                        name="rtaudio-virtual-clock", daemon=True)
        self._thread.start()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait for the clock thread to end (``max_callbacks``); True if it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def simulate_loss(self) -> None:
        """Stop the clock as if the device had disappeared (for tests)."""
        self.cdata.result = PA_ABORT
        lib.rtd_virtual_request_stop(self.cdata)

    def close(self) -> Optional[str]:
        """Stop the clock thread; returns an error message if it does not end."""
        lib.rtd_virtual_request_stop(self.cdata)
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                return f"virtual device clock did not stop within {JOIN_TIMEOUT_S:g} s"
        return None
