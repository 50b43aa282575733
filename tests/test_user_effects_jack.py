"""No Python in the audio thread, proven: a chain with a user Numba effect
and a user C effect runs in native mode on a JACK dummy device while the
main thread holds the GIL for 5 s (a ``ctypes.PyDLL`` call keeps the GIL
for its whole duration). Native mode keeps every callback; the same chain
in python mode loses most of them in the same window: the contrast shows
that the test measures what it claims."""
from __future__ import annotations

import ctypes
import ctypes.util
import time


from rtaudio import Chain, LowPass
from rtaudio.engine import Engine

from _examples import example
from _realtime import clock_ok, in_window, punctual, realtime_report
from _rtprobe import Canary

RATE = 48000
BLOCK = 64
HOLD_S = 5


def user_chain() -> Chain:
    return Chain([example("tremolo").tremolo(rate_hz=3.0), example("softclip").SoftClip(drive_db=12.0),
                  example("echo").echo(time_ms=50.0, max_time_ms=100.0), LowPass(cutoff_hz=3000.0)])


def run_holding_gil(mode: str) -> tuple[dict, Engine]:
    """Run the chain at 64 frames and hold the GIL for HOLD_S in one libc
    sleep() through ctypes.PyDLL (which does not release it); the real-time
    report of the callbacks that started in that window, judged against an
    independent SCHED_FIFO canary (tests/_realtime.py)."""
    libc = ctypes.PyDLL(ctypes.util.find_library("c"))
    libc.sleep.argtypes = [ctypes.c_uint]
    eng = Engine(user_chain(), samplerate=RATE, blocksize=BLOCK, channels=2, mode=mode, backend="sounddevice")
    with Canary() as canary:
        with eng:
            time.sleep(1.0)
            t0 = time.monotonic_ns()
            libc.sleep(HOLD_S)
            t1 = time.monotonic_ns()
            time.sleep(0.3)
    period = BLOCK / RATE * 1e9
    return realtime_report(in_window(eng.monitor, t0, t1), period, canary, (t1 - t0) / period), eng


def test_native_user_effects_run_while_the_gil_is_held(jack_servers):
    jack_servers.use(BLOCK)
    native, eng = run_holding_gil("native")
    python, _ = run_holding_gil("python")
    print(f"native: {native}\npython: {python}")
    assert eng.error is None
    assert native["expected"] > 0.99 * HOLD_S * RATE / BLOCK  # the GIL really was held ~5 s
    # native mode: the callbacks keep the clock (within 1 %) and no callback
    # over half a period (so no overrun) unless the canary saw the host stall
    assert clock_ok(native) and punctual(native), native
    # python mode: the callback needs the GIL, so most periods are lost
    assert not clock_ok(python), python
    assert python["callbacks"] < 0.5 * python["expected"], python


def test_slow_user_kernel_on_jack_shows_as_overruns_and_stop_returns(jack_servers):
    """A C kernel that busy-waits two periods per call on a real (JACK)
    device: the monitor shows it (overruns on nearly every callback, DSP
    load about 2) and Engine.stop() returns (joined with a 30 s hang guard)."""
    from test_user_effects import assert_slow_kernel_shows_and_stop_returns
    jack_servers.use(BLOCK)
    assert_slow_kernel_shows_and_stop_returns(BLOCK, backend="sounddevice")
