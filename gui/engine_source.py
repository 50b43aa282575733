"""The viewer's connection to the real :class:`rtaudio.engine.Engine`.

A thin adapter: audio comes from ``Engine.read_tap`` (the lock-free
input/output tap rings the callback writes), pitch from the YinTracker's
own result ring, health from ``Engine.stats``, and parameter changes go
through ``Engine.set`` / ``Engine.bypass``. Nothing here runs in, waits
for or locks against the audio thread.
"""
from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from rtaudio.chain import Chain
from .source import ViewerSource


class EngineSource(ViewerSource):
    """Runs ``chain`` on an ``Engine`` with its audio taps enabled.

    Parameters
    ----------
    chain : Chain
        The processors.
    device : int, str or None
        Device index or name substring (ignored by the virtual backend).
    samplerate : float
        Sample rate in Hz.
    blocksize : int
        Frames per callback.
    channels : int
        Channels the chain processes.
    mode : {"native", "python"}
        Engine mode.
    backend : {"sounddevice", "pyaudio", "virtual"}
        Audio backend.
    backend_options : dict, optional
        Passed to the backend (the virtual device's ``input`` array or file).
    reconnect : bool
        Wait for a lost JACK server and carry on (``Engine(reconnect=True)``).
    """

    def __init__(self, chain: Chain, device: Union[int, str, None] = None,
                 samplerate: float = 48000.0, blocksize: int = 256, channels: int = 1,
                 mode: str = "native", backend: str = "sounddevice",
                 backend_options: Optional[dict[str, Any]] = None, reconnect: bool = False) -> None:
        from rtaudio.engine import Engine
        self.engine = Engine(chain, device=device, samplerate=samplerate, blocksize=blocksize,
                             channels=channels, mode=mode, backend=backend,
                             backend_options=backend_options, tap=True, reconnect=reconnect)
        self.chain = chain
        self.samplerate = float(samplerate)
        self.channels = int(channels)
        self.blocksize = int(blocksize)
        self.mode = mode
        self.backend = backend
        self.device = device

    @property
    def description(self) -> str:  # type: ignore[override]
        choice = self.engine.choice
        device = choice.name if choice is not None else (self.device if self.device is not None
                                                         else "default device")
        opened = f"{self.channels} ch"
        if choice is not None:
            source = "file" if self.backend == "virtual" or "play" in choice.extra else "in"
            opened += f" ({source} {choice.in_channels} / out {choice.out_channels})"
        return (f"{self.mode} mode, {self.backend} backend, {device}, "
                f"{self.samplerate:g} Hz, block {self.blocksize}, {opened}")

    # ------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self.engine.start()

    def stop(self) -> None:
        self.engine.stop()

    @property
    def running(self) -> bool:
        return self.engine.running

    @property
    def error(self) -> Optional[str]:
        return self.engine.error

    @property
    def reconnecting(self) -> bool:
        """The device is lost and the engine waits for it (``reconnect``)."""
        return self.engine.reconnecting

    # --------------------------------------------------------------- reading
    def read_taps(self) -> tuple[np.ndarray, np.ndarray]:
        return self.engine.read_tap()

    def tap_dropped(self) -> int:
        holder = self.engine.native or self.engine.pycallback
        if holder is None or holder.tap_in is None:
            return 0
        return holder.tap_in.dropped + holder.tap_out.dropped

    def stats(self) -> dict[str, Any]:
        """``Engine.stats(wait=False)``: the monitor's running statistics
        (O(1) in the run's length), never waiting for the monitor thread;
        empty before the first start."""
        if self.engine.monitor_obj is None:
            return {}
        return self.engine.stats(wait=False)

    # --------------------------------------------------------------- control
    def set_param(self, key: str, name: str, value: Any) -> None:
        self.engine.set(key, name, value)

    def set_bypass(self, key: str, bypass: bool) -> None:
        self.engine.bypass(key, bypass)
