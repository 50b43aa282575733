"""Parameter/structure/reset stress on a streaming engine (docs/realtime.md §2).

A control thread changes every parameter of every processor of the full
chain (structural ones included) to random valid values and calls
``reset()`` at random, as fast as it can (>= 1 kHz), while the engine runs
in native mode. ``run_stress`` returns what happened; it runs inside pytest
(tests/test_realtime_stress.py) and as a script under ThreadSanitizer
(``python tests/_stress.py SECONDS``, see ``make tsan``).
"""
from __future__ import annotations

import math
import random
import sys
import threading
import time
import warnings
from typing import Any, Optional

import numpy as np

RATE = 48000
#: keep the structural parameters where one block stays affordable on a 2-core VM
CAPS = {"frame_length": (256, 2048), "hop_length": (256, 2048), "oversampling_factor": (1, 4), "drive": (0.0, 4.0),
        "fmin_hz": (60.0, 400.0), "fmax_hz": (500.0, 4000.0)}
STRUCTURAL_SHARE = 0.03
RESET_SHARE = 0.10


def random_value(proc, param, rng: random.Random) -> Any:
    if param.choices:
        return rng.choice(param.choices)
    low, high = param.bounds(RATE)
    if param.name in CAPS:
        low, high = CAPS[param.name]
    if high is None:
        high = 2000.0 if low is not None else 1.0
    low = 0.0 if low is None else low
    if param.integer:
        return rng.randint(int(math.ceil(low)), int(high))
    span = high - low
    lo, hi = low + 1e-3 * span, high - 1e-3 * span
    if param.log_scale and lo > 0:
        return math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return rng.uniform(lo, hi)


def structural(proc, name: str) -> bool:
    return name in ("oversampling_factor", "model", "frame_length", "hop_length", "fmin_hz", "fmax_hz")


def control_loop(engine, stop: threading.Event, counts: dict, seed: int = 1) -> None:
    warnings.simplefilter("ignore", UserWarning)  # YIN's "fewer than two periods" advice
    rng = random.Random(seed)
    procs = list(engine.chain)
    plain = [(p, prm) for p in procs for prm in p.PARAMS if not structural(p, prm.name)]
    struct = [(p, prm) for p in procs for prm in p.PARAMS if structural(p, prm.name)]
    while not stop.is_set():
        r = rng.random()
        try:
            if r < RESET_SHARE:
                (engine.chain if rng.random() < 0.3 else rng.choice(procs)).reset()
                counts["resets"] += 1
            else:
                proc, prm = rng.choice(struct if r < RESET_SHARE + STRUCTURAL_SHARE else plain)
                engine.set(engine.chain.processors.index(proc), prm.name, random_value(proc, prm, rng))
                counts["structural" if structural(proc, prm.name) else "params"] += 1
        except ValueError:
            counts["rejected"] += 1  # a combination the processor refuses (e.g. cutoff above 0.068·L·fs)


def run_stress(seconds: float, blocksize: int = 256, backend: str = "sounddevice",
               mode: str = "native", canary=None) -> dict:
    from rtaudio import parse_chain_string
    from rtaudio.engine import Engine
    chain = parse_chain_string("gate > lowpass > ringmod > vcf > yin")
    eng = Engine(chain, samplerate=RATE, blocksize=blocksize, channels=2, mode=mode, backend=backend,
                 backend_options={"speed": 1.0} if backend == "virtual" else None)
    counts = {"params": 0, "structural": 0, "resets": 0, "rejected": 0}
    stop = threading.Event()
    control = threading.Thread(target=control_loop, args=(eng, stop, counts), daemon=True)
    outputs: list[np.ndarray] = []
    with eng:
        time.sleep(0.2)
        t0 = time.monotonic()
        control.start()
        while time.monotonic() - t0 < seconds:
            time.sleep(0.05)
            outputs.append(eng.read_tap()[1])
        stop.set()
        control.join()
        elapsed = time.monotonic() - t0
        outputs.append(eng.read_tap()[1])
    out = np.concatenate(outputs) if outputs else np.zeros((0, 2), np.float32)
    ops = counts["params"] + counts["structural"] + counts["resets"]
    return {"stats": eng.stats(), "records": eng.monitor, "error": eng.error, "counts": counts,
            "ops_per_s": ops / elapsed, "elapsed_s": elapsed, "output_frames": len(out),
            "output_finite": bool(np.isfinite(out).all()), "output_peak": float(np.abs(out).max(initial=0)),
            "retained_generations": sum(len(p._retiring) for p in chain)}


def load_native_module(path: str) -> None:
    """Make ``rtaudio._rtdsp`` the extension at ``path`` (the TSAN build)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("rtaudio._rtdsp", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["rtaudio._rtdsp"] = module
    spec.loader.exec_module(module)


if __name__ == "__main__":  # ThreadSanitizer run: see tests/test_realtime_stress.py
    if len(sys.argv) > 3:
        load_native_module(sys.argv[3])
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    backend = sys.argv[2] if len(sys.argv) > 2 else "virtual"
    result = run_stress(seconds, backend=backend)
    summary: dict[str, Optional[Any]] = {k: result[k] for k in ("error", "counts", "ops_per_s", "output_finite")}
    summary["callbacks"] = result["stats"]["callbacks"]
    print("STRESS", summary, flush=True)
