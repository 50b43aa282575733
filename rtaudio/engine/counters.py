"""The counters of an ``rtd_engine`` struct, read the same way by native
mode (``NativeEngine``) and python mode (``PythonCallback``): both own one
(``self.cdata``) that their callback updates."""
from __future__ import annotations

from rtaudio._native import lib


class EngineCounters:
    """Read-only views of the callback's counters in ``self.cdata``."""

    cdata: object

    @property
    def callbacks(self) -> int:
        """Callbacks completed so far."""
        return int(lib.rtd_engine_callbacks(self.cdata))

    @property
    def nonfinite_total(self) -> int:
        """Non-finite input samples seen by the callback."""
        return int(self.cdata.nonfinite_total)

    @property
    def record_dropped_frames(self) -> int:
        """Frames the recorder ring had no room for."""
        return int(self.cdata.record_dropped_frames)

    @property
    def ftz_daz_seen(self) -> bool:
        """True once a callback ran with FTZ/DAZ enabled."""
        return bool(self.cdata.ftz_daz_seen)
