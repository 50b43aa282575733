"""rtaudio's own JACK client (backend ``"jack"``, docs/realtime.md §4.1) on a
JACK dummy server: the clock is kept, the audio that reaches the JACK ports
is the chain's output, and bad settings give one clear error.

A second JACK client written here with libjack (the *witness*) feeds a known
signal into rtaudio's first input port and records what rtaudio's output
ports carry, so the bridge between JACK's per-port buffers and the engine's
interleaved blocks is checked end to end, independently of rtaudio's own
monitor. (Killing and restarting the server is in tests/test_faults.py.)
"""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from rtaudio import Chain, Gain, LowPass, RtaudioError
from rtaudio.engine import Engine
from rtaudio.engine.backends.jack_backend import (AUDIO_PORT_TYPE, JACK_PORT_IS_INPUT,
                                                  JACK_PORT_IS_OUTPUT, libjack)

RATE = 48000
BLOCK = 256


class Witness:
    """A JACK client with one output port (plays ``signal`` once ``go`` is
    set) and two input ports (record what arrives)."""

    def __init__(self, signal: np.ndarray, record_frames: int) -> None:
        jffi, jlib = libjack()
        self.jffi, self.jlib = jffi, jlib
        status = jffi.new("int *")
        self.client = jlib.jack_client_open(b"witness", jffi.cast("int", 1), status)
        assert self.client != jffi.NULL, status[0]
        self.signal = signal.astype(np.float32)
        self.recorded = np.zeros((record_frames, 2), np.float32)
        self.played = 0
        self.xruns = 0
        self.recorded_frames = 0
        self.go = threading.Event()
        self.out = jlib.jack_port_register(self.client, b"out", AUDIO_PORT_TYPE, JACK_PORT_IS_OUTPUT, 0)
        self.ins = [jlib.jack_port_register(self.client, f"in_{c + 1}".encode(), AUDIO_PORT_TYPE,
                                            JACK_PORT_IS_INPUT, 0) for c in range(2)]

        @jffi.callback("int(uint32_t, void *)")
        def process(nframes, arg):
            out = np.frombuffer(jffi.buffer(jlib.jack_port_get_buffer(self.out, nframes), 4 * nframes),
                                np.float32)
            out[:] = 0.0
            if self.go.is_set():
                chunk = self.signal[self.played:self.played + nframes]
                out[:len(chunk)] = chunk
                self.played += len(chunk)
                n = min(nframes, len(self.recorded) - self.recorded_frames)
                for c, port in enumerate(self.ins):
                    data = np.frombuffer(jffi.buffer(jlib.jack_port_get_buffer(port, nframes),
                                                     4 * nframes), np.float32)
                    self.recorded[self.recorded_frames:self.recorded_frames + n, c] = data[:n]
                self.recorded_frames += n
            return 0

        @jffi.callback("int(void *)")
        def xrun(arg):
            self.xruns += 1
            return 0

        self._process, self._xrun = process, xrun
        jlib.jack_set_process_callback(self.client, process, jffi.NULL)
        jlib.jack_set_xrun_callback(self.client, xrun, jffi.NULL)
        assert jlib.jack_activate(self.client) == 0

    def connect(self, source: str, dest: str) -> None:
        assert self.jlib.jack_connect(self.client, source.encode(), dest.encode()) == 0, (source, dest)

    def close(self) -> None:
        self.jlib.jack_deactivate(self.client)
        self.jlib.jack_client_close(self.client)


def _own_ports(prefix: str) -> list[str]:
    from rtaudio.engine.backends.jack_backend import _open_client, _ports
    jffi, jlib = libjack()
    client = _open_client("lister")
    try:
        return _ports(client, f"^{prefix}", 0)
    finally:
        jlib.jack_client_close(client)


