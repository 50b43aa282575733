"""Monitor: record layout, the C SPSC ring, and the statistics on synthetic
records whose answers are known by construction."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from rtaudio._native import ffi, lib
from rtaudio.engine.monitor import Monitor
from rtaudio.engine.rings import MONITOR_RECORD as RECORD_DTYPE, MonitorRing
from rtaudio.engine.stats import BINS_PER_DECADE, compute_stats, format_paper_table, late_flags

#: a histogram percentile is at most one bin above the order statistic
BIN_RATIO = 10 ** (1 / BINS_PER_DECADE)

RATE = 48000.0
BLOCK = 64
PERIOD_NS = BLOCK / RATE * 1e9  # 1 333 333.3 ns


def make_records(enter_ns, process_ns, status=None, frames=BLOCK, nonfinite=None):
    enter_ns = np.asarray(enter_ns, dtype=np.int64)
    rec = np.zeros(len(enter_ns), dtype=RECORD_DTYPE)
    rec["enter_ns"] = enter_ns
    rec["exit_ns"] = enter_ns + np.asarray(process_ns, dtype=np.int64)
    rec["frames"] = frames
    rec["index"] = np.arange(len(rec))
    if status is not None:
        rec["status"] = status
    if nonfinite is not None:
        rec["nonfinite"] = nonfinite
    return rec


def test_record_layout_matches_c():
    assert RECORD_DTYPE.itemsize == ffi.sizeof("rtd_monitor_record") == 64
    for name in RECORD_DTYPE.names:
        assert RECORD_DTYPE.fields[name][1] == ffi.offsetof("rtd_monitor_record", name), name


def test_ring_round_trip_and_overflow_counted():
    ring = MonitorRing(8)
    for i in range(5):
        ring.push(100 * i, 100 * i + 7, 0.5, 1.5, 2.5, i, 64, 0, i)
    got = ring.pop()
    assert list(got["index"]) == [0, 1, 2, 3, 4]
    assert list(got["exit_ns"] - got["enter_ns"]) == [7] * 5
    assert got["current_time"][0] == 1.5
    for i in range(10):  # capacity 8: two are lost, and counted
        ring.push(i, i, 0, 0, 0, i, 64, 0, 0)
    assert ring.lost == 2
    assert list(ring.pop()["index"]) == list(range(8))
    assert len(ring.pop()) == 0


def test_ring_concurrent_producer_keeps_order():
    """A producer thread pushes through C while the consumer pops: nothing is
    reordered or duplicated, and pushed = popped + lost."""
    ring = MonitorRing(64)
    total = 20000

    def produce():
        for i in range(total):
            ring.push(i, i, 0, 0, 0, i, 64, 0, 0)

    thread = threading.Thread(target=produce)
    thread.start()
    seen = []
    while thread.is_alive() or len(seen) + ring.lost < total:
        got = ring.pop()
        seen.extend(got["index"].tolist())
        if not thread.is_alive() and len(got) == 0 and len(seen) + ring.lost >= total:
            break
    thread.join()
    seen.extend(ring.pop()["index"].tolist())
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert len(seen) + ring.lost == total


def test_stats_of_a_perfect_clock():
    n = 1000
    enter = np.round(np.arange(n) * PERIOD_NS).astype(np.int64)
    rec = make_records(enter, 200_000)
    s = compute_stats(rec, RATE)
    assert s["callbacks"] == n and s["expected_callbacks"] == n
    assert s["xruns"] == s["dropped"] == s["overruns"] == s["late"] == 0
    assert s["process_us"]["mean"] == pytest.approx(200.0)
    assert s["process_us"]["max"] == pytest.approx(200.0)
    assert s["interval_us"]["p50"] == pytest.approx(PERIOD_NS / 1e3, abs=0.001)
    assert s["idle_us"]["mean"] == pytest.approx(PERIOD_NS / 1e3 - 200.0, abs=0.001)
    assert s["dsp_load"]["max"] == pytest.approx(200_000 / PERIOD_NS)
    table = s["paper_table"]
    assert table["process"]["violations_pct"] == 0.0
    assert table["total"]["avg_ms"] == pytest.approx(PERIOD_NS / 1e6, rel=1e-6)
    assert "Violations" in format_paper_table(table)


def test_overruns_late_and_reanchor():
    n = 100
    enter = np.arange(n) * PERIOD_NS
    process = np.full(n, 100_000.0)
    process[10] = 2 * PERIOD_NS          # one overrun
    enter[20] += 1.5 * PERIOD_NS         # a late start (1.5 periods after ideal)
    enter[21:] += 0.0                    # the clock goes on: 21.. are on time again
    status = np.zeros(n, dtype=np.uint32)
    # from 50 on, the host restarts 3 periods later and flags an underflow:
    enter[50:] += 3 * PERIOD_NS
    status[50] = 0x4
    rec = make_records(np.round(enter), np.round(process), status)
    s = compute_stats(rec, RATE)
    assert s["overruns"] == 1
    assert s["xruns"] == 1
    # only 20 is late: 50 re-anchors (xrun) so 51.. are on time
    flags = late_flags(rec["enter_ns"], np.full(n, PERIOD_NS), (rec["status"] & 0xF) != 0)
    assert np.flatnonzero(flags).tolist() == [20]
    assert s["late"] == 1
    # the 3 missing periods are counted as dropped callbacks
    assert s["expected_callbacks"] == n + 3
    assert s["dropped"] == 3
    assert s["paper_table"]["process"]["violations_pct"] == pytest.approx(1.0)


def test_late_without_xrun_flag_and_early_reanchor():
    n = 40
    enter = np.arange(n) * PERIOD_NS
    enter[10:] += 2.5 * PERIOD_NS   # a stall: 10.. start 2.5 periods late, no flag
    rec = make_records(np.round(enter), 1000)
    s = compute_stats(rec, RATE)
    assert s["late"] == n - 10      # all later callbacks stay late against the clock
    # callbacks skipped silently (the clock jumps *forward* by whole periods
    # relative to the count) make the next one early: the anchor moves there.
    enter2 = np.arange(n) * PERIOD_NS
    enter2[5:] -= 2 * PERIOD_NS
    enter2[30] += 1.2 * PERIOD_NS
    rec2 = make_records(np.round(enter2), 1000)
    assert np.flatnonzero(late_flags(rec2["enter_ns"], np.full(n, PERIOD_NS),
                                     np.zeros(n, bool))).tolist() == [30]


def test_nonfinite_and_percentiles():
    n = 1000
    enter = np.round(np.arange(n) * PERIOD_NS)
    process = np.arange(1, n + 1) * 1000  # 1..1000 us
    rec = make_records(enter, process, nonfinite=np.where(np.arange(n) % 100 == 0, 3, 0))
    s = compute_stats(rec, RATE)
    assert s["nonfinite_samples"] == 30
    # histogram percentiles: the bin of the ceil(q n)-th value, never below it
    assert 500 <= s["process_us"]["p50"] <= 500 * BIN_RATIO
    assert 999 <= s["process_us"]["p999"] <= 1000
    assert s["process_us"]["max"] == 1000.0
    assert s["overruns"] == int(np.sum(process > PERIOD_NS))


def test_monitor_drains_through_thread_and_bounds_memory():
    mon = Monitor(RATE, ring_capacity=256, max_records=1000, poll_s=0.001)
    mon.start()
    for i in range(3000):
        while not lib.rtd_monitor_push_values(mon.ring.cdata, i, i + 1, 0, 0, 0, i, 64, 0, 0):
            pass  # ring full: wait for the reader thread
    mon.stop()
    rec = mon.records
    assert len(rec) + mon.discarded == 3000
    assert len(rec) <= 1000
    assert rec["index"][-1] == 2999
    assert np.all(np.diff(rec["index"].astype(np.int64)) == 1)


def independent_late(enter, period, xrun):
    """The *late* definition, written again as a plain loop."""
    late, ideal_next = [], None
    for start, p, x in zip(enter.astype(float), period, xrun):
        if ideal_next is None or x or start < ideal_next - p:
            ideal, flag = start, False
        else:
            ideal, flag = ideal_next, start - ideal_next > p
        late.append(flag)
        ideal_next = ideal + p
    return np.array(late)


def test_incremental_statistics_equal_a_from_scratch_computation():
    """The monitor's running statistics, fed chunk by chunk through its ring,
    equal the definitions recomputed here with NumPy over all the records
    (counts exact, means to rounding, percentiles within one histogram bin
    above the order statistic), including late flags that depend on records
    of earlier chunks and records beyond ``max_records``."""
    rng = np.random.default_rng(3)
    n = 3000
    enter = np.arange(n) * PERIOD_NS + rng.normal(0, 0.2 * PERIOD_NS, n)
    enter[700:] += 1.7 * PERIOD_NS           # a stall: late until the next xrun
    status = np.zeros(n, dtype=np.uint32)
    status[1500] = 0x4
    enter[2200:] -= 3 * PERIOD_NS            # skipped callbacks: re-anchor
    process = rng.uniform(0.05, 1.2, n) * PERIOD_NS
    rec = make_records(np.round(enter), np.round(process), status,
                       nonfinite=rng.integers(0, 2, n))
    mon = Monitor(RATE, ring_capacity=4096, max_records=500)
    start = 0
    for size in rng.integers(1, 200, 100):  # uneven chunks
        for r in rec[start:start + size]:
            mon.ring.push(*(int(r[k]) if k not in ("input_time", "current_time", "output_time") else 0.0
                            for k in ("enter_ns", "exit_ns", "input_time", "current_time", "output_time",
                                      "index", "frames", "status", "nonfinite")))
        mon.drain()
        start += size
        if start >= n:
            break
    rec = rec[:start]
    got = mon.stats()
    assert mon.discarded > 0                  # the statistics outlive the kept records

    e = rec["enter_ns"].astype(np.int64)
    x = rec["exit_ns"].astype(np.int64)
    period = rec["frames"] / RATE * 1e9
    proc, interval, idle = x - e, np.diff(e), e[1:] - x[:-1]
    xrun = (rec["status"] & 0xF) != 0
    load = proc / period
    expected = int(round((e[-1] - e[0]) / period.mean())) + 1
    assert got["callbacks"] == len(rec)
    assert got["xruns"] == int(xrun.sum()) == 1
    assert got["overruns"] == int((proc > period).sum())
    assert got["late"] == int(independent_late(e, period, xrun).sum()) > 100
    assert got["nonfinite_samples"] == int(rec["nonfinite"].sum())
    assert got["expected_callbacks"] == expected
    assert got["dropped"] == max(0, expected - len(rec))
    assert got["dsp_load"]["mean"] == pytest.approx(load.mean(), rel=1e-12)
    assert got["dsp_load"]["max"] == pytest.approx(load.max(), rel=1e-12)
    for key, values, limit in (("process", proc, period), ("idle", idle, period[1:]),
                               ("total", interval, period[1:])):
        row = got["paper_table"][key]
        assert row["min_ms"] == pytest.approx(values.min() / 1e6, rel=1e-12), key
        assert row["max_ms"] == pytest.approx(values.max() / 1e6, rel=1e-12), key
        assert row["avg_ms"] == pytest.approx(values.mean() / 1e6, rel=1e-12), key
        assert row["violations_pct"] == pytest.approx(100 * np.mean(values > limit), rel=1e-12), key
    for key, values in (("process_us", proc), ("interval_us", interval), ("idle_us", idle)):
        us = np.sort(values) / 1e3
        assert got[key]["mean"] == pytest.approx(us.mean(), rel=1e-12), key
        assert got[key]["max"] == pytest.approx(us[-1], rel=1e-12), key
        for q, name in ((0.5, "p50"), (0.99, "p99"), (0.999, "p999")):
            order_stat = us[int(np.ceil(q * len(us))) - 1]
            assert order_stat <= got[key][name] * (1 + 1e-12), (key, name)
            assert got[key][name] <= order_stat * BIN_RATIO * (1 + 1e-12), (key, name)
    hist = got["latency_histogram"]["process_us"]
    assert sum(count for _, count in hist) == len(rec)


def test_stats_do_no_work_over_the_kept_records():
    """The viewer refreshes from Monitor.stats() several times a second for
    hours: it must read the running statistics, not the record store (whose
    length grows with the run)."""
    mon = Monitor(RATE, ring_capacity=1 << 12)
    enter = np.round(np.arange(4000) * PERIOD_NS)
    for chunk in np.array_split(make_records(enter, 200_000), 4):
        assert mon.ring.write(chunk)
        mon.drain()
    expected = mon.stats()
    mon._store = None                      # any read of the store would now fail
    assert mon.stats() == expected
    assert expected["callbacks"] == 4000
