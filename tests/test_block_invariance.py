"""Block-size invariance (docs/maths/conventions.md §0.3): any partition gives bit-identical output."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtaudio import Chain, LowPass, NoiseGate

from _signals import bursts, random_partition, stream

FS = 48000.0
SIGNAL = bursts(int(3 * FS), 2, seed=11)  # 3 s test signal (docs/maths/conventions.md §0.3)


def make_chain(backend):
    return Chain([NoiseGate(threshold_db=-35.0, attack_ms=10, hold_ms=5, release_ms=2, backend=backend),
                  LowPass(cutoff_hz=2500.0, backend=backend)])


@pytest.mark.parametrize("backend", ["c", "numba"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2 ** 31))
def test_random_partitions_equal_whole_signal(backend, seed):
    whole = make_chain(backend)(SIGNAL, FS)
    sizes = random_partition(len(SIGNAL), np.random.default_rng(seed), 1, 4096)
    assert np.array_equal(stream(make_chain(backend), SIGNAL, sizes, FS), whole)


@pytest.mark.parametrize("backend", ["c", "numba"])
@pytest.mark.parametrize("size", [1, 7, 64, 127, 1000, 8192])
def test_fixed_block_sizes(backend, size):
    x = SIGNAL[:20000]
    whole = make_chain(backend)(x, FS)
    sizes = [size] * (len(x) // size) + ([len(x) % size] if len(x) % size else [])
    assert np.array_equal(stream(make_chain(backend), x, sizes, FS), whole)


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_invariance_with_parameter_events(backend):
    """The same (sample index, set) events with different partitions around
    them give identical output (docs/maths/conventions.md §0.4)."""
    x = SIGNAL[:24000]
    events = {6000: 4000.0, 12000: 300.0, 18000: 9000.0}

    def run(sizes):
        lp = LowPass(cutoff_hz=1000.0, backend=backend)
        lp.prepare(FS, 2)
        out, start = x.copy(), 0
        for size in sizes:
            if start in events:
                lp.cutoff_hz = events[start]
            block = np.ascontiguousarray(out[start:start + size])
            lp.process(block)
            out[start:start + size] = block
            start += size
        return out

    def partition_with_boundaries(rng):
        sizes, start = [], 0
        for stop in (*sorted(events), len(x)):
            sizes += random_partition(stop - start, rng, 1, 3000)
            start = stop
        return [s for s in sizes if s]

    a = run(partition_with_boundaries(np.random.default_rng(1)))
    b = run(partition_with_boundaries(np.random.default_rng(2)))
    assert np.array_equal(a, b)
    c = run([6000, 6000, 6000, 6000])
    assert np.array_equal(a, c)
