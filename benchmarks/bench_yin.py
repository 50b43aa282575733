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
maths and frame alignment, spec 5.5, so it is not compared).
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


def best_of(repeats: int, run: Callable[[], None]) -> tuple[float, float]:
    """Best (CPU seconds, wall seconds) of ``repeats`` calls."""
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.thread_time(), time.perf_counter()
        run()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def rtaudio_row(backend: str, y: np.ndarray, repeats: int) -> tuple[float, float, int, np.ndarray]:
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
        results.append(tracker.read_results())

    cpu, wall = best_of(repeats, run)
    f0 = results[0]["f0_hz"]
    return cpu, wall, len(f0), f0


def librosa_row(y: np.ndarray, repeats: int) -> tuple[float, float, int, np.ndarray]:
    import librosa
    y64 = y.astype(np.float64)

    def call(signal: np.ndarray) -> np.ndarray:
        return librosa.yin(signal, fmin=FMIN, fmax=FMAX, sr=FS, frame_length=FRAME, hop_length=HOP,
                           center=False)

    call(y64[:FRAME * 4])  # warm-up
    out: list = []
    cpu, wall = best_of(repeats, lambda: out.append(call(y64)))
    return cpu, wall, len(out[0]), out[0]


def aubio_row(method: str, y: np.ndarray, repeats: int) -> Optional[tuple[float, float, int]]:
    try:
        import aubio
    except ImportError:
        return None
    hops = [np.ascontiguousarray(y[i:i + HOP]) for i in range(0, len(y) - HOP + 1, HOP)]

    def run() -> None:
        detector = aubio.pitch(method, FRAME, HOP, FS)
        detector.set_unit("Hz")
        for hop in hops:
            detector(hop)

    cpu, wall = best_of(repeats, run)
    return cpu, wall, len(hops)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="signal length (demo voice)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per row; the best is kept")
    args = parser.parse_args()
    y = np.ascontiguousarray(demo_signal(FS, args.seconds)[:, 0])

    rows: dict[str, tuple] = {}
    ref_cpu, ref_wall, ref_frames, ref_f0 = librosa_row(y, args.repeats)
    for backend in ("c", "numba"):
        cpu, wall, frames, f0 = rtaudio_row(backend, y, args.repeats)
        same = int(np.count_nonzero(np.abs(f0 - ref_f0) <= 1e-4 * ref_f0)) if frames == ref_frames else 0
        rows[f"rtaudio {backend.upper() if backend == 'c' else 'Numba'}"] = (cpu, wall, frames, f"{same}/{frames}")
    rows["librosa.yin (whole file)"] = (ref_cpu, ref_wall, ref_frames, "reference")
    for method in ("yin", "yinfast", "yinfft"):
        row = aubio_row(method, y, args.repeats)
        if row is not None:
            rows[f"aubio {method}"] = (*row, "—")

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
