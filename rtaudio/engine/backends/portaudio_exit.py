"""PortAudio's exit handler, made safe when the JACK server went away.

sounddevice terminates PortAudio at interpreter exit. If PortAudio's JACK
host API still holds a client of a server that has died (killed, crashed,
restarted), ``Pa_Terminate`` fails an assertion in pa_jack.c and the process
aborts with SIGABRT and a core dump, even when every stream was closed long
before. ``install()`` replaces sounddevice's handler with one that first
asks libjack whether the server still answers and skips ``Pa_Terminate``
when it does not (the process is ending; the kernel reclaims what PortAudio
held). docs/realtime.md §4.
"""
from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
import sys
import threading

#: how long the liveness probe may take before the server counts as gone
PROBE_TIMEOUT_S = 2.0
JACK_NO_START_SERVER = 0x01

_installed = False
_skip_terminate = False


def jack_server_alive(timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True if the JACK server PortAudio uses (``JACK_DEFAULT_SERVER``) answers
    a client connection within ``timeout_s``; True too when libjack is absent
    (nothing to protect against)."""
    name = ctypes.util.find_library("jack")
    if name is None:
        return True
    try:
        jack = ctypes.CDLL(name)
    except OSError:
        return True
    jack.jack_client_open.restype = ctypes.c_void_p
    jack.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    jack.jack_client_close.argtypes = [ctypes.c_void_p]
    answer: list[bool] = []

    def probe() -> None:
        status = ctypes.c_int(0)
        client = jack.jack_client_open(f"rtaudio-exit-{os.getpid()}".encode(), JACK_NO_START_SERVER,
                                       ctypes.byref(status))
        if client:
            jack.jack_client_close(client)
        answer.append(bool(client))

    worker = threading.Thread(target=probe, name="rtaudio-jack-probe", daemon=True)
    worker.start()
    worker.join(timeout_s)
    return bool(answer and answer[0])


def _uses_jack(sd) -> bool:
    try:
        return sd._initialized > 0 and any(api["name"] == "JACK Audio Connection Kit"
                                           for api in sd.query_hostapis())
    except Exception:
        return False


def skip_terminate() -> None:
    """Never call ``Pa_Terminate`` at exit (PortAudio is wedged: it would block)."""
    global _skip_terminate
    _skip_terminate = True


def _exit_handler() -> None:
    import sounddevice as sd
    if _skip_terminate:
        return
    if _uses_jack(sd) and not jack_server_alive():
        return  # Pa_Terminate would abort in pa_jack.c: leave PortAudio to the kernel
    sd._exit_handler()


def jack_server_was_lost() -> None:
    """A JACK server went away while this process ran. If PortAudio was
    initialised before (sounddevice imported), its JACK client belongs to
    that dead server even when a new server is up by exit time, and
    ``Pa_Terminate`` would abort: never call it (docs/realtime.md §4.1)."""
    if "sounddevice" in sys.modules:
        install()
        skip_terminate()


def install() -> None:
    """Use ``_exit_handler`` instead of sounddevice's (idempotent)."""
    global _installed
    if _installed:
        return
    import sounddevice as sd
    atexit.unregister(sd._exit_handler)
    atexit.register(_exit_handler)
    _installed = True