@pytest.mark.parametrize("mode", ["native", "python"])
def test_jack_client_output_is_the_chain_output(jack_servers, mode):
    """Witness → rtaudio in_1; rtaudio out_1/out_2 → witness: channel 1 is
    the chain applied to the witness's signal, bit for bit (same kernels,
    block invariance), channel 2 the chain applied to silence; the engine
    kept the server's clock. A server xrun during the second (a host stall
    on this shared VM; the witness's Python callback needs the GIL) breaks
    the sample alignment the comparison needs: such an attempt is repeated,
    at most twice, and reported."""
    jack_servers.use(BLOCK)
    rng = np.random.default_rng(7)
    signal = (0.3 * rng.standard_normal(RATE)).astype(np.float32)
    signal[0] = 0.5
    for attempt in range(3):
        witness, s = _run_through_rtaudio(signal, mode)
        if witness.xruns == 0:
            break
        print(f"attempt {attempt + 1}: {witness.xruns} JACK xruns during the window; repeated")
    assert witness.xruns == 0, "JACK reported xruns in all three attempts"
    assert s["backend"] == "jack" and s["callbacks"] > 0.9 * s["expected_callbacks"], s
    reference = Chain([Gain(gain_db=-6.0), LowPass(cutoff_hz=2000.0)])
    reference.prepare(RATE, 1, len(signal))
    expected = reference.process(signal.reshape(-1, 1).copy())[:, 0]
    got = witness.recorded[:, 0]
    start = int(np.flatnonzero(got)[0])   # JACK adds a period of latency around the loop
    assert start % BLOCK == 0, start
    np.testing.assert_array_equal(got[start:start + len(expected)], expected)
    assert not witness.recorded[:, 1].any()


def _run_through_rtaudio(signal: np.ndarray, mode: str):
    eng = Engine(Chain([Gain(gain_db=-6.0), LowPass(cutoff_hz=2000.0)]), samplerate=RATE, blocksize=BLOCK,
                 channels=2, backend="jack", mode=mode)
    witness = Witness(signal, record_frames=RATE + 8 * BLOCK)
    try:
        eng.start()
        assert eng.backend_name == "jack" and eng.choice.name == "system"
        mine = _own_ports("rtaudio:")
        ins = sorted(p for p in mine if ":in_" in p)
        outs = sorted(p for p in mine if ":out_" in p)
        assert len(ins) == 2 and len(outs) == 2, mine
        witness.connect("witness:out", ins[0])
        for c, port in enumerate(outs):
            witness.connect(port, f"witness:in_{c + 1}")
        time.sleep(0.3)
        witness.xruns = 0      # connecting may cost one; the window starts now
        witness.go.set()
        deadline = time.monotonic() + 10
        while witness.recorded_frames < len(witness.recorded) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        s = eng.stats()
    finally:
        eng.stop()
        witness.close()
    assert eng.error is None, eng.error
    return witness, s


def test_jack_backend_errors_name_the_problem(jack_servers):
    server = jack_servers.use(BLOCK)
    chain = Chain([LowPass()])
    with pytest.raises(RtaudioError, match=rf"runs {BLOCK}-frame periods.*--blocksize {BLOCK}"):
        Engine(chain, blocksize=64, backend="jack").start()
    with pytest.raises(RtaudioError, match="runs at 48000 Hz.*--samplerate 48000"):
        Engine(chain, samplerate=44100, blocksize=BLOCK, backend="jack").start()
    with pytest.raises(RtaudioError, match="no JACK client matches device 'nosuch'.*system"):
        Engine(chain, device="nosuch", blocksize=BLOCK, backend="jack").start()
    with pytest.raises(RtaudioError, match="cannot lose its device"):
        Engine(chain, blocksize=BLOCK, backend="virtual", reconnect=True)
    assert server.proc.poll() is None


def test_no_server_is_one_error_and_libjack_prints_nothing():
    """Without a server (a name nobody runs), opening the JACK backend fails
    with one RtaudioError decoding libjack's status, and libjack's own
    printer stays silent (a reconnect polls every 0.5 s; each attempt would
    print four lines). In a fresh process that never imported sounddevice,
    whose PortAudio would otherwise install a silent printer of its own."""
    import os
    import subprocess
    import sys
    script = ("import sys\n"
              "from rtaudio import Chain, LowPass, RtaudioError\n"
              "from rtaudio.engine import Engine\n"
              "try:\n"
              "    Engine(Chain([LowPass()]), blocksize=256, backend='jack').start()\n"
              "except RtaudioError as exc:\n"
              "    print('ERROR', exc)\n"
              "assert 'sounddevice' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, JACK_DEFAULT_SERVER="rtaudio_nobody_runs_this"))
    assert proc.returncode == 0, proc.stderr
    assert "ERROR no JACK server answers (jack_client_open: failure, cannot connect to the server)" \
        in proc.stdout, proc.stdout
    assert proc.stderr.strip() == "", proc.stderr
