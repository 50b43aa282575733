"""Faults around a live engine (docs/realtime.md §4), in subprocesses.

The JACK server is killed with SIGKILL (what a crash looks like). A
killed jackd keeps its server slot in JACK's shared registry until a server
of the same name starts again, so these tests use one fixed server name:
each run reuses the slot the previous run left.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from rtaudio.bench.jackserver import _die_with_parent

KILL_SERVER_NAME = "rtaudio_killtest"
RATE = 48000

CLOSED_SCRIPT = r"""
import os, signal, sys, time
from rtaudio import Chain, LowPass
from rtaudio.engine import Engine
from rtaudio.bench.jackserver import JackDummyServer
server = JackDummyServer(48000, 256, name=sys.argv[2]).start()
eng = Engine(Chain([LowPass()]), blocksize=256, mode=sys.argv[1])
eng.start(); time.sleep(1.0); eng.stop()
assert eng.error is None and eng.stats()["callbacks"] > 50
os.kill(server.proc.pid, signal.SIGKILL)
server.proc.wait(10)
print("KILLED", flush=True)
"""


@pytest.mark.parametrize("mode", ["native", "python"])
def test_server_killed_after_stream_closed_exits_cleanly(jack_servers, mode):
    """Engine on JACK for 1 s, stopped, then jackd SIGKILLed before the
    process exits: the exit is clean (status 0, no SIGABRT from
    PortAudio's pa_jack.c Terminate assertion, no core dump)."""
    jack_servers.close()
    proc = subprocess.run([sys.executable, "-c", CLOSED_SCRIPT, mode, KILL_SERVER_NAME],
                          capture_output=True, text=True, timeout=90)
    assert "KILLED" in proc.stdout, proc.stdout + proc.stderr
    assert "Assertion" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])


