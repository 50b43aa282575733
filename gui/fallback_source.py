"""Stand-in engine for the viewer: the chain in a Python thread at real-time rate.

Used by ``rtaudio gui`` only when :class:`rtaudio.engine.Engine` cannot be
imported (and by tests that need an exact input signal). A daemon thread
takes the next block of a looping input signal (the built-in demo voice by
default) every buffer period, runs the chain on it in place and pushes
the input and output blocks into two bounded queues for the viewer, plus
one timing record per block into a :class:`rtaudio.engine.monitor.MonitorRing`,
so the window's meters and counters work as with the real engine.

It is *not* a real-time engine: it runs Python per block and allocates a
copy of each block for the queues. The real engine's native mode exists
so that the GUI cannot disturb the audio; this fallback makes no such
promise.
"""
from __future__ import annotations

import collections
import time
from typing import Any, Optional

import numpy as np

from rtaudio.chain import Chain
from rtaudio.demo import demo_signal
from rtaudio.engine.monitor import Monitor, compute_stats
from rtaudio.engine.worker import Worker
from .source import ViewerSource

#: seconds of audio each viewer queue keeps before dropping blocks
QUEUE_SECONDS = 2.0


class FallbackSource(ViewerSource):
    """Runs ``chain`` in a Python thread, fed by ``signal`` in a loop.

    Parameters
    ----------
    chain : Chain
        Processors to run (prepared here).
    samplerate : float
        Sample rate in Hz.
    blocksize : int
        Frames per block; one block every ``blocksize / samplerate`` s.
    channels : int
        Channels processed.
    signal : numpy.ndarray, optional
        Input, float32 ``(frames, channels)`` or ``(frames,)``, played in a
        loop; default 8 s of :func:`rtaudio.demo.demo_signal`.
    """

    mode = "python"

    def __init__(self, chain: Chain, samplerate: float = 48000.0, blocksize: int = 256,
                 channels: int = 1, signal: Optional[np.ndarray] = None) -> None:
        self.chain = chain
        self.samplerate = float(samplerate)
        self.blocksize = int(blocksize)
        self.channels = int(channels)
        if signal is None:
            signal = demo_signal(self.samplerate, 8.0, self.channels)
        signal = np.asarray(signal, dtype=np.float32)
        if signal.ndim == 1:
            signal = signal[:, None]
        if signal.shape[1] != self.channels:
            signal = np.ascontiguousarray(np.repeat(signal[:, :1], self.channels, axis=1))
        if len(signal) < self.blocksize:
            raise ValueError(f"signal has {len(signal)} frames, fewer than blocksize={self.blocksize}")
        self._signal = signal
        self.description = (f"fallback Python thread (no Engine available), demo input, "
                            f"{self.samplerate:g} Hz, block {self.blocksize}")
        blocks = int(QUEUE_SECONDS * self.samplerate / self.blocksize) + 1
        self._queues = {"input": collections.deque(maxlen=blocks),
                        "output": collections.deque(maxlen=blocks)}
        self._dropped = {"input": 0, "output": 0}
        self._worker = Worker(self._run, "rtaudio-gui-fallback")
        self._stop = self._worker.stopping
        self.monitor: Optional[Monitor] = None
        self._failure: Optional[BaseException] = None

    # ------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Prepare the chain and start the thread (idempotent)."""
        if self.running:
            return
        self.chain.prepare(self.samplerate, self.channels, self.blocksize)
        self.monitor = Monitor(self.samplerate)
        self.monitor.start()
        for queue in self._queues.values():
            queue.clear()
        self._worker.start()

    def stop(self) -> None:
        """Stop the thread and the monitor reader."""
        self._worker.stop()
        if self.monitor is not None:
            self.monitor.stop()

    @property
    def running(self) -> bool:
        return self._worker.running

    def _run(self) -> None:
        period_ns = int(round(self.blocksize / self.samplerate * 1e9))
        work = np.zeros((self.blocksize, self.channels), dtype=np.float32)
        position, index = 0, 0
        deadline = time.monotonic_ns()
        ring = self.monitor.ring
        try:
            while not self._stop.is_set():
                enter = time.monotonic_ns()
                end = position + self.blocksize
                if end <= len(self._signal):
                    work[:] = self._signal[position:end]
                else:
                    first = len(self._signal) - position
                    work[:first] = self._signal[position:]
                    work[first:] = self._signal[:self.blocksize - first]
                position = end % len(self._signal)
                self._push("input", work)
                self.chain.process(work)
                self._push("output", work)
                ring.push(enter, time.monotonic_ns(), 0.0, 0.0, 0.0, index, self.blocksize, 0, 0)
                index += 1
                deadline += period_ns
                delay = deadline - time.monotonic_ns()
                if delay > 0:
                    self._stop.wait(delay / 1e9)
        except BaseException as exc:  # reported by the window's status line
            self._failure = exc

    def _push(self, which: str, block: np.ndarray) -> None:
        queue = self._queues[which]
        if len(queue) == queue.maxlen:
            self._dropped[which] += block.size
        queue.append(block.copy())

    # --------------------------------------------------------------- reading
    def read_taps(self) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for which in ("input", "output"):
            queue = self._queues[which]
            blocks = []
            while queue:
                blocks.append(queue.popleft())
            out.append(np.concatenate(blocks, axis=0) if blocks
                       else np.zeros((0, self.channels), dtype=np.float32))
        return out[0], out[1]

    def tap_dropped(self) -> int:
        return self._dropped["input"] + self._dropped["output"]

    @property
    def error(self) -> Optional[str]:
        return None if self._failure is None else f"fallback thread failed: {self._failure!r}"

    def stats(self) -> dict[str, Any]:
        if self.monitor is None:
            return {}
        # the monitor's own thread is the ring's only consumer: summarise what
        # it drained (Monitor.stats() would drain from this thread too)
        result = compute_stats(self.monitor.records, self.samplerate)
        result.update(mode=self.mode, backend="fallback", device="demo signal",
                      samplerate=self.samplerate, blocksize=self.blocksize)
        return result

    # --------------------------------------------------------------- control
    def set_param(self, key: str, name: str, value: Any) -> None:
        """Set the attribute; processors publish targets atomically (spec 0.4)."""
        setattr(self.chain[key], name, value)

    def set_bypass(self, key: str, bypass: bool) -> None:
        self.chain[key].bypass = bool(bypass)
