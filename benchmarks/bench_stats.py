"""Cost of one statistics refresh: from the running statistics versus from scratch.

The viewer and ``rtaudio live`` refresh the engine statistics several times
a second. Printed for synthetic runs of increasing length (64-frame
callbacks at 48 kHz, so 10 minutes = 450 000 callbacks), median of
``--repeats``, all in this run:

* ``snapshot``: ``RunStats.snapshot()`` of a run already accounted for
  (what a refresh costs now);
* ``from scratch``: ``compute_stats`` over all of the run's records (what a
  refresh cost when the viewer recomputed the statistics).

Usage: ``.venv/bin/python benchmarks/bench_stats.py``.
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np

from rtaudio.engine.rings import MONITOR_RECORD
from rtaudio.engine.stats import RunStats, compute_stats

RATE, BLOCK = 48000.0, 64


def synthetic_run(n: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    period = BLOCK / RATE * 1e9
    rec = np.zeros(n, dtype=MONITOR_RECORD)
    rec["enter_ns"] = np.round(np.arange(n) * period + rng.normal(0, 0.05 * period, n))
    rec["exit_ns"] = rec["enter_ns"] + np.round(rng.uniform(0.02, 0.3, n) * period).astype(np.int64)
    rec["frames"] = BLOCK
    return rec


def median_s(fn, repeats: int) -> float:
    return float(np.median(timeit.repeat(fn, number=1, repeat=repeats)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    compute_stats(synthetic_run(1000), RATE)  # compile the late-flag kernel
    print("| run (minutes) | callbacks | snapshot ms | from scratch ms | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for minutes in (1, 10, 60):
        rec = synthetic_run(int(minutes * 60 * RATE / BLOCK))
        stats = RunStats(RATE)
        for chunk in np.array_split(rec, max(1, len(rec) // 1000)):  # as the monitor drains
            stats.add(chunk)
        snap = median_s(stats.snapshot, args.repeats)
        scratch = median_s(lambda: compute_stats(rec, RATE), args.repeats)
        print(f"| {minutes} | {len(rec)} | {1e3 * snap:.2f} | {1e3 * scratch:.0f} | x{scratch / snap:.0f} |")


if __name__ == "__main__":
    main()
