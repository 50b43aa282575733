"""The per-block fast path (rtaudio._blockcall.BlockKernel) behind ``Processor.process``.

Every result is compared with the same processor run through the Python
path (``Processor.process`` called explicitly, i.e. CFFI) or offline; the
fast path must be invisible except in speed.
"""
from __future__ import annotations

import numpy as np
import pytest

import rtaudio
from rtaudio import VCF, LowPass, NoiseGate, Processor, RingModulator
from rtaudio._blockcall import BlockKernel

FS = 48000


def _signal(frames: int = 4000, channels: int = 2, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.5 * rng.standard_normal((frames, channels))).astype(np.float32)


def _stream(proc, x: np.ndarray, sizes, *, python_path: bool = False) -> np.ndarray:
    y = x.copy()
    call = (lambda b: Processor.process(proc, b)) if python_path else proc.process
    start = 0
    for size in sizes:
        returned = call(y[start:start + size])
        assert returned.base is y or returned is y
        start += size
    assert start == len(x)
    return y


MAKERS = {
    "gate": lambda: NoiseGate(threshold_db=-20.0, attack_ms=1.0, hold_ms=2.0, release_ms=5.0),
    "lowpass": lambda: LowPass(cutoff_hz=800.0),
    "ringmod": lambda: RingModulator(carrier_hz=440.0),
    "vcf": lambda: VCF(cutoff_hz=1500.0, resonance=3.0),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_fast_path_is_bound_and_equals_the_cffi_path(name):
    x = _signal()
    sizes = [1, 63, 64, 500, 7, 1365, 2000]
    fast, slow = MAKERS[name](), MAKERS[name]()
    for proc in (fast, slow):
        proc.prepare(FS, 2, max_block=1024)
    assert isinstance(fast.process, BlockKernel)
    y_fast = _stream(fast, x, sizes)
    y_slow = _stream(slow, x, sizes, python_path=True)
    np.testing.assert_array_equal(y_fast, y_slow)          # same kernel, same bits
    np.testing.assert_array_equal(y_fast, MAKERS[name]()(x, FS))


def test_block_is_processed_in_place_and_returned():
    proc = LowPass(cutoff_hz=500.0)
    proc.prepare(FS, 1)
    block = np.ones((64, 1), np.float32)
    assert proc.process(block) is block
    assert block[-1, 0] < 1.0                               # filtered, in place


def test_blocks_longer_than_max_block_are_split_with_the_same_result():
    x = _signal(frames=5000)
    proc = VCF(cutoff_hz=1200.0, resonance=2.0)             # uses_max_block
    proc.prepare(FS, 2, max_block=300)
    y = x.copy()
    proc.process(y)
    np.testing.assert_array_equal(y, VCF(cutoff_hz=1200.0, resonance=2.0)(x, FS))


def test_rejected_blocks_get_the_python_error_messages():
    proc = LowPass()
    proc.prepare(FS, 2)
    with pytest.raises(TypeError, match="float32"):
        proc.process(np.zeros((64, 2), np.float64))
    with pytest.raises(ValueError, match="channel"):
        proc.process(np.zeros((64, 3), np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        proc.process(np.zeros((64, 4), np.float32)[:, ::2])
    with pytest.raises(ValueError):
        proc.process(np.zeros(64, np.float32))
    with pytest.raises(TypeError):
        proc.process(np.zeros((64, 2), np.float32), 1)      # extra argument: fallback explains
    readonly = np.zeros((64, 2), np.float32)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="writeable|read-only"):
        proc.process(readonly)


def test_keyword_call_goes_through_the_python_path_with_the_same_result():
    x = _signal(frames=256, channels=1)
    a, b = LowPass(cutoff_hz=700.0), LowPass(cutoff_hz=700.0)
    for proc in (a, b):
        proc.prepare(FS, 1)
    ya, yb = x.copy(), x.copy()
    a.process(block=ya)
    b.process(yb)
    np.testing.assert_array_equal(ya, yb)


def test_empty_block_is_a_no_op():
    proc = LowPass()
    proc.prepare(FS, 1)
    block = np.zeros((0, 1), np.float32)
    assert proc.process(block) is block


def test_bypass_rebinds_both_ways():
    x = _signal(frames=512, channels=1)
    proc = LowPass(cutoff_hz=300.0)
    proc.prepare(FS, 1)
    proc.bypass = True
    y = x.copy()
    proc.process(y)
    np.testing.assert_array_equal(y, x)                     # passed through
    proc.bypass = False
    assert isinstance(proc.process, BlockKernel)
    proc.process(y)
    np.testing.assert_array_equal(y, LowPass(cutoff_hz=300.0)(x, FS))


def test_backend_change_unbinds_and_rebinds():
    proc = NoiseGate()
    proc.prepare(FS, 1)
    proc.backend = "reference"
    assert not isinstance(proc.process, BlockKernel)
    proc.backend = "c"
    assert isinstance(proc.process, BlockKernel)


def test_structural_change_while_streaming_follows_the_new_state():
    """VCF swaps its C struct when oversampling_factor changes (docs/maths/vcf.md §6: a
    reset); the per-block callable must run on the new struct."""
    x = _signal(frames=3000, channels=1)
    proc = VCF(cutoff_hz=1000.0, resonance=2.0, oversampling_factor=1)
    proc.prepare(FS, 1)
    head = x[:1000].copy()
    proc.process(head)
    proc.oversampling_factor = 2
    tail = x[1000:].copy()
    proc.process(tail)
    fresh = VCF(cutoff_hz=1000.0, resonance=2.0, oversampling_factor=2)(x[1000:], FS)
    np.testing.assert_array_equal(tail, fresh)


def test_reprepare_with_other_channel_count_rebinds():
    proc = LowPass()
    proc.prepare(FS, 1)
    proc.prepare(FS, 3)
    x = _signal(frames=256, channels=3)
    y = x.copy()
    proc.process(y)
    np.testing.assert_array_equal(y, LowPass()(x, FS))


def test_block_kernel_rejects_bad_construction():
    with pytest.raises(ValueError, match="addresses"):
        BlockKernel(0, 0, 1, 0, print, None)
    with pytest.raises(ValueError, match="channels"):
        BlockKernel(1, 1, 0, 0, print, None)
    with pytest.raises(TypeError, match="callable"):
        BlockKernel(1, 1, 1, 0, None, None)


def test_processors_with_their_own_process_keep_it():
    calls = []

    class CountingLowPass(LowPass):
        chain_name = ""                     # not registered in chain strings

        def process(self, block):
            calls.append(len(block))
            return super().process(block)

    proc = CountingLowPass()
    proc.prepare(FS, 1)
    assert not isinstance(proc.process, BlockKernel)
    proc.process(np.zeros((32, 1), np.float32))
    assert calls == [32]


def test_yin_tracker_uses_the_fast_path_and_reports_the_same_pitch():
    fs, n = 16000, 16000
    x = (0.5 * np.sin(2 * np.pi * 220.0 * np.arange(n) / fs)).astype(np.float32)[:, None]
    tracker = rtaudio.YinTracker(frame_length=1024, hop_length=256, fmin_hz=80.0, fmax_hz=1000.0)
    tracker.prepare(fs, 1)
    assert isinstance(tracker.process, BlockKernel)
    for start in range(0, n, 300):
        tracker.process(x[start:start + 300].copy())
    streamed = tracker.read_results()
    offline = rtaudio.pitch(x[:, 0], fs, frame_length=1024, hop_length=256, fmin_hz=80.0, fmax_hz=1000.0)
    np.testing.assert_array_equal(streamed["f0_hz"], offline.f0_hz)
