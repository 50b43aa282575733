"""Load generators for the latency benchmark (``rtaudio latency``).

Each load is a context manager: ``start()`` before a measurement,
``stop()`` after it (also on Ctrl-C), leaving no process, thread or
temporary file behind.

* ``none``     — nothing.
* ``filecopy`` — another process copies a large temporary file over and
  over, with ``fsync`` after each copy (the paper's "file copy").
* ``cpu``      — one busy process per core (``stress-ng`` when installed,
  else Python busy loops).
* ``gil``      — a busy pure-Python thread in this process (competes for
  the GIL with a Python-mode callback).
* ``gc``       — a thread in this process allocating and dropping many
  Python objects, including reference cycles (garbage-collector pressure).
  Collector pauses are recorded so reports can count the ones that
  overlapped a callback.
* ``gui``      — the live viewer; it needs the engine and the Qt event
  loop, so ``rtaudio latency`` drives it (see ``rtaudio.commands.latency``).
"""
from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import numpy as np

from rtaudio.engine.worker import Worker

LOAD_NAMES = ("none", "gui", "filecopy", "cpu", "gil", "gc")
STOP_TIMEOUT_S = 10.0


class Load:
    """Base class: a named load with start/stop and context-manager use."""

    name = "none"

    def start(self) -> None:
        """Start generating load (returns once it runs)."""

    def stop(self) -> None:
        """Stop and clean up; safe to call twice."""

    def info(self) -> dict:
        """What the report should say about this load."""
        return {"load": self.name}

    def __enter__(self) -> "Load":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _ProcessLoad(Load):
    """A load made of child processes, stopped with SIGTERM then SIGKILL."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen] = []

    def _spawn(self, argv: list[str]) -> None:
        self._procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True))

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in self._procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs.clear()

    @property
    def pids(self) -> list[int]:
        """PIDs of the running child processes."""
        return [p.pid for p in self._procs if p.poll() is None]


class FileCopyLoad(_ProcessLoad):
    """Repeated copies of a large temporary file with fsync, in another process.

    Parameters
    ----------
    size_mib : int
        Size of the file copied, in MiB (the paper copied large files).
    directory : str, optional
        Where the temporary folder goes (default: the system temp dir).
    """

    name = "filecopy"

    def __init__(self, size_mib: int = 512, directory: Optional[str] = None) -> None:
        super().__init__()
        if size_mib < 1:
            raise ValueError(f"filecopy size_mib = {size_mib} must be >= 1")
        self.size_mib = size_mib
        self.directory = directory
        self.workdir: Optional[Path] = None

    def start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="rtaudio-filecopy-", dir=self.directory))
        self._spawn([sys.executable, "-m", "rtaudio.bench.loads", "filecopy", str(self.workdir), str(self.size_mib)])
        # wait until the source file exists so the measurement sees real copying
        deadline = time.monotonic() + 60
        while not (self.workdir / "ready").exists() and time.monotonic() < deadline:
            if self._procs[0].poll() is not None:
                raise RuntimeError("filecopy load process exited early")
            time.sleep(0.05)

    def stop(self) -> None:
        super().stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def info(self) -> dict:
        return {"load": self.name, "size_mib": self.size_mib}


class CpuLoad(_ProcessLoad):
    """One busy process per core: ``stress-ng --cpu N`` or Python busy loops."""

    name = "cpu"

    def __init__(self, workers: Optional[int] = None) -> None:
        super().__init__()
        self.workers = workers or os.cpu_count() or 1
        self.tool = "stress-ng" if shutil.which("stress-ng") else "python"

    def start(self) -> None:
        if self.tool == "stress-ng":
            self._spawn(["stress-ng", "--cpu", str(self.workers), "--quiet"])
        else:
            for _ in range(self.workers):
                self._spawn([sys.executable, "-c", "while True: pass"])

    def info(self) -> dict:
        return {"load": self.name, "workers": self.workers, "tool": self.tool}


class _ThreadLoad(Load):
    """A daemon thread running ``_work`` until stopped (``_work`` polls ``_stop``)."""

    def __init__(self) -> None:
        self._worker = Worker(self._work, f"rtaudio-load-{self.name}")
        self._stop = self._worker.stopping

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._worker.stop(STOP_TIMEOUT_S)

    def _work(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class GilLoad(_ThreadLoad):
    """A busy pure-Python thread in this process."""

    name = "gil"

    def _work(self) -> None:
        counter = 0
        while not self._stop.is_set():
            for _ in range(10_000):
                counter += 1


class GcLoad(_ThreadLoad):
    """Allocation churn with reference cycles; records collector pauses.

    ``pauses_ns`` holds ``(start, stop)`` monotonic-clock pairs of every
    collection that happened while the load ran (from ``gc.callbacks``).
    """

    name = "gc"

    def __init__(self) -> None:
        super().__init__()
        self.pauses_ns: list[tuple[int, int]] = []
        self._gc_start = 0

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.monotonic_ns()
        else:
            self.pauses_ns.append((self._gc_start, time.monotonic_ns()))

    def start(self) -> None:
        self.pauses_ns = []
        gc.callbacks.append(self._on_gc)
        super().start()

    def stop(self) -> None:
        super().stop()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _work(self) -> None:
        while not self._stop.is_set():
            junk = []
            for i in range(2000):
                node = {"i": i, "payload": [i] * 8}
                node["self"] = node  # a cycle: only the collector frees it
                junk.append(node)
            del junk

    def info(self) -> dict:
        return {"load": self.name, "gc_pauses": len(self.pauses_ns)}


def gc_overlaps(pauses_ns: list[tuple[int, int]], enter_ns: np.ndarray, exit_ns: np.ndarray) -> int:
    """Number of collector pauses ``[start, stop]`` that overlapped a callback
    ``[enter, exit]`` (intervals overlap when enter < stop and exit > start).

    Callbacks of one stream never overlap each other, so once sorted by
    ``enter`` their ``exit`` times are sorted too and the last callback that
    entered before the pause ended is the only one to check.
    """
    if not pauses_ns or len(enter_ns) == 0:
        return 0
    order = np.argsort(enter_ns)
    enter, leave = np.asarray(enter_ns)[order], np.asarray(exit_ns)[order]
    count = 0
    for start, stop in pauses_ns:
        last = int(np.searchsorted(enter, stop, side="left"))
        if last > 0 and leave[last - 1] > start:
            count += 1
    return count


def run_under_load(engine, load: Load, seconds: float, warmup_s: float = 0.0) -> None:
    """Start ``load``, wait ``warmup_s``, run ``engine`` for ``seconds``, then
    stop the engine and the load (both also on Ctrl-C or an error)."""
    with load:
        time.sleep(warmup_s)
        engine.start()
        try:
            time.sleep(seconds)
        finally:
            engine.stop()


def make_load(name: str, *, filecopy_mib: int = 512) -> Load:
    """The load called ``name`` (not ``gui``, which ``rtaudio latency`` runs itself)."""
    loads = {"none": Load, "gil": GilLoad, "gc": GcLoad, "cpu": CpuLoad,
             "filecopy": lambda: FileCopyLoad(filecopy_mib)}
    if name not in loads:
        raise ValueError(f"unknown load {name!r}; choose from {', '.join(LOAD_NAMES)}")
    return loads[name]()


def _filecopy_main(workdir: str, size_mib: int) -> None:
    """Child process of FileCopyLoad: write the source file, then copy it forever."""
    folder = Path(workdir)
    source, target = folder / "source.bin", folder / "copy.bin"
    running = True

    def on_term(*_):
        nonlocal running
        running = False
    signal.signal(signal.SIGTERM, on_term)
    chunk = np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    with open(source, "wb") as handle:
        for _ in range(size_mib):
            if not running:
                return
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    (folder / "ready").touch()
    while running:
        with open(source, "rb") as src, open(target, "wb") as dst:
            while running:
                data = src.read(1 << 20)
                if not data:
                    break
                dst.write(data)
            dst.flush()
            os.fsync(dst.fileno())
        target.unlink(missing_ok=True)


if __name__ == "__main__":  # the filecopy child process
    if len(sys.argv) == 4 and sys.argv[1] == "filecopy":
        _filecopy_main(sys.argv[2], int(sys.argv[3]))
