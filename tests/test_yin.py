"""YinTracker (docs/maths/yin.md): equality with librosa.yin, streaming,
the lock-free result ring, rtaudio.pitch() and the `rtaudio pitch` CLI.

Tolerances (docs/maths/yin.md §5.4): every frame's f0 within 1e-4 relative of
``librosa.yin(y.astype(float64), ..., center=False)``; frames outside it
("ties": a threshold decision flipped by FFT rounding) are counted,
printed and allowed on at most 0.1 % of the frames of a signal.
"""
from __future__ import annotations

import json
import threading
import warnings
from functools import lru_cache

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

import librosa  # noqa: E402  (a test dependency: fail loudly if missing)

import rtaudio  # noqa: E402
from rtaudio import YinTracker  # noqa: E402
from rtaudio.demo import demo_signal  # noqa: E402

from _signals import random_partition, speech  # noqa: E402
from _cli import run_cli  # noqa: E402

BACKENDS = ("c", "numba", "reference")
REL_TOL = 1e-4
MAX_TIE_FRACTION = 0.001
DEFAULTS = dict(frame_length=2048, hop_length=512, fmin_hz=65.40639, fmax_hz=2093.0045,
                trough_threshold=0.1)


# ---------------------------------------------------------------- signals
def harmonic(f0_hz: float, fs: int, seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(fs * seconds)) / fs
    y = sum(np.sin(2 * np.pi * k * f0_hz * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 6))
    return (0.3 * y).astype(np.float32)


def glide(fs: int, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(fs * seconds)) / fs
    f_start, f_end = 80.0, 1600.0
    k = np.log(f_end / f_start) / seconds
    phase = 2 * np.pi * f_start * (np.exp(k * t) - 1.0) / k
    return (0.4 * np.sin(phase) + 0.1 * np.sin(2 * phase)).astype(np.float32)


def vibrato(fs: int, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(fs * seconds)) / fs
    f = 330.0 * 2.0 ** (np.sin(2 * np.pi * 6.0 * t) / 12.0)
    phase = 2 * np.pi * np.cumsum(f) / fs
    return (0.4 * np.sin(phase) + 0.2 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)).astype(np.float32)


def white_noise(fs: int, seconds: float = 2.0, seed: int = 5) -> np.ndarray:
    return (0.3 * np.random.default_rng(seed).standard_normal(int(fs * seconds))).astype(np.float32)


@lru_cache(maxsize=None)
def espeak_speech(fs: int) -> np.ndarray:
    """A real (synthesised) speech recording from espeak-ng, resampled to fs."""
    return speech(fs, "Pitch tracking: the quick brown fox jumps over the lazy dog.")


SIGNALS = {
    "harmonic_82": lambda fs: harmonic(82.41, fs),
    "harmonic_220": lambda fs: harmonic(220.0, fs, seed=1),
    "harmonic_988": lambda fs: harmonic(987.77, fs, seed=2),
    "glide": glide,
    "vibrato": vibrato,
    "noise": white_noise,
    "silence": lambda fs: np.zeros(fs, dtype=np.float32),
    "demo_voice": lambda fs: demo_signal(fs, 4.0)[:, 0].copy(),
    "espeak_speech": espeak_speech,
}


@lru_cache(maxsize=None)
def signal(name: str, fs: int) -> np.ndarray:
    return SIGNALS[name](fs)


@lru_cache(maxsize=None)
def librosa_f0(name: str, fs: int, params: tuple) -> np.ndarray:
    p = dict(params)
    y = signal(name, fs).astype(np.float64)
    return librosa.yin(y, fmin=p["fmin_hz"], fmax=p["fmax_hz"], sr=fs, frame_length=p["frame_length"],
                       hop_length=p["hop_length"], trough_threshold=p["trough_threshold"], center=False)


