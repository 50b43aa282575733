"""JACK dummy servers for engine tests (no sound card needed).

``JackServers.use(block)`` makes sure a ``jackd -d dummy -r 48000 -p
<block>`` server runs (``rtaudio.bench.jackserver.JackDummyServer``: a name unique
to this process, ``-R`` when the system allows it, otherwise
``--no-realtime``) and that PortAudio sees it. One server runs at a time;
switching block size stops the previous one. Only processes started here
are stopped. If jackd cannot start, the test fails loudly (CI installs
jackd2 through tools/system-deps.sh).
"""
from __future__ import annotations

import os
import time
from typing import Optional

import pytest

from rtaudio.errors import RtaudioError
from rtaudio.bench.jackserver import JackDummyServer

RATE = 48000
BUSY_WAIT_S = 60.0


class JackServers:
    def __init__(self) -> None:
        self.server: Optional[JackDummyServer] = None

    def use(self, block: int) -> JackDummyServer:
        server = self.server
        if server is not None and server.period == block and server.proc is not None \
                and server.proc.poll() is None:
            return server
        self.close()
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            try:
                # own name prefix, distinct from the servers `rtaudio latency` starts
                self.server = JackDummyServer(RATE, block,
                                              name=f"rtaudiotest{os.getpid()}_{block}").start()
                return self.server
            except RtaudioError as exc:
                # JACK allows 8 servers per machine: parallel test sessions
                # may hold them all for a while ("Failed to open server"; the
                # error keeps only the tail of the output); anything else fails at once.
                if "open server" not in str(exc) or time.monotonic() > deadline:
                    pytest.fail(f"the engine tests need a JACK dummy server: {exc}")
                time.sleep(2.0)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
