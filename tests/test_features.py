"""rtaudio.features equals librosa (docs/maths/features.md §7).

Tolerances: time signals, spectrogram components and CQT values within
1e-4 of the maximum magnitude (relative); masks and chroma within 1e-4
absolute; shapes, frame counts and dtypes identical; the tuning estimate
identical. YIN follows its own contract (tests/test_yin.py): f0 within
1e-4 relative on all but at most 0.1 % of the frames (threshold ties).
Signals: espeak-ng speech, music-like synthetic notes (with a stretch of
digital silence), white noise, a float64 copy and a stereo pair.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pytest
import scipy.ndimage

from rtaudio import features
from rtaudio.analysis.median import median_filter_axis
from rtaudio.demo import music_signal

from _signals import speech

librosa = pytest.importorskip("librosa")

SR = 22050
HPSS_PARAMS = [
    {},
    {"kernel_size": (17, 9)},
    {"power": 1.0, "mask": True},
    {"margin": (2.0, 3.0)},
    {"kernel_size": 13, "margin": 2.0, "power": 1.5},
    {"mask": True, "margin": (2.0, 3.0), "kernel_size": (9, 15)},
]


@lru_cache(maxsize=None)
def signal(name: str) -> np.ndarray:
    if name == "speech":
        return speech(SR)[:3 * SR]
    if name == "music":  # with 0.5 s of digital silence (masks of all-zero bins)
        y = music_signal(SR, 3.0)
        y[SR:SR + SR // 2] = 0.0
        return y
    if name == "noise":
        return (0.2 * np.random.default_rng(3).standard_normal(2 * SR)).astype(np.float32)
    if name == "music_no_gap":
        return music_signal(SR, 3.0)
    if name == "music64":
        return music_signal(SR, 2.0, seed=4).astype(np.float64)
    if name == "stereo":
        return np.stack([music_signal(SR, 2.0, seed=5), signal("noise")[:2 * SR]])
    raise KeyError(name)


SIGNALS = ["speech", "music", "noise", "music64", "stereo"]


def assert_rel(ours: np.ndarray, theirs: np.ndarray, tol: float = 1e-4) -> None:
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    err = np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))
    assert err <= tol, f"max error {err:.3g} of the maximum > {tol}"


def assert_abs(ours: np.ndarray, theirs: np.ndarray, tol: float = 1e-4) -> None:
    assert ours.shape == theirs.shape
    err = np.max(np.abs(np.asarray(ours, float) - np.asarray(theirs, float)))
    assert err <= tol, f"max error {err:.3g} > {tol}"


# ---------------------------------------------------------------- median

@pytest.mark.parametrize("backend", ["c", "numba"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_median_filter_equals_scipy(backend, dtype):
    rng = np.random.default_rng(0)
    for shape in [(67, 45), (1, 9), (5, 1), (3, 2), (40, 16)]:
        x = np.abs(rng.standard_normal(shape)).astype(dtype)
        x[::2] = np.round(x[::2], 1)  # ties
        for order in ("C", "F"):
            xo = np.asarray(x, order=order)
            for size in (1, 2, 4, 7, 31, 33, 40):
                for axis in (0, 1):
                    if size // 2 >= shape[axis]:
                        continue  # refused by hpss (scipy itself mixes lines there)
                    footprint = [1, 1]
                    footprint[axis] = size
                    ref = scipy.ndimage.median_filter(xo, size=footprint, mode="reflect")
                    got = median_filter_axis(xo, size, axis, backend=backend)
                    assert got.dtype == x.dtype
                    assert np.array_equal(got, ref), (shape, order, size, axis)


# ---------------------------------------------------------------- HPSS

@pytest.mark.parametrize("params", HPSS_PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "default")
@pytest.mark.parametrize("name", SIGNALS)
def test_hpss_equals_librosa(name, params):
    y = signal(name)
    ours = features.hpss(y, **params)
    theirs = librosa.effects.hpss(y, **params)
    for a, b in zip(ours, theirs):
        assert_rel(a, b)


def test_hpss_with_a_rectangular_window_uses_it_in_both_transforms():
    """librosa 0.11's effects.hpss drops ``window`` (always Hann); ours
    equals librosa's own stft -> decompose.hpss -> istft with the window."""
    y = signal("music64")[:SR]
    D = librosa.stft(y, window="ones")
    for ours, part in zip(features.hpss(y, window="ones"), librosa.decompose.hpss(D)):
        assert_rel(ours, librosa.istft(part, window="ones", length=len(y)))


