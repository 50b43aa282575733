"""Fetch the engine statistics in a background thread for the health panel.

``Engine.stats()`` summarises every callback record of the run, so its cost
grows with the run's length (about 0.5 s for 10 minutes at 64 frames on a
slow machine). Calling it from the Qt timer would freeze the display for
that long; here a daemon thread calls it, keeps the newest result, and
waits ``BUDGET`` times the last call's duration (within
``[min_interval_s, max_interval_s]``) before the next one, so it uses at
most about 1/BUDGET of a core. The window picks the newest result up on
its next tick.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Optional

#: the poller sleeps this many times the duration of its last fetch
BUDGET = 10.0
#: fetches whose duration is not used to pace the next one
WARMUP_FETCHES = 3


class StatsPoller:
    """Calls ``fetch`` repeatedly in a daemon thread; :meth:`take` returns new results.

    Parameters
    ----------
    fetch : callable
        Returns a statistics dict (``Engine.stats``).
    min_interval_s, max_interval_s : float
        Bounds of the pause between two fetches, seconds.
    """

    def __init__(self, fetch: Callable[[], dict[str, Any]], min_interval_s: float = 0.25,
                 max_interval_s: float = 5.0) -> None:
        self._fetch = fetch
        self.min_interval_s = float(min_interval_s)
        self.max_interval_s = float(max_interval_s)
        self._latest: Optional[dict[str, Any]] = None
        self._version = 0
        self._taken = 0
        self.last_cost_s = 0.0
        self.error: Optional[BaseException] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rtaudio-gui-stats", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for a fetch in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def take(self) -> Optional[dict[str, Any]]:
        """The newest statistics if they arrived since the last call, else None."""
        version, latest = self._version, self._latest
        if version == self._taken:
            return None
        self._taken = version
        return latest

    def _run(self) -> None:
        fetches = 0
        while not self._stop.is_set():
            began = time.perf_counter()
            try:
                stats = self._fetch()
            except Exception as exc:  # shown by the window, polling goes on
                self.error = exc
                stats = None
            self.last_cost_s = time.perf_counter() - began
            if stats:
                self._latest = stats          # one reference assignment: atomic
                self._version += 1
            fetches += 1
            # the first calls include one-off costs (JIT cache loading): not a guide
            cost = self.last_cost_s if fetches > WARMUP_FETCHES else 0.0
            pause = min(self.max_interval_s, max(self.min_interval_s, BUDGET * cost))
            self._stop.wait(pause)
