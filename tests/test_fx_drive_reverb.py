"""drive (aliasing, latency, closed-form shaper) and reverb (RT60, decorrelation, bounded
energy) kernels (docs/maths/everyday-effects.md §8, §9)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtaudio.processors import drive, reverb

from _fx import run_kernel
from _signals import noise, random_partition

FS = 48000.0


def worst_alias_db(y: np.ndarray, f0: float) -> float:
    """Largest spectral component that is not a harmonic of f0 (or DC), dB re. the fundamental."""
    w = np.blackman(y.size)
    spectrum = np.abs(np.fft.rfft(y * w))
    freqs = np.fft.rfftfreq(y.size, 1 / FS)
    keep = np.ones(spectrum.size, bool)
    for h in range(int(FS / 2 / f0) + 1):
        keep[np.abs(freqs - h * f0) < 20.0] = False
    fundamental = spectrum[np.argmin(np.abs(freqs - f0))]
    return float(20 * np.log10(np.max(spectrum[keep]) / fundamental))


@pytest.mark.parametrize("shape", drive.SHAPES)
def test_drive_aliasing_below_minus_60_db(shape):
    """5 kHz sine at 48 kHz, amplitude 0.5, drive 24 dB (peaks 7.9x into the shaper), default
    oversampling (4x). Measured: tanh −68.7 dB, hard −65.3 dB, asym −71.2 dB (§8.2)."""
    assert drive.factor_of({"oversampling": drive.PARAMS[-1].default}) == 4
    t = np.arange(96000) / FS
    x = (0.5 * np.sin(2 * np.pi * 5000.0 * t)).astype(np.float32)[:, None]
    y = run_kernel(drive, drive.drive_kernel, x, drive_db=24.0, shape=shape)[48000:, 0].astype(np.float64)
    level = worst_alias_db(y, 5000.0)
    print(f"drive shape={shape}: worst alias {level:.1f} dB re. the fundamental")
    assert level < -60.0


@pytest.mark.parametrize("factor,latency", [(4, 34), (2, 31)])
def test_drive_latency_and_dry_path(factor, latency):
    x = noise(2000, 2, seed=3)
    y = run_kernel(drive, drive.drive_kernel, x, mix=0.0, output_db=0.0, oversampling=factor)
    assert drive.latency_of({"oversampling": factor}, FS) == latency
    np.testing.assert_array_equal(y[latency:], x[:-latency])
    np.testing.assert_array_equal(y[:latency], 0.0)


def test_drive_without_oversampling_is_the_plain_shaper():
    """oversampling = 1: no filters, no latency, y = og·(x + mix·(tanh(g·x) − x))."""
    x = noise(3000, 2, seed=8, level=0.5)
    y = run_kernel(drive, drive.drive_kernel, x, oversampling=1, drive_db=10.0, mix=0.6, output_db=-3.0)
    xd = x.astype(np.float64)
    expected = 10 ** (-3 / 20) * (xd + 0.6 * (np.tanh(10 ** 0.5 * xd) - xd))
    np.testing.assert_allclose(y, expected, atol=1e-6, rtol=0)
    assert drive.latency_of({"oversampling": 1}, FS) == 0


@pytest.mark.parametrize("factor", [2, 4])
def test_drive_lower_factors_alias_more_but_stay_usable(factor):
    """Moderate drive (12 dB, tanh): 4x and 2x still keep aliases below -50 dB."""
    t = np.arange(96000) / FS
    x = (0.5 * np.sin(2 * np.pi * 5000.0 * t)).astype(np.float32)[:, None]
    y = run_kernel(drive, drive.drive_kernel, x, drive_db=12.0, oversampling=factor)[48000:, 0]
    assert worst_alias_db(y.astype(np.float64), 5000.0) < -50.0


def test_drive_tanh_of_a_low_tone_is_the_closed_form():
    """A 100 Hz tone: the band-limited chain equals tanh(g·x[n − 34]) within 1e-3 of full scale."""
    t = np.arange(24000) / FS
    x = (0.8 * np.sin(2 * np.pi * 100.0 * t)).astype(np.float32)[:, None]
    g = 10 ** (6.0 / 20)
    y = run_kernel(drive, drive.drive_kernel, x, drive_db=6.0, shape="tanh")[:, 0].astype(np.float64)
    expected = np.tanh(g * x[:-34, 0].astype(np.float64))
    assert np.max(np.abs(y[34 + 2000:] - expected[2000:])) < 1e-3


@pytest.mark.parametrize("factor", [4, 2])
def test_drive_shaped_path_has_the_reported_latency(factor):
    """A quiet 200 Hz tone (tanh nearly linear): the shaped output is tanh(x[n − latency]) within
    1e-5; one sample off would be 2.6e-4 (the filters are linear phase, unit gain at low frequency)."""
    t = np.arange(9600) / FS
    x = (0.01 * np.sin(2 * np.pi * 200.0 * t)).astype(np.float32)[:, None]
    lat = drive.latency_of({"oversampling": factor}, FS)
    y = run_kernel(drive, drive.drive_kernel, x, drive_db=0.0, oversampling=factor)[:, 0].astype(np.float64)
    expected = np.tanh(x[:-lat, 0].astype(np.float64))
    assert np.max(np.abs(y[lat + 2000:] - expected[2000:])) < 1e-5


@pytest.mark.parametrize("factor", drive.FACTORS)
@pytest.mark.parametrize("shape", drive.SHAPES)
def test_drive_matches_the_float64_reference(shape, factor):
    """The chunked polyphase kernel against the direct-form float64 reference
    (rtaudio/kernels/reference/drive.py: zero-stuffing and whole-filter convolutions) within
    2e-7 of full scale (float32 output rounding is 6e-8; measured ≤ 6e-8)."""
    from rtaudio.kernels.reference.drive import drive_reference
    x = noise(3000, 2, seed=3, level=0.5)
    settings = dict(drive_db=18.0, shape=shape, mix=0.8, output_db=-2.0, oversampling=factor)
    y = run_kernel(drive, drive.drive_kernel, x, sizes=[64, 1, 200, 2735], **settings)
    ref = drive_reference(x, FS, **settings)
    np.testing.assert_allclose(y, ref, rtol=0, atol=2e-7)


def test_drive_tanh_approximation_is_within_4e_8_of_tanh():
    from rtaudio.kernels.reference.drive import tanh_reference
    u = np.linspace(-30.0, 30.0, 600001)
    assert np.max(np.abs(tanh_reference(u) - np.tanh(u))) < 4e-8
    assert np.all(np.diff(tanh_reference(u)) >= 0.0)


def test_drive_block_partition_invariant():
    x = noise(12000, 2, seed=6)
    ramp = {"drive_db": np.linspace(0.0, 30.0, 12000)}
    whole = run_kernel(drive, drive.drive_kernel, x, per_sample=ramp, shape="asym", mix=0.7)
    parts = run_kernel(drive, drive.drive_kernel, x, per_sample=ramp, shape="asym", mix=0.7,
                       sizes=random_partition(12000, np.random.default_rng(4), high=300))
    np.testing.assert_array_equal(whole, parts)


def schroeder_rt60(h: np.ndarray) -> float:
    """RT60 from the backward-integrated energy decay, line fit between −5 and −35 dB (T30 × 2)."""
    energy = np.cumsum((h.astype(np.float64) ** 2)[::-1])[::-1]
    edc = 10 * np.log10(energy / energy[0])
    idx = np.flatnonzero((edc <= -5.0) & (edc >= -35.0))
    slope, _ = np.polyfit(idx / FS, edc[idx], 1)
    return -60.0 / slope


@pytest.mark.parametrize("room_size", [0.25, 0.5, 0.8])
def test_reverb_rt60_within_10_percent_of_design(room_size):
    design = reverb.rt60_seconds(room_size)
    frames = int(FS * (design * 1.2 + 0.3))
    x = np.zeros((frames, 1), np.float32)
    x[0] = 1.0
    h = run_kernel(reverb, reverb.reverb_kernel, x, room_size=room_size, damping=0.0, wet=1.0, dry=0.0)[:, 0]
    assert schroeder_rt60(h) == pytest.approx(design, rel=0.10)


def test_reverb_stereo_output_is_decorrelated():
    frames = int(FS * 2)
    x = np.zeros((frames, 2), np.float32)
    x[0] = 1.0
    y = run_kernel(reverb, reverb.reverb_kernel, x, room_size=0.5, wet=1.0, dry=0.0, width=1.0)
    tail = y[int(0.05 * FS):].astype(np.float64)
    rho = np.corrcoef(tail[:, 0], tail[:, 1])[0, 1]
    assert abs(rho) < 0.2
    # width 0 makes both outputs the same signal
    z = run_kernel(reverb, reverb.reverb_kernel, x, room_size=0.5, wet=1.0, dry=0.0, width=0.0)
    np.testing.assert_allclose(z[:, 0], z[:, 1], atol=1e-7)


def test_reverb_energy_bounded_at_max_room_size():
    """10 s of full-scale noise into the largest room, then 12 s of silence: the output stays
    bounded (its steady RMS is what the design gain predicts) and decays by 60 dB in about RT60."""
    loud = int(FS * 10)
    quiet = int(FS * 12)
    rng = np.random.default_rng(0)
    x = np.zeros((loud + quiet, 2), np.float32)
    x[:loud] = rng.uniform(-1, 1, (loud, 2))
    y = run_kernel(reverb, reverb.reverb_kernel, x, room_size=1.0, damping=0.0, wet=1.0, dry=0.0)
    y = y.astype(np.float64)
    assert np.all(np.isfinite(y))
    rms_loaded = np.sqrt(np.mean(y[loud - int(FS):loud] ** 2))
    rms_late = np.sqrt(np.mean(y[loud + int(10 * FS):loud + int(11 * FS)] ** 2))
    assert rms_loaded < 10.0
    # after 10.5 s (≈ RT60 = 10 s) the tail is ~60 dB down
    assert 20 * np.log10(rms_late / rms_loaded) < -50.0


def test_reverb_block_partition_invariant():
    x = noise(20000, 2, seed=2)
    ramp = {"room_size": np.linspace(0.2, 0.9, 20000)}
    whole = run_kernel(reverb, reverb.reverb_kernel, x, per_sample=ramp)
    parts = run_kernel(reverb, reverb.reverb_kernel, x, per_sample=ramp,
                       sizes=random_partition(20000, np.random.default_rng(1), high=700))
    np.testing.assert_array_equal(whole, parts)


@pytest.mark.parametrize("channels", [1, 2])
def test_reverb_matches_sample_by_sample_reference(channels):
    """The chunked kernel (combs four at a time) against a plain per-sample float64 loop."""
    from rtaudio.kernels.reference.reverb import reverb_reference
    x = noise(12000, channels, seed=5)
    settings = dict(room_size=0.7, damping=0.3, wet=0.5, dry=0.6, width=0.8)
    y = run_kernel(reverb, reverb.reverb_kernel, x, **settings)
    ref = reverb_reference(x, FS, **settings)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-7)


def test_drive_filters_are_the_documented_remez_designs():
    """The stored taps are SciPy's remez designs of rtaudio/kernels/drive_design.py, and meet
    their bands: stage 1 up ≥ 68 dB from 28 kHz, stage 1 down ≥ 76 dB from 24.5 kHz, stage 2
    ≥ 64 dB from 71.5 kHz; pass bands within ±0.1 dB up to 20 kHz (24.5 kHz for stage 2)."""
    import scipy.signal
    from rtaudio.kernels import drive_design as dd

    def side(n, fp, rate):
        h = scipy.signal.remez(n, [0, fp, rate / 2 - fp, rate / 2], [1, 0], fs=rate)[0:(n - 1) // 2:2]
        return h * (0.25 / h.sum())
    down = scipy.signal.remez(73, [0, 20000, 24500, 48000], [1, 0], weight=[1, 30], fs=96000)
    np.testing.assert_allclose(dd.UP1_SIDE_TAPS, side(51, 20000.0, 96000.0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dd.DOWN1_TAPS, down / down.sum(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dd.HALFBAND2_SIDE_TAPS, side(15, 24500.0, 192000.0), rtol=0, atol=1e-12)
    for taps, rate, pass_hz, stop_hz, stop_db in [(dd.halfband_taps(dd.UP1_SIDE_TAPS), 96000, 20000, 28000, 68),
                                                   (dd.DOWN1_TAPS, 96000, 20000, 24500, 76),
                                                   (dd.halfband_taps(dd.HALFBAND2_SIDE_TAPS), 192000, 24500, 71500,
                                                    64)]:
        freqs, response = scipy.signal.freqz(taps, worN=16384, fs=rate)
        gain_db = 20 * np.log10(np.abs(response))
        assert np.max(np.abs(gain_db[freqs <= pass_hz])) < 0.1
        assert np.max(gain_db[freqs >= stop_hz]) < -stop_db
