"""JACK backend: rtaudio's own JACK client, for streams that survive a
server restart (``Engine(reconnect=True)``, ``rtaudio live --reconnect``).

PortAudio cannot reopen a JACK stream in the same process once its server
died: stopping the dead stream waits for a process callback that never
comes, and ``Pa_Terminate`` fails an assertion in pa_jack.c (measured:
``Pa_AbortStream`` still blocked after 20 s; docs/realtime.md §4.1). libjack
itself has no such limit: a dead client is closed with an error code and a
new client opens as soon as a server answers again. So this backend talks
to libjack directly (loaded at run time with CFFI's ABI mode: no libjack
headers at build time) and runs the same C engine callback through the
bridge in native/engine/jack_bridge.c: in native mode with no Python in the
audio thread, in Python mode through a CFFI callback into the engine's
``PythonCallback``.

Device names are JACK client names (``system`` for the sound card), the
names PortAudio's JACK host API lists too; ``None`` picks the client that
owns the physical playback ports.
"""
from __future__ import annotations

import re
import threading
from typing import Any, Optional, Union

import numpy as np

from rtaudio.engine.backends import DeviceChoice, shut_down_within
from rtaudio.errors import RtaudioError

#: JackNoStartServer: never spawn a server as a side effect
JACK_NO_START_SERVER = 0x01
JACK_PORT_IS_INPUT = 0x1
JACK_PORT_IS_OUTPUT = 0x2
JACK_PORT_IS_PHYSICAL = 0x4
JACK_CAPTURE_LATENCY = 0
JACK_PLAYBACK_LATENCY = 1
AUDIO_PORT_TYPE = b"32 bit float mono audio"
#: frames the bridge's scratch blocks hold (larger JACK periods are split)
BRIDGE_MAX_FRAMES = 8192
MAX_PORTS = 64

_JACK_CDEF = """
typedef struct _jack_client jack_client_t;
typedef struct _jack_port jack_port_t;
typedef struct { uint32_t min; uint32_t max; } jack_latency_range_t;
jack_client_t *jack_client_open(const char *client_name, int options, int *status, ...);
int jack_client_close(jack_client_t *client);
int jack_activate(jack_client_t *client);
int jack_deactivate(jack_client_t *client);
int jack_set_process_callback(jack_client_t *client, int (*cb)(uint32_t, void *), void *arg);
void jack_on_shutdown(jack_client_t *client, void (*cb)(void *), void *arg);
int jack_set_xrun_callback(jack_client_t *client, int (*cb)(void *), void *arg);
jack_port_t *jack_port_register(jack_client_t *client, const char *port_name,
                                const char *port_type, unsigned long flags,
                                unsigned long buffer_size);
void *jack_port_get_buffer(jack_port_t *port, uint32_t nframes);
const char *jack_port_name(const jack_port_t *port);
jack_port_t *jack_port_by_name(jack_client_t *client, const char *port_name);
void jack_port_get_latency_range(jack_port_t *port, int mode, jack_latency_range_t *range);
const char **jack_get_ports(jack_client_t *client, const char *port_name_pattern,
                            const char *type_name_pattern, unsigned long flags);
void jack_free(void *ptr);
int jack_connect(jack_client_t *client, const char *source_port, const char *destination_port);
uint32_t jack_get_sample_rate(jack_client_t *client);
uint32_t jack_get_buffer_size(jack_client_t *client);
char *jack_get_client_name(jack_client_t *client);
void jack_set_error_function(void (*func)(const char *));
void jack_set_info_function(void (*func)(const char *));
"""

_jack: Optional[tuple[Any, Any]] = None
_jack_lock = threading.Lock()


def libjack() -> tuple[Any, Any]:
    """``(ffi, lib)`` of libjack, loaded once.

    Raises
    ------
    RtaudioError
        If libjack is not installed.
    """
    global _jack
    with _jack_lock:
        if _jack is None:
            import cffi
            ffi = cffi.FFI()
            ffi.cdef(_JACK_CDEF)
            try:
                lib = ffi.dlopen("libjack.so.0")
            except OSError:
                raise RtaudioError("the JACK backend needs libjack (install jackd2, or "
                                   "libjack-jackd2-0)") from None
            _jack = (ffi, lib)
            _silence_libjack(ffi, lib)
        return _jack


def _native_function(name: str, ctype: str):
    """A C function of rtaudio's native module as a libjack callback type."""
    from rtaudio._native import ffi, lib, recast
    return recast(libjack()[0], ctype, ffi.addressof(lib, name))


