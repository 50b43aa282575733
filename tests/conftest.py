"""Shared pytest fixtures."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def jack_servers():
    """Starts JACK dummy servers on demand (``jack_servers.use(block)``) and
    stops only the processes it started (see tests/_jack.py)."""
    from _jack import JackServers
    servers = JackServers()
    yield servers
    servers.close()
