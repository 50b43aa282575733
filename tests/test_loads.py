"""Load generators start, stop and leave nothing behind."""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from rtaudio.bench.loads import CpuLoad, FileCopyLoad, GcLoad, GilLoad, gc_overlaps, make_load


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive: check the state in /proc
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_filecopy_copies_and_cleans_up(tmp_path):
    load = FileCopyLoad(size_mib=4, directory=str(tmp_path))
    with load:
        workdir = load.workdir
        pids = load.pids
        assert workdir is not None and (workdir / "source.bin").stat().st_size == 4 << 20
        time.sleep(0.5)
        assert pids and all(alive(pid) for pid in pids)
    assert not any(alive(pid) for pid in pids)
    assert list(tmp_path.iterdir()) == []  # temporary folder removed


def test_cpu_load_uses_every_core_and_stops():
    load = CpuLoad()
    with load:
        time.sleep(0.3)
        pids = load.pids
        assert pids
        if load.tool == "python":
            assert len(pids) == os.cpu_count()
    time.sleep(0.2)
    assert not any(alive(pid) for pid in pids)


def test_thread_loads_stop():
    before = threading.active_count()
    for load in (GilLoad(), GcLoad()):
        with load:
            time.sleep(0.3)
            assert threading.active_count() == before + 1
        assert threading.active_count() == before
    with GcLoad() as gc_load:
        time.sleep(1.0)
    assert gc_load.pauses_ns, "allocation churn with cycles must trigger collections"
    assert all(stop >= start for start, stop in gc_load.pauses_ns)


def test_gc_overlap_count():
    enter = np.array([0, 100, 200, 300])
    leave = np.array([10, 110, 210, 310])
    pauses = [(5, 6),      # inside callback 0
              (50, 60),    # between callbacks
              (105, 205),  # spans callbacks 1 and 2: one pause
              (305, 400)]  # starts inside the last
    assert gc_overlaps(pauses, enter, leave) == 3
    assert gc_overlaps([], enter, leave) == 0


def test_unknown_load():
    with pytest.raises(ValueError, match="unknown load"):
        make_load("disk")
