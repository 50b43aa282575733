"""Per-callback timing records: the ring, the reader thread, the running statistics.

Every audio callback (native C or Python) writes one record into a
single-producer / single-consumer ring (:class:`rtaudio.engine.rings.MonitorRing`)
that lives in memory Python allocated. A reader thread drains the ring,
adds each chunk to the run's statistics (:class:`rtaudio.engine.stats.RunStats`:
incremental totals and a log-spaced latency histogram, the one statistics
path, docs/architecture.md §Statistics) and keeps the latest records in a
bounded NumPy array (``Monitor.records``). The definitions are in
:mod:`rtaudio.engine.stats`.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Optional

import numpy as np

from rtaudio.engine.rings import MONITOR_RECORD, MonitorRing
from rtaudio.engine.stats import RunStats
# the statistics functions lived here; kept importable from this module
from rtaudio.engine.stats import (XRUN_FLAGS, compute_stats, format_paper_table,  # noqa: F401
                                  late_flags, late_flags_from, paper_table)
from rtaudio.engine.worker import Worker

#: NumPy layout of ``rtd_monitor_record`` (checked against C in rtaudio.engine.rings)
RECORD_DTYPE = MONITOR_RECORD

PRIMING_OUTPUT = 0x10

DEFAULT_RING_CAPACITY = 1 << 13
DEFAULT_MAX_RECORDS = 1 << 21


class Monitor:
    """Drains a ``MonitorRing`` into the run's statistics and ``records``.

    Parameters
    ----------
    samplerate : float
        Stream sample rate in Hz (defines the period of each callback).
    ring_capacity : int
        Records the ring holds between two drains.
    max_records : int
        Records kept; beyond it the oldest half is discarded (counted in
        ``discarded``) so memory stays bounded on long runs. The statistics
        cover every record drained, kept or not.
    poll_s : float
        Reader thread period in seconds.
    on_poll : callable, optional
        Called by the reader thread after each drain (the engine uses it to
        publish chain edits and free old chain descriptions).
    """

    def __init__(self, samplerate: float, ring_capacity: int = DEFAULT_RING_CAPACITY,
                 max_records: int = DEFAULT_MAX_RECORDS, poll_s: float = 0.02,
                 on_poll: Optional[Callable[[], None]] = None) -> None:
        self.samplerate = float(samplerate)
        self.ring = MonitorRing(ring_capacity)
        self._store = np.zeros(1024, dtype=RECORD_DTYPE)
        self._run_stats = RunStats(self.samplerate)
        self._count = 0
        self._max_records = int(max_records)
        self.discarded = 0
        self._lock = threading.Lock()
        self._poll_s = poll_s
        self._on_poll = on_poll
        self._worker = Worker(self._run, "rtaudio-monitor")
        self._stop = self._worker.stopping
        self.poll_error: Optional[BaseException] = None

    # ------------------------------------------------------------ reading
    def drain(self) -> int:
        """Move the records now in the ring into the statistics and
        ``records``; returns the count. Any thread may call it."""
        with self._lock:  # one consumer at a time (reader thread and stats() callers)
            new = self.ring.read()
            if len(new) == 0:
                return 0
            self._run_stats.add(new)
            needed = self._count + len(new)
            if needed > self._max_records:
                keep = self._max_records // 2
                self.discarded += self._count - keep
                self._store[:keep] = self._store[self._count - keep:self._count]
                self._count = keep
                needed = keep + len(new)
            if needed > len(self._store):
                grown = np.zeros(max(needed, 2 * len(self._store)), dtype=RECORD_DTYPE)
                grown[:self._count] = self._store[:self._count]
                self._store = grown
            self._store[self._count:needed] = new
            self._count = needed
        return len(new)

    @property
    def records(self) -> np.ndarray:
        """The records kept so far (a copy), oldest first."""
        with self._lock:
            return self._store[:self._count].copy()

    def clear(self) -> None:
        """Forget the drained records and statistics (the ring keeps its position)."""
        with self._lock:
            self._count = 0
            self.discarded = 0
            self._run_stats.clear()

    def stats(self) -> dict[str, Any]:
        """Statistics of every record so far (``RunStats.snapshot``), after a
        drain; O(bins + records waiting in the ring), not O(run length).
        Adds ``lost_records`` (ring full) and ``discarded_records``."""
        self.drain()
        with self._lock:
            result = self._run_stats.snapshot()
            result["discarded_records"] = self.discarded
        result["lost_records"] = self.ring.lost
        return result

    # ------------------------------------------------------------- thread
    def start(self) -> None:
        """Start the reader thread (idempotent)."""
        self._worker.start()

    def stop(self) -> None:
        """Stop the reader thread and drain what is left."""
        self._worker.stop()
        self.drain()

    def _run(self) -> None:
        while not self._stop.wait(self._poll_s):
            self.drain()
            if self._on_poll is not None:
                try:
                    self._on_poll()
                except BaseException as exc:  # keep draining; the engine reports it
                    self.poll_error = exc

