"""``Engine``: runs a ``Chain`` on a live (or virtual) audio stream.

Two modes (docs/contributing.md, "Two engine modes"):

* ``"native"``: PortAudio calls the C function ``rtd_engine_callback``
  directly; the chain runs as an array of C processor slots and no Python
  code runs in the audio thread.
* ``"python"``: a Python callback runs ``chain.process`` on a preallocated
  buffer (kernels release the GIL; ``sys.setswitchinterval`` is lowered
  while the engine runs).

Both modes write the same per-callback records to a ``Monitor`` and give
bit-identical audio with C kernels.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from rtaudio.engine.backends import BACKEND_NAMES, DeviceChoice, make_backend
from rtaudio.chain import Chain
from rtaudio.errors import RtaudioError
from rtaudio.engine.monitor import RECORD_DTYPE, Monitor, warm_up as warm_up_monitor
from rtaudio.engine.native import NativeEngine, check_native_chain
from rtaudio.engine.pycallback import PythonCallback
from rtaudio.engine.recorder import Recorder
from rtaudio.processor import check_not_streaming

MODES = ("native", "python")
SWITCH_INTERVAL_S = 0.0005
TAP_SECONDS = 1.0
#: no callback for this long (and at least 20 periods) means the device is gone
#: (docs/realtime.md §4: a lost device is reported within 2 s)
STALL_TIMEOUT_S = 1.0
#: with ``reconnect``: how often to look for the device again
RECONNECT_POLL_S = 0.5


def warm_up_chain(chain: Chain, blocksize: int) -> None:
    """Run every Numba kernel of a prepared chain once on silence, then
    reset, so no compilation happens in the python-mode callback
    (docs/realtime.md §1). Pitch results of the warm-up are discarded."""
    for proc in chain:
        if proc.backend == "numba" and not proc.bypass:
            proc.process(np.zeros((blocksize, proc.channels), dtype=np.float32))
            proc.reset()
            if hasattr(proc, "read_results"):
                proc.read_results()


class Engine:
    """Live audio in → chain → audio out, every callback timed.

    Parameters
    ----------
    chain : Chain
        The processors to run (prepared by ``start``).
    device : int, str or None
        Device index or case-insensitive name substring; None for the
        default device. Ignored by the virtual backend.
    samplerate : float
        Sample rate in Hz.
    blocksize : int
        Frames per callback.
    channels : int
        Channels the chain processes (a mono input feeds all of them).
    mode : {"native", "python"}
        Where the callback runs (see the module docstring).
    backend : {"sounddevice", "pyaudio", "virtual"}
        Audio backend; PyAudio supports Python mode only.
    record : str or Path, optional
        Write the processed output to this file (from a writer thread).
    backend_options : dict, optional
        Options for the backend (the virtual device's ``input``,
        ``output_seconds``, ``speed``, ``max_callbacks``).
    tap : bool
        Keep the input/output audio taps (``read_tap``) for a viewer.
    reconnect : bool
        Survive the loss of the device: when the JACK server (or the JACK
        client named by ``device``) comes back, a new stream opens with the
        same chain and state, and the recording continues in the same file
        with the gap filled by silence. Runs through rtaudio's own JACK
        client (backend ``"jack"``; docs/realtime.md §4.1).

    Examples
    --------
    >>> with Engine(chain, blocksize=64, mode="native") as eng:
    ...     eng.set("lowpass", "cutoff_hz", 1500.0)
    ...     time.sleep(10)
    ...     print(eng.stats()["dsp_load"])
    """

    def __init__(self, chain: Chain, device: Union[int, str, None] = None, samplerate: float = 48000,
                 blocksize: int = 64, channels: int = 2, mode: str = "native",
                 backend: str = "sounddevice", record: Union[str, Path, None] = None,
                 backend_options: Optional[dict[str, Any]] = None, tap: bool = True,
                 reconnect: bool = False) -> None:
        if not isinstance(chain, Chain):
            raise TypeError(f"chain must be a rtaudio.Chain, got {type(chain).__name__}")
        if mode not in MODES:
            raise ValueError(f"mode = {mode!r} is not valid: expected 'native' or 'python'")
        if backend not in BACKEND_NAMES:
            raise ValueError(f"backend = {backend!r} is not valid: expected one of "
                             f"{', '.join(map(repr, BACKEND_NAMES))}")
        if isinstance(blocksize, bool) or not isinstance(blocksize, (int, np.integer)) \
                or not 1 <= blocksize <= 8192:
            raise ValueError(f"blocksize = {blocksize!r} must be an integer in [1, 8192]")
        if isinstance(channels, bool) or not isinstance(channels, (int, np.integer)) \
                or not 1 <= channels <= 64:
            raise ValueError(f"channels = {channels!r} must be an integer in [1, 64]")
        if reconnect:
            if backend not in ("sounddevice", "jack"):
                raise RtaudioError(f"reconnect=True reopens JACK streams; the {backend} backend "
                                   f"cannot lose its device (use the JACK server's device)")
            if (backend_options or {}).get("play") is not None:
                raise RtaudioError("reconnect=True cannot play a file (--play); give one of them")
            backend = "jack"  # PortAudio cannot reopen a JACK stream in-process
            backend_options = {}
        if mode == "native":
            check_native_chain(chain)
            if backend == "pyaudio":
                raise RtaudioError("native mode needs a C callback, which PyAudio cannot take; "
                                   "use the sounddevice backend (or python mode)")
        self.chain = chain
        self.device = device
        self.samplerate = float(samplerate)
        self.blocksize = int(blocksize)
        self.channels = int(channels)
        self.mode = mode
        self.backend_name = backend
        self.record_path = Path(record) if record is not None else None
        self._backend = make_backend(backend, **(backend_options or {}))
        self._tap = tap
        self.reconnect = bool(reconnect)
        #: one entry per outage survived with ``reconnect``
        self.gaps: list[dict[str, Any]] = []
        self._reconnecting = False
        self._give_up = threading.Event()
        self.choice: Optional[DeviceChoice] = None
        self.stream = None
        self.native: Optional[NativeEngine] = None
        self.pycallback: Optional[PythonCallback] = None
        self.monitor_obj: Optional[Monitor] = None
        self.recorder: Optional[Recorder] = None
        self.error: Optional[str] = None
        #: True once a played file (``--play``) reached its end and stopped the engine
        self.input_finished = False
        self._running = False
        self._stopping = False
        self._lock = threading.RLock()
        self._saved_switch: Optional[float] = None
        self._last_progress = (0, 0.0)
        self._stopped = threading.Event()
        self._final_stats: Optional[dict[str, Any]] = None
        #: id -> [processor, callback count when it left the chain or None]:
        #: every processor this engine marked as streaming (docs/realtime.md §2)
        self._streamed: dict[int, list] = {}
        self._streamed_lock = threading.Lock()

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Engine":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop`` (False after a device loss)."""
        return self._running

    def start(self) -> None:
        """Prepare the chain, open the stream and start it.

        Raises
        ------
        RtaudioError
            If the device cannot be found or rejects the settings.
        """
        with self._lock:
            if self._running:
                return
            self.error = None
            self.gaps = []
            self._reconnecting = False
            self._give_up.clear()
            self.input_finished = False
            self._stopping = False
            self._stopped.clear()
            self._final_stats = None
            check_not_streaming(self.chain, "starting another engine with it")
            choice = self._backend.resolve(self.device, self.samplerate, self.blocksize, self.channels)
            self.choice = choice
            self.chain.prepare(self.samplerate, self.channels, self.blocksize)
            warm_up_monitor()
            if self.mode == "python":
                warm_up_chain(self.chain, self.blocksize)
            self.monitor_obj = Monitor(self.samplerate, on_poll=self._poll)
            self.recorder = None
            record_ring = None
            if self.record_path is not None:
                self.recorder = Recorder(self.record_path, self.samplerate, self.channels)
                record_ring = self.recorder.ring
            tap = int(TAP_SECONDS * self.samplerate) * self.channels if self._tap else 0
            args = (self.chain, self.channels, choice.in_channels, choice.out_channels,
                    self.blocksize, self.monitor_obj.ring, tap, record_ring)
            if self.mode == "native":
                self.native = NativeEngine(*args)
                self.pycallback = None
                stream = self._backend.open(choice, native=self.native, pycallback=self.pycallback)
                dropped = lambda native=self.native: native.record_dropped_frames  # noqa: E731
            else:
                self.pycallback = PythonCallback(*args)
                self.native = None
                stream = self._backend.open(choice, pycallback=self.pycallback)
                dropped = lambda cb=self.pycallback: cb.record_dropped_frames  # noqa: E731
            self.stream = stream
            self._latency = stream.latency  # read now: some backends forget it once closed
            if self.recorder is not None:
                self.recorder.dropped_frames_source = dropped
                try:
                    self.recorder.start()
                except BaseException:  # e.g. a missing folder: close what was opened
                    self.stream = None
                    stream.close()
                    raise
            if self.mode == "python":
                self._saved_switch = sys.getswitchinterval()
                sys.setswitchinterval(SWITCH_INTERVAL_S)
            self._last_progress = (0, time.monotonic())
            self._started_at = time.monotonic()
            self._streamed = {id(proc): [proc, None] for proc in self.chain}
            self.chain.set_streaming(True)  # resets/structure changes go through the nodes now
            try:
                stream.start()
            except BaseException:
                self._teardown()
                raise
            self._running = True
            self.monitor_obj.start()

    def stop(self) -> None:
        """Stop the stream, drain the monitor, close the recording. Idempotent."""
        with self._lock:
            if self.stream is None:
                return
            self._teardown()

    def _teardown(self) -> None:
        self._running = False
        self._give_up.set()  # a reconnect loop stops trying
        if self.native is not None:
            self.native.request_stop()
        message = self.stream.close() if self.stream is not None else None
        if message and not self.error:
            self.error = message
        with self._streamed_lock:
            self.chain.set_streaming(False)
            for proc, _ in self._streamed.values():  # also those removed from the chain meanwhile
                proc.set_streaming(False)
            self._streamed = {}
        if self.monitor_obj is not None:
            self.monitor_obj.stop()
        if self.recorder is not None:
            self.recorder.stop()
        if self._saved_switch is not None:
            sys.setswitchinterval(self._saved_switch)
            self._saved_switch = None
        self._final_stats = self._compute_stats()
        if self.native is not None:
            self.native.release_all()
        self._stream_kept = self.stream
        self.stream = None
        self._stopped.set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait until the engine stops (device loss, virtual ``max_callbacks``)."""
        return self._stopped.wait(timeout)

    # ---------------------------------------------------- monitor thread hook
    def _poll(self) -> None:
        """Runs in the monitor thread: chain edits, device-loss watchdog."""
        if not self._running or self._stopping:
            return
        if self._reconnecting:
            return  # the reconnect thread owns the stream until it is back
        self._sync_streaming()
        if self.native is not None:
            try:
                self.native.sync()
            except RtaudioError as exc:  # e.g. a Numba processor appended in native mode
                self.error = f"chain edit not applied (the previous chain keeps running): {exc}"
        count = self.callbacks
        now = time.monotonic()
        if count != self._last_progress[0]:
            self._last_progress = (count, now)
        stream = self.stream
        # looked at once: a stream stopping between two looks would be stopped
        # below without a word of why
        stopped = stream is not None and not stream.active
        lost = None
        failure = None  # an exception the audio callback raised
        if stopped:
            lost = "the audio stream stopped unexpectedly (device lost or host shut down)"
            failure = getattr(stream, "error", None)
            if failure is not None:
                lost = f"the audio callback failed: {failure!r}"
            if self.backend_name == "virtual" and getattr(stream, "error", None) is None \
                    and stream.cdata.result == 0:
                lost = None  # the virtual device reached max_callbacks
                self.input_finished = not self.choice.extra.get("loop", True)
        elif stream is not None and getattr(stream, "input_finished", False):
            self.input_finished = True  # --play: the file is over
            self._stopping = True
            threading.Thread(target=self.stop, name="rtaudio-stop", daemon=True).start()
            return
        elif now - self._last_progress[1] > max(STALL_TIMEOUT_S, 20 * self.blocksize / self.samplerate):
            lost = f"no audio callback for {now - self._last_progress[1]:.1f} s (device lost?)"
        if self.pycallback is not None and self.pycallback.error is not None:
            failure = self.pycallback.error
            lost = f"the audio callback failed: {failure!r}"
        if self.reconnect and lost is not None and failure is None:  # a failing chain stays failed
            self._begin_reconnect(lost)
            return
        if lost is not None or stopped:
            if lost is not None:
                self.error = f"device {self.choice.name if self.choice else '?'!r}: {lost}; engine stopped"
            self._stopping = True
            threading.Thread(target=self.stop, name="rtaudio-stop", daemon=True).start()

    # -------------------------------------------------------------- reconnect
    @property
    def reconnecting(self) -> bool:
        """True while the device is lost and ``reconnect`` waits for it."""
        return self._reconnecting

    def _begin_reconnect(self, reason: str) -> None:
        """The device is gone: close its stream and wait for it in a thread
        (docs/realtime.md §4.1). The chain, its state and the recording
        stay; the callback simply is not called until the device is back."""
        self._reconnecting = True
        lost_at = self._last_progress[1]  # the last callback the monitor saw
        threading.Thread(target=self._reconnect_loop, args=(reason, lost_at),
                         name="rtaudio-reconnect", daemon=True).start()

    def _reconnect_loop(self, reason: str, lost_at: float) -> None:
        from rtaudio.engine.backends.portaudio_exit import jack_server_was_lost
        jack_server_was_lost()
        old = self.stream
        if old is not None:
            old.close()
        assert self.choice is not None
        while not self._give_up.wait(RECONNECT_POLL_S):
            try:
                choice = self._backend.resolve(self.device, self.samplerate, self.blocksize,
                                               self.channels)
                if (choice.in_channels, choice.out_channels) != (self.choice.in_channels,
                                                                 self.choice.out_channels):
                    continue  # not the same device (yet): the engine's buffers are fixed
                stream = self._backend.open(choice, native=self.native, pycallback=self.pycallback)
            except RtaudioError:
                continue
            with self._lock:
                if self._give_up.is_set() or not self._running:
                    stream.close()
                    return
                resumed_at = time.monotonic()
                gap_frames = int(round((resumed_at - lost_at) * self.samplerate))
                if self.recorder is not None:
                    self.recorder.write_gap(gap_frames)  # silence, in order, before new audio
                self.gaps.append({"reason": reason, "lost_at_s": lost_at - self._started_at,
                                  "resumed_at_s": resumed_at - self._started_at,
                                  "gap_s": resumed_at - lost_at, "gap_frames": gap_frames})
                self.choice = choice
                self.stream = stream
                stream.mark_gap()
                if self.pycallback is not None:
                    self.pycallback.thread_changed()  # FTZ/DAZ are per thread
                try:
                    stream.start()
                except RtaudioError:
                    stream.close()
                    self.stream = old
                    self.gaps[-1]["reason"] += "; the reopened stream failed to start"
                    lost_at = resumed_at  # the silence up to now is written: the next gap starts here
                    continue
                self._latency = stream.latency
                self._last_progress = (self.callbacks, time.monotonic())
                self._reconnecting = False
                return

    # ---------------------------------------------------------------- control
    def set(self, processor: Union[str, int], param: str, value: Any) -> None:
        """Set a parameter of a processor while running (thread-safe).

        The processor publishes its new targets atomically; the callback
        reads them at the start of the next block and smooths them per
        sample (docs/maths/conventions.md §0.4).

        Parameters
        ----------
        processor : str or int
            Chain name (``"lowpass"``, ``"gate#2"``) or position.
        param : str
            Parameter name, e.g. ``"cutoff_hz"``.
        value
            New value (validated; ValueError names the valid range).
        """
        proc = self.chain[processor]
        proc.param(param)  # KeyError naming the valid parameters
        setattr(proc, param, value)
        self.sync_chain()  # in case the processor had to re-allocate its C struct

    def bypass(self, processor: Union[str, int], flag: bool = True) -> None:
        """Bypass (or re-enable) a processor; takes effect at the next block."""
        self.chain[processor].bypass = bool(flag)
        self.sync_chain()

    def sync_chain(self) -> None:
        """Publish chain edits (add/remove/bypass) to the native callback now.

        The monitor thread also does this every 20 ms; Python mode sees
        edits at the next block by itself.
        """
        if self._running:
            self._sync_streaming()
        if self.native is not None and self._running:
            self.native.sync()

    def _sync_streaming(self) -> None:
        """Processors added while streaming hand their resets to the audio
        thread too, those removed are released once no callback can run
        them; old state generations are freed once unused."""
        with self._streamed_lock:
            if not self._running:
                return  # stopped: _teardown has released every processor
            for proc in self.chain:
                self._streamed.setdefault(id(proc), [proc, None])
                if not proc._streaming:
                    proc.set_streaming(True)
                elif proc._retiring:
                    proc.collect_retired()
            # a processor that left the chain is released once it is out of the
            # chain the callback was given and the callbacks that started
            # before that are over (a callback runs the chain it started with)
            running = self.native.processors if self.native is not None else self.chain.processors
            present = {id(proc) for proc in (*self.chain, *running)}
            callbacks = self.callbacks
            for key, entry in list(self._streamed.items()):
                if key in present:
                    entry[1] = None
                elif entry[1] is None:
                    entry[1] = callbacks
                elif callbacks >= entry[1] + 2:
                    entry[0].set_streaming(False)
                    del self._streamed[key]

    # ----------------------------------------------------------------- status
    @property
    def callbacks(self) -> int:
        """Callbacks completed so far in this run."""
        if self.native is not None:
            return self.native.callbacks
        if self.pycallback is not None:
            return self.pycallback.callbacks
        return 0

    @property
    def monitor(self) -> np.ndarray:
        """The per-callback records so far (``rtaudio.engine.monitor.RECORD_DTYPE``)."""
        if self.monitor_obj is None:
            return np.zeros(0, dtype=RECORD_DTYPE)
        self.monitor_obj.drain()
        return self.monitor_obj.records

    def read_tap(self) -> tuple[np.ndarray, np.ndarray]:
        """Input and output audio since the last call, each ``(frames, channels)``."""
        holder = self.native or self.pycallback
        if holder is None or holder.tap_in is None:
            empty = np.zeros((0, self.channels), dtype=np.float32)
            return empty, empty
        out = []
        for ring in (holder.tap_in, holder.tap_out):
            data = ring.read()
            out.append(data[:len(data) - len(data) % self.channels].reshape(-1, self.channels))
        return out[0], out[1]

    @property
    def captured(self) -> np.ndarray:
        """Virtual backend: the output frames captured so far."""
        stream = self.stream or getattr(self, "_stream_kept", None)
        if stream is None or not hasattr(stream, "captured"):
            raise RtaudioError("only the virtual backend captures its output")
        return stream.captured

    def _compute_stats(self, wait: bool = True) -> dict[str, Any]:
        assert self.monitor_obj is not None
        s = self.monitor_obj.stats(wait)  # the whole run, O(1) in its length
        if not s:
            return {}
        stream = self.stream if self.stream is not None else getattr(self, "_stream_kept", None)
        latency = getattr(self, "_latency", (0.0, 0.0))
        holder = self.native or self.pycallback
        s.update({
            "mode": self.mode, "backend": self.backend_name,
            "device": self.choice.name if self.choice else None,
            "samplerate": self.samplerate, "blocksize": self.blocksize, "channels": self.channels,
            "stream_latency_s": {"input": latency[0], "output": latency[1]},
            "stream_channels": {"input": self.choice.in_channels if self.choice else 0,
                                "output": self.choice.out_channels if self.choice else 0},
            "nonfinite_samples": int(holder.nonfinite_total) if holder else s["nonfinite_samples"],
            "error": self.error,
        })
        if holder is not None:
            s["ftz_daz_in_callback"] = holder.ftz_daz_seen
        if self.reconnect:
            s["reconnects"] = len(self.gaps)
            s["gap_s"] = float(sum(g["gap_s"] for g in self.gaps))
            s["gaps"] = [dict(g) for g in self.gaps]
        if self.recorder is not None:
            s["record"] = {"path": str(self.recorder.path), "frames": self.recorder.frames_written,
                           "dropped_frames": self.recorder.dropped_frames,
                           "gap_frames": self.recorder.gap_frames}
        if stream is not None and hasattr(stream, "missed_periods"):
            s["virtual_missed_periods"] = stream.missed_periods
        return s

    def stats(self, wait: bool = True) -> dict[str, Any]:
        """Statistics of this run so far (``rtaudio.engine.stats.RunStats.snapshot``).

        Keys include ``callbacks``, ``expected_callbacks``, ``xruns``,
        ``dropped``, ``overruns``, ``late``, ``process_us``,
        ``interval_us``, ``dsp_load``, ``nonfinite_samples``, ``mode``,
        ``backend``, ``device``, ``samplerate``, ``blocksize`` and
        ``stream_latency_s``. After ``stop`` the final statistics.

        ``wait=False`` never blocks (for a GUI thread): while the monitor's
        reader thread is busy it returns its previous result, ``{}`` before
        the first (see ``Monitor.stats``).
        """
        if not self._running and self._final_stats is not None:
            return self._final_stats
        if self.monitor_obj is None:
            raise RuntimeError("the engine has not run yet")
        return self._compute_stats(wait)
