"""Test-only native helpers (tests/native/rtprobe.c, rtalloc.c), compiled
on first use into build/rtprobe/ with the system C compiler.

- ``Canary``: a SCHED_FIFO thread in C, independent of rtaudio's callback,
  whose wake-up gaps witness host stalls (docs/realtime.md §3).
- ``ProbeSlot``: a test double processor whose native slot is a C function
  from rtprobe.c: ``"stall"`` (2 ms busy-wait in 5 % of the blocks),
  ``"gil"`` (takes the GIL every block) or ``"mark"`` (flags the audio
  thread for the allocation counter). They exist only in this test build:
  the mutation check (docs/realtime.md §3.3) puts them into a chain.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sysconfig
from pathlib import Path
from typing import Optional

import numpy as np

from rtaudio._native import ffi
from rtaudio.processor import Processor

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(__file__).resolve().parent / "native"
BUILD = ROOT / "build" / "rtprobe"


def build(name: str, extra: tuple[str, ...] = ()) -> Path:
    """Compile tests/native/<name>.c to a shared library (cached by content)."""
    source = SRC / f"{name}.c"
    digest = hashlib.sha1(source.read_bytes() + " ".join(extra).encode()).hexdigest()[:12]
    target = BUILD / f"{name}-{digest}.so"
    if not target.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(["cc", "-O2", "-fPIC", "-shared", "-std=gnu11", *extra, "-o", str(tmp),
                        str(source), "-lpthread", "-ldl"], check=True)
        os.replace(tmp, target)
    return target


_probe: Optional[ctypes.CDLL] = None


def probe_lib() -> ctypes.CDLL:
    global _probe
    if _probe is None:
        lib = ctypes.CDLL(str(build("rtprobe", (f"-I{sysconfig.get_paths()['include']}",))))
        lib.rtp_canary_start.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.c_int]
        lib.rtp_canary_stop.restype = ctypes.c_int64
        lib.rtp_canary_gaps.restype = ctypes.c_int64
        lib.rtp_canary_gaps.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        lib.rtp_canary_wakeups.restype = ctypes.c_int64
        _probe = lib
    return _probe


class Canary:
    """SCHED_FIFO canary threads, one pinned to each CPU (context manager).

    Each wakes every ``period_ns`` at FIFO ``priority`` (above jackd's and
    its clients' real-time threads, so rtaudio's callback cannot delay it)
    and records every wake-up gap longer than ``period_ns + slack_ns``:
    ``gaps`` is an ``(n, 2)`` array of ``[start_ns, end_ns]`` in
    CLOCK_MONOTONIC, the clock of the monitor records.
    """

    def __init__(self, period_ns: int = 500_000, slack_ns: int = 300_000, priority: int = 90) -> None:
        self.period_ns, self.slack_ns, self.priority = period_ns, slack_ns, priority
        self.gaps = np.zeros((0, 2), dtype=np.int64)
        self.wakeups = 0

    def __enter__(self) -> "Canary":
        err = probe_lib().rtp_canary_start(self.period_ns, self.slack_ns, self.priority)
        if err:
            raise RuntimeError(f"the canary needs SCHED_FIFO priority {self.priority} (error {err})")
        return self

    def __exit__(self, *exc) -> None:
        lib = probe_lib()
        n = lib.rtp_canary_stop()
        starts = np.zeros(max(n, 1), dtype=np.int64)
        ends = np.zeros(max(n, 1), dtype=np.int64)
        n = lib.rtp_canary_gaps(starts.ctypes.data, ends.ctypes.data, n)
        gaps = np.stack([starts[:n], ends[:n]], axis=1)
        self.gaps = gaps[np.argsort(gaps[:, 1], kind="stable")]
        self.wakeups = lib.rtp_canary_wakeups()

    def overlaps(self, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
        """For each interval ``[start, end]``: does a canary gap overlap it?"""
        start_ns, end_ns = np.atleast_1d(start_ns), np.atleast_1d(end_ns)
        if len(self.gaps) == 0:
            return np.zeros(len(start_ns), dtype=bool)
        g0, g1 = self.gaps[:, 0], self.gaps[:, 1]
        # gaps (from several CPUs) may nest: test every gap ending after the
        # interval's start (a handful per interval)
        first = np.searchsorted(g1, start_ns, side="left")
        out = np.zeros(len(start_ns), dtype=bool)
        for k, (i, end) in enumerate(zip(first, end_ns)):
            out[k] = bool((g0[i:] <= end).any())
        return out


PROBE_SYMBOLS = {"stall": "rtp_stall_process", "gil": "rtp_gil_process", "mark": "rtp_mark_audio_process",
                 "alloc": "rtp_alloc_process"}


class ProbeSlot(Processor):
    """A test double: a native-chain slot running a function of rtprobe.c
    (``kind`` = "stall", "gil", "alloc" (malloc + free every block) or
    "mark"); in python mode it does nothing."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        address = ctypes.cast(getattr(probe_lib(), PROBE_SYMBOLS[kind]), ctypes.c_void_p).value
        self._pointer = ffi.cast("rtd_process_fn", address)
        self.kind = kind

    def native_process_pointer(self):
        return self._pointer

    def _allocate(self, channels: int) -> None:
        self._counters = np.zeros(1, dtype=np.int64)
        self._cself = ffi.NULL

    def _update_targets(self) -> None:
        pass

    def _reset_state(self) -> None:
        pass

    def _process_c(self, block: np.ndarray) -> None:
        pass


ProbeSlot.c_process_symbol = "probe"  # a native slot (its pointer comes from rtprobe.c)
