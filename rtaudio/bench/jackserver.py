"""Start and stop a JACK dummy server: a real PortAudio device with a real
clock on machines without audio hardware (tests, CI, ``rtaudio latency
--jack-dummy``).

Only the process this module started is ever stopped. Each server gets its
own name (``jackd -n``) and this process points libjack at it through
``JACK_DEFAULT_SERVER``, so several servers (parallel test runs) do not
collide.
"""
from __future__ import annotations

import collections
import os
import shutil
import subprocess
import threading
import time
from typing import Optional

from rtaudio.errors import RtaudioError

JACK_HOSTAPI = "JACK Audio Connection Kit"
START_TIMEOUT_S = 15.0


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies (Linux), so a
    crashed test run never leaves a JACK server holding one of JACK's few
    server slots."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to do
        pass


def rescan_portaudio() -> None:
    """Make PortAudio (through sounddevice) enumerate the devices again."""
    import sounddevice as sd
    from rtaudio.engine.backends.portaudio_exit import install
    install()
    sd._terminate()
    sd._initialize()


def jack_device_index() -> Optional[int]:
    """Index of the first JACK device PortAudio sees, or None."""
    import sounddevice as sd
    for index, device in enumerate(sd.query_devices()):
        if sd.query_hostapis(device["hostapi"])["name"] == JACK_HOSTAPI:
            return index
    return None


class JackDummyServer:
    """A ``jackd -d dummy`` process with a given sample rate and period.

    Parameters
    ----------
    samplerate : int
        Sample rate in Hz.
    period : int
        Frames per JACK period (the callback block size).
    realtime : bool or None
        ``True`` for ``-R``, ``False`` for ``--no-realtime``; ``None`` tries
        realtime first and falls back when the system refuses it.
    name : str, optional
        JACK server name (default: unique per process and start).

    Use as a context manager; ``device`` is the PortAudio device index once
    started.
    """

    _counter = 0

    def __init__(self, samplerate: int = 48000, period: int = 64, realtime: Optional[bool] = None,
                 name: Optional[str] = None) -> None:
        JackDummyServer._counter += 1
        self.samplerate = int(samplerate)
        self.period = int(period)
        self.realtime_request = realtime
        self.realtime = False
        self.name = name or f"rtaudio{os.getpid()}_{JackDummyServer._counter}"
        self.proc: Optional[subprocess.Popen] = None
        self.device: Optional[int] = None
        #: number of lines jackd printed about xruns (the server's own count)
        self.xrun_messages = 0
        self._log: collections.deque = collections.deque(maxlen=200)
        self._reader: Optional[threading.Thread] = None
        self._previous_server: Optional[str] = None

    def start(self) -> "JackDummyServer":
        """Start jackd and wait until PortAudio sees its device."""
        if shutil.which("jackd") is None:
            raise RtaudioError("jackd not found: install JACK (Debian package jackd2)")
        attempts = [True, False] if self.realtime_request is None else [self.realtime_request]
        errors = []
        for realtime in attempts:
            if self._launch(realtime):
                self.realtime = realtime
                return self
            errors.append(self._last_output)
        raise RtaudioError(f"JACK dummy server did not start: {errors[-1].strip()[-300:]}")

    def _launch(self, realtime: bool) -> bool:
        argv = ["jackd", "-n", self.name, "-R" if realtime else "--no-realtime",
                "-d", "dummy", "-r", str(self.samplerate), "-p", str(self.period)]
        env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env, text=True,
                                     preexec_fn=_die_with_parent)
        # Drain jackd's output all the time: a full pipe would block the
        # server's threads (and cause the very xruns being measured).
        self._log.clear()
        self._reader = threading.Thread(target=self._read_output, args=(self.proc,),
                                        name="rtaudio-jackd-log", daemon=True)
        self._reader.start()
        self._previous_server = os.environ.get("JACK_DEFAULT_SERVER")
        os.environ["JACK_DEFAULT_SERVER"] = self.name
        os.environ.setdefault("JACK_NO_START_SERVER", "1")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(timeout=5)
                self._last_output = "".join(self._log)
                self._restore_env()
                return False
            rescan_portaudio()
            self.device = jack_device_index()
            if self.device is not None:
                return True
            time.sleep(0.2)
        self._last_output = "timed out waiting for PortAudio to see the JACK device"
        self.stop()
        return False

    def _read_output(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self._log.append(line)
            if "xrun" in line.lower():
                self.xrun_messages += 1

    @property
    def log_tail(self) -> str:
        """The last lines jackd printed."""
        return "".join(self._log)

    def _restore_env(self) -> None:
        if self._previous_server is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = self._previous_server

    def stop(self) -> None:
        """Stop the jackd process this object started (and only that one).

        PortAudio's JACK client is closed first: PortAudio aborts the whole
        process if it finds its server gone when it terminates.
        """
        import sounddevice as sd
        sd._terminate()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None
        self.device = None
        self._restore_env()
        sd._initialize()

    def __enter__(self) -> "JackDummyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