def _silence_libjack(jffi, jlib) -> None:
    """Silence libjack's error and info printer: while a reconnect waits for
    the server, every attempt would otherwise print four lines. Our errors
    decode ``jack_client_open``'s status instead (:func:`describe_status`)."""
    from rtaudio._native import ffi, lib, recast
    silent = recast(jffi, "void(*)(const char *)", ffi.addressof(lib, "rtd_jack_silent"))
    jlib.jack_set_error_function(silent)
    jlib.jack_set_info_function(silent)


#: jack_status_t bits (jack/types.h) and what they mean
JACK_STATUS_BITS = ((0x01, "failure"), (0x02, "invalid option"), (0x04, "name not unique"),
                    (0x08, "server started"), (0x10, "cannot connect to the server"),
                    (0x20, "server error"), (0x40, "no such client"), (0x80, "load failure"),
                    (0x100, "init failure"), (0x200, "shared memory failure"),
                    (0x400, "client/server protocol version mismatch"),
                    (0x800, "backend error"), (0x1000, "client zombie"))


def describe_status(status: int) -> str:
    """The flags of a ``jack_status_t`` in words."""
    words = [text for bit, text in JACK_STATUS_BITS if status & bit]
    return ", ".join(words) or "no status"


def _open_client(name: str):
    """A new JACK client called ``name`` (JACK may add a suffix), or an
    ``RtaudioError`` saying no server runs."""
    jffi, jlib = libjack()
    status = jffi.new("int *")
    client = jlib.jack_client_open(name.encode(), jffi.cast("int", JACK_NO_START_SERVER), status)
    if client == jffi.NULL:
        raise RtaudioError(f"no JACK server answers (jack_client_open: {describe_status(status[0])}); "
                           f"start one, e.g. `jackd -d alsa`")
    return client


def _ports(client, pattern: Optional[str], flags: int) -> list[str]:
    jffi, jlib = libjack()
    found = jlib.jack_get_ports(client, pattern.encode() if pattern else jffi.NULL,
                                AUDIO_PORT_TYPE, flags)
    if found == jffi.NULL:
        return []
    names = []
    i = 0
    while found[i] != jffi.NULL:
        names.append(jffi.string(found[i]).decode())
        i += 1
    jlib.jack_free(found)
    return names


def _client_of(port: str) -> str:
    return port.split(":", 1)[0]


