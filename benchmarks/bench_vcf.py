#!/usr/bin/env python
"""VCF benchmark: the paper's VCF table and the VA-solvers targets, one run.

Usage::

    .venv/bin/python benchmarks/bench_vcf.py [--seconds 2] [--repeats 5]

Part 1, the paper's setting: 44.1 kHz, mono, 512-frame blocks, no
oversampling, cutoff 2500 Hz (I0 = 30 µA), resonance 5.175 and 1.5, the
same music-like input (harmonic notes with decaying envelopes, peak 0.5 V)
through the pure-Python float64 reference, the same loop on NumPy scalars
(``numpy.tanh``), the Numba kernel and the C kernel, each with the paper's
solver (``solver="fixed_point"``: relative tolerance 1e-3 on vc4, at most
100 iterations) and with Newton (the default: stopped when the
quadratic-convergence bound puts the solution within 1e-10 V,
docs/maths/vcf.md §3.3).

Part 2, the targets (48 kHz, 64-frame blocks, C kernel, mono and stereo):
default parameters and cutoff 15 kHz / resonance 4 with Newton, today's
fixed point at the defaults, and pedalboard's ``LadderFilter`` (JUCE,
LPF24) beside it. Targets: <= 120 ns per sample per channel at the
defaults, <= 250 ns at 15 kHz / resonance 4.

Times are CPU time of the calling thread (``time.thread_time_ns``: a
shared, loaded machine deschedules the process, which wall-clock time would
count), ns per output sample per channel, including the Python call per
block. Every row is the best of ``--repeats`` runs timed round-robin (so a
burst of load from other processes hits them alike); the pure-Python rows
run over the first quarter of the signal, the NumPy-scalar rows over its
first 1/32. Iteration counts (Newton steps or fixed-point iterations) come
from the processor's own counters in the same runs.
"""
from __future__ import annotations

import argparse
import platform
import time
from typing import Callable

import numpy as np

from rtaudio import VCF
from rtaudio.demo import music_signal

FS = 44100.0
BLOCK = 512
CUTOFF_HZ = 2500.0
TARGET_FS = 48000.0
TARGET_BLOCK = 64
#: the paper's VCF table, µs per sample (its solver: the fixed point)
PAPER_US = {"pure Python": 199.3, "Cython annotations": 6.5, "Cython + native C": 0.14, "Numba": 1.36}
#: issue targets, ns per sample per channel (C, 48 kHz, block 64)
TARGET_NS = {"defaults": 120.0, "15 kHz, resonance 4": 250.0}


def music_like(seconds: float, seed: int = 1) -> np.ndarray:
    """The shared music-like test signal (rtaudio.demo.music_signal), mono column."""
    return music_signal(FS, seconds, seed).reshape(-1, 1)


Runner = Callable[[], tuple[int, dict]]


def vcf_runner(backend: str, resonance: float, x: np.ndarray, factor: int = 1,
               solver: str = "fixed_point", cutoff_hz: float = CUTOFF_HZ, fs: float = FS,
               block: int = BLOCK) -> Runner:
    """A function that streams ``x`` (frames x channels) once in ``block``-frame
    blocks from a reset VCF and returns (elapsed ns, iteration stats)."""
    vcf = VCF(backend=backend, cutoff_hz=cutoff_hz, resonance=resonance, oversampling_factor=factor,
              solver=solver)
    vcf(x[:block], fs)  # warm up (Numba compile / cache load)
    vcf.prepare(fs, x.shape[1], block)
    work = x.copy()
    views = [work[i:i + block] for i in range(0, len(work), block)]

    def run() -> tuple[int, dict]:
        work[:] = x
        vcf.reset()
        max_iters = 0
        start = time.thread_time_ns()
        for view in views:
            vcf.process(view)
            max_iters = max(max_iters, vcf.max_iterations_last_block)
        elapsed = time.thread_time_ns() - start
        return elapsed, {"mean_iters": vcf.mean_iterations_per_sample, "max_iters": max_iters,
                         "nonconverged": vcf.nonconverged_samples, "factor": factor}
    return run


