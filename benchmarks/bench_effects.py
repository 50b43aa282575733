#!/usr/bin/env python
"""Everyday effects beside pedalboard: µs per 64-frame block, mono and stereo, 48 kHz.

Usage::

    .venv/bin/python benchmarks/bench_effects.py [--seconds 0.5] [--repeats 15] [--block 64]

Every number is the best of ``--repeats`` timings (rtaudio and pedalboard
interleaved, so both meet the same load on a shared machine) of streaming
the same signal (noise bursts) block by block through a prepared effect: rtaudio's
``process(block)`` (the effect API's C shim calling the Numba cfunc, as
python mode does) and pedalboard's ``process(block, sample_rate,
reset=False)``. Both include the Python call per block. The ratio column is
pedalboard's time / rtaudio's time from the same run (> 1: rtaudio faster).
"""
from __future__ import annotations

import argparse
import platform
import time
from typing import Callable

import numpy as np

from rtaudio.chain_spec import parse_chain_string
from rtaudio.processors import Eq, Biquad, Compressor, Delay, Drive, Gain, Limiter, Pan, Reverb

FS = 48000.0


def test_signal(seconds: float, channels: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    frames = int(seconds * FS)
    t = np.arange(frames) / FS
    envelope = np.where(np.sin(2 * np.pi * 4.0 * t) > 0.0, 0.5, 0.003)
    return (envelope[:, None] * rng.standard_normal((frames, channels))).astype(np.float32)


def pairs():
    """(row name, rtaudio factory, pedalboard factory or None, target ratio)."""
    import pedalboard as pb
    eq_settings = dict(low_gain_db=3.0, mid1_gain_db=-2.0, mid2_gain_db=2.0, mid3_gain_db=-3.0, high_gain_db=2.0)

    def pb_eq():
        return pb.Pedalboard([pb.LowShelfFilter(100.0, 3.0), pb.PeakFilter(300.0, -2.0, 1.0),
                              pb.PeakFilter(1000.0, 2.0, 1.0), pb.PeakFilter(3500.0, -3.0, 1.0),
                              pb.HighShelfFilter(8000.0, 2.0)])
    return [
        ("gain", lambda: Gain(gain_db=-6.0), lambda: pb.Gain(gain_db=-6.0), 1.0),
        ("pan", lambda: Pan(pan=0.3), None, None),
        ("biquad highpass", lambda: Biquad(type="highpass", freq_hz=80.0),
         lambda: pb.HighpassFilter(cutoff_frequency_hz=80.0), 3.0),
        ("biquad peak", lambda: Biquad(type="peak", freq_hz=1000.0, q=1.0, gain_db=6.0),
         lambda: pb.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=6.0, q=1.0), 3.0),
        ("biquad lowshelf", lambda: Biquad(type="lowshelf", freq_hz=200.0, gain_db=6.0),
         lambda: pb.LowShelfFilter(cutoff_frequency_hz=200.0, gain_db=6.0), 3.0),
        ("eq (5 bands)", lambda: Eq(**eq_settings), pb_eq, 1.0),
        ("delay", lambda: Delay(time_ms=250.0, feedback=0.4, mix=0.5), lambda: pb.Delay(0.25, 0.4, 0.5), 1.0),
        ("compressor", lambda: Compressor(threshold_db=-24.0, ratio=4.0, attack_ms=5.0, release_ms=100.0),
         lambda: pb.Compressor(threshold_db=-24.0, ratio=4.0, attack_ms=5.0, release_ms=100.0), 1.0),
        ("limiter", lambda: Limiter(threshold_db=-10.0, release_ms=100.0),
         lambda: pb.Limiter(threshold_db=-10.0, release_ms=100.0), 1.0),
        ("drive (4x oversampled, default)", lambda: Drive(drive_db=20.0), lambda: pb.Distortion(drive_db=20.0),
         1.0),
        ("drive (4x, shape=hard)", lambda: Drive(drive_db=20.0, shape="hard"),
         lambda: pb.Distortion(drive_db=20.0), 1.0),
        ("drive (oversampling=1)", lambda: Drive(drive_db=20.0, oversampling=1),
         lambda: pb.Distortion(drive_db=20.0), 1.0),
        ("reverb", lambda: Reverb(), lambda: pb.Reverb(), 1.0),
        ("vocal chain: gate > biquad hp > compressor > eq > reverb",
         lambda: parse_chain_string("gate > biquad(type=highpass, freq_hz=80) > compressor > eq > reverb"),
         lambda: pb.Pedalboard([pb.NoiseGate(threshold_db=-10.0), pb.HighpassFilter(80.0), pb.Compressor(),
                                pb_eq(), pb.Reverb()]), 1.0),
    ]


def best_us_per_block(run: Callable[[], None], blocks: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        run()
        best = min(best, time.perf_counter_ns() - start)
    return best / blocks / 1000.0


def rtaudio_runner(proc, x: np.ndarray, block: int):
    proc.prepare(FS, x.shape[1], block)
    work = x.copy()
    views = [work[i:i + block] for i in range(0, len(x) - block + 1, block)]

    def run() -> None:
        work[:] = x
        proc.reset()
        for view in views:
            proc.process(view)
    return run, len(views)


def pedalboard_runner(plugin, x: np.ndarray, block: int):
    data = np.ascontiguousarray(x[:, 0]) if x.shape[1] == 1 else np.ascontiguousarray(x.T)
    views = [data[..., i:i + block] for i in range(0, data.shape[-1] - block + 1, block)]

    def run() -> None:
        plugin.reset()
        for view in views:
            plugin.process(view, FS, reset=False)
    return run, len(views)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--block", type=int, default=64)
    args = parser.parse_args()
    import pedalboard
    rows = []
    for channels in (1, 2):
        x = test_signal(args.seconds, channels)
        for name, make_rt, make_pb, target in pairs():
            run_rt, blocks = rtaudio_runner(make_rt(), x, args.block)
            run_pb = pedalboard_runner(make_pb(), x, args.block)[0] if make_pb is not None else None
            run_rt()  # warm up
            if run_pb is not None:
                run_pb()
            # interleaved repeats: both see the same moments of a shared machine; best of each
            rt = pb_us = float("inf")
            for _ in range(args.repeats):
                rt = min(rt, best_us_per_block(run_rt, blocks, 1))
                if run_pb is not None:
                    pb_us = min(pb_us, best_us_per_block(run_pb, blocks, 1))
            rows.append((name, channels, rt, None if run_pb is None else pb_us, target))
    print(f"# Everyday effects vs pedalboard {pedalboard.__version__} ({platform.machine()}, "
          f"Python {platform.python_version()}, block {args.block}, {FS:g} Hz, {args.seconds:g} s, "
          f"best of {args.repeats})\n")
    print("| effect | channels | rtaudio µs/block | pedalboard µs/block | pedalboard / rtaudio | target |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, channels, rt, pb_us, target in rows:
        pb_cell = "n/a" if pb_us is None else f"{pb_us:.2f}"
        ratio = "n/a" if pb_us is None else f"{pb_us / rt:.2f}x"
        target_cell = "" if target is None else f">= {target:g}x"
        print(f"| {name} | {channels} | {rt:.2f} | {pb_cell} | {ratio} | {target_cell} |")


if __name__ == "__main__":
    main()