def compare_with_librosa(name: str, fs: int, backend: str, **override) -> tuple[int, int]:
    params = dict(DEFAULTS, **override)
    ref = librosa_f0(name, fs, tuple(sorted(params.items())))
    track = rtaudio.pitch(signal(name, fs), fs, backend=backend, **params)
    assert track.f0_hz.shape == ref.shape
    assert np.all(np.isfinite(track.f0_hz)) and np.all(np.isfinite(track.confidence))
    rel = np.abs(track.f0_hz - ref) / ref
    ties = int(np.count_nonzero(rel > REL_TOL))
    print(f"\n{name} fs={fs} {backend}: {len(ref)} frames, {ties} outside 1e-4 (ties), "
          f"max rel diff of the others {rel[rel <= REL_TOL].max(initial=0.0):.2e}")
    assert ties <= int(MAX_TIE_FRACTION * len(ref)), f"{ties} of {len(ref)} frames differ from librosa"
    return len(ref), ties


# ------------------------------------------------------- equality with librosa
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(SIGNALS))
def test_equals_librosa_default_params(name, backend):
    compare_with_librosa(name, 22050, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["glide", "demo_voice", "noise", "espeak_speech"])
def test_equals_librosa_other_params(name, backend):
    # hop that does not divide the frame, other range and threshold, 48 kHz
    compare_with_librosa(name, 48000, backend, frame_length=1536, hop_length=300, fmin_hz=70.0,
                         fmax_hz=1200.0, trough_threshold=0.2)


@pytest.mark.parametrize("f0_hz", [82.41, 220.0, 987.77])
def test_known_pitch_of_harmonic_tones(f0_hz):
    fs = 22050
    track = rtaudio.pitch(harmonic(f0_hz, fs, seed=3), fs)
    assert track.voiced.all()
    assert np.all(np.abs(track.f0_hz / f0_hz - 1.0) < 0.01)
    assert np.all(track.confidence > 0.9)


def test_frame_times_and_count():
    fs, N, hop = 22050, 2048, 300
    y = vibrato(fs, 1.0)
    track = rtaudio.pitch(y, fs, frame_length=N, hop_length=hop)
    frames = 1 + (len(y) - N) // hop
    assert len(track) == frames
    np.testing.assert_array_equal(track.times_s, (np.arange(frames) * hop + N / 2) / fs)
    assert len(rtaudio.pitch(y[:N - 1], fs, frame_length=N)) == 0
    assert len(rtaudio.pitch(y[:N], fs, frame_length=N)) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_silence_unvoiced_f0_is_fs_over_pmin(backend):
    fs = 22050
    track = rtaudio.pitch(np.zeros(fs, dtype=np.float32), fs, backend=backend)
    p_min = int(np.floor(fs / DEFAULTS["fmax_hz"]))
    assert len(track) > 0 and not track.voiced.any()
    np.testing.assert_array_equal(track.f0_hz, np.full(len(track), fs / p_min))
    assert not np.isnan(track.confidence).any()


@pytest.mark.parametrize("backend", BACKENDS)
def test_quiet_tone_is_unvoiced_below_silence_db(backend):
    fs = 22050
    y = (harmonic(220.0, fs) * 10 ** (-80 / 20)).astype(np.float32)   # about -90 dBFS rms
    assert not rtaudio.pitch(y, fs, backend=backend).voiced.any()
    assert rtaudio.pitch(y, fs, backend=backend, silence_db=-140.0).voiced.all()


def test_per_frame_analysis_agrees_between_backends():
    fs = 22050
    y = glide(fs).astype(np.float64)
    results = {}
    for backend in BACKENDS:
        tracker = YinTracker(backend=backend)
        tracker.prepare(fs, 1)
        results[backend] = [tracker.analyse_frame(y[s:s + 2048]) for s in range(0, len(y) - 2048, 4096)]
    assert results["c"] == results["numba"]                 # same operation order: same bits
    for (f_c, c_c, v_c, i_c), (f_r, c_r, v_r, i_r) in zip(results["c"], results["reference"]):
        assert i_c == i_r and v_c == v_r
        assert abs(f_c - f_r) <= 1e-9 * f_r and abs(c_c - c_r) <= 1e-9


