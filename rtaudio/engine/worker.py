"""``Worker``: a daemon thread that runs a loop until asked to stop.

Used by the monitor's reader and the load generators; the loop polls
``worker.stopping`` (a ``threading.Event``).
"""
from __future__ import annotations

import threading
from typing import Callable, Optional


class Worker:
    """Run ``target()`` in a daemon thread called ``name`` until ``stop()``.

    ``target`` must return soon after ``stopping`` is set (it polls
    ``stopping.is_set()`` or waits with ``stopping.wait(timeout)``).
    """

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self.name = name
        self.stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Start the thread (no-op while it runs)."""
        if self._thread is not None:
            return
        self.stopping.clear()
        self._thread = threading.Thread(target=self._target, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: Optional[float] = None) -> None:
        """Ask the loop to stop and wait for the thread (at most ``timeout`` s)."""
        if self._thread is not None:
            self.stopping.set()
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()
