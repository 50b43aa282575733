"""Deadline statistics of a run, kept incrementally as monitor records arrive.

:class:`RunStats` is the one place the statistics are computed
(docs/architecture.md §Statistics): the monitor feeds it every chunk of
records it drains (O(chunk)), and ``Engine.stats()``, the viewer,
``rtaudio live`` and the latency reports read :meth:`RunStats.snapshot`
(O(bins), independent of the run's length). ``compute_stats`` of a record
array is the same computation over one chunk.

Definitions (the period of a callback is ``frames / samplerate``):

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
  ``max(0, round((last enter − first enter) / mean period) + 1 − callbacks)``.
* *DSP load*: ``process_ns`` / period (like JACK's DSP load).
* min, max, mean and the counts are exact; percentiles come from the
  latency histogram (:class:`LogHistogram`): fixed log-spaced bins,
  ``BINS_PER_DECADE`` per decade, and a percentile is the upper edge of the
  bin holding that order statistic, clamped to the exact [min, max] -- never
  below the true value and at most one bin width (2.3 %) above it.
* The paper's table: Idle / Process / Total × Min / Max / Average (ms) /
  Violations (% of callbacks whose value exceeds the period); Idle and Total
  from the second callback on.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: PortAudio status flags (paInputUnderflow ... paOutputOverflow)
XRUN_FLAGS = 0x1 | 0x2 | 0x4 | 0x8
#: histogram resolution: bins per decade (bin width 10**(1/100) - 1 = 2.3 %)
BINS_PER_DECADE = 100
#: histogram range of the times, ns (0.1 us ... 100 s; outside: end bins)
TIME_RANGE_NS = (1e2, 1e11)
#: histogram range of the DSP load (0.001 % ... 1000 periods)
LOAD_RANGE = (1e-5, 1e3)


class LogHistogram:
    """Counts of values in fixed log-spaced bins (as cyclictest and JACK report).

    Parameters
    ----------
    low, high : float
        Range of the log-spaced edges; values below ``low`` count in the
        first bin, values at or above ``high`` in the last.
    bins_per_decade : int
        Resolution.
    """

    def __init__(self, low: float, high: float, bins_per_decade: int = BINS_PER_DECADE) -> None:
        decades = np.log10(high) - np.log10(low)
        n = int(round(decades * bins_per_decade))
        #: upper edges of bins 0..n-1; bin n holds values >= edges[-1]
        self.edges = np.logspace(np.log10(low), np.log10(high), n + 1)[1:]
        self.counts = np.zeros(n + 1, dtype=np.int64)

    def add(self, values: np.ndarray) -> None:
        """Count ``values`` (any float array)."""
        if len(values):
            index = np.searchsorted(self.edges, values, side="left")
            self.counts += np.bincount(index, minlength=len(self.counts))

    def quantile(self, q: float, minimum: float, maximum: float) -> float:
        """Upper edge of the bin holding the ``ceil(q n)``-th smallest value,
        clamped to ``[minimum, maximum]`` (the exact extremes)."""
        total = int(self.counts.sum())
        if total == 0:
            return 0.0
        rank = max(1, int(np.ceil(q * total)))
        b = int(np.searchsorted(np.cumsum(self.counts), rank, side="left"))
        edge = float(self.edges[b]) if b < len(self.edges) else maximum
        return float(min(max(edge, minimum), maximum))

    def clear(self) -> None:
        self.counts[:] = 0


class _Series:
    """Exact count/sum/min/max/violations plus a histogram of one quantity."""

    def __init__(self, low: float, high: float) -> None:
        self.hist = LogHistogram(low, high)
        self.clear()

    def clear(self) -> None:
        self.count = 0
        self.total = 0.0
        self.min = np.inf
        self.max = -np.inf
        self.over_period = 0
        self.hist.clear()

    def add(self, values: np.ndarray, period: np.ndarray) -> None:
        if len(values) == 0:
            return
        values = values.astype(np.float64)
        self.count += len(values)
        self.total += float(values.sum())
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        self.over_period += int(np.count_nonzero(values > period))
        self.hist.add(values)

    def summary(self, scale: float) -> dict[str, float]:
        """mean, p50, p99, p999, max divided by ``scale``."""
        if self.count == 0:
            return {"mean": 0.0, "p50": 0.0, "p99": 0.0, "p999": 0.0, "max": 0.0}
        q = {key: self.hist.quantile(frac, self.min, self.max) / scale
             for key, frac in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999))}
        return {"mean": self.total / self.count / scale, **q, "max": self.max / scale}

    def paper_row(self) -> dict[str, float]:
        if self.count == 0:
            return {"min_ms": 0.0, "max_ms": 0.0, "avg_ms": 0.0, "violations_pct": 0.0}
        return {"min_ms": self.min / 1e6, "max_ms": self.max / 1e6,
                "avg_ms": self.total / self.count / 1e6,
                "violations_pct": 100.0 * self.over_period / self.count}

    def nonzero_bins(self, scale: float) -> list[list[float]]:
        """``[[upper edge / scale, count], ...]`` of the non-empty bins."""
        edges = np.append(self.hist.edges, np.inf)
        return [[float(edges[i] / scale), int(self.hist.counts[i])]
                for i in np.flatnonzero(self.hist.counts)]


class RunStats:
    """Statistics of a stream's callbacks, updated chunk by chunk.

    Parameters
    ----------
    samplerate : float
        Sample rate in Hz (defines each callback's period).

    Notes
    -----
    Not thread-safe by itself: the monitor calls :meth:`add` and
    :meth:`snapshot` under its lock.
    """

    def __init__(self, samplerate: float) -> None:
        self.samplerate = float(samplerate)
        self.process = _Series(*TIME_RANGE_NS)
        self.interval = _Series(*TIME_RANGE_NS)
        self.idle = _Series(*TIME_RANGE_NS)
        self.load = _Series(*LOAD_RANGE)
        self.clear()

    def clear(self) -> None:
        """Forget everything (a new run)."""
        self.callbacks = 0
        self.xruns = 0
        self.overruns = 0
        self.late = 0
        self.nonfinite_samples = 0
        self.period_sum_ns = 0.0
        self.first_enter_ns = 0
        self.last_enter_ns = 0
        self.last_exit_ns = 0
        self._ideal_next = 0.0
        for series in (self.process, self.interval, self.idle, self.load):
            series.clear()

    def add(self, records: np.ndarray) -> "RunStats":
        """Account for the next records of the run (in callback order)."""
        n = len(records)
        if n == 0:
            return self
        enter = records["enter_ns"].astype(np.int64)
        exit_ = records["exit_ns"].astype(np.int64)
        period = records["frames"].astype(np.float64) / self.samplerate * 1e9
        process = exit_ - enter
        xrun = (records["status"] & XRUN_FLAGS) != 0
        late, self._ideal_next = late_flags_from(enter, period, xrun, self._ideal_next,
                                                 self.callbacks > 0)
        if self.callbacks > 0:  # interval and idle continue from the previous chunk
            prev_enter = np.concatenate(([self.last_enter_ns], enter[:-1]))
            prev_exit = np.concatenate(([self.last_exit_ns], exit_[:-1]))
            after, step_period = enter, period
        else:                   # defined from the second callback on
            self.first_enter_ns = int(enter[0])
            prev_enter, prev_exit, after, step_period = enter[:-1], exit_[:-1], enter[1:], period[1:]
        self.interval.add(after - prev_enter, step_period)
        self.idle.add(after - prev_exit, step_period)
        self.process.add(process, period)
        self.load.add(process / period, np.ones(n))
        self.callbacks += n
        self.xruns += int(np.count_nonzero(xrun))
        self.overruns += int(np.count_nonzero(process > period))
        self.late += int(np.count_nonzero(late))
        self.nonfinite_samples += int(records["nonfinite"].astype(np.int64).sum())
        self.period_sum_ns += float(period.sum())
        self.last_enter_ns = int(enter[-1])
        self.last_exit_ns = int(exit_[-1])
        return self

    def snapshot(self) -> dict[str, Any]:
        """The statistics so far (see the module docstring); O(bins).

        Returns
        -------
        dict
            ``callbacks``, ``expected_callbacks``, ``xruns``, ``dropped``,
            ``overruns``, ``late``, ``process_us``/``interval_us``/``idle_us``
            ({mean, p50, p99, p999, max}), ``dsp_load`` ({mean, p99, max}),
            ``nonfinite_samples``, ``elapsed_s``, ``period_us``,
            ``paper_table`` and ``latency_histogram`` (non-empty bins of the
            process and interval times: ``[[upper edge us, count], ...]``).
        """
        n = self.callbacks
        mean_period = self.period_sum_ns / n if n else 0.0
        span = self.last_enter_ns - self.first_enter_ns if n else 0
        expected = int(round(span / mean_period)) + 1 if n else 0
        load = self.load.summary(1.0)
        return {
            "callbacks": n,
            "expected_callbacks": expected,
            "xruns": self.xruns,
            "dropped": max(0, expected - n),
            "overruns": self.overruns,
            "late": self.late,
            "process_us": self.process.summary(1e3),
            "interval_us": self.interval.summary(1e3),
            "idle_us": self.idle.summary(1e3),
            "dsp_load": {"mean": load["mean"], "p99": load["p99"], "max": load["max"]},
            "nonfinite_samples": self.nonfinite_samples,
            "elapsed_s": span / 1e9,
            "period_us": mean_period / 1e3,
            "paper_table": {"idle": self.idle.paper_row(), "process": self.process.paper_row(),
                            "total": self.interval.paper_row()},
            "latency_histogram": {"bins_per_decade": BINS_PER_DECADE,
                                  "process_us": self.process.nonzero_bins(1e3),
                                  "interval_us": self.interval.nonzero_bins(1e3)},
        }


def compute_stats(records: np.ndarray, samplerate: float) -> dict[str, Any]:
    """Statistics of a whole record array (:meth:`RunStats.snapshot` of it).

    Parameters
    ----------
    records : numpy.ndarray
        Structured array of ``rtaudio.engine.rings.MONITOR_RECORD``, in
        callback order.
    samplerate : float
        Sample rate in Hz.
    """
    return RunStats(samplerate).add(records).snapshot()


def paper_table(records: np.ndarray, samplerate: float) -> dict[str, dict[str, float]]:
    """The seed paper's table for one run: ``{"idle"|"process"|"total":
    {"min_ms", "max_ms", "avg_ms", "violations_pct"}}``; a violation is a
    value above the callback period."""
    return compute_stats(records, samplerate)["paper_table"]


def format_paper_table(table: dict[str, dict[str, float]]) -> str:
    """The paper's table as Markdown (rows Min/Max/Average/Violations)."""
    cols = ("idle", "process", "total")
    lines = ["| | Idle | Process | Total |", "|---|---|---|---|"]
    for label, key, fmt in (("Min (ms)", "min_ms", "{:.3f}"), ("Max (ms)", "max_ms", "{:.3f}"),
                            ("Average (ms)", "avg_ms", "{:.3f}"),
                            ("Violations (%)", "violations_pct", "{:.2f}%")):
        lines.append(f"| {label} | " + " | ".join(fmt.format(table[c][key]) for c in cols) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------- late
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
