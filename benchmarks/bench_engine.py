"""Engine benchmark: native vs python mode, blocks 64 and 256, with and
without a busy Python thread, on a JACK dummy server (no sound card).

Every number is measured in this run; nothing is hard-coded. The machine
is shared, so repeat runs vary (timer jitter of the dummy driver, other
processes).

    .venv/bin/python benchmarks/bench_engine.py [--seconds 5] [--blocks 64,256]
"""
from __future__ import annotations

import argparse

from rtaudio import Chain, LowPass, NoiseGate
from rtaudio.engine import Engine
from rtaudio.bench.jackserver import JackDummyServer
from rtaudio.bench.loads import GilLoad, Load, run_under_load

RATE = 48000


def run(mode: str, blocksize: int, seconds: float, busy: bool) -> dict:
    chain = Chain([NoiseGate(threshold_db=-45.0), LowPass(cutoff_hz=3000.0)])
    eng = Engine(chain, samplerate=RATE, blocksize=blocksize, channels=2, mode=mode)
    run_under_load(eng, GilLoad() if busy else Load(), seconds)
    return eng.stats()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="run time per scenario")
    parser.add_argument("--blocks", default="64,256", help="comma list of block sizes")
    args = parser.parse_args()
    rows = []
    for block in [int(b) for b in args.blocks.split(",")]:
        with JackDummyServer(RATE, block) as server:
            for busy in (False, True):
                for mode in ("native", "python"):
                    s = run(mode, block, args.seconds, busy)
                    rows.append((block, "busy thread" if busy else "none", mode, s, server.realtime))
    print(f"JACK dummy server, {RATE} Hz, {args.seconds:g} s per row, chain gate > lowpass (C kernels)")
    header = ("| block | load | mode | callbacks / expected | xruns | dropped | late | overruns "
              "| process mean / p99 / max (us) | interval p99 / max (us) | DSP load mean / max |")
    print(header)
    print("|" + "---|" * 10)
    for block, load, mode, s, _ in rows:
        p, i, d = s["process_us"], s["interval_us"], s["dsp_load"]
        print(f"| {block} | {load} | {mode} | {s['callbacks']} / {s['expected_callbacks']} | {s['xruns']} "
              f"| {s['dropped']} | {s['late']} | {s['overruns']} "
              f"| {p['mean']:.1f} / {p['p99']:.1f} / {p['max']:.1f} | {i['p99']:.0f} / {i['max']:.0f} "
              f"| {100 * d['mean']:.2f}% / {100 * d['max']:.1f}% |")
    print()
    print("python / native ratios (same block and load):")
    for block in sorted({r[0] for r in rows}):
        for load in ("none", "busy thread"):
            nat = next(r[3] for r in rows if r[:3] == (block, load, "native"))
            py = next(r[3] for r in rows if r[:3] == (block, load, "python"))
            print(f"  block {block:4d}, {load:11s}: process p99 x{py['process_us']['p99'] / max(nat['process_us']['p99'], 1e-9):.1f}, "
                  f"process max x{py['process_us']['max'] / max(nat['process_us']['max'], 1e-9):.1f}, "
                  f"xruns {py['xruns']} vs {nat['xruns']}, late {py['late']} vs {nat['late']}")
    print(f"(jackd ran with {'-R (SCHED_FIFO)' if rows and rows[0][4] else '--no-realtime'})")


if __name__ == "__main__":
    main()
