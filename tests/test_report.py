"""Latency report: paper-format numbers from synthetic records, files and keys."""
from __future__ import annotations

import json

import numpy as np
import pytest

from rtaudio.engine.monitor import RECORD_DTYPE, compute_stats
from rtaudio.bench.report import machine_info, target_checks, write_report

RATE = 48000.0
BLOCK = 48  # period = 1 ms


def synthetic_records(process_ms, interval_ms, status=None) -> np.ndarray:
    """Records with known process times and start intervals (ms)."""
    n = len(process_ms)
    rec = np.zeros(n, dtype=RECORD_DTYPE)
    enter = np.concatenate([[0.0], np.cumsum(interval_ms)])[:n] * 1e6
    rec["enter_ns"] = enter.astype(np.int64)
    rec["exit_ns"] = (enter + np.asarray(process_ms) * 1e6).astype(np.int64)
    rec["frames"] = BLOCK
    rec["index"] = np.arange(n)
    if status is not None:
        rec["status"] = status
    return rec


def test_paper_table_from_known_records():
    # 5 callbacks, period 1 ms; process 0.1, 0.2, 1.5 (overrun), 0.1, 0.1 ms
    process = [0.1, 0.2, 1.5, 0.1, 0.1]
    interval = [1.0, 1.0, 2.5, 0.5]  # start times 0, 1, 2, 4.5, 5
    stats = compute_stats(synthetic_records(process, interval), RATE)
    table = stats["paper_table"]
    assert table["process"]["max_ms"] == pytest.approx(1.5)
    assert table["process"]["avg_ms"] == pytest.approx(0.4)
    assert table["process"]["violations_pct"] == pytest.approx(20.0)  # 1 of 5 above 1 ms
    assert table["total"]["max_ms"] == pytest.approx(2.5)
    assert table["total"]["avg_ms"] == pytest.approx(1.25)
    assert table["total"]["violations_pct"] == pytest.approx(25.0)  # 1 of 4 intervals
    # idle = next enter - previous exit: 0.9, 0.8, 1.0, 0.4
    assert table["idle"]["avg_ms"] == pytest.approx(0.775)
    assert table["idle"]["min_ms"] == pytest.approx(0.4)
    assert table["idle"]["violations_pct"] == pytest.approx(0.0)
    assert stats["overruns"] == 1


def make_run(load, mode, block=BLOCK, late_every=0):
    process = [0.1] * 200
    interval = [1.0] * 199
    rec = synthetic_records(process, interval)
    return {"load": load, "mode": mode, "kernels": "c", "backend": "virtual", "blocksize": block,
            "samplerate": RATE, "duration_s": 0.2, "stats": compute_stats(rec, RATE), "records": rec,
            "gc_overlaps": 0}


def test_write_report_files_and_keys(tmp_path):
    runs = [make_run(load, mode) for mode in ("native", "python") for load in ("none", "gil")]
    paths = write_report(runs, tmp_path / "rep", "rtaudio latency --virtual", machine_info())
    data = json.loads(paths["json"].read_text())
    assert data["command"] == "rtaudio latency --virtual"
    assert {"cpu", "cores", "kernel", "python", "portaudio"} <= set(data["machine"])
    assert len(data["runs"]) == 4
    for run in data["runs"]:
        assert {"load", "mode", "kernels", "blocksize", "duration_s", "stats"} <= set(run)
        assert {"callbacks", "overruns", "late", "xruns", "dropped", "dsp_load", "process_us"} <= set(run["stats"])
    md = paths["md"].read_text()
    for heading in ("Paper-format tables", "Our table", "published numbers", "Targets", "Violations (%)",
                    "rtaudio latency --virtual"):
        assert heading in md
    pngs = [p for name, p in paths.items() if name.endswith(".png")]
    assert len(pngs) == 4  # histogram + time series per configuration
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_target_checks_detect_overruns():
    good = make_run("none", "native", block=64)
    bad = make_run("cpu", "native", block=64)
    bad["stats"] = dict(bad["stats"], overruns=3)
    lines = target_checks([good, bad])
    assert any("NOT met" in line and "overruns" in line for line in lines)
    assert any("met" in line for line in target_checks([good]))


def test_histogram_plot_steps_hold_each_callback_in_its_bin():
    """The report plots the monitor's latency histogram: the rebuilt bins
    are contiguous log-spaced steps, and each known process time falls in
    a bin whose range contains it."""
    from rtaudio.bench.report import histogram_steps
    process_ms = [0.104] * 10 + [0.25] * 3 + [0.9] * 5   # none on a bin edge
    stats = compute_stats(synthetic_records(process_ms, [1.0] * (len(process_ms) - 1)), RATE)
    hist = stats["latency_histogram"]
    edges, counts = histogram_steps(hist["process_us"], hist["bins_per_decade"])
    assert counts.sum() == len(process_ms)
    np.testing.assert_allclose(np.diff(np.log10(edges)), 1 / hist["bins_per_decade"], rtol=1e-9)
    for value_us, expected in ((104.0, 10), (250.0, 3), (900.0, 5)):
        (i,) = np.flatnonzero((edges[:-1] < value_us) & (value_us <= edges[1:]))
        assert counts[i] == expected, value_us
    assert histogram_steps([], 100) is None