@pytest.mark.parametrize("backend", ["c", "numba"])
@pytest.mark.parametrize("params", HPSS_PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "default")
@pytest.mark.parametrize("name", ["speech", "music", "stereo"])
def test_hpss_spectrogram_equals_librosa(name, params, backend):
    D = librosa.stft(signal(name))
    ours = features.hpss_spectrogram(D, backend=backend, **params)
    theirs = librosa.decompose.hpss(D, **params)
    for a, b in zip(ours, theirs):
        if params.get("mask"):
            assert a.dtype == b.dtype
            assert_abs(a, b)
        else:
            assert_rel(a, b)
    # masks of a magnitude spectrogram too
    ours = features.hpss_spectrogram(np.abs(D), mask=True, backend=backend)
    theirs = librosa.decompose.hpss(np.abs(D), mask=True)
    for a, b in zip(ours, theirs):
        assert_abs(a, b)


# ---------------------------------------------------------------- CQT, chroma

CHROMA_CQT_PARAMS = [
    {},
    {"tuning": 0.0, "hop_length": 256},
    {"n_octaves": 6, "fmin": 65.40639132514966, "bins_per_octave": 24, "threshold": 0.05},
    {"norm": 2, "n_chroma": 12, "bins_per_octave": 12, "tuning": 0.2},
]


@pytest.mark.parametrize("params", CHROMA_CQT_PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "default")
@pytest.mark.parametrize("name", SIGNALS)
def test_chroma_cqt_equals_librosa(name, params):
    y = signal(name)
    ours = features.chroma_cqt(y=y, sr=SR, **params)
    theirs = librosa.feature.chroma_cqt(y=y, sr=SR, **params)
    assert ours.dtype == theirs.dtype
    assert_abs(ours, theirs)


@pytest.mark.parametrize("params", [{}, {"n_bins": 252, "bins_per_octave": 36, "tuning": None},
                                    {"hop_length": 128, "fmin": 55.0, "n_bins": 72},
                                    {"filter_scale": 2, "n_bins": 60}],
                         ids=["default", "36bpo-tuning", "hop128", "filter_scale2"])
@pytest.mark.parametrize("name", ["speech", "music64", "stereo"])
def test_cqt_equals_librosa(name, params):
    y = signal(name)
    assert_rel(features.cqt(y, sr=SR, **params), librosa.cqt(y, sr=SR, **params))


@pytest.mark.parametrize("name", SIGNALS)
def test_tuning_estimate_equals_librosa(name):
    y = signal(name)
    for bpo in (12, 36):
        assert features.estimate_tuning(y=y, sr=SR, bins_per_octave=bpo) == \
            librosa.estimate_tuning(y=y, sr=SR, bins_per_octave=bpo)


CHROMA_STFT_PARAMS = [
    {},
    {"n_fft": 4096, "hop_length": 1024},
    {"tuning": 0.2, "norm": 2, "octwidth": None},
    {"n_chroma": 24, "base_c": False},
]


@pytest.mark.parametrize("params", CHROMA_STFT_PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "default")
@pytest.mark.parametrize("name", SIGNALS)
def test_chroma_stft_equals_librosa(name, params):
    y = signal(name)
    ours = features.chroma_stft(y=y, sr=SR, **params)
    theirs = librosa.feature.chroma_stft(y=y, sr=SR, **params)
    assert ours.dtype == theirs.dtype
    assert_abs(ours, theirs)


# ---------------------------------------------------------------- YIN, fingerprint

