"""Spectrogram maths (docs/maths/spectrogram.md) against librosa, streaming STFT, images, chunked
files and the ``rtaudio spectrogram`` command.

Tolerances (docs/maths/spectrogram.md §6.5): mel power vs librosa with a float64 basis
``rtol 1e-9, atol 1e-12 max(M)``; with librosa's default float32 basis
``rtol 1e-6``; dB vs ``librosa.power_to_db`` ``<= 1e-4 dB``. Streaming,
chunked and one-shot results are compared exactly (same operations).
"""
from __future__ import annotations

import os
import warnings

import librosa
import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from rtaudio.analysis import spectrogram as sp
from rtaudio.analysis import images as si
from _cli import run_cli as run_cli_args

SR = 22050


def signal(n: int, seed: int = 0, sample_rate: int = SR) -> np.ndarray:
    """Two tones plus noise, float64."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sample_rate
    return (0.4 * np.sin(2 * np.pi * 440.0 * t) + 0.1 * np.sin(2 * np.pi * 3100.0 * t)
            + 0.02 * rng.standard_normal(n))


CONFIGS = [
    dict(sample_rate=SR),
    dict(sample_rate=16000, n_fft=512, hop_length=128, n_mels=40, fmin=50.0, fmax=7000.0),
    dict(sample_rate=44100, n_fft=1000, hop_length=300, win_length=700, n_mels=64),
    dict(sample_rate=SR, n_fft=1024, hop_length=256, center=False, power=1.0, n_mels=80),
]


def _librosa_args(cfg):
    args = dict(cfg)
    args["sr"] = args.pop("sample_rate")
    return args


# ---------------------------------------------------------------- maths

@pytest.mark.parametrize("cfg", CONFIGS)
def test_mel_filterbank_matches_librosa_float64(cfg):
    sr, n_fft = cfg["sample_rate"], cfg.get("n_fft", 2048)
    mine = sp.mel_filterbank(sr, n_fft, cfg.get("n_mels", 128), cfg.get("fmin", 0.0), cfg.get("fmax"))
    ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=cfg.get("n_mels", 128),
                              fmin=cfg.get("fmin", 0.0), fmax=cfg.get("fmax"), dtype=np.float64)
    assert mine.dtype == np.float64 and mine.shape == ref.shape
    np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15 * ref.max())


@pytest.mark.parametrize("cfg", CONFIGS)
def test_melspectrogram_matches_librosa(cfg):
    y = signal(SR * 2 + 123, sample_rate=cfg["sample_rate"])
    mine = sp.melspectrogram(y, **cfg)
    # librosa's default (float32 basis): rtol 1e-6 (docs/maths/spectrogram.md §6.5)
    ref32 = librosa.feature.melspectrogram(y=y, **_librosa_args(cfg))
    assert mine.shape == ref32.shape
    np.testing.assert_allclose(mine, ref32, rtol=1e-6, atol=0)
    # float64 basis: rtol 1e-9, atol 1e-12 max (docs/maths/spectrogram.md §6.5)
    args = _librosa_args(cfg)
    basis = librosa.filters.mel(sr=args["sr"], n_fft=args.get("n_fft", 2048), n_mels=args.get("n_mels", 128),
                                fmin=args.get("fmin", 0.0), fmax=args.get("fmax"), dtype=np.float64)
    spec = np.abs(librosa.stft(y, n_fft=args.get("n_fft", 2048), hop_length=args.get("hop_length", 512),
                               win_length=args.get("win_length"), center=args.get("center", True)))
    ref64 = basis @ spec ** args.get("power", 2.0)
    np.testing.assert_allclose(mine, ref64, rtol=1e-9, atol=1e-12 * ref64.max())


def test_stft_power_matches_librosa():
    y = signal(5000)
    mine = sp.stft_power(y, n_fft=512, hop_length=100)
    ref = np.abs(librosa.stft(y, n_fft=512, hop_length=100)) ** 2
    np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12 * ref.max())


@pytest.mark.parametrize("kwargs", [dict(), dict(ref=np.max), dict(top_db=None),
                                    dict(amin=1e-5, top_db=40.0), dict(ref=0.01, top_db=0.0)])
def test_power_to_db_matches_librosa(kwargs):
    M = sp.melspectrogram(signal(SR), SR)
    diff = np.abs(sp.power_to_db(M, **kwargs) - librosa.power_to_db(M, **kwargs))
    assert diff.max() <= 1e-4  # dB (docs/maths/spectrogram.md §6.5)


def test_power_to_db_rejects_bad_parameters():
    with pytest.raises(ValueError, match="amin"):
        sp.power_to_db(np.ones((2, 2)), amin=0.0)
    with pytest.raises(ValueError, match="top_db"):
        sp.power_to_db(np.ones((2, 2)), top_db=-1.0)


def test_edge_cases_silence_single_frame_short_signal():
    silence = np.zeros(SR)
    M = sp.melspectrogram(silence, SR)
    assert np.all(M == 0)
    assert np.all(sp.power_to_db(M, top_db=None) == -100.0)  # 10 log10(amin)
    np.testing.assert_array_equal(sp.power_to_db(M), librosa.power_to_db(M))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns that n_fft > len(y)
        for n in (1, 100, 2047):
            y = signal(n)
            mine = sp.melspectrogram(y, SR)
            ref = librosa.feature.melspectrogram(y=y, sr=SR)
            assert mine.shape == ref.shape and mine.shape[1] == sp.frame_count(n, 2048, 512)
            np.testing.assert_allclose(mine, ref, rtol=1e-6)
    assert sp.melspectrogram(signal(100), SR).shape == (128, 1)  # a single frame
    with pytest.raises(ValueError, match="shorter than n_fft"):
        sp.melspectrogram(signal(100), SR, center=False)


def test_parameter_errors_name_the_parameter():
    with pytest.raises(ValueError, match="n_fft"):
        sp.melspectrogram(signal(4096), SR, n_fft=8)
    with pytest.raises(ValueError, match="fmax"):
        sp.mel_filterbank(SR, 2048, fmin=5000.0, fmax=1000.0)
    with pytest.raises(ValueError, match="fmax"):
        sp.mel_filterbank(SR, 2048, fmax=20000.0)
    with pytest.raises(ValueError, match="y must be a 1-D"):
        sp.melspectrogram(np.zeros((2, 4096)), SR)


def test_empty_mel_filters_warn_like_librosa():
    with pytest.warns(UserWarning, match="Empty filters"):
        sp.mel_filterbank(SR, 256, n_mels=128)
    with pytest.warns(UserWarning, match="Empty filters"):
        librosa.filters.mel(sr=SR, n_fft=256, n_mels=128)
    assert sp.empty_mel_bands(SR, 256, 128) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sp.mel_filterbank(SR, 2048, n_mels=128)
    assert sp.empty_mel_bands(SR, 2048, 128) == 0


# ---------------------------------------------------------------- streaming

@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1),
       shape=st.sampled_from([(256, 64, None, True), (512, 100, 300, True), (256, 300, None, True),
                              (128, 32, None, False), (2048, 512, None, True)]),
       n=st.integers(1, 6000), max_block=st.integers(1, 1500))
def test_streaming_stft_equals_offline_for_any_partition(seed, shape, n, max_block):
    n_fft, hop, win, center = shape
    y = signal(n, seed)
    stream = sp.StreamingSTFT(n_fft=n_fft, hop_length=hop, win_length=win, center=center,
                              max_block=max_block)
    rng = np.random.default_rng(seed)
    frames, i = [], 0
    while i < n:
        size = int(rng.integers(0, max_block + 1))
        frames.append(stream.push(y[i:i + size]).copy())
        i += size
    frames.append(stream.flush().copy())
    got = np.concatenate(frames)
    expected_count = sp.frame_count(n, n_fft, hop, center)
    assert got.shape == (expected_count, n_fft // 2 + 1)
    if expected_count:
        offline = sp.stft_power(y, n_fft, hop, win, center)
        np.testing.assert_array_equal(got, offline.T)  # identical operations: exact
    stream.reset()
    again = [stream.push(y[:min(n, max_block)]).copy(), stream.flush().copy()]
    if n <= max_block and expected_count:
        np.testing.assert_array_equal(np.concatenate(again), sp.stft_power(y, n_fft, hop, win, center).T)


def test_streaming_rejects_oversized_block_and_push_after_flush():
    stream = sp.StreamingSTFT(n_fft=256, hop_length=64, max_block=100)
    with pytest.raises(ValueError, match="max_block"):
        stream.push(np.zeros(101))
    stream.flush()
    with pytest.raises(RuntimeError, match="reset"):
        stream.push(np.zeros(10))


# ---------------------------------------------------------------- images

def test_resample_matrix_area_and_linear():
    x = np.random.default_rng(3).standard_normal(120)
    shrink = si.resample_matrix(120, 40)
    np.testing.assert_allclose(shrink @ x, x.reshape(40, 3).mean(axis=1), rtol=1e-12, atol=1e-12)
    for n_in, n_out in [(128, 512), (1000, 333), (7, 7), (5, 1), (1, 9)]:
        w = si.resample_matrix(n_in, n_out)
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
        assert np.all(w >= 0)
    grow = si.resample_matrix(4, 8) @ np.array([0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(grow, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.0])


def test_area_reducer_equals_dense_area_matrix():
    D = np.random.default_rng(4).standard_normal((3, 2500))
    dense = D @ si.resample_matrix(2500, 777).T
    reducer = si._AreaReducer(3, 2500, 777)
    for first in range(0, 2500, 300):
        reducer.add(D[:, first:first + 300])
    np.testing.assert_allclose(reducer.result(), dense, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("width,height", [(512, 512), (64, 37), (1000, 13), (1, 1), (None, None)])
def test_render_image_exact_size(width, height):
    S_db = sp.power_to_db(sp.melspectrogram(signal(SR * 3), SR))
    img = si.render_image(S_db, colormap="viridis", width=width, height=height)
    assert img.dtype == np.uint8
    assert img.shape == (height or S_db.shape[0], width or S_db.shape[1], 3)


def test_low_frequencies_at_the_bottom():
    t = np.arange(SR * 2) / SR
    y = np.sin(2 * np.pi * 150.0 * t)  # a low tone
    img = si.render_image(sp.power_to_db(sp.melspectrogram(y, SR)), colormap="gray", width=100, height=200)
    brightness = img.mean(axis=(1, 2))
    assert brightness[-40:].max() > 200  # near the bottom row
    assert brightness[:100].max() < 60   # upper half dark
    assert np.argmax(brightness) > 150


def test_colormap_is_matplotlibs_and_unknown_is_rejected():
    import matplotlib
    from rtaudio.analysis.colormap_data import LUTS_BASE64
    # the stored tables (no matplotlib at start-up) and one read from matplotlib
    for name in [*LUTS_BASE64, "Blues"]:
        lut = si.colormap_lut(name)
        assert lut.dtype == np.uint8 and lut.shape == (256, 3)
        np.testing.assert_array_equal(lut, matplotlib.colormaps[name](np.arange(256), bytes=True)[:, :3])
    lut = si.colormap_lut("magma")
    img = si.render_rgb(np.array([[0.0, 1.0]]), lut, 0.0, 1.0)
    np.testing.assert_array_equal(img[0], lut[[0, 255]])
    with pytest.raises(ValueError, match="colormap='nope'"):
        si.colormap_lut("nope")


# ---------------------------------------------------------------- files

def write_wav(path, seconds, seed=0, sample_rate=SR, channels=2):
    y = signal(int(seconds * sample_rate), seed, sample_rate)
    data = np.stack([y * (1 - 0.3 * c) for c in range(channels)], axis=1)
    sf.write(path, data, sample_rate, subtype="FLOAT" if str(path).endswith(".wav") else None)
    mono, _ = sf.read(path, dtype="float64", always_2d=True)
    return mono.mean(axis=1)


@pytest.mark.parametrize("scale", ["mel", "linear"])
@pytest.mark.parametrize("width", [300, 5000, None])
def test_chunked_file_equals_one_shot(tmp_path, monkeypatch, scale, width):
    monkeypatch.setattr(sp, "CHUNK_FRAMES", 128)  # many chunks, each overlapping the next
    path = tmp_path / "long.wav"
    y = write_wav(path, 2.5)
    settings_ = si.SpectrogramSettings(n_fft=256, hop_length=64, scale=scale, n_mels=40,
                                       fmin_hz=100.0, fmax_hz=9000.0)
    if scale == "mel":
        power = sp.melspectrogram(y, SR, n_fft=256, hop_length=64, n_mels=40, fmin=100.0, fmax=9000.0)
        ref = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=256, hop_length=64, n_mels=40,
                                             fmin=100.0, fmax=9000.0)
        np.testing.assert_allclose(power, ref, rtol=1e-6)  # chunked STFT is still librosa's
    else:
        freqs = sp.fft_frequencies(SR, 256)
        keep = (freqs >= 100.0) & (freqs <= 9000.0)
        power = sp.stft_power(y, 256, 64)[keep]
    S_db = sp.power_to_db(power)
    one_shot = si.render_image(S_db, colormap="inferno", width=width, height=77)
    for budget in (0, si.MEMORY_BUDGET_BYTES):  # two-pass re-read / cached single pass
        D, vmin, vmax, plan = si.file_db_image(path, settings_, width, memory_budget_bytes=budget)
        assert plan.n_frames == S_db.shape[1] > 5 * sp.CHUNK_FRAMES
        assert (vmin, vmax) == (S_db.min(), S_db.max())
        chunked = si.render_rgb(si._resample_rows(D, 77), si.colormap_lut("inferno"), vmin, vmax)
        np.testing.assert_array_equal(chunked, one_shot)


MEMORY_PROBE = """
import sys, tracemalloc
from rtaudio.analysis import spectrogram as sp, images as si
sp.CHUNK_FRAMES = 256
settings = si.SpectrogramSettings(n_fft=512, hop_length=32, n_mels=64)
tracemalloc.start()
D, *_ = si.file_db_image(sys.argv[1], settings, 200, memory_budget_bytes=0)
print(D.shape[0], D.shape[1], tracemalloc.get_traced_memory()[1])
"""


def test_chunked_memory_is_bounded(tmp_path):
    # measured in a fresh process: tracemalloc counts every thread, and other
    # tests of the suite may leave threads running in this one
    import subprocess
    import sys
    path = tmp_path / "long.wav"
    write_wav(path, 40.0, sample_rate=8000, channels=1)
    n_frames = sp.frame_count(40 * 8000, 512, 32)
    full_stft_bytes = n_frames * 257 * 8 * 2  # complex128 STFT of the whole file
    proc = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True,
                          text=True, check=True)
    rows, cols, peak = map(int, proc.stdout.split())
    assert (rows, cols) == (64, 200)
    assert peak < 0.2 * full_stft_bytes, (peak, full_stft_bytes)


def test_save_spectrogram_png_roundtrip_and_jpg(tmp_path):
    import matplotlib.image
    src = tmp_path / "a.wav"
    y = write_wav(src, 1.0)
    info = si.save_spectrogram(src, tmp_path / "a.png", width=200, height=100, colormap="viridis")
    assert info["size"] == (200, 100)
    expected = si.render_image(sp.power_to_db(sp.melspectrogram(y, SR)), "viridis", 200, 100)
    back = (matplotlib.image.imread(tmp_path / "a.png")[..., :3] * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(back, expected)  # PNG is lossless
    si.save_spectrogram(src, tmp_path / "a.jpg", width=64, height=32)
    assert (tmp_path / "a.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert matplotlib.image.imread(tmp_path / "a.jpg").shape == (32, 64, 3)
    si.save_spectrogram(src, tmp_path / "axes.png", axes=True, width=640, height=300)
    assert matplotlib.image.imread(tmp_path / "axes.png").shape[:2] == (300, 640)


@pytest.mark.parametrize("scale", ["mel", "linear"])
def test_axes_figure_has_hz_ticks_time_axis_and_colour_bar(tmp_path, scale):
    src = tmp_path / "a.wav"
    write_wav(src, 1.0)
    settings_ = si.SpectrogramSettings(scale=scale, fmin_hz=100.0, fmax_hz=8000.0, axes=True)
    D, vmin, vmax, plan = si.file_db_image(src, settings_, si.AXES_MAX_COLUMNS, shrink_only=True)
    assert D.shape[1] == plan.n_frames  # short file: not resampled
    fig = si._axes_figure(D, vmin, vmax, plan, settings_)
    fig.canvas.draw()
    image_ax, colour_ax = fig.axes
    assert image_ax.get_xlabel() == "time (s)" and "Hz" in image_ax.get_ylabel()
    assert "dB" in colour_ax.get_ylabel() or any("dB" in t.get_text() for t in colour_ax.get_yticklabels())
    labels = {t.get_text(): t.get_position()[1] for t in image_ax.get_yticklabels() if t.get_text()}
    assert "1k" in labels and "4k" in labels
    if scale == "mel":  # ticks sit at the mel position of their frequency
        assert labels["1k"] == pytest.approx(float(sp.hz_to_mel(1000.0)))
        assert labels["4k"] == pytest.approx(float(sp.hz_to_mel(4000.0)))
    else:
        assert labels["1k"] == pytest.approx(1000.0)
    lo, hi = image_ax.get_xlim()
    assert lo < 0.0 < 0.9 < hi < 1.1  # seconds


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch, suffix):
    import pathlib
    from PIL import Image
    src = tmp_path / "a.wav"
    write_wav(src, 0.5)

    def disk_full(self, fp, *args, **kwargs):  # writes half a file, then fails
        with open(fp if isinstance(fp, (str, os.PathLike)) else self, "wb") as handle:
            handle.write(b"half an image")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", disk_full)
    monkeypatch.setattr(pathlib.Path, "write_bytes", lambda self, data: disk_full(self, self))
    with pytest.raises(si.RtaudioError, match="No space left"):
        si.save_spectrogram(src, tmp_path / f"a{suffix}", width=10, height=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]


def test_png_writer_is_standard():
    import matplotlib.image
    from PIL import Image
    rgb = np.random.default_rng(7).integers(0, 256, (13, 29, 3), dtype=np.uint8)
    data = si.png_bytes(rgb)
    with Image.open(__import__("io").BytesIO(data)) as image:
        image.load()
        np.testing.assert_array_equal(np.asarray(image), rgb)
    assert matplotlib.image.imread(__import__("io").BytesIO(data), format="png").shape == (13, 29, 3)


# ---------------------------------------------------------------- CLI

def run_cli(args, capsys):
    return run_cli_args(["spectrogram", *map(str, args)], capsys)


def all_files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_cli_batch_with_broken_file_mirrors_tree(tmp_path, capsys):
    src = tmp_path / "in"
    (src / "sub" / "deeper").mkdir(parents=True)
    write_wav(src / "one.wav", 0.6, seed=1)
    write_wav(src / "sub" / "two.wav", 0.4, seed=2)
    write_wav(src / "sub" / "deeper" / "three.flac", 0.3, seed=3)
    (src / "sub" / "broken.wav").write_bytes(b"RIFF\x00\x00this is not audio")
    (src / "notes.txt").write_text("not taken: no audio suffix")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli([src, out, "--width", 128, "--height", 64, "--jobs", 2], capsys)
    assert code == 1
    # the batch runner's manifest (docs/batch.md) sits beside the images
    assert all_files(out) == ["manifest.jsonl", "one.png", "sub/deeper/three.png", "sub/two.png"]
    assert "broken.wav" in stderr and "cannot read" in stderr and "1 of 4" in stderr
    assert "wrote 3 image(s)" in stdout
    import matplotlib.image
    assert matplotlib.image.imread(out / "sub" / "two.png").shape == (64, 128, 3)


def test_cli_overwrite_behaviour(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    write_wav(src / "a.wav", 0.5)
    write_wav(src / "b.wav", 0.5, seed=5)
    out = tmp_path / "out"
    assert run_cli([src, out, "--width", 32, "--height", 32, "--jobs", 1], capsys)[0] == 0
    first = {name: (out / name).read_bytes() for name in all_files(out)}
    (out / "a.png").unlink()  # as if an earlier batch was interrupted
    code, stdout, _ = run_cli([src, out, "--width", 32, "--height", 32, "--colormap", "gray"], capsys)
    assert code == 0 and "skipped 1 existing" in stdout
    assert (out / "b.png").read_bytes() == first["b.png"]  # kept
    assert (out / "a.png").read_bytes() != first["a.png"]  # re-made (gray)
    code, _, _ = run_cli([src, out, "--width", 32, "--height", 32, "--colormap", "gray", "--overwrite"], capsys)
    assert code == 0 and (out / "b.png").read_bytes() != first["b.png"]
    # single file: existing output is an error unless --overwrite
    code, _, stderr = run_cli([src / "a.wav", out / "a.png"], capsys)
    assert code == 1 and "output exists (use --overwrite)" in stderr
    assert run_cli([src / "a.wav", out / "a.png", "--overwrite"], capsys)[0] == 0
    assert not [p for p in out.rglob(".*")]  # atomic writes leave no temporary files


@pytest.mark.parametrize("args,words", [
    (["--f-min", "5000", "--f-max", "1000"], "f_min=5000 Hz must be below f_max=1000 Hz"),
    (["--n-fft", "256", "--n-mels", "256"], "n_mels=256 is too large for n_fft=256"),
    (["--colormap", "no-such-map"], "colormap='no-such-map' is unknown"),
    (["--n-fft", "65536"], "too short"),
    (["--f-max", "20000"], "above the Nyquist"),
    (["--width", "0"], "width=0 is out of range"),
])
def test_cli_invalid_parameters_one_line(tmp_path, capsys, args, words):
    src = tmp_path / "a.wav"
    write_wav(src, 0.5)
    code, _, stderr = run_cli([src, tmp_path / "a.png", *args], capsys)
    assert code == 1
    assert words in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a.png").exists()


def test_nonfinite_samples_are_zeroed_and_counted(tmp_path, capsys):
    y = signal(SR)
    y[[10, 5000, 9000]] = [np.nan, np.inf, -np.inf]
    dirty = tmp_path / "dirty.wav"
    sf.write(dirty, y, SR, subtype="FLOAT")
    y[[10, 5000, 9000]] = 0.0
    zeroed = tmp_path / "zeroed.wav"
    sf.write(zeroed, y, SR, subtype="FLOAT")
    info = si.save_spectrogram(dirty, tmp_path / "d.png", width=50, height=20)
    assert info["nonfinite_count"] == 3
    si.save_spectrogram(zeroed, tmp_path / "z.png", width=50, height=20)
    assert (tmp_path / "d.png").read_bytes() == (tmp_path / "z.png").read_bytes()
    code, stdout, _ = run_cli([dirty, tmp_path / "cli.png", "--width", 50, "--height", 20], capsys)
    assert code == 0 and "3 non-finite samples replaced by 0" in stdout


def test_cli_empty_file_and_format_flag(tmp_path, capsys):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros((0, 1)), SR)
    code, _, stderr = run_cli([empty, tmp_path / "e.png"], capsys)
    assert code == 1 and "no audio frames" in stderr
    src = tmp_path / "a.wav"
    write_wav(src, 0.5)
    code, stdout, _ = run_cli([src, tmp_path / "imgs", "--format", "jpg", "--width", 20, "--height", 10], capsys)
    assert code == 0 and (tmp_path / "imgs" / "a.jpg").exists()
    assert os.listdir(tmp_path / "imgs") == ["a.jpg"]


@pytest.mark.parametrize("rate", [22050, 96000, 192000, 384000])
def test_default_n_fft_gives_every_mel_band_a_bin_like_librosa(rate):
    # docs/maths/spectrogram.md §6.2: doubled from 2048 until no band is
    # empty; librosa's own filterbank (float64) is the witness
    n_fft = si.n_fft_for_mels(rate, 128)
    rows = librosa.filters.mel(sr=rate, n_fft=n_fft, n_mels=128, dtype=np.float64)
    assert np.all(rows.max(axis=1) > 0)
    if n_fft > 2048:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            smaller = librosa.filters.mel(sr=rate, n_fft=n_fft // 2, n_mels=128, dtype=np.float64)
        assert np.any(smaller.max(axis=1) == 0)


def test_cli_high_rate_file_without_n_fft(tmp_path, capsys):
    src = tmp_path / "bat.wav"
    t = np.arange(96000) / 192000
    sf.write(src, (0.3 * np.sin(2 * np.pi * 40000 * t)).astype(np.float32), 192000, subtype="FLOAT")
    code, stdout, stderr = run_cli([src, tmp_path / "bat.png"], capsys)
    assert code == 0, stderr
    assert "n_fft 4096 for 128 mel bands at 192000 Hz" in stdout
    code, _, stderr = run_cli([src, tmp_path / "b2.png", "--n-fft", "2048"], capsys)
    assert code == 1 and "too large for n_fft=2048" in stderr
