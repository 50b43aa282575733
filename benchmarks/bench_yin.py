#!/usr/bin/env python
"""YIN pitch tracking: µs per hop at 48 kHz, frame 2048, hop 512, in one run.

Usage::

    .venv/bin/python benchmarks/bench_yin.py [--seconds 20] [--repeats 3]

Rows:

- rtaudio C / Numba: ``YinTracker`` streamed in 512-sample blocks (one
  frame per ``process()`` call, Python call included), results drained.
- librosa.yin: whole signal at once (float64, ``center=False``), time /
  frames, after a warm-up call (Numba stencils compiled).
- aubio ``yin``, ``yinfast``, ``yinfft``: ``aubio.pitch(method, 2048, 512,
  48000)`` called once per 512-sample hop (the way aubio is used live).

Each row is the best of ``--repeats`` runs. Two clocks: CPU time of the
calling thread (``time.thread_time``, little affected by other processes
on a shared machine) and wall time. The ``≡ librosa`` column counts
frames whose f0 is within 1e-4 relative of librosa.yin (aubio uses other
maths and frame alignment, docs/maths/yin.md §5.5, so it is not compared).
"""
from __future__ import annotations

import argparse
import platform
import time
from typing import Callable, Optional

import numpy as np

from rtaudio import YinTracker
from rtaudio.demo import demo_signal

FS = 48000
FRAME = 2048
HOP = 512
FMIN, FMAX = 65.40639, 2093.0045


def timed(run: Callable[[], None]) -> tuple[float, float]:
    """(CPU seconds of this thread, wall seconds) of one call."""
    c0, w0 = time.thread_time(), time.perf_counter()
    run()
    return time.thread_time() - c0, time.perf_counter() - w0


def rtaudio_row(backend: str, y: np.ndarray) -> tuple[Callable[[], None], list]:
    """A run over the whole signal in hop-sized blocks, and where its f0 lands."""
    tracker = YinTracker(backend=backend, frame_length=FRAME, hop_length=HOP, fmin_hz=FMIN, fmax_hz=FMAX,
                         result_capacity=1 << 16)
    tracker.prepare(FS, 1, HOP)
    blocks = [np.ascontiguousarray(y[i:i + HOP, None]) for i in range(0, len(y), HOP)]
    tracker.process(blocks[0].copy())  # warm-up (Numba compile / load)
    results: list = []

    def run() -> None:
        tracker.reset()
        tracker.read_results()
        results.clear()
        for block in blocks:
            tracker.process(block)
        results.append(tracker.read_results()["f0_hz"])
    return run, results


def librosa_row(y: np.ndarray) -> tuple[Callable[[], None], list]:
    import librosa
    y64 = y.astype(np.float64)

    def call(signal: np.ndarray) -> np.ndarray:
        return librosa.yin(signal, fmin=FMIN, fmax=FMAX, sr=FS, frame_length=FRAME, hop_length=HOP,
                           center=False)

    call(y64[:FRAME * 4])  # warm-up
    results: list = []

    def run() -> None:
        results.clear()
        results.append(call(y64))
    return run, results


def aubio_row(method: str, y: np.ndarray) -> Optional[tuple[Callable[[], None], list]]:
    try:
        import aubio
    except ImportError:
        return None
    hops = [np.ascontiguousarray(y[i:i + HOP]) for i in range(0, len(y) - HOP + 1, HOP)]
    results = [np.zeros(len(hops))]   # only the frame count is used

    def run() -> None:
        detector = aubio.pitch(method, FRAME, HOP, FS)
        detector.set_unit("Hz")
        for hop in hops:
            detector(hop)
    return run, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="signal length (demo voice)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds (each times every row once); the best per row is kept")
    args = parser.parse_args()
    y = np.ascontiguousarray(demo_signal(FS, args.seconds)[:, 0])

    plan: dict[str, tuple[Callable[[], None], list]] = {
        "rtaudio C": rtaudio_row("c", y),
        "rtaudio Numba": rtaudio_row("numba", y),
        "librosa.yin (whole file)": librosa_row(y),
    }
    for method in ("yin", "yinfast", "yinfft"):
        row = aubio_row(method, y)
        if row is not None:
            plan[f"aubio {method}"] = row
    # Round robin: every round times each row once, so a change of the
    # shared machine's speed during the run affects all rows alike.
    best = {name: (float("inf"), float("inf")) for name in plan}
    for _ in range(args.repeats):
        for name, (run, _results) in plan.items():
            cpu, wall = timed(run)
            best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    ref_f0 = plan["librosa.yin (whole file)"][1][0]
    rows: dict[str, tuple] = {}
    for name, (_run, results) in plan.items():
        f0 = results[0]
        if name.startswith("rtaudio"):
            same = int(np.count_nonzero(np.abs(f0 - ref_f0) <= 1e-4 * ref_f0)) if len(f0) == len(ref_f0) else 0
            check = f"{same}/{len(f0)}"
        else:
            check = "reference" if name.startswith("librosa") else "—"
        rows[name] = (*best[name], len(f0), check)

    c_cpu = rows["rtaudio C"][0] / rows["rtaudio C"][2]
    print(f"YIN per hop: {args.seconds:g} s demo voice, {FS} Hz, frame {FRAME}, hop {HOP}, "
          f"best of {args.repeats}; {platform.processor() or platform.machine()}, "
          f"numpy {np.__version__}")
    print()
    print("| method | µs/hop (CPU) | µs/hop (wall) | CPU time ÷ rtaudio C | frames | ≡ librosa (1e-4) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (cpu, wall, frames, same) in rows.items():
        per_cpu, per_wall = cpu / frames * 1e6, wall / frames * 1e6
        print(f"| {name} | {per_cpu:.1f} | {per_wall:.1f} | {cpu / frames / c_cpu:.2f} | {frames} | {same} |")
    print()
    per = {name: row[0] / row[2] for name, row in rows.items()}
    c = per["rtaudio C"]
    print(f"librosa.yin / rtaudio C = {per['librosa.yin (whole file)'] / c:.1f}x (target >= 10x)")
    if "aubio yin" in per:
        print(f"aubio yin / rtaudio C = {per['aubio yin'] / c:.1f}x (target >= 5x)")
    if "aubio yinfft" in per:
        print(f"rtaudio C / aubio yinfft = {c / per['aubio yinfft']:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