def assert_f0(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.shape == theirs.shape
    off = np.abs(ours - theirs) > 1e-4 * theirs
    assert off.mean() <= 0.001, f"{off.sum()} of {off.size} frames differ"


@pytest.mark.parametrize("params", [{}, {"frame_length": 1024, "hop_length": 128}, {"center": False},
                                    {"trough_threshold": 0.2, "frame_length": 4096}],
                         ids=["default", "1024-128", "uncentred", "threshold0.2"])
@pytest.mark.parametrize("name", ["speech", "music", "noise", "stereo"])
def test_yin_equals_librosa(name, params):
    y = signal(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = librosa.yin(y.astype(np.float64), fmin=65.0, fmax=2000.0, sr=SR, **params)
    assert_f0(features.yin(y, fmin=65.0, fmax=2000.0, sr=SR, **params), theirs)


# not "music": in its digital silence the chroma frames are normalised from
# values ~60 dB down, where the harmonic part's rounding differences
# (~4e-7 of its maximum) become up to ~2e-4 (docs/maths/features.md §6)
@pytest.mark.parametrize("name", ["speech", "music_no_gap", "stereo"])
def test_fingerprint_equals_the_librosa_pipeline(name):
    y = signal(name)
    fp = features.fingerprint(y, SR)
    harmonic, _ = librosa.effects.hpss(y)
    assert_rel(fp["harmonic"], harmonic)
    assert_abs(fp["chroma"], librosa.feature.chroma_cqt(y=harmonic, sr=SR))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f0 = librosa.yin(harmonic.astype(np.float32).astype(np.float64), fmin=65.40639132514966,
                         fmax=2093.004522404789, sr=SR)
    assert_f0(fp["f0_hz"], f0)
    assert fp["chroma_times_s"].shape == fp["chroma"].shape[-1:]
    assert fp["f0_times_s"].shape == fp["f0_hz"].shape[-1:]


@pytest.mark.parametrize("name, dtype", [("speech", np.float32), ("stereo", np.float32),
                                         ("music_no_gap", np.float64)])
def test_fingerprint_equals_the_separate_calls_bit_for_bit(name, dtype):
    """The work fingerprint shares (one padded harmonic signal, no second
    check) changes no bit: chroma and f0 equal chroma_cqt and yin of its
    harmonic part called separately, the harmonic part equals hpss'."""
    y = signal(name).astype(dtype)
    fp = features.fingerprint(y, SR)
    harmonic, _ = features.hpss(y)
    np.testing.assert_array_equal(fp["harmonic"], harmonic)
    np.testing.assert_array_equal(fp["chroma"], features.chroma_cqt(y=harmonic, sr=SR))
    np.testing.assert_array_equal(fp["f0_hz"], features.yin(harmonic, fmin=65.40639132514966,
                                                             fmax=2093.004522404789, sr=SR))


@pytest.mark.parametrize("n_fft, hop, n_frames, length", [
    (2048, 512, 400, None), (2048, 512, 9, None), (1024, 256, 300, 5000), (1024, 300, 50, None),
    (2048, 512, 300, 300 * 512 + 9000), (2048, 512, 3, None), (2048, 512, 4, 1000)])
def test_window_sumsquare_division_by_the_periodic_pattern_is_bit_exact(n_fft, hop, n_frames, length):
    """The inverse STFT's division by the summed squared window, with the
    middle taken from the hop-periodic pattern, equals the division by the
    whole-signal sum bit for bit (edges, short signals, a hop not dividing
    the window, a length past the last frame), whole or in pieces."""
    from rtaudio.analysis import stft as st
    start, full = n_fft // 2, n_fft + hop * (n_frames - 1)
    out_len = length or full - 2 * start
    seg = np.random.default_rng(3).standard_normal(full + n_fft)[start:start + out_len]
    window = st.get_window("hann", n_fft, n_fft)
    wss = np.zeros(len(seg))   # seg ends n_fft past the last frame's end
    part = st._window_sumsquare(window, n_frames, hop, full)[start:start + len(seg)]
    wss[:len(part)] = part
    tiny = np.finfo(np.float32).tiny
    ref = np.where(wss > tiny, seg / np.where(wss > tiny, wss, 1.0), seg).astype(np.float32)
    denominator = st.WindowSumSquare(window, n_frames, hop)
    got = np.full(len(seg), np.nan, dtype=np.float32)
    denominator.divide(seg, got, start, tiny)
    np.testing.assert_array_equal(got, ref)
    # the streaming inverse STFT divides piece by piece: any split, same bits
    cuts = np.unique(np.random.default_rng(4).integers(0, len(seg), 7))
    got = np.full(len(seg), np.nan, dtype=np.float32)
    for a, b in zip([0, *cuts], [*cuts, len(seg)]):
        denominator.divide(seg[a:b], got[a:b], start + a, tiny)
    np.testing.assert_array_equal(got, ref)


def _istft_whole_buffer(S, hop, n_fft, length, block_frames):
    """The inverse STFT as one signal-length float64 overlap-add, blocks of
    ``block_frames`` frames added in order, then divided by the whole
    summed squared window: the formulation the streaming one replaces."""
    from rtaudio.analysis import stft as st
    window = st.get_window("hann", n_fft, n_fft)
    n_frames = S.shape[-1]
    full = n_fft + hop * (n_frames - 1)
    y = np.zeros(full + n_fft)
    for first in range(0, n_frames, block_frames):
        frames = np.fft.irfft(S[:, first:first + block_frames].T, n=n_fft, axis=-1) * window
        st._overlap_add(y, frames, first * hop, hop)
    wss = st._window_sumsquare(window, n_frames, hop, full)
    seg = y[n_fft // 2:n_fft // 2 + length]
    den = np.zeros(len(seg))
    den[:min(len(seg), len(wss) - n_fft // 2)] = wss[n_fft // 2:n_fft // 2 + len(seg)]
    tiny = np.finfo(np.float64).tiny
    out = np.zeros(length)
    out[:len(seg)] = np.where(den > tiny, seg / np.where(den > tiny, den, 1.0), seg)
    return out


@pytest.mark.parametrize("block_frames", [1, 3, 64, 2048])
@pytest.mark.parametrize("n_frames, extra", [(500, 0), (37, 700), (2, 0)])
def test_streaming_istft_equals_the_whole_buffer_overlap_add(monkeypatch, block_frames, n_frames, extra):
    """The overlap-add buffer of one block: the same bits as a signal-length
    buffer (docs/maths/features.md §1), for any block size, a `length`
    past the last frame, and fewer frames than overlap."""
    from rtaudio.analysis import stft as st
    monkeypatch.setattr(st, "BLOCK_FRAMES", block_frames)
    n_fft, hop = 512, 128
    rng = np.random.default_rng(5)
    S = rng.standard_normal((n_fft // 2 + 1, n_frames)) + 1j * rng.standard_normal((n_fft // 2 + 1, n_frames))
    length = hop * (n_frames - 1) + extra
    got = st.istft(S, hop_length=hop, n_fft=n_fft, length=length)
    np.testing.assert_array_equal(got, _istft_whole_buffer(S, hop, n_fft, length, block_frames))


# ---------------------------------------------------------------- input errors

@pytest.mark.parametrize("call, message", [
    (lambda: features.hpss(np.zeros(4096, dtype=np.int16)), "dtype"),
    (lambda: features.hpss(np.full(4096, np.nan, dtype=np.float32)), "NaN"),
    # one bad sample among finite ones, either sign of infinity, a channel
    (lambda: features.chroma_cqt(y=np.r_[np.zeros(5000), np.inf, np.zeros(5000)].astype(np.float32),
                                 sr=22050), "NaN or inf"),
    (lambda: features.yin(np.r_[np.ones(5000), -np.inf, np.ones(5000)], fmin=65, fmax=2000), "NaN or inf"),
    (lambda: features.hpss(np.stack([np.zeros(8192), np.r_[np.zeros(8191), np.nan]])), "NaN or inf"),
    (lambda: features.hpss(np.zeros(1000, dtype=np.float32)), "too short"),
    (lambda: features.hpss(np.zeros(0, dtype=np.float32)), "no samples"),
    (lambda: features.hpss(np.zeros(44100, dtype=np.float32), margin=0.5), "margin"),
    (lambda: features.hpss(np.zeros(44100, dtype=np.float32), kernel_size=0), "kernel_size"),
    (lambda: features.chroma_cqt(y=np.zeros(8000, dtype=np.float64), sr=8000), "Nyquist"),
    (lambda: features.chroma_cqt(y=np.ones(8000, dtype=np.float32), sr=22050, bins_per_octave=30), "multiple"),
    (lambda: features.chroma_stft(y=np.zeros(3000, dtype=np.complex64)), "dtype"),
    (lambda: features.yin(np.zeros(100, dtype=np.float32), fmin=65, fmax=2000, center=False), "fewer"),
    # NaN / inf margins: librosa returns NaN signals; refused here
    (lambda: features.hpss(np.ones(44100, dtype=np.float32), margin=float("nan")), "margin"),
    (lambda: features.hpss_spectrogram(np.ones((1025, 40)), margin=(1.0, np.inf)), "margin"),
    (lambda: features.chroma_stft(y=np.ones(4096), norm="l2"), "norm"),
    (lambda: features.chroma_cqt(y=np.ones(8192), tuning=0.0, norm="l2"), "norm"),
])
def test_bad_input_raises_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- CQT kernels

def test_sliding_band_dft_equals_the_fft_of_every_frame():
    """The sliding DFT of the low CQT octaves (docs/maths/features.md §3)
    against scipy's float64 FFT of each frame: within 1e-9 of each frame's
    own largest bin, through a loud passage, a tail 150 dB down, digital
    silence (exactly 0) and noise again."""
    import scipy.fft
    from rtaudio.analysis.cqt import SLIDING_ANCHOR_FRAMES, sliding_band_dft
    rng = np.random.default_rng(7)
    n_fft, hop, lo, hi = 256, 8, 20, 61
    loud = rng.standard_normal(3000)
    tail = 1e-7 * rng.standard_normal(3000)
    x = np.concatenate([loud, tail, np.zeros(2000), 0.3 * rng.standard_normal(2000)]).astype(np.float32)
    padded = np.pad(x, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop
    assert n_frames > SLIDING_ANCHOR_FRAMES // 2
    frames = np.lib.stride_tricks.sliding_window_view(padded.astype(np.float64), n_fft)[::hop][:n_frames]
    ref = scipy.fft.rfft(frames, axis=-1)[:, lo:hi]
    for dtype in (np.complex128, np.complex64):
        got = sliding_band_dft(padded, n_frames, n_fft, hop, lo, hi, dtype)
        assert got.dtype == dtype and got.shape == ref.shape
        scale = np.max(np.abs(ref), axis=1)
        silent = scale == 0
        assert silent.sum() > 100 and np.all(got[silent] == 0)
        err = np.max(np.abs(got - ref), axis=1)[~silent] / scale[~silent]
        assert err.max() <= (1e-9 if dtype == np.complex128 else 1e-6), err.max()


@pytest.mark.parametrize("n_fft, hop", [(256, 7), (256, 24), (1024, 75), (1024, 100)])
def test_sliding_band_dft_with_a_hop_not_dividing_n_fft(n_fft, hop):
    """Odd or non-power-of-two hops (librosa.cqt accepts any hop; the lower
    octaves then keep it): the frames rebuilt from zero start exactly at
    the frame, within 1e-9 of each frame's largest bin (scipy float64 FFT)."""
    import scipy.fft
    from rtaudio.analysis.cqt import sliding_band_dft
    x = np.random.default_rng(11).standard_normal(4000)
    padded = np.pad(x, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n_frames]
    ref = scipy.fft.rfft(frames, axis=-1)[:, 5:40]
    got = sliding_band_dft(padded, n_frames, n_fft, hop, 5, 40)
    err = np.max(np.abs(got - ref), axis=1) / np.max(np.abs(ref), axis=1)
    assert err.max() <= 1e-9, err.max()


@pytest.mark.parametrize("hop_length", [511, 300])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cqt_and_chroma_cqt_with_odd_hops_equal_librosa(hop_length, dtype):
    """A hop with few factors of two leaves the lower octaves at a hop that
    does not divide their FFT size (the sliding DFT's rebuilt frames)."""
    y = signal("music64")[:SR].astype(dtype)
    assert_rel(features.cqt(y, sr=SR, hop_length=hop_length), librosa.cqt(y, sr=SR, hop_length=hop_length))
    ours = features.chroma_cqt(y=y, sr=SR, hop_length=hop_length)
    theirs = librosa.feature.chroma_cqt(y=y, sr=SR, hop_length=hop_length)
    assert ours.dtype == theirs.dtype
    assert_abs(ours, theirs)


def test_sliding_banded_magnitude_equals_the_unfused_kernels():
    """rtd_sliding_dft_banded_abs (the sliding DFT reduced batch by batch)
    gives the same bits as the complex64 sliding DFT followed by
    rtd_banded_abs_c64, silent stretch and frame count not a multiple of
    the batch included."""
    from rtaudio.analysis.cqt import _BandedMagnitude, sliding_band_dft
    rng = np.random.default_rng(10)
    n_fft, hop, lo, hi = 256, 8, 20, 61
    basis = (rng.standard_normal((9, hi - lo)) + 1j * rng.standard_normal((9, hi - lo))).astype(np.complex64)
    for f in range(9):
        basis[f, :3 * f] = 0
        basis[f, 3 * f + 9:] = 0
    x = np.concatenate([rng.standard_normal(2500), np.zeros(1500), rng.standard_normal(1003)])
    padded = np.pad(x, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop
    banded = _BandedMagnitude(basis)
    fused = np.full((9, n_frames), -1.0, dtype=np.float32)
    banded.of_sliding(padded, n_frames, n_fft, hop, lo, hi, fused)
    unfused = np.full((9, n_frames), -2.0, dtype=np.float32)
    banded(sliding_band_dft(padded, n_frames, n_fft, hop, lo, hi, np.complex64), unfused, 0)
    assert np.array_equal(fused, unfused) and np.any(fused == 0) and fused.max() > 0


def test_cqt_magnitude_written_in_place_equals_the_stacked_octaves():
    """For float32 chroma the C kernels write each octave's magnitudes,
    divided by sqrt(L_j), straight into the output; the same bits as the
    octaves stacked and divided afterwards (scale=False, then NumPy's
    float32 /= float64)."""
    from rtaudio.analysis import cqt
    y = signal("music")[:3 * SR].astype(np.float32)
    kw = dict(sr=SR, n_bins=84, bins_per_octave=12, tuning=0.0)
    direct = cqt.cqt_magnitude(y, **kw)
    stacked = cqt.cqt_magnitude(y, scale=False, **kw)
    freqs = cqt.cqt_frequencies(84, cqt.C1_HZ, 12)
    # (no early downsampling for these parameters: the lengths at SR)
    lengths, _ = cqt._wavelet_lengths(freqs, SR, 1.0, cqt._relative_bandwidth(freqs))
    stacked /= np.sqrt(lengths)[:, None]
    assert direct.shape == stacked.shape and np.array_equal(direct, stacked)


def test_resampling_scale_in_c_equals_numpy():
    """_divide_in_place (rtd_divide_f32_by_f64, the CQT's resampling scale)
    gives the bits of NumPy's float32 /= float64 scalar, zeros, subnormals,
    the float32 extremes and infinities included."""
    from rtaudio.analysis.cqt import _divide_in_place
    rng = np.random.default_rng(12)
    x = rng.standard_normal(10_001).astype(np.float32)
    x[:9] = [0.0, -0.0, 1e-45, -1e-40, 3.4e38, -3.4e38, 1.2e-38, np.inf, -np.inf]
    divisor = np.sqrt(1.0 / 2)
    got, expected = x.copy(), x.copy()
    _divide_in_place(got, divisor)
    with np.errstate(over="ignore"):
        expected /= divisor
    assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))


def test_banded_magnitude_equals_the_dense_product():
    from rtaudio.analysis.cqt import _BandedMagnitude
    rng = np.random.default_rng(8)
    basis = (rng.standard_normal((12, 40)) + 1j * rng.standard_normal((12, 40))).astype(np.complex64)
    for f in range(12):  # each filter non-zero on its own band
        basis[f, :2 * f] = 0
        basis[f, 2 * f + 7 + f:] = 0
    X = (rng.standard_normal((77, 40)) + 1j * rng.standard_normal((77, 40))).astype(np.complex64)
    out = np.full((12, 90), -1.0, dtype=np.float32)
    _BandedMagnitude(basis)(X, out, 5)
    ref = np.abs(X.astype(np.complex128) @ basis.T.astype(np.complex128)).T
    np.testing.assert_allclose(out[:, 5:82], ref, rtol=1e-5, atol=1e-5 * ref.max())
    assert np.all(out[:, :5] == -1) and np.all(out[:, 82:] == -1)


def _lanes_rfft(x: np.ndarray, pad: int, n_frames: int, n_fft: int, hop: int, window) -> np.ndarray:
    from rtaudio._native import ffi, lib
    scratch = np.empty(lib.rtd_lanes_fft_scratch(n_fft, 1), dtype=np.float32)
    out = np.empty((n_frames, n_fft // 2 + 1), dtype=np.complex64)
    win = ffi.NULL if window is None else ffi.cast("float *", window.ctypes.data)
    lib.rtd_lanes_rfft_f32(ffi.cast("float *", x.ctypes.data), len(x), pad, n_frames, n_fft, hop,
                           win, ffi.cast("float *", scratch.ctypes.data),
                           ffi.cast("float *", out.ctypes.data))
    return out


@pytest.mark.parametrize("n_fft,hop,hann", [(2048, 512, True), (1024, 256, False), (512, 8, False),
                                            (16, 3, True)])
def test_lanes_rfft_equals_scipy(n_fft, hop, hann):
    """The float32 FFTs of 16 frames per SIMD vector (native/kernels/lanes_fft.c,
    docs/maths/features.md §3) against scipy's float64 FFT of the same
    float32 (windowed) frames: within 1e-6 of each frame's largest bin, all
    n_fft/2 + 1 bins, a frame count that is not a multiple of 16, and
    silent frames exactly 0; the zero padding (frames reaching past either
    end of the signal) done by the kernel or by the caller."""
    import scipy.fft
    from rtaudio.analysis.stft import get_window
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.standard_normal(40 * hop + n_fft), np.zeros(20 * hop + n_fft),
                        1e-6 * rng.standard_normal(7 * hop)]).astype(np.float32)
    padded = np.pad(x, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop
    assert n_frames % 16
    window = get_window("hann", n_fft, n_fft).astype(np.float32) if hann else None
    got = _lanes_rfft(x, n_fft // 2, n_frames, n_fft, hop, window)
    assert np.array_equal(got, _lanes_rfft(padded, 0, n_frames, n_fft, hop, window))
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n_frames]
    ref = scipy.fft.rfft((frames * window if hann else frames).astype(np.float64), axis=-1)
    scale = np.max(np.abs(ref), axis=1)
    silent = scale == 0
    assert silent.sum() > 3 and np.all(got[silent] == 0)
    err = np.max(np.abs(got - ref), axis=1)[~silent] / scale[~silent]
    assert err.max() <= 1e-6, err.max()


def test_tuning_peaks_in_c_equal_the_numpy_peaks():
    """rtd_tuning_stft_peaks_f32 (the fused tuning kernel) picks the same
    peaks, bit for bit, as :func:`piptrack` (_peaks' NumPy operations) on
    the magnitudes of the same float32 spectrum (rtd_lanes_rfft_f32's),
    formed as sqrt(re^2 + im^2) in float64 and rounded to float32."""
    from rtaudio.analysis import cqt
    from rtaudio.analysis.stft import get_window
    y = np.concatenate([signal("speech")[:SR], signal("music")[:SR]]).astype(np.float32)
    pitch, mag = cqt._tuning_peaks_of_signal(y, float(SR), 2048)
    padded = np.pad(y, 1024)
    n_frames = 1 + (len(padded) - 2048) // 512
    X = _lanes_rfft(padded, 0, n_frames, 2048, 512, get_window("hann", 2048, 2048).astype(np.float32))
    S = np.sqrt(X.real.astype(np.float64) ** 2 + X.imag.astype(np.float64) ** 2).astype(np.float32).T
    ref_pitch, ref_mag = cqt.piptrack(np.ascontiguousarray(S), float(SR), 2048)
    ref = sorted(zip(ref_pitch[ref_pitch > 0].tolist(), ref_mag[ref_pitch > 0].tolist()))
    got = sorted((p, m) for p, m in zip(pitch.tolist(), mag.tolist()) if p > 0)
    assert len(got) > 1000 and got == ref


def test_fft_banded_magnitude_equals_the_dense_product_of_the_fft():
    """rtd_fft_banded_abs_f32 (the CQT's FFT octaves in one C call) against
    |basis @ rfft(frames)[lo:hi]| with scipy's float64 FFT."""
    import scipy.fft
    from rtaudio.analysis.cqt import _BandedMagnitude
    rng = np.random.default_rng(9)
    n_fft, hop, lo, hi = 256, 64, 10, 50
    basis = (rng.standard_normal((12, hi - lo)) + 1j * rng.standard_normal((12, hi - lo))).astype(np.complex64)
    for f in range(12):
        basis[f, :2 * f] = 0
        basis[f, 2 * f + 7 + f:] = 0
    x = rng.standard_normal(50 * hop + n_fft).astype(np.float32)
    padded = np.pad(x, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop
    out = np.full((12, n_frames), -1.0, dtype=np.float32)
    _BandedMagnitude(basis).of_frames(x, n_fft // 2, n_frames, n_fft, hop, lo, hi, out)
    frames = np.lib.stride_tricks.sliding_window_view(padded.astype(np.float64), n_fft)[::hop][:n_frames]
    ref = np.abs(scipy.fft.rfft(frames, axis=-1)[:, lo:hi] @ basis.T.astype(np.complex128)).T
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5 * ref.max())


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("power", [1.0, 2.0, 3.0])
def test_fused_softmask_apply_is_softmask_then_apply(dtype, power):
    """``rtd_softmask_apply_*`` (the block-wise harmonic spectrogram of hpss)
    gives the same bits as ``softmask`` followed by ``apply_mask``, including
    bins where both magnitudes are zero or tiny (the split value)."""
    from rtaudio._native import ffi, lib
    from rtaudio.analysis.median import apply_mask, softmask
    rng = np.random.default_rng(5)
    real = np.float32 if dtype == np.complex64 else np.float64
    n = 4096
    D = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
    harm = np.abs(rng.standard_normal(n)).astype(real)
    perc = np.abs(rng.standard_normal(n)).astype(real)
    harm[:64] = 0.0
    perc[:32] = 0.0                               # 32 bins with both zero: the split
    perc[64:96] = np.finfo(real).tiny / 4         # subnormal reference
    expected = apply_mask(D, softmask(harm, perc, 1.0, power, True))
    fn = lib.rtd_softmask_apply_c64 if dtype == np.complex64 else lib.rtd_softmask_apply_c128
    ctype = "float *" if dtype == np.complex64 else "double *"
    out = np.empty_like(D)
    fn(*(ffi.cast(ctype, a.ctypes.data) for a in (D, harm, perc)), 1.0, power, 0.5,
       ffi.cast(ctype, out.ctypes.data), n)
    np.testing.assert_array_equal(out.view(real), expected.view(real))


@pytest.mark.parametrize("block_frames", [16, 53, 2048])
@pytest.mark.parametrize("dtype, shape", [(np.float32, (30000,)), (np.float64, (2, 17000)),
                                          (np.float32, (8000,))])
def test_blockwise_harmonic_equals_the_whole_spectrogram(monkeypatch, block_frames, dtype, shape):
    """hpss makes the spectrogram, medians and mask one block of frames at a
    time (bounded memory, docs/maths/features.md §2): the same bits as
    masking the whole spectrogram, whatever the block boundaries (the
    harmonic median's context crosses them)."""
    from rtaudio.analysis import stft as st
    monkeypatch.setattr(st, "BLOCK_FRAMES", block_frames)
    y = np.random.default_rng(6).standard_normal(shape).astype(dtype) * 0.1
    y[..., 5000:9000] *= 0.0   # a silent stretch: zero magnitudes split between the masks
    harmonic, percussive = features.hpss(y)
    D = st.stft(y, fft_dtype=dtype)
    H, _ = features.hpss_spectrogram(D)
    np.testing.assert_array_equal(harmonic, st.istft(H, length=shape[-1]))
    np.testing.assert_array_equal(percussive, y - harmonic)
