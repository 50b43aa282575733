"""The one SPSC ring (native/engine/rings.c, rtaudio/engine/rings.py)."""
from __future__ import annotations

import numpy as np
import pytest

from rtaudio.engine.rings import (MONITOR_RECORD, PITCH_RESULT, FloatRing, MonitorRing,
                                  PitchResultRing, Ring, pow2_at_least)


def test_pow2_at_least():
    assert [pow2_at_least(n) for n in (1, 2, 3, 4, 5, 1000, 1024, 1025)] == \
        [1, 2, 4, 4, 8, 1024, 1024, 2048]
    assert pow2_at_least(1, minimum=4) == 4


def test_float_ring_wraps_around_in_order():
    ring = FloatRing(10)  # -> 16 samples
    assert ring.capacity == 16
    sent, got = [], []
    rng = np.random.default_rng(1)
    counter = 0
    for _ in range(50):  # writes of 1..7 samples, reads of 0..9: many wrap-arounds
        n = int(rng.integers(1, 8))
        chunk = np.arange(counter, counter + n, dtype=np.float32)
        if ring.write(chunk):
            sent.append(chunk)
            counter += n
        got.append(ring.read(int(rng.integers(0, 10))))
    got.append(ring.read())
    np.testing.assert_array_equal(np.concatenate(got), np.concatenate(sent))


def test_full_ring_drops_whole_writes_and_counts_them():
    ring = FloatRing(8)
    assert ring.write(np.ones(6, np.float32))
    assert not ring.write(np.ones(3, np.float32))   # all or nothing
    assert ring.dropped == 3
    assert ring.available == 6
    assert ring.write(np.full(2, 2.0, np.float32))
    np.testing.assert_array_equal(ring.read(), [1, 1, 1, 1, 1, 1, 2, 2])


def test_monitor_ring_records_round_trip():
    ring = MonitorRing(4)
    for i in range(6):
        ring.push(100 * i, 100 * i + 7, 0.5, 0.25, 0.75, i, 64, 0, i % 2)
    assert ring.lost == 2
    records = ring.pop()
    assert records.dtype == MONITOR_RECORD
    np.testing.assert_array_equal(records["index"], [0, 1, 2, 3])
    np.testing.assert_array_equal(records["exit_ns"] - records["enter_ns"], [7] * 4)
    np.testing.assert_array_equal(records["nonfinite"], [0, 1, 0, 1])


def test_python_producer_publishes_through_columns():
    ring = PitchResultRing(3)  # -> 4
    head, tail, dropped = ring.producer_state()
    for q in range(3):
        slot = (head + q) & (ring.capacity - 1)
        ring.columns["frame"][slot] = q
        ring.columns["f0_hz"][slot] = 100.0 + q
        ring.columns["voiced"][slot] = q == 1
    assert ring.available == 0            # nothing visible before publish
    ring.publish(head + 3, dropped + 5)
    out = ring.read()
    assert out.dtype == PITCH_RESULT and ring.dropped == 5
    np.testing.assert_array_equal(out["frame"], [0, 1, 2])
    np.testing.assert_array_equal(out["f0_hz"], [100.0, 101.0, 102.0])
    np.testing.assert_array_equal(out["voiced"], [False, True, False])


def test_bad_capacity_is_refused():
    with pytest.raises(ValueError):
        Ring(0, np.float32)
    with pytest.raises(ValueError):
        PitchResultRing(True)
