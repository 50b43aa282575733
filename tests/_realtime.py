"""Real-time assertions on a run's monitor records, with an independent
witness for host stalls (docs/realtime.md §3).

The test VMs are shared: now and then the host does not run this process
for milliseconds, and periods are lost or a callback takes long although
rtaudio did nothing wrong. The only excuse accepted is a wake-up gap of the
``Canary`` (tests/_rtprobe.py): a SCHED_FIFO thread at a priority above
every audio thread, which rtaudio's callback cannot delay. Rules:

- clock: callbacks match the expected periods within 1 %; beyond that,
  every gap between two callbacks that lost periods must overlap a canary
  gap, and at most 10 % of the periods may be lost that way;
- native mode, punctual: every callback that ran longer than half a
  period (``slow``) overlaps a canary gap. No percentile, no allowance:
  one unexplained slow callback fails.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

#: lost periods tolerated when the canary witnessed the host stalling
HOST_STALL_LOSS = 0.10
#: tolerance of the callback count against the clock
CLOCK_TOLERANCE = 0.01


def period_ns(stats: dict) -> float:
    return stats["blocksize"] / stats["samplerate"] * 1e9


def in_window(records: np.ndarray, t0_ns: Optional[int] = None, t1_ns: Optional[int] = None) -> np.ndarray:
    """Records whose callback started in ``[t0_ns, t1_ns]``."""
    keep = np.ones(len(records), dtype=bool)
    if t0_ns is not None:
        keep &= records["enter_ns"] >= t0_ns
    if t1_ns is not None:
        keep &= records["enter_ns"] <= t1_ns
    return records[keep]


def lost_period_gaps(records: np.ndarray, period: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end (ns) of every inter-callback gap longer than 1.5
    periods, and the periods lost in it."""
    enter = records["enter_ns"].astype(np.int64)
    gap = np.diff(enter)
    where = np.nonzero(gap > 1.5 * period)[0]
    lost = np.rint(gap[where] / period).astype(np.int64) - 1
    return enter[where], enter[where + 1], lost


def realtime_report(records: np.ndarray, period: float, canary, expected: float) -> dict:
    """What a run did against the clock and how much the canary explains."""
    starts, ends, lost = lost_period_gaps(records, period)
    witnessed = canary.overlaps(starts, ends) if len(starts) else np.zeros(0, dtype=bool)
    duration = (records["exit_ns"] - records["enter_ns"]).astype(np.int64)
    slow = duration > period / 2
    slow_witnessed = canary.overlaps(records["enter_ns"][slow], records["exit_ns"][slow]) \
        if slow.any() else np.zeros(0, dtype=bool)
    return {
        "callbacks": len(records), "expected": expected,
        "lost": expected - len(records),
        "lost_in_gaps": int(lost.sum()), "lost_witnessed": int(lost[witnessed].sum()),
        "lost_unwitnessed": int(lost[~witnessed].sum()),
        "overruns": int((duration > period).sum()),
        "slow": int(slow.sum()), "slow_unwitnessed": int((~slow_witnessed).sum()),
        "process_max_us": float(duration.max() / 1e3) if len(duration) else 0.0,
        "canary_gaps": len(canary.gaps),
    }


def clock_ok(r: dict) -> bool:
    """Callbacks keep the clock (within 1 %, or the shortfall is witnessed)."""
    if abs(r["lost"]) <= CLOCK_TOLERANCE * r["expected"]:
        return True
    return (r["lost"] > 0 and r["lost_unwitnessed"] <= CLOCK_TOLERANCE * r["expected"]
            and r["lost"] - r["lost_witnessed"] <= CLOCK_TOLERANCE * r["expected"]
            and r["lost_witnessed"] <= HOST_STALL_LOSS * r["expected"])


def punctual(r: dict) -> bool:
    """Every callback over half a period (hence every overrun) is witnessed."""
    return r["slow_unwitnessed"] == 0


def assert_periods_accounted(stats: dict, records: np.ndarray, canary, expected: float) -> dict:
    """Callbacks match ``expected`` periods (see module docstring)."""
    r = realtime_report(records, period_ns(stats), canary, expected)
    assert clock_ok(r), r
    return r


def assert_native_realtime(stats: dict, records: np.ndarray, canary, expected: float) -> dict:
    """Native mode: keeps the clock and every slow callback is witnessed."""
    r = assert_periods_accounted(stats, records, canary, expected)
    assert punctual(r), r
    return r
