"""Per-callback timing records, their ring buffer and the deadline statistics.

Every audio callback (native C or Python) writes one record into a
single-producer / single-consumer ring (``rtd_monitor_ring`` in
``native/rtdsp.h``) that lives in memory Python allocated. A reader thread
drains the ring into a growing NumPy structured array (``Monitor.records``)
from which ``compute_stats`` derives the statistics.

Definitions (DESIGN.md, "Monitor and deadlines"); the period of a callback
is ``frames / samplerate``:

* ``process_ns`` = exit − enter of a callback.
* ``interval_ns`` = enter − previous enter (the paper's *Total*).
* ``idle_ns`` = enter − previous exit (the paper's *Idle*).
* *overrun*: ``process_ns`` > period.
* *late*: the callback started more than one period after its ideal start
  ``ideal = anchor + (sum of the periods of the callbacks since the
  anchor)`` on the monotonic clock. The anchor is the first callback and is
  moved to the current callback after an xrun, and whenever a callback
  starts more than one period *before* its ideal time (callbacks the host
  skipped without reporting them).
* *xrun*: a callback whose PortAudio status has an input/output
  under/overflow flag.
* *dropped*: callbacks missing against the clock,
  ``max(0, round((last enter − first enter) / period) + 1 − callbacks)``.
* *DSP load*: ``process_ns`` / period (like JACK's DSP load).
* The paper's table (specs/effects.md 7.3): Idle / Process / Total ×
  Min / Max / Average (ms) / Violations (% of callbacks whose value exceeds
  the period).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Optional

import numpy as np

from rtaudio._native import ffi, lib
from rtaudio.engine.worker import Worker

#: NumPy layout of ``rtd_monitor_record`` (checked against C at import)
RECORD_DTYPE = np.dtype([
    ("enter_ns", "<i8"), ("exit_ns", "<i8"),
    ("input_time", "<f8"), ("current_time", "<f8"), ("output_time", "<f8"),
    ("index", "<u8"), ("frames", "<u4"), ("status", "<u4"),
    ("nonfinite", "<u4"), ("reserved", "<u4"),
])
if RECORD_DTYPE.itemsize != ffi.sizeof("rtd_monitor_record"):  # pragma: no cover
    raise ImportError("rtd_monitor_record and monitor.RECORD_DTYPE disagree")

#: PortAudio status flags (paInputUnderflow ... paOutputOverflow)
XRUN_FLAGS = 0x1 | 0x2 | 0x4 | 0x8
PRIMING_OUTPUT = 0x10

DEFAULT_RING_CAPACITY = 1 << 13
DEFAULT_MAX_RECORDS = 1 << 21


def _pow2(n: int) -> int:
    return 1 << max(0, int(n - 1).bit_length())


class MonitorRing:
    """The C ring of monitor records plus the NumPy array behind it.

    Parameters
    ----------
    capacity : int
        Number of records the ring holds (rounded up to a power of two).
    """

    def __init__(self, capacity: int = DEFAULT_RING_CAPACITY) -> None:
        capacity = _pow2(capacity)
        self.records = np.zeros(capacity, dtype=RECORD_DTYPE)
        self.cdata = ffi.new("rtd_monitor_ring *")
        self.cdata.records = ffi.cast("rtd_monitor_record *", ffi.from_buffer(self.records))
        self.cdata.capacity = capacity
        self._scratch = np.zeros(capacity, dtype=RECORD_DTYPE)
        self._cscratch = ffi.cast("rtd_monitor_record *", ffi.from_buffer(self._scratch))

    @property
    def lost(self) -> int:
        """Records the producer could not write because the ring was full."""
        return int(self.cdata.lost)

    def push(self, enter_ns: int, exit_ns: int, input_time: float, current_time: float,
             output_time: float, index: int, frames: int, status: int, nonfinite: int) -> None:
        """Write one record (the Python-mode callback's producer side)."""
        lib.rtd_monitor_push_values(self.cdata, enter_ns, exit_ns, input_time, current_time,
                                    output_time, index, frames, status, nonfinite)

    def pop(self) -> np.ndarray:
        """All records available now (a copy), oldest first."""
        n = lib.rtd_monitor_pop(self.cdata, self._cscratch, len(self._scratch))
        return self._scratch[:n].copy()


class Monitor:
    """Drains a ``MonitorRing`` into ``records`` from a reader thread.

    Parameters
    ----------
    samplerate : float
        Stream sample rate in Hz (defines the period of each callback).
    ring_capacity : int
        Records the ring holds between two drains.
    max_records : int
        Records kept; beyond it the oldest half is discarded (counted in
        ``discarded``) so memory stays bounded on long runs.
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
        self.totals: dict[str, Any] = {"callbacks": 0, "xruns": 0, "overruns": 0, "late": 0,
                                       "nonfinite_samples": 0, "load_sum": 0.0, "load_max": 0.0}
        self._ideal_next = 0.0
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
        """Move the records now in the ring into ``records``; returns the count."""
        with self._lock:  # one consumer at a time (reader thread and stats() callers)
            new = self.ring.pop()
            if len(new) == 0:
                return 0
            self._update_totals(new)
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

    def _update_totals(self, new: np.ndarray) -> None:
        period = new["frames"].astype(np.float64) / self.samplerate * 1e9
        process = (new["exit_ns"] - new["enter_ns"]).astype(np.float64)
        xrun = (new["status"] & XRUN_FLAGS) != 0
        late, self._ideal_next = late_flags_from(new["enter_ns"], period, xrun, self._ideal_next,
                                                 self.totals["callbacks"] > 0)
        load = process / period
        t = self.totals
        t["callbacks"] += len(new)
        t["xruns"] += int(xrun.sum())
        t["overruns"] += int((process > period).sum())
        t["late"] += int(late.sum())
        t["nonfinite_samples"] += int(new["nonfinite"].astype(np.int64).sum())
        t["load_sum"] += float(load.sum())
        t["load_max"] = max(t["load_max"], float(load.max()))

    def summary(self) -> dict[str, float]:
        """Running totals over every record drained so far (cheap, O(1)):
        callbacks, xruns, overruns, late, nonfinite_samples, dsp_load_mean,
        dsp_load_max. Unlike ``stats`` they cover records beyond
        ``max_records`` too."""
        with self._lock:
            t = dict(self.totals)
        t["dsp_load_mean"] = t.pop("load_sum") / t["callbacks"] if t["callbacks"] else 0.0
        t["dsp_load_max"] = t.pop("load_max")
        return t

    @property
    def records(self) -> np.ndarray:
        """The records drained so far (a copy), oldest first."""
        with self._lock:
            return self._store[:self._count].copy()

    def clear(self) -> None:
        """Forget the drained records (the ring keeps its position)."""
        with self._lock:
            self._count = 0
            self.discarded = 0
            self.totals = {key: type(value)() for key, value in self.totals.items()}

    def stats(self) -> dict[str, Any]:
        """``compute_stats`` of the records drained so far."""
        self.drain()
        result = compute_stats(self.records, self.samplerate)
        result["lost_records"] = self.ring.lost
        result["discarded_records"] = self.discarded
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


# ---------------------------------------------------------------- statistics
def _summary_us(values_ns: np.ndarray) -> dict[str, float]:
    if len(values_ns) == 0:
        return {"mean": 0.0, "p50": 0.0, "p99": 0.0, "p999": 0.0, "max": 0.0}
    us = values_ns.astype(np.float64) / 1e3
    p50, p99, p999 = np.percentile(us, [50.0, 99.0, 99.9])
    return {"mean": float(us.mean()), "p50": float(p50), "p99": float(p99),
            "p999": float(p999), "max": float(us.max())}


def late_flags(enter_ns: np.ndarray, period_ns: np.ndarray, xrun: np.ndarray) -> np.ndarray:
    """Which callbacks started more than one period after their ideal time.

    Parameters
    ----------
    enter_ns : numpy.ndarray
        Start times (ns, monotonic clock).
    period_ns : numpy.ndarray
        Period of each callback (ns).
    xrun : numpy.ndarray of bool
        Callbacks that carried an xrun flag (they re-anchor the ideal time).

    Returns
    -------
    numpy.ndarray of bool
    """
    late, _ = late_flags_from(enter_ns, period_ns, xrun, 0.0, False)
    return late


def late_flags_from(enter_ns: np.ndarray, period_ns: np.ndarray, xrun: np.ndarray,
                    ideal_next_ns: float, anchored: bool) -> tuple[np.ndarray, float]:
    """``late_flags`` continuing from a previous chunk of records.

    ``ideal_next_ns`` is the ideal start of the first record given the
    previous chunk (ignored when ``anchored`` is False). Returns the flags
    and the ideal start of the record after the last one.
    """
    global _late_kernel
    if _late_kernel is None:  # compiled on first use, so `import rtaudio` stays light
        from numba import njit
        _late_kernel = njit(cache=True, nogil=True)(_late_flags)
    return _late_kernel(enter_ns.astype(np.int64), period_ns.astype(np.float64),
                        xrun.astype(np.bool_), float(ideal_next_ns), bool(anchored))


_late_kernel = None


def warm_up() -> None:
    """Compile (or load from cache) the statistics kernel now, not on the
    monitor thread's first drain after the stream started, where compiling
    holds the GIL for seconds (docs/realtime.md §1)."""
    late_flags_from(np.zeros(2, np.int64), np.ones(2), np.zeros(2, bool), 0.0, False)


def _late_flags(enter: np.ndarray, period: np.ndarray, xrun: np.ndarray, ideal_next: float,
                anchored: bool) -> tuple[np.ndarray, float]:
    n = len(enter)
    late = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        start = float(enter[i])
        if not anchored or xrun[i] or start < ideal_next - period[i]:
            ideal = start  # (re-)anchor
            anchored = True
        else:
            ideal = ideal_next
            late[i] = start - ideal > period[i]
        ideal_next = ideal + period[i]
    return late, ideal_next


def compute_stats(records: np.ndarray, samplerate: float) -> dict[str, Any]:
    """Statistics of monitor records (see the module docstring for definitions).

    Parameters
    ----------
    records : numpy.ndarray
        Structured array of ``RECORD_DTYPE``, in callback order.
    samplerate : float
        Sample rate in Hz.

    Returns
    -------
    dict
        ``callbacks``, ``expected_callbacks``, ``xruns``, ``dropped``,
        ``overruns``, ``late``, ``process_us``/``interval_us``/``idle_us``
        ({mean, p50, p99, p999, max}), ``dsp_load`` ({mean, p99, max}),
        ``nonfinite_samples``, ``elapsed_s``, ``period_us`` and
        ``paper_table`` (see ``paper_table``).
    """
    n = len(records)
    enter = records["enter_ns"].astype(np.int64)
    exit_ = records["exit_ns"].astype(np.int64)
    frames = records["frames"].astype(np.float64)
    period_ns = frames / float(samplerate) * 1e9
    process = exit_ - enter
    interval = np.diff(enter)
    idle = enter[1:] - exit_[:-1]
    xrun = (records["status"] & XRUN_FLAGS) != 0
    load = process / period_ns if n else np.zeros(0)
    mean_period = float(period_ns.mean()) if n else 0.0
    expected = int(round((enter[-1] - enter[0]) / mean_period)) + 1 if n else 0
    return {
        "callbacks": n,
        "expected_callbacks": expected,
        "xruns": int(xrun.sum()),
        "dropped": max(0, expected - n),
        "overruns": int((process > period_ns).sum()),
        "late": int(late_flags(enter, period_ns, xrun).sum()),
        "process_us": _summary_us(process),
        "interval_us": _summary_us(interval),
        "idle_us": _summary_us(idle),
        "dsp_load": {"mean": float(load.mean()) if n else 0.0,
                     "p99": float(np.percentile(load, 99.0)) if n else 0.0,
                     "max": float(load.max()) if n else 0.0},
        "nonfinite_samples": int(records["nonfinite"].astype(np.int64).sum()),
        "elapsed_s": float(enter[-1] - enter[0]) / 1e9 if n else 0.0,
        "period_us": mean_period / 1e3,
        "paper_table": paper_table(records, samplerate),
    }


def paper_table(records: np.ndarray, samplerate: float) -> dict[str, dict[str, float]]:
    """The seed paper's Table C for one run (specs/effects.md 7.3).

    Returns ``{"idle"|"process"|"total": {"min_ms", "max_ms", "avg_ms",
    "violations_pct"}}``; a violation is a value above the callback period.
    Idle and Total are defined from the second callback on.
    """
    enter = records["enter_ns"].astype(np.int64)
    exit_ = records["exit_ns"].astype(np.int64)
    period = records["frames"].astype(np.float64) / float(samplerate) * 1e9
    columns = {
        "idle": (enter[1:] - exit_[:-1], period[1:]),
        "process": (exit_ - enter, period),
        "total": (np.diff(enter), period[1:]),
    }
    table = {}
    for name, (values, limit) in columns.items():
        if len(values) == 0:
            table[name] = {"min_ms": 0.0, "max_ms": 0.0, "avg_ms": 0.0, "violations_pct": 0.0}
            continue
        ms = values / 1e6
        table[name] = {"min_ms": float(ms.min()), "max_ms": float(ms.max()),
                       "avg_ms": float(ms.mean()),
                       "violations_pct": float(100.0 * np.mean(values > limit))}
    return table


def format_paper_table(table: dict[str, dict[str, float]]) -> str:
    """The paper's table as Markdown (rows Min/Max/Average/Violations)."""
    cols = ("idle", "process", "total")
    lines = ["| | Idle | Process | Total |", "|---|---|---|---|"]
    for label, key, fmt in (("Min (ms)", "min_ms", "{:.3f}"), ("Max (ms)", "max_ms", "{:.3f}"),
                            ("Average (ms)", "avg_ms", "{:.3f}"),
                            ("Violations (%)", "violations_pct", "{:.2f}%")):
        lines.append(f"| {label} | " + " | ".join(fmt.format(table[c][key]) for c in cols) + " |")
    return "\n".join(lines)


def now_ns() -> int:
    """The monitor's clock (CLOCK_MONOTONIC, ns) as seen from Python."""
    return time.monotonic_ns()
