#!/usr/bin/env python
"""User effects: compile times, speed against a built-in, per-call overhead.

Usage::

    .venv/bin/python benchmarks/bench_user_effects.py [--callbacks 20000] [--repeats 5]

1. Compile time of each example in examples/ in a fresh process with an
   empty cache, then in a second process (loaded from the disk cache).
2. The native chain driven by the virtual device's C clock thread as fast
   as it can run (no sleeping, no Python in the loop: ``rtd_virtual_run``
   calls ``rtd_engine_callback``), block 64, mono. Each chain holds
   ``COPIES`` instances of one processor so the per-instance cost stands
   well above the clock's resolution; the callback times itself (the
   monitor's enter/exit stamps) and the table reports the median over all
   callbacks, the best of ``--repeats`` runs, minus the same median for an
   empty chain, divided by ``COPIES``:

   - a one-pole low-pass written as a user Numba effect
     (``y = fma(1 − a, y, a·x)``, LowPass's eq. 2.1 as LowPass evaluates it,
     with the coefficient smoothed per sample by the shim) against the
     built-in C ``LowPass`` (same equation, same smoothing);
   - an empty user effect (no parameters, no state, a kernel that returns):
     the per-call overhead of the shim and the slot call.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

import rtaudio
from rtaudio import Chain, LowPass, Param
from rtaudio.effects import fma
from rtaudio.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
FS = 48000
BLOCK = 64
COPIES = 16
CUTOFF_HZ = 1000.0


@rtaudio.effect(name="bench_one_pole", params=[Param("alpha", "", 0.1, 0.0, 1.0)], state={"y1": 1})
def one_pole(block, params, state, sample_rate):
    """y[n] = a·x[n] + (1 − a)·y[n−1] (LowPass's eq. 2.1), one state value per channel."""
    for c in range(block.shape[1]):
        y = state.y1[c]
        for n in range(block.shape[0]):
            a = params.alpha[n]
            y = fma(1.0 - a, y, a * block[n, c])    # as LowPass: one fused multiply-add
            block[n, c] = y
        state.y1[c] = y if abs(y) >= 1e-30 else 0.0


@rtaudio.effect(name="bench_empty")
def empty(block, params, state, sample_rate):
    """Does nothing: measures the shim and the slot call."""


def callback_median_ns(chain: Chain, callbacks: int, channels: int = 1) -> float:
    x = np.random.default_rng(0).standard_normal((FS, channels)).astype(np.float32) * 0.3
    eng = Engine(chain, samplerate=FS, blocksize=BLOCK, channels=channels, mode="native", backend="virtual",
                 backend_options=dict(input=x, max_callbacks=callbacks, speed=0.0), tap=False)
    eng.start()
    eng.wait(120)
    eng.stop()
    rec = eng.monitor[callbacks // 10:]  # skip the warm-up
    return float(np.median(rec["exit_ns"] - rec["enter_ns"]))


def best(make_chain, callbacks: int, repeats: int) -> float:
    return min(callback_median_ns(make_chain(), callbacks) for _ in range(repeats))


COMPILE_SCRIPT = textwrap.dedent("""
    import importlib.util, sys
    from rtaudio.effects import UserEffect
    for name in ("tremolo", "echo", "softclip"):
        spec = importlib.util.spec_from_file_location("ex_" + name, sys.argv[1] + "/" + name + ".py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        cls = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, UserEffect) and v is not UserEffect][0]
        print(name, cls.language, round(cls.compile_seconds, 3), cls.compile_cached)
""")


def compile_times() -> list[tuple[str, str, float, float]]:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, RTAUDIO_CACHE_DIR=cache)
        runs = [subprocess.run([sys.executable, "-c", COMPILE_SCRIPT, str(ROOT / "examples")], env=env,
                               capture_output=True, text=True, check=True).stdout.split("\n")
                for _ in range(2)]
    rows = []
    for first, second in zip(runs[0], runs[1]):
        if first.strip():
            name, language, fresh, _ = first.split()
            _, _, cached, was_cached = second.split()
            assert was_cached == "True", second
            rows.append((name, language, float(fresh), float(cached)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callbacks", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numba {__import__('numba').__version__}")

    print("\n## Compile time of the examples (s): fresh process, empty cache / second process, disk cache")
    print(f"{'effect':10s} {'kernel':6s} {'compile':>8s} {'cached':>8s}")
    for name, language, fresh, cached in compile_times():
        print(f"{name:10s} {language:6s} {fresh:8.2f} {cached:8.2f}")

    alpha = LowPass(cutoff_hz=CUTOFF_HZ)
    alpha.prepare(FS, 1)
    a = alpha.alpha
    n, r = args.callbacks, args.repeats
    none = best(lambda: Chain([]), n, r)
    builtin = best(lambda: Chain([LowPass(cutoff_hz=CUTOFF_HZ) for _ in range(COPIES)]), n, r)
    user = best(lambda: Chain([one_pole(alpha=a) for _ in range(COPIES)]), n, r)
    shim = best(lambda: Chain([empty() for _ in range(COPIES)]), n, r)
    per = {k: (v - none) / COPIES for k, v in (("builtin", builtin), ("user", user), ("empty", shim))}
    print(f"\n## Native chain, block {BLOCK}, mono, median callback time, best of {r} x {n} callbacks;"
          f" per instance = (chain - empty chain) / {COPIES}")
    print(f"{'chain':34s} {'callback ns':>12s} {'per instance ns':>16s} {'ns/sample':>10s}")
    print(f"{'empty chain':34s} {none:12.0f} {'':>16s} {'':>10s}")
    for label, key, total in ((f"{COPIES} x LowPass (built-in C)", "builtin", builtin),
                              (f"{COPIES} x one-pole (user, Numba)", "user", user),
                              (f"{COPIES} x empty user effect", "empty", shim)):
        print(f"{label:34s} {total:12.0f} {per[key]:16.1f} {per[key] / BLOCK:10.2f}")
    x = np.random.default_rng(1).standard_normal((FS, 1)).astype(np.float32)
    same = np.array_equal(one_pole(alpha=a)(x, FS), LowPass(alpha=a)(x, FS))
    print(f"\nsame algorithm: user one-pole output == LowPass output, bit for bit: {same}")
    ratio = per["user"] / per["builtin"]
    print(f"user one-pole / built-in LowPass: {ratio:.2f}x   (target <= 1.5x)  "
          f"{'OK' if ratio <= 1.5 else 'OVER TARGET'}")
    print(f"per-call overhead of a user effect: {per['empty']:.0f} ns   (target <= 100 ns)  "
          f"{'OK' if per['empty'] <= 100 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
