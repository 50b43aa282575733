"""What the viewer needs from a running engine, in one small interface.

The window never touches the audio thread: it reads the input/output
audio taps, the YinTracker's result ring and the monitor statistics, and
sends parameter changes through the engine's thread-safe set path. A
``ViewerSource`` bundles exactly those operations, so the window works
the same whatever produces the audio; :mod:`rtaudio.gui.engine_source`
implements it on the real :class:`rtaudio.engine.Engine` (the virtual
device included).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from rtaudio.chain import Chain
from rtaudio.processor import Processor


def processor_keys(chain: Chain) -> list[str]:
    """Names that address each processor of ``chain`` in ``Chain.index``
    and ``Engine.set``: ``"gate"``, ``"lowpass"``, ``"gate#2"`` for a second gate."""
    seen: dict[str, int] = {}
    keys = []
    for proc in chain:
        seen[proc.chain_name] = seen.get(proc.chain_name, 0) + 1
        count = seen[proc.chain_name]
        keys.append(proc.chain_name if count == 1 else f"{proc.chain_name}#{count}")
    return keys


def find_pitch_tracker(chain: Chain) -> Optional[Processor]:
    """The first processor of ``chain`` that publishes pitch results (a YinTracker)."""
    for proc in chain:
        if callable(getattr(proc, "read_results", None)):
            return proc
    return None


class ViewerSource:
    """Base class of the viewer's connection to an audio engine.

    Subclasses implement ``start``, ``stop``, ``running``, ``read_taps``,
    ``stats``, ``set_param`` and ``set_bypass``. Reading methods never block: they return
    what the rings hold now.

    Attributes
    ----------
    chain : Chain
        The processors the engine runs.
    samplerate : float
        Stream sample rate in Hz.
    channels : int
        Channels of the chain (and of the taps).
    mode : str
        ``"native"`` or ``"python"``.
    description : str
        One line for the window's status bar (backend, device, block size).
    """

    chain: Chain
    samplerate: float
    channels: int
    mode: str
    description: str = ""

    # ------------------------------------------------------------- lifecycle
    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        raise NotImplementedError

    @property
    def reconnecting(self) -> bool:
        """True while the device is lost and the source waits for it."""
        return False

    def close(self) -> None:
        """Stop and release everything (the window calls this when it closes)."""
        self.stop()

    # --------------------------------------------------------------- reading
    def read_taps(self) -> tuple[np.ndarray, np.ndarray]:
        """Input and output audio the taps hold now (everything since the
        last call), each float32 ``(frames, channels)``, possibly 0 frames."""
        raise NotImplementedError

    def tap_dropped(self) -> int:
        """Samples (all channels, input + output) the taps could not take
        because the viewer fell behind; they never affect the audio."""
        return 0

    def read_pitch(self) -> np.ndarray:
        """YinTracker results queued since the last call (empty without a tracker)."""
        tracker = find_pitch_tracker(self.chain)
        if tracker is None:
            from rtaudio.engine.rings import PITCH_RESULT
            return np.zeros(0, dtype=PITCH_RESULT)
        return tracker.read_results()

    def stats(self) -> dict[str, Any]:
        """Monitor statistics (``callbacks``, ``xruns``, ``late``, ``overruns``,
        ``dropped``, ``dsp_load``, ...), as ``Engine.stats()``."""
        raise NotImplementedError

    # --------------------------------------------------------------- control
    def set_param(self, key: str, name: str, value: Any) -> None:
        """Set parameter ``name`` of processor ``key`` through the thread-safe path."""
        raise NotImplementedError

    def set_bypass(self, key: str, bypass: bool) -> None:
        """Bypass (or re-enable) processor ``key`` while running."""
        raise NotImplementedError

    @property
    def error(self) -> Optional[str]:
        """Why the engine stopped by itself (device lost, callback error), or None."""
        return None
