"""Recording the processed output from a non-real-time writer thread.

The audio callback writes each processed block into a float ring
(``FloatRing``, all-or-nothing per block); this thread drains it into a
sound file opened with ``atomic_output``. If the writer falls behind, the
callback counts the frames it could not queue (``dropped_frames``) instead
of waiting. ``stop`` drains what is left and closes the file, so the file
is complete and valid after Ctrl-C.
"""
from __future__ import annotations

import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

from rtaudio.audiofile import atomic_output
from rtaudio.engine.rings import FloatRing

RING_SECONDS = 4.0
GAP_CHUNK_FRAMES = 65536


class Recorder:
    """Writer thread for ``--record``.

    Parameters
    ----------
    path : str or Path
        Output file (format from the extension).
    samplerate : float
        Sample rate in Hz.
    channels : int
        Channels of the chain.
    poll_s : float
        Writer thread period in seconds.
    """

    def __init__(self, path: Union[str, Path], samplerate: float, channels: int,
                 poll_s: float = 0.05) -> None:
        self.path = Path(path)
        self.samplerate = samplerate
        self.channels = channels
        self.ring = FloatRing(int(RING_SECONDS * samplerate) * channels)
        self.frames_written = 0
        #: silent frames written for outages the engine reconnected after
        self.gap_frames = 0
        self._write_lock = threading.Lock()
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._stack: Optional[ExitStack] = None
        self._sink = None
        self.dropped_frames_source: Callable[[], int] = lambda: 0
        self.error: Optional[BaseException] = None

    @property
    def dropped_frames(self) -> int:
        """Frames the callback could not queue because the writer was behind."""
        return int(self.dropped_frames_source())

    def start(self) -> None:
        """Open the output file and start the writer thread."""
        self._stack = ExitStack()
        self._sink = self._stack.enter_context(
            atomic_output(self.path, int(round(self.samplerate)), self.channels, "FLOAT"))
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rtaudio-recorder", daemon=True)
        self._thread.start()

    def _write_available(self) -> None:
        with self._write_lock:
            self._write_ring()

    def _write_ring(self) -> None:
        data = self.ring.read()
        usable = len(data) - len(data) % self.channels
        if usable:
            self._sink.write(data[:usable].reshape(-1, self.channels))
            self.frames_written += usable // self.channels

    def write_gap(self, frames: int) -> None:
        """Write what the ring holds, then ``frames`` of silence (call while
        no callback runs: the device was lost and is about to be reopened)."""
        with self._write_lock:
            self._write_ring()
            zeros = np.zeros((min(int(frames), GAP_CHUNK_FRAMES), self.channels), dtype=np.float32)
            left = int(frames)
            while left > 0:
                n = min(left, len(zeros))
                self._sink.write(zeros[:n])
                left -= n
            self.frames_written += int(frames)
            self.gap_frames += int(frames)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._poll_s):
                self._write_available()
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def stop(self) -> None:
        """Drain the ring, close and rename the file (call after the stream stopped)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        try:
            self._write_available()
        finally:
            assert self._stack is not None
            self._stack.close()
            self._stack = None
