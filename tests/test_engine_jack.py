"""Engine on a JACK dummy server (a real PortAudio device, no sound card).

The ``jack_servers`` fixture (tests/_jack.py) starts ``jackd -d dummy`` with
the period equal to the engine block and fails loudly if it cannot.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time
from typing import Optional

import numpy as np
import pytest

from rtaudio import Chain, LowPass, NoiseGate, RtaudioError
from rtaudio.engine import Engine
from rtaudio.bench.loads import GilLoad, Load, run_under_load

from _realtime import assert_native_realtime, assert_periods_accounted, clock_ok, in_window, punctual, \
    realtime_report
from _rtprobe import Canary, ProbeSlot

RATE = 48000
RUN_S = 10.0
#: mutation check (docs/realtime.md §3.3): RTAUDIO_TEST_MUTANT=stall|gil puts
#: a test-double slot into every native chain these tests build
MUTANT = os.environ.get("RTAUDIO_TEST_MUTANT")


def make_chain(mutant: Optional[str] = MUTANT) -> Chain:
    chain = Chain([NoiseGate(threshold_db=-45.0), LowPass(cutoff_hz=3000.0)])
    if mutant:
        chain.append(ProbeSlot(mutant))
    return chain


def stream_clock_callbacks(rec: np.ndarray, blocksize: int) -> float:
    """Callbacks the stream clock (PortAudio currentTime) implies."""
    return (rec["current_time"][-1] - rec["current_time"][0]) * RATE / blocksize + 1


def summary(s: dict) -> str:
    return (f"{s['mode']:6s} bs={s['blocksize']:4d} callbacks={s['callbacks']} "
            f"expected={s['expected_callbacks']} xruns={s['xruns']} dropped={s['dropped']} "
            f"overruns={s['overruns']} late={s['late']} process p99={s['process_us']['p99']:.1f} us "
            f"max={s['process_us']['max']:.1f} us interval max={s['interval_us']['max']:.0f} us "
            f"load max={s['dsp_load']['max']:.3f}")


def run(mode, blocksize, seconds, backend="sounddevice", busy=False, mutant=MUTANT):
    eng = Engine(make_chain(mutant if mode == "native" else None), samplerate=RATE,
                 blocksize=blocksize, channels=2, mode=mode, backend=backend)
    run_under_load(eng, GilLoad() if busy else Load(), seconds)  # GilLoad: a pure-Python spinning thread
    return eng


@pytest.mark.parametrize("blocksize", [64, 256])
@pytest.mark.parametrize("mode", ["native", "python"])
def test_jack_clock_count(jack_servers, mode, blocksize):
    """10 s on JACK: the callback count matches the stream clock (JACK's
    time, via PortAudio's currentTime) and the monotonic clock within 1 %;
    native mode: every callback over half a period overlaps a host stall
    seen by the canary (tests/_realtime.py)."""
    jack_servers.use(blocksize)
    with Canary() as canary:
        eng = run(mode, blocksize, RUN_S)
    s = eng.stats()
    rec = eng.monitor
    print(summary(s), f"canary gaps={len(canary.gaps)}")
    assert eng.error is None
    assert s["device"] == "system"
    check = assert_native_realtime if mode == "native" else assert_periods_accounted
    print(check(s, rec, canary, stream_clock_callbacks(rec, blocksize)))
    check(s, rec, canary, s["expected_callbacks"])
    assert s["callbacks"] >= 0.9 * RUN_S * RATE / blocksize
    assert s["stream_latency_s"]["output"] > 0
    if mode == "native":
        assert s["ftz_daz_in_callback"] is True


def test_jack_busy_python_thread(jack_servers):
    """A busy Python thread cannot make native mode miss deadlines (64
    frames): the callbacks keep the clock and every slow callback overlaps a
    canary-witnessed host stall. Python mode is measured under the same load
    and printed (it is expected to suffer)."""
    jack_servers.use(64)
    seconds = 5.0
    with Canary() as canary:
        busy = run("native", 64, seconds, busy=True)
    py_busy = run("python", 64, seconds, busy=True).stats()
    s = busy.stats()
    for label, st in (("native busy", s), ("python busy", py_busy)):
        print(f"{label:15s} {summary(st)}")
    print(assert_native_realtime(s, busy.monitor, canary, s["expected_callbacks"]))


def _hold_gil_during_stream(mode: str, hold_s: float, mutant: Optional[str] = None) -> tuple[dict, dict]:
    """Run a 64-frame JACK stream; the main thread holds the GIL for
    ``hold_s`` inside one C call (ctypes.PyDLL keeps the GIL). Returns the
    real-time report of the callbacks that started in that window and the
    engine's stats."""
    libc = ctypes.PyDLL(ctypes.util.find_library("c"))
    eng = Engine(make_chain(mutant), samplerate=RATE, blocksize=64, channels=2, mode=mode)
    with Canary() as canary:
        with eng:
            time.sleep(0.5)
            t0 = time.monotonic_ns()
            libc.sleep(int(hold_s))  # the GIL stays held for the whole call
            t1 = time.monotonic_ns()
            time.sleep(0.3)
    period = 64 / RATE * 1e9
    window = in_window(eng.monitor, t0, t1)
    return realtime_report(window, period, canary, (t1 - t0) / period), eng.stats()


def test_jack_gil_held_by_main_thread(jack_servers):
    """Deterministic GIL test: the main thread holds the GIL for 5 s while a
    64-frame JACK stream runs. Native mode: callbacks within 1 % of the
    clock, no unwitnessed callback over half a period (so 0 overruns) in
    that window. Python mode must fail the same bounds: proof that the test
    sees a GIL-bound callback."""
    jack_servers.use(64)
    native, s = _hold_gil_during_stream("native", 5, MUTANT)
    print("native", native)
    python, _ = _hold_gil_during_stream("python", 5)
    print("python", python)
    assert native["expected"] >= 0.99 * 5 * RATE / 64
    assert clock_ok(native) and punctual(native), native
    assert not clock_ok(python), python  # the callbacks waited for the GIL
    assert python["callbacks"] < 0.5 * python["expected"], python


def test_jack_stop_start_twenty_times(jack_servers):
    jack_servers.use(256)
    threads_before = threading.active_count()
    for mode in ("native", "python"):
        eng = Engine(make_chain(), blocksize=256, mode=mode)
        for _ in range(20):
            t0 = time.monotonic()
            eng.start()
            time.sleep(0.05)
            eng.stop()
            assert time.monotonic() - t0 < 3.0
            assert eng.error is None
            assert eng.stats()["callbacks"] > 0
    assert threading.active_count() <= threads_before + 1


def test_jack_pyaudio_backend(jack_servers):
    jack_servers.use(256)
    with Canary() as canary:
        eng = run("python", 256, 3.0, backend="pyaudio")
    s = eng.stats()
    print(summary(s))
    assert eng.error is None
    clock = stream_clock_callbacks(eng.monitor, 256)
    assert_periods_accounted(s, eng.monitor, canary, clock)
    assert s["callbacks"] >= 0.9 * 3.0 * RATE / 256


def test_jack_device_errors(jack_servers):
    jack_servers.use(256)
    with pytest.raises(RtaudioError, match="no audio device matches 'no-such-card'.*system"):
        Engine(make_chain(), device="no-such-card").start()
    with pytest.raises(RtaudioError, match="'system'.*48000 Hz"):
        Engine(make_chain(), device="system", samplerate=44100).start()
    eng = Engine(make_chain(), device=0, blocksize=256, mode="native")
    with eng:
        time.sleep(0.2)
    assert eng.stats()["device"] == "system"


LOSS_SCRIPT = r"""
import os, sys, time
from rtaudio import Chain, LowPass
from rtaudio.engine import Engine
from rtaudio.bench.jackserver import JackDummyServer
server = JackDummyServer(48000, 256, name=f"rtaudiotestloss{os.getpid()}").start()
eng = Engine(Chain([LowPass()]), blocksize=256, mode=sys.argv[1])
eng.start()
time.sleep(0.5)
assert eng.callbacks > 0
server.proc.terminate()          # the JACK server goes away under the stream
server.proc.wait(10)
t0 = time.monotonic()
stopped = eng.wait(15)
print("STOPPED", stopped, round(time.monotonic() - t0, 1), eng.error, flush=True)
eng.stop()
"""


@pytest.mark.parametrize("mode", ["native", "python"])
def test_jack_server_loss_stops_engine_with_message(jack_servers, mode):
    """The device disappears mid-stream (its own JACK server, in a child
    process): the engine stops by itself with a message naming the device,
    and the process exits (PortAudio is left wedged by JACK; no hang)."""
    import subprocess
    import sys
    jack_servers.close()  # the child starts its own server; free this one's slot
    proc = subprocess.run([sys.executable, "-c", LOSS_SCRIPT, mode], capture_output=True, text=True,
                          timeout=60)
    assert "STOPPED True" in proc.stdout, proc.stdout + proc.stderr
    assert "device 'system'" in proc.stdout and "engine stopped" in proc.stdout
    assert proc.returncode == 0, proc.stderr
