"""Live audio: the engine and everything the audio callback touches.

- :mod:`rtaudio.engine.engine` -- :class:`Engine`, the public entry point;
- :mod:`rtaudio.engine.native` -- native mode (the C callback's structs);
- :mod:`rtaudio.engine.pycallback` -- python mode's callback;
- :mod:`rtaudio.engine.rings` -- the SPSC ring out of the audio thread;
- :mod:`rtaudio.engine.monitor` -- drains the callback timing records;
- :mod:`rtaudio.engine.stats` -- the run statistics (totals, latency histogram);
- :mod:`rtaudio.engine.recorder` -- recording to a file from a ring;
- :mod:`rtaudio.engine.backends` -- sounddevice, PyAudio and the virtual device;
- :mod:`rtaudio.engine.devices` -- device lookup and listing.

``Engine`` is imported lazily so that the monitor or the rings can be used
without importing the backends.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Engine"]


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from rtaudio.engine.engine import Engine
        return Engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
