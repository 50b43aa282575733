"""Start/stop cycles leak nothing (docs/realtime.md §4): after 200 warm-up
cycles, 200 more grow RSS by < 5 MB (measured after gc.collect() and glibc's
malloc_trim(0), which returns freed arenas that would otherwise make RSS
jump by 5-20 MB between samples), with constant open file descriptors and
threads. Each mode, in a fresh child process."""
from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = r"""
import ctypes, gc, os, sys, threading, time
from rtaudio import Chain, LowPass, NoiseGate
from rtaudio.engine import Engine
libc = ctypes.CDLL("libc.so.6")
mode, cycles, leak = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "leak"
kept = []

def rss_mb():
    gc.collect(); libc.malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def snapshot():
    return rss_mb(), len(os.listdir("/proc/self/fd")), len(os.listdir("/proc/self/task")), threading.active_count()

eng = Engine(Chain([NoiseGate(threshold_db=-45.0), LowPass(cutoff_hz=3000.0)]), blocksize=64, mode=mode,
             backend="virtual", backend_options=dict(speed=0, max_callbacks=10**9))
def cycle():
    eng.start()
    while eng.callbacks < 20:
        time.sleep(0.001)
    eng.stop()
    if leak:  # mutation check: keep every stream's C side alive, its tap rings
        holder = eng.native or eng.pycallback  # resident (written once, as a long run would),
        kept.append(holder)                    # so RSS sees the whole leak, not only touched pages
        for ring in (holder.tap_in, holder.tap_out):
            ring.data.fill(0.5)
for _ in range(cycles):
    cycle()
before = snapshot()
for _ in range(cycles):
    cycle()
after = snapshot()
print("CYCLES", *before, *after, flush=True)
"""


def run_cycles(mode: str, cycles: int = 200, leak: bool = False) -> tuple:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(cycles), "leak" if leak else "-"],
                          capture_output=True, text=True, timeout=600)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("CYCLES")]
    assert line, proc.stdout + proc.stderr[-3000:]
    values = [float(v) for v in line[0].split()[1:]]
    return tuple(values[:4]), tuple(values[4:])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["native", "python"])
def test_start_stop_cycles_leak_nothing(mode):
    (rss0, fds0, tasks0, threads0), (rss1, fds1, tasks1, threads1) = run_cycles(mode)
    print(f"{mode}: RSS {rss0:.1f} -> {rss1:.1f} MB, fds {fds0:.0f} -> {fds1:.0f}, "
          f"tasks {tasks0:.0f} -> {tasks1:.0f}, threads {threads0:.0f} -> {threads1:.0f}")
    assert rss1 - rss0 < 5.0
    assert fds1 == fds0 and tasks1 == tasks0 and threads1 == threads0


@pytest.mark.slow
def test_cycle_measurement_sees_a_leak():
    """Mutation check: the same measurement (20 + 20 cycles) keeping each
    stream's C side and rings alive must exceed the 5 MB bound."""
    (rss0, *_), (rss1, *_) = run_cycles("native", cycles=20, leak=True)
    print(f"leaking: RSS {rss0:.1f} -> {rss1:.1f} MB")
    assert rss1 - rss0 >= 5.0