def numpy_scalar_runner(resonance: float, x: np.ndarray) -> Runner:
    """The reference loop with ``numpy.tanh``: every value becomes a NumPy
    float64 scalar (a common, slower way to write such a loop in Python)."""
    from rtaudio.kernels.reference.vcf import vcf_process
    vcf = VCF(backend="reference", cutoff_hz=CUTOFF_HZ, resonance=resonance, solver="fixed_point")
    vcf.prepare(FS, 1, BLOCK)

    def run() -> tuple[int, dict]:
        vcf.reset()
        work = x.copy()
        max_iters = 0
        start = time.thread_time_ns()
        for i in range(0, len(work), BLOCK):
            vcf_process(vcf._params, vcf._smooth, vcf._state, vcf._counters, work[i:i + BLOCK],
                        tanh=np.tanh)
            max_iters = max(max_iters, vcf.max_iterations_last_block)
        elapsed = time.thread_time_ns() - start
        return elapsed, {"mean_iters": vcf.mean_iterations_per_sample, "max_iters": max_iters,
                         "nonconverged": vcf.nonconverged_samples}
    return run


def pedalboard_runner(x: np.ndarray, fs: float = FS, block: int = BLOCK) -> tuple[str, Runner]:
    import pedalboard
    plugin = pedalboard.LadderFilter(mode=pedalboard.LadderFilter.Mode.LPF24, cutoff_hz=CUTOFF_HZ,
                                     resonance=0.0, drive=1.0)
    audio = np.ascontiguousarray(x.T)                 # channels x frames
    views = [audio[:, i:i + block] for i in range(0, audio.shape[1], block)]

    def run() -> tuple[int, dict]:
        plugin.reset()
        start = time.thread_time_ns()
        for view in views:
            plugin.process(view, fs, reset=False)
        return time.thread_time_ns() - start, {}
    return f"pedalboard {pedalboard.__version__} LadderFilter (LPF24)", run


def best_of(plan: dict, repeats: int) -> dict:
    """Run every (runner, samples) of ``plan`` round-robin ``repeats`` times;
    the best ns per sample per channel and its stats for each key."""
    rows: dict = {}
    for _ in range(repeats):
        for key, (run, samples) in plan.items():
            elapsed, stats = run()
            ns = elapsed / samples
            if key not in rows or ns < rows[key]["ns"]:
                rows[key] = {"ns": ns, **stats}
    return rows


