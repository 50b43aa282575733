"""Benchmark: rtaudio.features vs librosa on one core (one run).

A 3-minute 44.1 kHz track from the demo generator (``rtaudio.demo``:
music-like notes plus the singing-like demo voice), float32. Every
function runs once on 3 s first (JIT compilation, imports, FFT plans;
rtaudio's CQT filters are cached per process, as in a batch of files),
then each call is timed ``--repeats`` times and the best time kept. BLAS,
OpenMP and Numba are limited to one thread before NumPy is imported, so
the CPU time of the process is the cost on one core; it is the primary
measure (the wall time, in brackets, also counts waiting for a core on a
shared machine).

Rows: ``effects.hpss``, ``feature.chroma_cqt``, ``yin`` (fmin 65.4 Hz,
fmax 2093 Hz), the trio (sum of the three), and the fingerprint pipeline
(hpss -> chroma_cqt of the harmonic part -> yin of it) against the same
librosa calls, and the fingerprint against the same three rtaudio calls
made separately (what its shared work saves). The largest difference to librosa is printed next to
each row (relative to the maximum; chroma absolute).

    .venv/bin/python benchmarks/bench_features.py [--seconds 180] [--repeats 1]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

SR = 44100
FMIN, FMAX = 65.40639132514966, 2093.004522404789


def track(seconds: float) -> np.ndarray:
    from rtaudio.demo import demo_signal, music_signal
    y = music_signal(SR, seconds) + 0.5 * demo_signal(SR, seconds)[:, 0]
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def best_time(fn, repeats: int):
    """Best CPU time and wall time over ``repeats`` calls, and the result.

    CPU time (``time.process_time``, one thread) is the cost on one core;
    on a shared machine the wall time also counts the waits for a core."""
    best_cpu, best_wall, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        result = fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return (best_cpu, best_wall), result


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    import librosa

    from rtaudio import features

    y = track(args.seconds)
    warm = y[:3 * SR]
    calls = {
        "hpss": (lambda s: features.hpss(s), lambda s: librosa.effects.hpss(s)),
        "chroma_cqt": (lambda s: features.chroma_cqt(y=s, sr=SR),
                       lambda s: librosa.feature.chroma_cqt(y=s, sr=SR)),
        "yin": (lambda s: features.yin(s, fmin=FMIN, fmax=FMAX, sr=SR),
                lambda s: librosa.yin(s, fmin=FMIN, fmax=FMAX, sr=SR)),
    }

    def librosa_fingerprint(s):
        h, _ = librosa.effects.hpss(s)
        return h, librosa.feature.chroma_cqt(y=h, sr=SR), librosa.yin(h, fmin=FMIN, fmax=FMAX, sr=SR)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ours, theirs in calls.values():
            ours(warm), theirs(warm)
        features.fingerprint(warm, SR)
        rows = []
        for name, (ours, theirs) in calls.items():
            t_lr, r_lr = best_time(lambda: theirs(y), args.repeats)
            t_rt, r_rt = best_time(lambda: ours(y), args.repeats)
            if name == "hpss":
                diff = max(rel(r_rt[0], r_lr[0]), rel(r_rt[1], r_lr[1]))
            elif name == "chroma_cqt":
                diff = float(np.max(np.abs(r_rt - r_lr)))
            else:  # yin: share of frames outside 1e-4 relative (threshold ties)
                diff = float(np.mean(np.abs(r_rt - r_lr) > 1e-4 * r_lr))
            rows.append((name, t_lr, t_rt, diff))
        t_fl, (h_l, c_l, f_l) = best_time(lambda: librosa_fingerprint(y), args.repeats)
        t_fr, fp = best_time(lambda: features.fingerprint(y, SR), args.repeats)

        def separate_calls(s):
            h, _ = features.hpss(s)
            return features.chroma_cqt(y=h, sr=SR), features.yin(h, fmin=FMIN, fmax=FMAX, sr=SR)
        t_fs, _ = best_time(lambda: separate_calls(y), args.repeats)
    fp_diff = max(rel(fp["harmonic"], h_l), float(np.max(np.abs(fp["chroma"] - c_l))))

    print(f"{args.seconds:g} s at {SR} Hz (float32), one thread, best of {args.repeats}; "
          f"CPU time (wall time in brackets)")
    print()
    print("| call | librosa | rtaudio.features | speed-up, CPU (wall) | difference to librosa |")
    print("|---|---:|---:|---:|---|")
    notes = {"hpss": "rel. to max", "chroma_cqt": "abs.", "yin": "frames off by >1e-4"}

    def row(name, t_lr, t_rt, note):
        print(f"| {name} | {t_lr[0]:.2f} s ({t_lr[1]:.2f} s) | {t_rt[0]:.2f} s ({t_rt[1]:.2f} s) | "
              f"{t_lr[0] / t_rt[0]:.1f}x ({t_lr[1] / t_rt[1]:.1f}x) | {note} |")

    for name, t_lr, t_rt, diff in rows:
        row(name, t_lr, t_rt, f"{diff:.1e} ({notes[name]})")
    t_lr3 = tuple(sum(r[1][i] for r in rows) for i in range(2))
    t_rt3 = tuple(sum(r[2][i] for r in rows) for i in range(2))
    row("trio (hpss + chroma_cqt + yin)", t_lr3, t_rt3, "")
    row("fingerprint (hpss -> chroma_cqt, yin of harmonic)", t_fl, t_fr, f"{fp_diff:.1e}")
    print()
    print(f"fingerprint vs the same three rtaudio calls made separately: {t_fs[0]:.2f} s / "
          f"{t_fr[0]:.2f} s = {t_fs[0] / t_fr[0]:.2f}x CPU ({t_fs[1] / t_fr[1]:.2f}x wall)")


if __name__ == "__main__":
    main()
