"""Soak: the full chain in native mode at 64 frames on a JACK dummy server,
first with no load, then for ``--minutes`` under every load at once (CPU,
GUI, GIL, GC, file copy; rtaudio/bench/loads.py and the viewer of
``rtaudio latency``). Prints both runs' numbers and the same-run ratios,
and writes ``soak.md`` + ``soak.json`` (with the command) to ``--out``.

    python benchmarks/soak.py --minutes 10 --out latency_reports/soak

docs/realtime.md §6.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

CHAIN = "gate > lowpass > ringmod > vcf > yin"
# the independent host-stall witness of the real-time tests (a SCHED_FIFO
# canary thread in C) and their judgement of a run: tests/_rtprobe.py, _realtime.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
KEYS = ("callbacks", "expected_callbacks", "xruns", "dropped", "overruns", "late")


def run(minutes: float, loaded: bool, server) -> dict:
    from rtaudio import parse_chain_string
    from rtaudio.engine import Engine
    engine = Engine(parse_chain_string(CHAIN), device=server.device, samplerate=48000, blocksize=64,
                    channels=2, mode="native", tap=loaded)
    from _realtime import realtime_report
    from _rtprobe import Canary
    xruns_before = server.xrun_messages
    started = time.time()
    canary = Canary()
    canary.__enter__()
    try:
        info = _run(engine, minutes, loaded)
    finally:
        canary.__exit__(None, None, None)
    s = engine.stats()
    witness = realtime_report(engine.monitor, 64 / 48000 * 1e9, canary, s["expected_callbacks"])
    return {"loaded": loaded, "minutes": minutes, "started_unix": started, "error": engine.error,
            "jackd_xrun_messages": server.xrun_messages - xruns_before, "canary": witness,
            "stats": {k: s[k] for k in KEYS} | {"process_us": s["process_us"], "dsp_load": s["dsp_load"],
                                                "interval_us": s["interval_us"]}, **info}


def _run(engine, minutes: float, loaded: bool) -> dict:
    from rtaudio.bench.loads import CpuLoad, FileCopyLoad, GcLoad, GilLoad, Load, run_under_load
    if loaded:
        from rtaudio.commands.latency_gui import run_with_viewer
        loads = [CpuLoad(), GilLoad(), GcLoad(), FileCopyLoad(256)]
        for load in loads:
            load.start()
        try:
            gui = run_with_viewer(engine, minutes * 60)
        finally:
            engine.stop()
            for load in reversed(loads):
                load.stop()
        info = {"loads": [l.info() for l in loads] + [gui]}
    else:
        run_under_load(engine, Load(), minutes * 60)
        info = {"loads": []}
    return info


def table(runs: list[dict]) -> str:
    rows = ["| run | seconds | callbacks | clock expects | xruns | dropped | overruns | late | "
            "process p99 / max (µs) | interval max (µs) | jackd xrun lines | slow callbacks (> period/2) "
            "not witnessed by the canary | lost periods not witnessed |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        s = r["stats"]
        rows.append(f"| {'all loads' if r['loaded'] else 'no load'} | {s['expected_callbacks'] * 64 / 48000:.0f} | "
                    f"{s['callbacks']} | "
                    f"{s['expected_callbacks']} | {s['xruns']} | {s['dropped']} | {s['overruns']} | "
                    f"{s['late']} | {s['process_us']['p99']:.1f} / {s['process_us']['max']:.1f} | "
                    f"{s['interval_us']['max']:.0f} | {r['jackd_xrun_messages']} | "
                    f"{r['canary']['slow_unwitnessed']} of {r['canary']['slow']} | "
                    f"{r['canary']['lost_unwitnessed']} of {r['canary']['lost_in_gaps']} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the loaded run")
    parser.add_argument("--baseline-minutes", type=float, default=None,
                        help="length of the no-load run (default: min(minutes, 2))")
    parser.add_argument("--out", default=f"latency_reports/soak-{time.strftime('%Y%m%d-%H%M%S')}")
    args = parser.parse_args()
    from rtaudio.bench.jackserver import JackDummyServer
    from rtaudio.bench.report import machine_info
    baseline_min = args.baseline_minutes if args.baseline_minutes is not None else min(args.minutes, 2.0)
    command = "python benchmarks/soak.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with JackDummyServer(48000, 64) as server:
        runs = [run(baseline_min, False, server), run(args.minutes, True, server)]
        realtime = server.realtime
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base, soak = runs
    ratio = {k: (soak["stats"][k] / base["stats"][k] if base["stats"][k] else None) for k in ("xruns", "late")}
    text = (f"# Soak: {CHAIN}, native mode, 64 frames @ 48 kHz, JACK dummy\n\n"
            f"Command: `{command}`\n\n{table(runs)}\n\n"
            f"Under all loads (cpu, gui, gil, gc, filecopy at once): overruns {soak['stats']['overruns']}, "
            f"xruns {soak['stats']['xruns']} (no load: {base['stats']['xruns']}), late "
            f"{soak['stats']['late']} (no load: {base['stats']['late']}); errors: {soak['error'] or 'none'}.\n")
    (out / "soak.md").write_text(text)
    (out / "soak.json").write_text(json.dumps({"command": command, "machine": machine_info(realtime),
                                               "runs": runs, "ratios_loaded_over_baseline": ratio},
                                              indent=2, default=str))
    print(text)
    print(f"wrote {out / 'soak.md'} and {out / 'soak.json'}")


if __name__ == "__main__":
    main()