def paper_table(args: argparse.Namespace) -> dict:
    """Part 1: the paper's setting, both solvers."""
    x = music_like(args.seconds)
    short = x[: max(BLOCK, len(x) // 4)]
    tiny = x[: max(BLOCK, len(x) // 32)]
    plan = {}
    for resonance in (5.175, 1.5):
        for solver in ("fixed_point", "newton"):
            plan[("C", solver, resonance)] = (vcf_runner("c", resonance, x, solver=solver), x.size)
            plan[("Numba", solver, resonance)] = (vcf_runner("numba", resonance, x, solver=solver),
                                                  x.size)
            plan[("pure Python", solver, resonance)] = (
                vcf_runner("reference", resonance, short, solver=solver), short.size)
        plan[("NumPy-scalar Python", "fixed_point", resonance)] = (
            numpy_scalar_runner(resonance, tiny), tiny.size)
    plan[("C, L = 4", "newton", 5.175)] = (vcf_runner("c", 5.175, x, factor=4, solver="newton"),
                                           x.size)
    try:
        peer_name, peer_run = pedalboard_runner(x)
        plan[(peer_name, "", 0.0)] = (peer_run, x.size)
    except ImportError:
        peer_name = None
    rows = best_of(plan, args.repeats)
    print(f"# VCF benchmark ({platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, best of {args.repeats})\n")
    print(f"## The paper's setting: {args.seconds:g} s mono at {FS:g} Hz, {BLOCK}-frame blocks\n")
    print("| implementation | solver | resonance | ns/sample | mean iter/sample | max iter "
          "| paper (its fixed point) |")
    print("|---|---|---:|---:|---:|---:|---|")
    paper_label = {"C": "Cython + native C", "Numba": "Numba", "pure Python": "pure Python",
                   "NumPy-scalar Python": "pure Python"}
    solver_label = {"fixed_point": "fixed point, 1e-3 rel.", "newton": "Newton, 1e-10 V", "": "–"}
    for (name, solver, resonance), r in rows.items():
        if name == peer_name:
            print(f"| {name} | {solver_label[solver]} | 0 (JUCE scale) | {r['ns']:.1f} | – | – | – |")
            continue
        paper = PAPER_US.get(paper_label.get(name, ""))
        paper_cell = f"{paper * 1000:.0f} ns ({paper:g} µs)" if paper else "– (not in the paper)"
        print(f"| rtaudio {name} | {solver_label[solver]} | {resonance:g} | {r['ns']:.1f} | "
              f"{r['mean_iters']:.2f} | {r['max_iters']} | {paper_cell} |")
    print("\nnonconverged samples: " + ", ".join(
        f"{n}/{s} @ {res:g}: {r['nonconverged']}" for (n, s, res), r in rows.items()
        if "nonconverged" in r))

    def ratio(a: str, b: str, solver: str, res: float) -> float:
        return rows[(a, solver, res)]["ns"] / rows[(b, solver, res)]["ns"]
    p = PAPER_US
    print("\n| ratio (same run) | solver | resonance 5.175 | resonance 1.5 | paper |")
    print("|---|---|---:|---:|---:|")
    for solver in ("fixed_point", "newton"):
        print(f"| pure Python / C | {solver_label[solver]} | {ratio('pure Python', 'C', solver, 5.175):.0f}x "
              f"| {ratio('pure Python', 'C', solver, 1.5):.0f}x "
              f"| {p['pure Python'] / p['Cython + native C']:.0f}x (1-iteration C) |")
        print(f"| pure Python / Numba | {solver_label[solver]} "
              f"| {ratio('pure Python', 'Numba', solver, 5.175):.0f}x "
              f"| {ratio('pure Python', 'Numba', solver, 1.5):.0f}x | {p['pure Python'] / p['Numba']:.0f}x |")
        print(f"| Numba / C | {solver_label[solver]} | {ratio('Numba', 'C', solver, 5.175):.2f}x "
              f"| {ratio('Numba', 'C', solver, 1.5):.2f}x | {p['Numba'] / p['Cython + native C']:.1f}x |")
    print(f"| C fixed point / C Newton | | {rows[('C', 'fixed_point', 5.175)]['ns'] / rows[('C', 'newton', 5.175)]['ns']:.2f}x "
          f"| {rows[('C', 'fixed_point', 1.5)]['ns'] / rows[('C', 'newton', 1.5)]['ns']:.2f}x | |")
    return rows


def target_table(args: argparse.Namespace) -> None:
    """Part 2: the VA-solvers targets at 48 kHz, block 64."""
    x = music_signal(TARGET_FS, args.seconds, 1).reshape(-1, 1)
    stereo = np.ascontiguousarray(np.hstack([x, 0.7 * x[::-1]]))
    plan = {}
    for label, ch_x in (("mono", x), ("stereo", stereo)):
        kw = dict(fs=TARGET_FS, block=TARGET_BLOCK)
        plan[("defaults", "newton", label)] = (
            vcf_runner("c", 1.5, ch_x, solver="newton", **kw), ch_x.size)
        plan[("15 kHz, resonance 4", "newton", label)] = (
            vcf_runner("c", 4.0, ch_x, solver="newton", cutoff_hz=15000.0, **kw), ch_x.size)
        plan[("defaults", "fixed_point", label)] = (
            vcf_runner("c", 1.5, ch_x, solver="fixed_point", **kw), ch_x.size)
        try:
            name, run = pedalboard_runner(ch_x, TARGET_FS, TARGET_BLOCK)
            plan[(name, "", label)] = (run, ch_x.size)
        except ImportError:
            pass
    rows = best_of(plan, args.repeats)
    print(f"\n## Targets: {args.seconds:g} s at {TARGET_FS:g} Hz, {TARGET_BLOCK}-frame blocks, "
          f"C kernel\n")
    print("| setting | solver | channels | ns/sample/channel | mean iter/sample | target |")
    print("|---|---|---|---:|---:|---|")
    for (setting, solver, label), r in rows.items():
        target = TARGET_NS.get(setting) if solver == "newton" else None
        verdict = (f"<= {target:g} ns: {'met' if r['ns'] <= target else 'NOT met'}"
                   if target else "")
        iters = f"{r['mean_iters']:.2f}" if "mean_iters" in r else "–"
        print(f"| {setting} | {solver or '–'} | {label} | {r['ns']:.1f} | {iters} | {verdict} |")
    for label in ("mono", "stereo"):
        fixed = rows[("defaults", "fixed_point", label)]["ns"]
        newton = rows[("defaults", "newton", label)]["ns"]
        print(f"\n{label}: Newton is {fixed / newton:.1f}x faster than the fixed point at the "
              f"defaults; {newton / (1e9 / TARGET_FS) * 100:.2f} % of one core per channel.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    paper_table(args)
    target_table(args)


if __name__ == "__main__":
    main()