# --------------------------------------------------------------- streaming
def stream(tracker: YinTracker, y: np.ndarray, sizes) -> np.ndarray:
    tracker.reset()
    x = y.reshape(len(y), -1)
    out, start = [], 0
    for size in sizes:
        block = x[start:start + size].copy()
        before = block.copy()
        tracker.process(block)
        assert np.array_equal(block, before, equal_nan=True)   # analyser: audio unchanged
        out.append(tracker.read_results())
        start += size
    assert start == len(x)
    assert tracker.dropped_results == 0
    return np.concatenate(out)


INVARIANCE_SIGNAL = None


def invariance_signal() -> np.ndarray:
    global INVARIANCE_SIGNAL
    if INVARIANCE_SIGNAL is None:
        INVARIANCE_SIGNAL = demo_signal(22050, 3.0, channels=2)
    return INVARIANCE_SIGNAL


@pytest.mark.parametrize("backend", ["c", "numba"])
@pytest.mark.parametrize("hop, block_path, highs", [(300, False, (7, 511, 513, 4096)),
                                                     (512, True, (7, 255, 257, 4096))])
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_block_size_invariance(backend, hop, block_path, highs, seed, data):
    """Whole-frame FFT path (hop 300) and block path (hop 512, L | hop)."""
    high = data.draw(st.sampled_from(highs))
    y = invariance_signal()
    tracker = YinTracker(backend=backend, hop_length=hop, result_capacity=1 << 14)
    tracker.prepare(22050, 2, 4096)
    assert (tracker._config[5] > 0) == block_path
    whole = stream(tracker, y, [len(y)])
    parts = stream(tracker, y, random_partition(len(y), np.random.default_rng(seed), 1, high))
    assert len(whole) == 2 * (1 + (len(y) - 2048) // hop)
    assert np.array_equal(whole, parts)


def test_block_size_invariance_reference_and_backends_agree():
    y = invariance_signal()[:33000]
    results = {}
    for backend in BACKENDS:
        tracker = YinTracker(backend=backend, hop_length=300)
        tracker.prepare(22050, 2)
        whole = stream(tracker, y, [len(y)])
        parts = stream(tracker, y, random_partition(len(y), np.random.default_rng(9), 1, 1000))
        assert np.array_equal(whole, parts)
        results[backend] = whole
    assert np.array_equal(results["c"], results["numba"])
    ref = results["reference"]
    for name in ("channel", "frame", "time_s", "voiced"):
        assert np.array_equal(results["c"][name], ref[name])
    np.testing.assert_allclose(results["c"]["f0_hz"], ref["f0_hz"], rtol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_multichannel_channels_are_independent(backend):
    fs = 22050
    y = np.stack([harmonic(220.0, fs), glide(fs)[:fs]], axis=1)
    track = rtaudio.pitch(y, fs, backend=backend)
    assert track.f0_hz.shape == (2, len(track))
    for ch in range(2):
        mono = rtaudio.pitch(y[:, ch].copy(), fs, backend=backend)
        np.testing.assert_array_equal(track.f0_hz[ch], mono.f0_hz)
        np.testing.assert_array_equal(track.voiced[ch], mono.voiced)


def test_channels_first_audio_is_refused_not_read_as_thousands_of_channels():
    """librosa's (channels, samples) layout given to rtaudio.pitch, which
    takes (frames, channels): a ValueError naming the layout, not an empty
    track of 22050 "channels"."""
    y = np.stack([harmonic(220.0, 22050), harmonic(330.0, 22050)])
    with pytest.raises(ValueError, match=r"\(frames, channels\).*transpose"):
        rtaudio.pitch(y, 22050)
    assert rtaudio.pitch(y.T, 22050).f0_hz.shape[0] == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_nonfinite_input_is_analysed_as_zero(backend):
    fs = 22050
    y = harmonic(220.0, fs, 0.5)
    bad = y.copy()
    bad[[100, 5000, 9000]] = [np.nan, np.inf, -np.inf]
    zeroed = y.copy()
    zeroed[[100, 5000, 9000]] = 0.0
    tracker = YinTracker(backend=backend)
    tracker.prepare(fs, 1)
    got = stream(tracker, bad, [len(bad)])
    assert tracker.nonfinite_count == 3
    np.testing.assert_array_equal(got["f0_hz"], rtaudio.pitch(zeroed, fs, backend=backend).f0_hz)


# --------------------------------------------------------------- parameters
def test_librosa_parameter_checks():
    YinTracker(fmin_hz=100.0, fmax_hz=200.0)
    with pytest.raises(ValueError, match="fmin_hz"):
        YinTracker(fmin_hz=300.0, fmax_hz=200.0)
    with pytest.raises(ValueError, match="fmin_hz"):
        YinTracker(fmin_hz=0.0)
    with pytest.raises(ValueError, match="trough_threshold"):
        YinTracker(trough_threshold=0.0)
    with pytest.raises(ValueError, match="frame_length"):
        YinTracker(frame_length=2048.5)
    with pytest.raises(ValueError, match="Nyquist"):
        YinTracker(fmax_hz=12000.0).prepare(22050, 1)
    with pytest.raises(ValueError, match="too low"):
        YinTracker(fmin_hz=10.0).prepare(22050, 1)           # fs/fmin >= frame_length - 1
    with pytest.warns(UserWarning, match="two periods"):
        YinTracker(fmin_hz=15.0).prepare(22050, 1)           # fs/fmin >= frame_length // 2
    tracker = YinTracker()
    tracker.prepare(22050, 1)
    with pytest.raises(ValueError, match="fmin_hz"):
        tracker.fmin_hz = 5000.0
    assert tracker.fmin_hz == 65.40639                       # old value stays
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        YinTracker().prepare(22050, 1)                       # defaults: no warning


@pytest.mark.parametrize("fs, fmin, fmax, N", [
    (22050, 65.0, 2093.0, 2048), (22050, 65.0, 12000.0, 2048), (22050, 500.0, 400.0, 2048),
    (22050, 10.0, 400.0, 2048), (22050, 15.0, 400.0, 2048), (22050, 21.0, 400.0, 2048),
    (8000, 2000.0, 4000.0, 4), (48000, 47.0, 24000.0, 2048), (48000, 46.0, 24000.0, 2048),
])
def test_checks_mirror_librosa(fs, fmin, fmax, N):
    """Raise exactly when librosa.yin raises, warn exactly when it warns."""
    def outcome(call):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                call()
            except (ValueError, librosa.util.exceptions.ParameterError):
                return "raise"
        return "warn" if any(issubclass(w.category, UserWarning) for w in caught) else "ok"

    theirs = outcome(lambda: librosa.yin(np.zeros(N + 64), fmin=fmin, fmax=fmax, sr=fs,
                                         frame_length=N, center=False))
    ours = outcome(lambda: YinTracker(fmin_hz=fmin, fmax_hz=fmax, frame_length=N).prepare(fs, 1))
    assert ours == theirs


def test_hop_default_and_structural_change_resets():
    tracker = YinTracker(frame_length=1024)
    assert tracker.hop_length == 256
    tracker.prepare(22050, 1)
    y = harmonic(220.0, 22050, 0.5)
    tracker.process(y[:3000, None].copy())
    first = tracker.read_results()
    assert first["frame"][0] == 0 and len(first) == 1 + (3000 - 1024) // 256
    tracker.trough_threshold = 0.2                           # not structural: no reset
    assert tracker.frames_analysed == len(first)
    tracker.hop_length = 100                                 # structural: reset
    assert tracker.frames_analysed == 0
    tracker.process(y[:1124, None].copy())
    again = tracker.read_results()
    np.testing.assert_array_equal(again["frame"], [0, 1])


# ------------------------------------------------------------- result ring
def test_ring_full_drops_newest_and_counts():
    fs = 22050
    tracker = YinTracker(result_capacity=4)
    tracker.prepare(fs, 1)
    y = harmonic(220.0, fs, 1.0)
    tracker.process(y[:, None].copy())
    produced = 1 + (len(y) - 2048) // 512
    assert tracker.results.available == 4
    assert tracker.dropped_results == produced - 4
    got = tracker.read_results()
    np.testing.assert_array_equal(got["frame"], [0, 1, 2, 3])
    assert len(tracker.read_results()) == 0


def test_ring_with_concurrent_reader_thread():
    fs = 48000
    y = demo_signal(fs, 8.0)
    expected = rtaudio.pitch(y[:, 0], fs)
    tracker = YinTracker(result_capacity=64)
    tracker.prepare(fs, 1, 256)
    received, stop = [], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            received.append(tracker.read_results(max_results=40))
        received.append(tracker.read_results())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for start in range(0, len(y), 256):
            tracker.process(y[start:start + 256].copy())
    finally:
        stop.set()
        thread.join(timeout=30)
    got = np.concatenate(received)
    produced = len(expected)
    assert len(got) + tracker.dropped_results == produced
    assert len(got) > 0
    assert np.all(np.diff(got["frame"]) > 0)                 # in order, no duplicates
    np.testing.assert_array_equal(got["f0_hz"], expected.f0_hz[got["frame"]])
    np.testing.assert_array_equal(got["voiced"], expected.voiced[got["frame"]])
    print(f"\nreader thread: {len(got)} results read, {tracker.dropped_results} dropped")


# --------------------------------------------------------------------- CLI
@pytest.fixture
def tone_wav(tmp_path):
    path = tmp_path / "tone.wav"
    sf.write(path, vibrato(22050, 1.5), 22050, subtype="FLOAT")
    return path


def test_cli_csv_matches_pitch(tone_wav, capsys):
    code, out, _ = run_cli(["pitch", str(tone_wav), "--hop-length", "300"], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "time_s,f0_hz,voiced,confidence"
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    y, fs = sf.read(tone_wav, dtype="float32")
    track = rtaudio.pitch(y, fs, hop_length=300)
    np.testing.assert_array_equal(rows[:, 0], track.times_s)
    np.testing.assert_array_equal(rows[:, 1], track.f0_hz)
    np.testing.assert_array_equal(rows[:, 2].astype(bool), track.voiced)
    np.testing.assert_array_equal(rows[:, 3], track.confidence)


def test_cli_json_multichannel_to_file(tmp_path, capsys):
    path = tmp_path / "st.wav"
    y = np.stack([harmonic(220.0, 22050), np.zeros(22050, np.float32)], axis=1)
    sf.write(path, y, 22050, subtype="FLOAT")
    out = tmp_path / "p.json"
    code, stdout, err = run_cli(["pitch", str(path), "--format", "json", "-o", str(out),
                                 "--fmin", "80", "--fmax", "1000", "--kernels", "numba"], capsys)
    assert code == 0 and stdout == "" and "wrote" in err
    data = json.loads(out.read_text())
    assert data["columns"] == ["channel", "time_s", "f0_hz", "voiced", "confidence"]
    assert data["fmin_hz"] == 80.0 and data["channels"] == 2
    rows = data["rows"]
    track = rtaudio.pitch(y, 22050, fmin_hz=80.0, fmax_hz=1000.0)
    assert len(rows) == 2 * len(track)
    assert [r[0] for r in rows[:4]] == [0, 1, 0, 1]
    np.testing.assert_array_equal([r[2] for r in rows[0::2]], track.f0_hz[0])
    assert all(r[3] is True for r in rows[0::2]) and all(r[3] is False for r in rows[1::2])
    assert list(tmp_path.glob(".*partial*")) == []


@pytest.mark.parametrize("args, message", [
    (["--fmin", "5"], "fmin_hz"),
    (["--fmax", "20000"], "Nyquist"),
    (["--trough-threshold", "0"], "trough_threshold"),
    (["--frame-length", "2"], "frame_length"),
])
def test_cli_bad_parameters(tone_wav, capsys, args, message):
    code, out, err = run_cli(["pitch", str(tone_wav), *args], capsys)
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_bad_files(tmp_path, capsys):
    junk = tmp_path / "junk.wav"
    junk.write_text("not audio")
    for path, message in [(tmp_path / "missing.wav", "not found"), (junk, "cannot read"),
                          (tmp_path, "directory")]:
        code, _, err = run_cli(["pitch", str(path)], capsys)
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["pitch", str(junk), "-o", str(tmp_path / "no" / "x.csv")], capsys)
    assert code == 1


def test_cli_output_is_atomic_on_error(tone_wav, tmp_path, capsys):
    out = tmp_path / "p.csv"
    out.write_text("old")
    code, _, _ = run_cli(["pitch", str(tone_wav), "-o", str(out), "--fmin", "5"], capsys)
    assert code == 1 and out.read_text() == "old"
    code, _, _ = run_cli(["pitch", str(tone_wav), "-o", str(out)], capsys)
    assert code == 0 and out.read_text().startswith("time_s,f0_hz")


@pytest.mark.parametrize("rate, frame_length", [(44100, 2048), (96000, 4096), (192000, 8192)])
def test_cli_frame_length_follows_the_rate(tmp_path, capsys, rate, frame_length):
    # docs/maths/yin.md §5.1: without --frame-length, 2048 doubled until two
    # periods of C2 fit; a 192 kHz file was an error, 96 kHz gave a warning
    path = tmp_path / "high.wav"
    y = harmonic(110.0, rate, seconds=0.5)
    sf.write(path, y, rate, subtype="FLOAT")
    out = tmp_path / "p.json"
    code, _, err = run_cli(["pitch", str(path), "--format", "json", "-o", str(out)], capsys)
    assert code == 0 and "warning" not in err, err
    data = json.loads(out.read_text())
    assert data["frame_length"] == frame_length and data["hop_length"] == frame_length // 4
    ref = librosa.yin(y.astype(np.float64), fmin=65.40639, fmax=2093.0045, sr=rate,
                      frame_length=frame_length, hop_length=frame_length // 4, center=False)
    f0 = np.array([row[1] for row in data["rows"]])
    assert f0.shape == ref.shape
    np.testing.assert_allclose(f0, ref, rtol=REL_TOL)
    # an fmin chosen too low for the frame is still the user's error
    code, _, err = run_cli(["pitch", str(path), "--fmin", "5"], capsys)
    assert code == 1 and "fmin_hz" in err


# ------------------------------------------------------------ FFT and sizes
@pytest.mark.parametrize("n", [16, 32, 256, 8192])
def test_numba_fft_autocorrelation_matches_numpy(n):
    from rtaudio.kernels.fft_tables import make_fft_tables
    from rtaudio.kernels.numba.fft import autocorr
    tables = make_fft_tables(n)
    length = n // 2
    x = np.random.default_rng(n).standard_normal(length)
    out = np.zeros(length)
    autocorr(x, length, n, tables.cos_m, tables.sin_m, tables.cos_n, tables.sin_n, tables.bitrev,
             np.zeros(2 * n + 1), out, length)
    expected = np.correlate(x, x, mode="full")[length - 1:]          # direct O(N²) sum
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("N, hop, fmin", [(16, 3, 1100.0), (37, 5, 500.0), (301, 77, 90.0)])
def test_small_and_odd_frame_lengths_equal_librosa(backend, N, hop, fmin):
    fs = 8000
    y = np.concatenate([glide(fs, 1.0), white_noise(fs, 0.2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = librosa.yin(y.astype(np.float64), fmin=fmin, fmax=4000.0, sr=fs, frame_length=N,
                          hop_length=hop, center=False)
        track = rtaudio.pitch(y, fs, backend=backend, frame_length=N, hop_length=hop, fmin_hz=fmin,
                              fmax_hz=4000.0)
    rel = np.abs(track.f0_hz - ref) / ref
    ties = int(np.count_nonzero(rel > REL_TOL))
    print(f"\nN={N} {backend}: {len(ref)} frames, {ties} ties")
    assert ties <= int(MAX_TIE_FRACTION * len(ref))


def test_cli_file_shorter_than_a_frame(tmp_path, capsys):
    path = tmp_path / "short.wav"
    sf.write(path, harmonic(220.0, 22050, 0.05), 22050)           # 1102 samples < 2048
    code, out, err = run_cli(["pitch", str(path)], capsys)
    assert code == 0 and out == "time_s,f0_hz,voiced,confidence\n" and "no frames" in err
    code, out, _ = run_cli(["pitch", str(path), "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["rows"] == []


# ------------------------------------------------- block path (native/kernels/yin.c)
def test_block_plan_covers_both_paths():
    from rtaudio.processors.yin import yin_block_plan
    assert yin_block_plan(2048, 512, 734) == (256, 4)      # the default at 48 kHz: block path
    assert yin_block_plan(1536, 300, 686) == (0, 0)        # no power of two >= 8 divides 300
    assert yin_block_plan(16, 3, 8) == (0, 0)
    for N, hop, p_max in [(2048, 512, 734), (2048, 512, 338), (1024, 256, 500), (4096, 1024, 2000)]:
        L, D = yin_block_plan(N, hop, p_max)
        assert L >= 8 and N % L == 0 and hop % L == 0
        assert D == min(N // L, -(-p_max // L) + 1)       # block distances reaching lags <= p_max


@pytest.mark.filterwarnings("ignore:.*two periods of fmin:UserWarning")  # (1024, 70 Hz): on purpose
@pytest.mark.parametrize("backend", ["c", "numba"])
@pytest.mark.parametrize("name", ["glide", "demo_voice", "noise", "espeak_speech"])
@pytest.mark.parametrize("N, hop, fmin", [(1024, 256, 70.0), (2048, 1024, 60.0), (4096, 512, 40.0),
                                          (512, 128, 200.0)])
def test_block_path_equals_librosa(name, backend, N, hop, fmin):
    tracker = YinTracker(backend=backend, frame_length=N, hop_length=hop, fmin_hz=fmin)
    tracker.prepare(48000, 1)
    assert tracker._config[5] > 0                          # the block path is the one tested
    compare_with_librosa(name, 48000, backend, frame_length=N, hop_length=hop, fmin_hz=fmin)


def test_block_path_backends_agree_and_match_reference():
    y = invariance_signal()[:33000]
    results = {}
    for backend in BACKENDS:
        tracker = YinTracker(backend=backend, hop_length=256)
        tracker.prepare(22050, 2)
        results[backend] = stream(tracker, y, random_partition(len(y), np.random.default_rng(3), 1, 700))
    assert np.array_equal(results["c"], results["numba"])   # same operation order: same bits
    ref = results["reference"]
    for name in ("channel", "frame", "time_s", "voiced"):
        assert np.array_equal(results["c"][name], ref[name])
    np.testing.assert_allclose(results["c"]["f0_hz"], ref["f0_hz"], rtol=1e-9)


def test_block_path_streaming_equals_analyse_frame():
    fs, N, hop = 22050, 2048, 512
    y = glide(fs)
    for backend in ("c", "numba"):
        tracker = YinTracker(backend=backend, frame_length=N, hop_length=hop, result_capacity=1 << 12)
        tracker.prepare(fs, 1)
        streamed = stream(tracker, y, [len(y)])
        frames = [tracker.analyse_frame(y[t * hop:t * hop + N].astype(np.float64))
                  for t in range(len(streamed))]
        np.testing.assert_array_equal(streamed["f0_hz"], [f[0] for f in frames])
        np.testing.assert_array_equal(streamed["voiced"], [f[2] for f in frames])


@pytest.mark.parametrize("n", [16, 64, 1024])
def test_numba_block_fft_matches_numpy(n):
    from rtaudio.kernels.fft_tables import make_fft_tables
    from rtaudio.kernels.numba.fft import irfft, rfft
    t = make_fft_tables(n)
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n // 2)
    re, im = np.zeros(n // 2 + 1), np.zeros(n // 2 + 1)
    rfft(x, n // 2, n, t.cos_m, t.sin_m, t.cos_n, t.sin_n, t.bitrev, np.zeros(2 * n), re, im)
    expected = np.fft.rfft(x, n)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(re + 1j * im, expected, rtol=0, atol=1e-13 * scale)
    spec = np.fft.rfft(rng.standard_normal(n))                  # any Hermitian spectrum
    out = np.zeros(n)
    irfft(spec.real.copy(), spec.imag.copy(), n, t.cos_m, t.sin_m, t.cos_n, t.sin_n, t.bitrev,
          np.zeros(n), out)
    back = np.fft.irfft(spec, n)
    np.testing.assert_allclose(out, back, rtol=0, atol=1e-13 * np.abs(back).max())