def _resolve_target(client, device: Union[int, str, None]) -> str:
    """The JACK client name ``device`` means (see the module docstring)."""
    if isinstance(device, int) or (isinstance(device, str) and device.strip().isdigit()):
        from rtaudio.engine.devices import find_device
        info = find_device(int(device))  # a PortAudio index: its JACK device has the client's name
        device = info.name
    clients: list[str] = []
    for port in _ports(client, None, 0):
        if _client_of(port) not in clients:
            clients.append(_client_of(port))
    if device is None or device == "":
        physical = _ports(client, None, JACK_PORT_IS_PHYSICAL | JACK_PORT_IS_INPUT)
        if not physical:
            raise RtaudioError("the JACK server has no physical playback ports; name the client "
                               "to connect to with --device")
        return _client_of(physical[0])
    exact = [c for c in clients if c.lower() == str(device).lower()]
    if exact:
        return exact[0]
    matches = [c for c in clients if str(device).lower() in c.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RtaudioError(f"no JACK client matches device {device!r}; clients with audio ports: "
                           f"{', '.join(clients) or 'none'}")
    raise RtaudioError(f"device {device!r} matches several JACK clients: {', '.join(matches)}")


class JackBackend:
    """rtaudio's own JACK client.

    Parameters
    ----------
    client_name : str
        Name of the JACK client rtaudio registers (JACK appends a number if
        it is taken).
    """

    name = "jack"

    def __init__(self, client_name: str = "rtaudio") -> None:
        self.client_name = client_name

    def resolve(self, device: Union[int, str, None], samplerate: float, blocksize: int,
                channels: int) -> DeviceChoice:
        """Check the server's rate and period against the settings and pick
        the ports to connect to.

        Raises
        ------
        RtaudioError
            No server, unknown client, or a rate/period the server does not run.
        """
        jffi, jlib = libjack()
        client = _open_client(f"{self.client_name}-probe")
        try:
            rate = int(jlib.jack_get_sample_rate(client))
            period = int(jlib.jack_get_buffer_size(client))
            if abs(rate - float(samplerate)) > 0.5:
                raise RtaudioError(f"the JACK server runs at {rate} Hz, not {samplerate:g} Hz; "
                                   f"use --samplerate {rate}")
            if period != int(blocksize):
                raise RtaudioError(f"the JACK server runs {period}-frame periods, not {blocksize}; "
                                   f"use --blocksize {period}")
            target = _resolve_target(client, device)
            pattern = f"^{re.escape(target)}:"
            capture = _ports(client, pattern, JACK_PORT_IS_OUTPUT)
            playback = _ports(client, pattern, JACK_PORT_IS_INPUT)
        finally:
            jlib.jack_client_close(client)
        out_channels = min(int(channels), len(playback), MAX_PORTS)
        in_channels = min(int(channels), len(capture), MAX_PORTS)
        if out_channels < 1:
            raise RtaudioError(f"JACK client {target!r} has no playback ports")
        return DeviceChoice(name=target, samplerate=float(rate), blocksize=period,
                            channels=int(channels), in_channels=in_channels,
                            out_channels=out_channels,
                            extra={"describe": f"JACK client {target!r}",
                                   "capture": capture[:in_channels],
                                   "playback": playback[:out_channels]})

    def open(self, choice: DeviceChoice, native=None, pycallback=None) -> "JackStream":
        """Open (not start) a client whose process callback runs ``native``
        (the C engine) or ``pycallback`` (Python mode)."""
        return JackStream(choice, native, self.client_name, pycallback)


class JackStream:
    """One JACK client running the engine's C callback through the bridge.

    A server that goes away sets the bridge's shutdown flag (``lost``); the
    stream is then dead for good, and ``Engine`` opens a new one when the
    server is back.
    """

    def __init__(self, choice: DeviceChoice, native, client_name: str, pycallback=None) -> None:
        from rtaudio._native import ffi, recast
        jffi, jlib = libjack()
        self.choice = choice
        self.native = native   # owns the engine struct the bridge calls into
        self.error: Optional[BaseException] = None
        self._activated = False
        self._closed = False
        self.client = _open_client(client_name)
        try:
            rate = int(jlib.jack_get_sample_rate(self.client))
            period = int(jlib.jack_get_buffer_size(self.client))
            if abs(rate - choice.samplerate) > 0.5 or period != choice.blocksize:
                raise RtaudioError(f"the JACK server now runs {rate} Hz / {period} frames, the "
                                   f"stream was set up for {choice.samplerate:g} Hz / "
                                   f"{choice.blocksize} frames")
            self.in_scratch = np.zeros(BRIDGE_MAX_FRAMES * max(1, choice.in_channels), np.float32)
            self.out_scratch = np.zeros(BRIDGE_MAX_FRAMES * choice.out_channels, np.float32)
            bridge = ffi.new("rtd_jack_bridge *")
            bridge.port_get_buffer = recast(ffi, "rtd_jack_port_buffer_fn", jlib.jack_port_get_buffer,
                                            jffi)
            bridge.in_channels = choice.in_channels
            bridge.out_channels = choice.out_channels
            bridge.max_frames = BRIDGE_MAX_FRAMES
            bridge.in_scratch = ffi.cast("float *", ffi.from_buffer(self.in_scratch))
            bridge.out_scratch = ffi.cast("float *", ffi.from_buffer(self.out_scratch))
            bridge.samplerate = choice.samplerate
            if native is not None:
                bridge.inner = ffi.cast("rtd_inner_callback", native.callback_pointer)
                bridge.inner_userdata = native.cdata
            else:
                self._python_inner = self._wrap_python(pycallback, choice.in_channels,
                                                       choice.out_channels)
                bridge.inner = self._python_inner
            self.in_ports, self.out_ports = [], []
            for kind, count, flags, keep, slots in (
                    ("in", choice.in_channels, JACK_PORT_IS_INPUT, self.in_ports, bridge.in_ports),
                    ("out", choice.out_channels, JACK_PORT_IS_OUTPUT, self.out_ports, bridge.out_ports)):
                for c in range(count):
                    port = jlib.jack_port_register(self.client, f"{kind}_{c + 1}".encode(),
                                                   AUDIO_PORT_TYPE, flags, 0)
                    if port == jffi.NULL:
                        raise RtaudioError(f"JACK refused to register port {kind}_{c + 1}")
                    keep.append(port)
                    slots[c] = recast(ffi, "void *", port, jffi)
            self.bridge = bridge
            arg = recast(jffi, "void *", bridge)
            jlib.jack_set_process_callback(
                self.client, _native_function("rtd_jack_process", "int(*)(uint32_t, void *)"), arg)
            jlib.jack_on_shutdown(self.client, _native_function("rtd_jack_shutdown", "void(*)(void *)"),
                                  arg)
            jlib.jack_set_xrun_callback(self.client, _native_function("rtd_jack_xrun", "int(*)(void *)"),
                                        arg)
        except BaseException:
            jlib.jack_client_close(self.client)
            self._closed = True
            raise
        self._latency = (0.0, 0.0)

    def _wrap_python(self, pycallback, in_channels: int, out_channels: int):
        """A C-callable inner callback running the Python-mode engine on
        NumPy views of the bridge's scratch blocks (the GIL is taken per
        period, as in sounddevice's Python callbacks)."""
        from rtaudio._native import ffi

        def inner(inp, out, frames, info, status, userdata):
            try:
                indata = None
                if in_channels and inp != ffi.NULL:
                    indata = np.frombuffer(ffi.buffer(inp, 4 * frames * in_channels),
                                           np.float32).reshape(frames, in_channels)
                outdata = np.frombuffer(ffi.buffer(out, 4 * frames * out_channels),
                                        np.float32).reshape(frames, out_channels)
                pycallback(indata, outdata, frames, info.inputBufferAdcTime, info.currentTime,
                           info.outputBufferDacTime, status)
                return 0
            except BaseException as exc:  # reported by the engine's watchdog
                self.error = exc
                return 2

        return ffi.callback("rtd_inner_callback", inner)

    def mark_gap(self) -> None:
        """Flag the first callback of this (reopened) stream as an xrun: the
        output was missing for the outage, and the statistics' clock
        re-anchors there (rtaudio.engine.stats: *late*)."""
        from rtaudio._native import lib
        lib.rtd_jack_xrun(self.bridge)

    @property
    def lost(self) -> bool:
        """True once the JACK server shut this client down (killed, crashed, stopped)."""
        from rtaudio._native import lib
        return bool(lib.rtd_jack_bridge_lost(self.bridge))

    @property
    def latency(self) -> tuple[float, float]:
        """(input, output) latency in seconds: the connected ports' latency
        plus one period, as JACK reports it."""
        return self._latency

    @property
    def active(self) -> bool:
        """True while JACK runs the client and the engine did not ask to stop."""
        return self._activated and not self._closed and not self.lost and not self.bridge.finished

    def start(self) -> None:
        """Activate the client and connect its ports to the device's."""
        jffi, jlib = libjack()
        if jlib.jack_activate(self.client) != 0:
            raise RtaudioError(f"JACK refused to activate client for {self.choice.name!r}")
        self._activated = True
        mine = [jffi.string(jlib.jack_port_name(p)).decode() for p in self.in_ports]
        for source, dest in zip(self.choice.extra["capture"], mine):
            jlib.jack_connect(self.client, source.encode(), dest.encode())
        mine = [jffi.string(jlib.jack_port_name(p)).decode() for p in self.out_ports]
        for source, dest in zip(mine, self.choice.extra["playback"]):
            jlib.jack_connect(self.client, source.encode(), dest.encode())
        self._latency = (self._port_latency(self.choice.extra["capture"], JACK_CAPTURE_LATENCY),
                         self._port_latency(self.choice.extra["playback"], JACK_PLAYBACK_LATENCY))

    def _port_latency(self, names: list[str], mode: int) -> float:
        jffi, jlib = libjack()
        if not names:
            return 0.0
        port = jlib.jack_port_by_name(self.client, names[0].encode())
        if port == jffi.NULL:
            return 0.0
        span = jffi.new("jack_latency_range_t *")
        jlib.jack_port_get_latency_range(port, mode, span)
        return (int(span.min) + self.choice.blocksize) / self.choice.samplerate

    def close(self) -> Optional[str]:
        """Deactivate and close the client (a dead server's client is just
        closed; libjack answers with an error code, never an abort)."""
        if self._closed:
            return None
        self._closed = True
        jffi, jlib = libjack()
        lost = self.lost

        def shut() -> None:
            if self._activated and not lost:
                jlib.jack_deactivate(self.client)
            jlib.jack_client_close(self.client)

        return shut_down_within(shut, self.choice.name)

