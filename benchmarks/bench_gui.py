"""Viewer cost and isolation: display rate, time per update, and what a stalled GUI does to the audio.

For each engine mode (native, python) and block size, the real viewer
window runs offscreen for ``--seconds`` on the virtual device (demo voice,
clocked at the real buffer period), then its Qt event loop is blocked for
1 s by a busy Python loop (a "stalled GUI"). Printed per run, all measured
in this run:

* ``fps``: display updates per second achieved after the first second (target 40);
* ``tick ms mean/p99/max``: time of one display update (drain the rings,
  STFT, image, pitch, meters; the statistics refresh is included);
* ``run xruns/late/overruns``: the engine's counters over the normal run;
* ``stall xruns/late/overruns``: the increase of the counters over the
  1 s stall (plus 50 ms to let the monitor drain), and the callbacks that
  ran in that window versus the count its length implies.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py``
(or under ``xvfb-run -a``).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from rtaudio.chain_spec import parse_chain_string  # noqa: E402
from rtaudio.gui.app import create_window, ensure_qapp  # noqa: E402

CHAIN = "gate(threshold_db=-45) > lowpass(cutoff_hz=3000) > yin"
RATE = 48000.0
STALL_S = 1.0
WARMUP_S = 1.0


def run_once(mode: str, blocksize: int, seconds: float, scale: str) -> dict:
    from pyqtgraph.Qt import QtCore
    from rtaudio.gui.analysis import SpectrogramSettings
    app = ensure_qapp()
    window = create_window(parse_chain_string(CHAIN), virtual=True, mode=mode, samplerate=RATE,
                           blocksize=blocksize, settings=SpectrogramSettings(scale=scale))
    window.show()
    source = window.source           # source.stats(): what the viewer shows, no ring race
    ticks: list[tuple[float, float]] = []     # (start, duration) of each display update
    original_tick = window.tick

    def timed_tick() -> None:
        began = time.perf_counter()
        original_tick()
        ticks.append((began, time.perf_counter() - began))

    window.timer.timeout.disconnect()
    window.timer.timeout.connect(timed_tick)
    result: dict = {}

    def measure_run() -> None:
        result["run"] = source.stats()
        result["run_ticks"] = list(ticks)

    def stall() -> None:
        window_began = time.monotonic()
        before = source.stats()
        began = time.monotonic()
        spins = 0
        while time.monotonic() - began < STALL_S:
            spins += 1
        elapsed = time.monotonic() - began
        time.sleep(0.05)             # let the monitor thread drain the stall's records
        window_s = time.monotonic() - window_began   # both snapshots lag the ring by <= 20 ms
        after = source.stats()
        result["stall"] = {k: after[k] - before[k] for k in ("callbacks", "xruns", "late", "overruns")}
        result["stall"]["expected"] = window_s * RATE / blocksize
        result["stall"]["seconds"] = elapsed

    QtCore.QTimer.singleShot(int(seconds * 1000), measure_run)
    QtCore.QTimer.singleShot(int(seconds * 1000) + 50, stall)
    QtCore.QTimer.singleShot(int(seconds * 1000) + 300 + int(STALL_S * 1000), app.quit)
    app.exec()
    window.close()
    # skip the first second (start-up: first draws, caches)
    starts = np.array([t for t, _ in result["run_ticks"]])
    durations = np.array([d for _, d in result["run_ticks"]])
    steady = starts >= starts[0] + WARMUP_S
    tick_ms = durations[steady] * 1e3
    result["fps"] = (steady.sum() - 1) / (starts[steady][-1] - starts[steady][0])
    result["tick_ms"] = (tick_ms.mean(), np.percentile(tick_ms, 99), tick_ms.max())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="normal run before the stall")
    parser.add_argument("--blocks", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--scale", choices=["linear", "mel"], default="mel")
    args = parser.parse_args()
    print(f"viewer on the virtual device, {RATE:g} Hz, chain {CHAIN!r}, {args.scale} axis, "
          f"FFT 2048 / 75 %, {args.seconds:g} s run then a {STALL_S:g} s busy-Python GUI stall")
    header = (f"{'mode':6s} {'block':>5s} {'fps':>5s} {'tick ms mean/p99/max':>22s} "
              f"{'run xruns/late/over':>20s} {'dsp load':>8s} {'stall cb/expected':>18s} "
              f"{'stall xruns/late/over':>22s}")
    print(header)
    print("-" * len(header))
    for blocksize in args.blocks:
        for mode in ("native", "python"):
            r = run_once(mode, blocksize, args.seconds, args.scale)
            run, stall = r["run"], r["stall"]
            mean, p99, peak = r["tick_ms"]
            print(f"{mode:6s} {blocksize:5d} {r['fps']:5.1f} {mean:7.2f}/{p99:6.2f}/{peak:6.1f} "
                  f"{run['xruns']:>8d}/{run['late']}/{run['overruns']:<8d} "
                  f"{100 * run['dsp_load']['mean']:6.2f} % "
                  f"{stall['callbacks']:>9d}/{stall['expected']:<8.0f} "
                  f"{stall['xruns']:>10d}/{stall['late']}/{stall['overruns']}")


if __name__ == "__main__":
    main()