def start_killable_jackd(name: str, period: int) -> subprocess.Popen:
    """jackd for a child process to use; this process never opens a JACK
    client of it (PortAudio here would abort at exit once it is killed)."""
    env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1", JACK_DEFAULT_SERVER=name)
    proc = subprocess.Popen(["jackd", "-n", name, "-R", "-d", "dummy", "-r", str(RATE), "-p", str(period)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, preexec_fn=_die_with_parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # slot busy (a concurrent run): try again
            time.sleep(1.0)
            proc = subprocess.Popen(proc.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env, preexec_fn=_die_with_parent)
            continue
        ready = subprocess.run(["jack_wait", "-c", "-s", name], env=env, capture_output=True, text=True)
        if "running" in ready.stdout:
            return proc
        time.sleep(0.2)
    proc.terminate()
    pytest.fail(f"jackd -n {name} did not start")


def _timestamped_lines(stream, lines: list) -> None:
    for line in stream:
        lines.append((time.monotonic(), line.rstrip("\n")))


@pytest.mark.parametrize("mode", ["native", "python"])
def test_server_killed_during_live_record(jack_servers, tmp_path, mode):
    """`rtaudio live --record take.wav` on JACK, jackd SIGKILLed after ~1.5 s
    of streaming: "device lost" within 2 s of the kill, exit status 1 with one
    clear error line naming the device (no traceback, no abort); the WAV is
    readable and holds the audio up to the loss (its length matches the time
    the stream ran, within 0.5 s)."""
    import threading
    jack_servers.close()
    take = tmp_path / "take.wav"
    err_lines: list = []
    server = start_killable_jackd(KILL_SERVER_NAME, 256)
    if True:
        live = subprocess.Popen([sys.executable, "-m", "rtaudio", "live", "--record", str(take),
                                 "--mode", mode, "--blocksize", "256", "--duration", "60",
                                 "--chain", "gate > lowpass"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, JACK_DEFAULT_SERVER=KILL_SERVER_NAME))
        reader = threading.Thread(target=_timestamped_lines, args=(live.stderr, err_lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + 30
        while not any(line.startswith("live:") for _, line in err_lines) and time.monotonic() < deadline:
            time.sleep(0.02)
        streaming_since = time.monotonic()
        time.sleep(1.5)
        os.kill(server.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        server.wait(10)
        out = live.stdout.read()
        live.wait(60)
        reader.join(10)
    err = "\n".join(line for _, line in err_lines)
    lost = [t - killed_at for t, line in err_lines if line.startswith("device lost")]
    print(f"exit {live.returncode}; 'device lost' {lost} s after the kill; stderr:\n{err[-800:]}")
    assert live.returncode == 1, (live.returncode, err[-2000:])
    assert "Traceback" not in err and "Assertion" not in err, err
    assert lost and lost[0] < 2.0, lost
    assert any("device 'system'" in line and "engine stopped" in line for _, line in err_lines), err
    data, rate = sf.read(take, dtype="float32")
    ran_s = killed_at - streaming_since
    assert rate == RATE and data.ndim == 2 and data.shape[1] == 2 and np.isfinite(data).all()
    assert abs(data.shape[0] / RATE - ran_s) < 0.5, (data.shape[0] / RATE, ran_s)


TONE_EFFECT = r'''
import numpy as np
import rtaudio
from rtaudio import Param


@rtaudio.effect(name="tone", params=[Param("freq_hz", "Hz", 440.0, 20.0, 2000.0)],
                state={"phase": 1})
def tone(block, params, state, sample_rate):
    """Replaces the input by a sine whose phase is the effect's state."""
    for c in range(block.shape[1]):
        ph = state.phase[c]
        for n in range(block.shape[0]):
            block[n, c] = 0.5 * np.sin(ph)
            ph += 2.0 * np.pi * params.freq_hz[n] / sample_rate
        state.phase[c] = ph % (2.0 * np.pi)
'''


def _longest_zero_run(x: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of exact zeros in ``x``."""
    zero = np.concatenate([[False], x == 0.0, [False]])
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k] - starts[k])


@pytest.mark.parametrize("mode", ["native", "python"])
def test_live_reconnect_after_server_restart(jack_servers, tmp_path, mode):
    """`rtaudio live --reconnect --record take.wav`: jackd SIGKILLed after
    ~1.5 s and started again ~1.5 s later. The run carries on to its
    --duration and exits 0; the final report names the outage; the WAV is
    one file whose silent gap matches the outage, and the chain's state
    survived: a tone generator's phase continues across the gap exactly
    (the next sample follows from the last two by the sine recurrence)."""
    import threading
    jack_servers.close()
    effects = tmp_path / "tone.py"
    effects.write_text(TONE_EFFECT)
    take = tmp_path / "take.wav"
    err_lines: list = []
    server = start_killable_jackd(KILL_SERVER_NAME, 256)
    live = subprocess.Popen([sys.executable, "-m", "rtaudio", "live", "--reconnect", "--mode", mode,
                             "--record", str(take),
                             "--blocksize", "256", "--duration", "9", "--effects", str(effects),
                             "--chain", "tone(freq_hz=440)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, JACK_DEFAULT_SERVER=KILL_SERVER_NAME))
    try:
        reader = threading.Thread(target=_timestamped_lines, args=(live.stderr, err_lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while not any(line.startswith("live:") for _, line in err_lines) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(1.5)
        os.kill(server.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        server.wait(10)
        time.sleep(1.5)
        server = start_killable_jackd(KILL_SERVER_NAME, 256)
        outage_s = time.monotonic() - killed_at
        out = live.stdout.read()
        live.wait(60)
        reader.join(10)
    finally:
        if live.poll() is None:
            live.kill()
        server.terminate()
        server.wait(10)
    err = "\n".join(line for _, line in err_lines)
    print(f"exit {live.returncode}; outage {outage_s:.2f} s\nstdout:\n{out}\nstderr:\n{err[-800:]}")
    assert live.returncode == 0, (live.returncode, err[-2000:])
    assert "Traceback" not in err and "Assertion" not in err, err
    assert "device lost at" in out and "reconnected at" in out, out
    data, rate = sf.read(take, dtype="float32")
    assert rate == RATE and data.ndim == 2 and data.shape[1] == 2 and np.isfinite(data).all()
    start, gap = _longest_zero_run(data[:, 0])
    # the gap covers the outage: from the last callback before the kill to
    # the first after the restart (server start-up and reconnect polling add
    # up to ~1.5 s; the monitor sees the last callback within ~0.1 s)
    assert outage_s - 0.3 < gap / RATE < outage_s + 2.0, (gap / RATE, outage_s)
    assert 1.0 < start / RATE < 2.5, start / RATE          # ~1.5 s of tone before it
    before, after = data[:start, 0].astype(np.float64), data[start + gap:, 0].astype(np.float64)
    assert len(after) / RATE > 2.0 and np.max(np.abs(after[:RATE])) > 0.49
    two_cos_w = 2.0 * np.cos(2.0 * np.pi * 440.0 / RATE)
    predicted = two_cos_w * before[-1] - before[-2]
    assert abs(after[0] - predicted) < 1e-4, (after[0], predicted)     # same state, same phase
    assert abs(after[1] - (two_cos_w * after[0] - before[-1])) < 1e-4


def _jack_port_names(name: str) -> str:
    env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1", JACK_DEFAULT_SERVER=name)
    return subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True, timeout=10).stdout


def test_gui_reconnect_after_server_restart(jack_servers, tmp_path):
    """`rtaudio gui --reconnect` (offscreen): jackd SIGKILLed once the
    viewer's JACK client is up and started again 1.5 s later. The viewer
    carries on to its --duration and exits 0, and names the outage on
    stderr (the status bar's message, kept after the window closes)."""
    jack_servers.close()
    server = start_killable_jackd(KILL_SERVER_NAME, 256)
    gui = subprocess.Popen([sys.executable, "-m", "rtaudio", "gui", "--reconnect", "--blocksize", "256",
                            "--duration", "12", "--chain", "lowpass"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, JACK_DEFAULT_SERVER=KILL_SERVER_NAME,
                                    QT_QPA_PLATFORM="offscreen"))
    try:
        deadline = time.monotonic() + 60
        while "rtaudio:" not in _jack_port_names(KILL_SERVER_NAME) and time.monotonic() < deadline:
            assert gui.poll() is None, gui.communicate()
            time.sleep(0.1)
        time.sleep(1.0)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        time.sleep(1.5)
        server = start_killable_jackd(KILL_SERVER_NAME, 256)
        out, err = gui.communicate(timeout=60)
    finally:
        if gui.poll() is None:
            gui.kill()
        server.terminate()
        server.wait(10)
    print(f"exit {gui.returncode}\nstdout:\n{out}\nstderr:\n{err[-1500:]}")
    assert gui.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "Assertion" not in err, err
    assert "device lost at" in err and "reconnected at" in err, err
