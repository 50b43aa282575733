"""A JACK dummy server for engine tests (no sound card needed).

``JackServers.use(block)`` makes sure a ``jackd -d dummy -r 48000 -p
<block>`` server runs, under a name unique to this test session, and that
PortAudio (through sounddevice) sees its JACK host API. Only one server
runs at a time; switching block size stops the previous one. ``close``
stops only the processes this object started.

``-R`` (real-time scheduling) is tried first and kept when the server
stays up with it; otherwise ``--no-realtime``. If neither starts, the
fixture fails loudly (CI installs jackd2 through tools/system-deps.sh).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import Optional

import pytest

RATE = 48000
START_TIMEOUT_S = 10.0


class JackServers:
    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.block: Optional[int] = None
        self.realtime: Optional[bool] = None
        self.log_path: Optional[str] = None

    def use(self, block: int) -> "JackServers":
        if self.proc is not None and self.block == block and self.proc.poll() is None:
            return self
        self._stop_current()
        jackd = shutil.which("jackd")
        if jackd is None:
            pytest.fail("jackd is not installed: the engine tests need a JACK dummy server "
                        "(install jackd2, see tools/system-deps.sh)")
        name = f"rtaudio-test-{os.getpid()}-{block}"
        os.environ["JACK_DEFAULT_SERVER"] = name
        os.environ["JACK_NO_AUDIO_RESERVATION"] = "1"
        os.environ.setdefault("JACK_NO_START_SERVER", "1")
        errors = []
        for realtime in (True, False):
            flags = ["-R"] if realtime else ["--no-realtime"]
            log_path = f"/tmp/{name}-{'rt' if realtime else 'nort'}.log"
            log = open(log_path, "w")
            proc = subprocess.Popen([jackd, "-n", name, *flags, "-d", "dummy", "-r", str(RATE),
                                     "-p", str(block)], stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if self._wait_visible(proc):
                self.proc, self.block, self.realtime, self.log_path = proc, block, realtime, log_path
                return self
            if proc.poll() is None:
                proc.terminate()
                proc.wait(5)
            with open(log_path) as handle:
                errors.append(f"jackd {' '.join(flags)}: " + handle.read()[-400:])
        pytest.fail("could not start a JACK dummy server:\n" + "\n".join(errors))

    @staticmethod
    def _wait_visible(proc: subprocess.Popen) -> bool:
        import sounddevice as sd
        deadline = time.monotonic() + START_TIMEOUT_S
        time.sleep(0.3)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            sd._terminate()
            sd._initialize()
            apis = [api["name"] for api in sd.query_hostapis()]
            if any("JACK" in api for api in apis) and any(
                    d["max_output_channels"] > 0 for d in sd.query_devices()):
                # stay up for a moment (a -R server that cannot get RT dies early)
                time.sleep(0.3)
                return proc.poll() is None
            time.sleep(0.2)
        return False

    def _stop_current(self) -> None:
        if self.proc is None:
            return
        import sounddevice as sd
        sd._terminate()  # close PortAudio's JACK client before the server goes
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        self.block = None
        sd._initialize()

    def close(self) -> None:
        self._stop_current()
