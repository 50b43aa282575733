"""Nothing allocated in the audio thread (docs/realtime.md §5).

A child process runs with tests/native/rtalloc.c preloaded: it counts
malloc/calloc/realloc/free/memalign/mmap/munmap calls made by threads that
a marker slot (first in the native chain) flagged as audio threads. The
full chain runs in native mode on JACK (64 frames) while a control thread
changes every parameter (structural ones included) and resets at random;
the count must be 0.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _rtprobe import build

HERE = Path(__file__).resolve().parent

SCRIPT = r"""
import ctypes, sys, threading, time, warnings
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
from _rtprobe import ProbeSlot
from _stress import control_loop
from rtaudio import parse_chain_string
from rtaudio.engine import Engine
counter = ctypes.CDLL(None)
counter.rtalloc_total.restype = ctypes.c_uint64
counter.rtalloc_marked_threads.restype = ctypes.c_uint64
chain = parse_chain_string("gate > lowpass > ringmod > vcf > yin")
chain.insert(0, ProbeSlot("mark"))
if sys.argv[5] != "none":
    chain.append(ProbeSlot(sys.argv[5]))   # a mutant
eng = Engine(chain, blocksize=int(sys.argv[2]), mode="native", backend=sys.argv[3])
counts = {"params": 0, "structural": 0, "resets": 0, "rejected": 0}
stop = threading.Event()
with eng:
    time.sleep(0.3)
    before = counter.rtalloc_total()
    control = threading.Thread(target=control_loop, args=(eng, stop, counts))
    control.start()
    time.sleep(float(sys.argv[4]))
    stop.set(); control.join()
    after = counter.rtalloc_total()
print("ALLOC", counter.rtalloc_marked_threads(), before, after, eng.callbacks, counts, eng.error, flush=True)
"""


def run_counted(blocksize: int, backend: str, seconds: float, mutant: str = "none") -> list[str]:
    preload = build("rtalloc")
    env = dict(os.environ, LD_PRELOAD=str(preload))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(HERE), str(blocksize), backend, str(seconds),
                           mutant],
                          capture_output=True, text=True, timeout=120, env=env)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("ALLOC")]
    assert line, proc.stdout + proc.stderr[-3000:]
    return line[0].split(maxsplit=5)


def test_no_allocation_in_native_audio_thread(jack_servers):
    jack_servers.use(64)
    _, marked, before, after, callbacks, rest = run_counted(64, "sounddevice", 3.0)
    print(marked, before, after, callbacks, rest)
    assert int(marked) == 1 and int(callbacks) > 1000   # the counter saw the audio thread
    assert int(before) == 0 and int(after) == 0, (before, after, rest)


def test_allocation_counter_sees_an_allocating_slot(jack_servers):
    """The same run with a mutant slot that mallocs and frees every block:
    the counter must see about two calls per callback (the test can fail)."""
    jack_servers.use(64)
    _, marked, before, after, callbacks, rest = run_counted(64, "sounddevice", 1.0, mutant="alloc")
    print(marked, before, after, callbacks, rest)
    assert int(after) >= 1.9 * int(callbacks) > 0, (after, callbacks)  # malloc + free per block
