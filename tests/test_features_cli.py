"""`rtaudio features` and `rtaudio hpss` (docs/maths/features.md §8): outputs
equal to the library calls (which tests/test_features.py compares with
librosa), folder batches, skip/overwrite, failures, atomic writes."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from _cli import run_cli
from rtaudio import features
from rtaudio.analysis.feature_files import features_file
from rtaudio.demo import music_signal

SR = 22050


def make_tree(root):
    (root / "in" / "sub").mkdir(parents=True)
    sf.write(root / "in" / "a.wav", music_signal(SR, 2.0), SR, subtype="FLOAT")
    stereo = np.stack([music_signal(SR, 1.5, seed=2), music_signal(SR, 1.5, seed=3)], axis=1)
    sf.write(root / "in" / "sub" / "b.flac", stereo, SR)
    (root / "in" / "broken.wav").write_bytes(b"RIFF0000not audio")


def test_npz_holds_the_library_results(tmp_path):
    make_tree(tmp_path)
    info = features_file(tmp_path / "in" / "a.wav", tmp_path / "a.npz", features=["hpss", "chroma", "yin"],
                         csv=True)
    y, _ = sf.read(tmp_path / "in" / "a.wav", dtype="float32")
    harmonic, _ = features.hpss(y)
    with np.load(tmp_path / "a.npz") as npz:
        assert float(npz["sample_rate"]) == SR
        assert np.array_equal(npz["chroma"], features.chroma_cqt(y=harmonic, sr=SR))
        assert np.array_equal(npz["f0_hz"], features.yin(harmonic, fmin=65.40639132514966,
                                                         fmax=2093.004522404789, sr=SR))
        assert npz["chroma_times_s"].shape == (npz["chroma"].shape[1],)
        assert np.allclose(npz["f0_times_s"][1], 512 / SR)
        assert json.loads(str(npz["parameters"]))["source"] == "harmonic"
        assert npz["harmonic_rms"].shape == npz["rms_times_s"].shape
    table = np.loadtxt(tmp_path / "a.chroma.csv", delimiter=",", skiprows=1)
    assert table.shape == (info["frames"]["chroma"], 13)
    assert (tmp_path / "a.yin.csv").read_text().startswith("time_s,f0_hz\n")


def test_folder_batch_skip_overwrite_and_failures(tmp_path, capsys):
    make_tree(tmp_path)
    code, out, err = run_cli(["features", str(tmp_path / "in"), str(tmp_path / "out"), "--csv", "--jobs", "2",
                              "--features", "chroma,yin"], capsys)
    assert code == 1
    assert "broken.wav" in err and "1 of 3 file(s) failed" in err
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")) == [
        "a.chroma.csv", "a.npz", "a.yin.csv", "manifest.jsonl", "sub", "sub/b.chroma.csv", "sub/b.npz",
        "sub/b.yin.csv"]
    assert not list((tmp_path / "out").rglob(".*partial*"))
    stamp = (tmp_path / "out" / "a.npz").stat().st_mtime_ns
    code, out, err = run_cli(["features", str(tmp_path / "in"), str(tmp_path / "out"), "--csv",
                              "--features", "chroma,yin", "--pattern", "*.wav"], capsys)
    assert "skipped 1 existing" in out
    assert (tmp_path / "out" / "a.npz").stat().st_mtime_ns == stamp
    code, out, err = run_cli(["features", str(tmp_path / "in" / "a.wav"), str(tmp_path / "out" / "a.npz"),
                              "--overwrite", "--features", "yin"], capsys)
    assert code == 0
    with np.load(tmp_path / "out" / "a.npz") as npz:
        assert "chroma" not in npz and "f0_hz" in npz


def test_bad_feature_name_is_one_line(tmp_path, capsys):
    make_tree(tmp_path)
    code, out, err = run_cli(["features", str(tmp_path / "in" / "a.wav"), str(tmp_path / "o"),
                              "--features", "hpss,loudness"], capsys)
    assert code == 1 and "loudness" in err and "Traceback" not in err


def test_hpss_command_writes_stems_like_the_library(tmp_path, capsys):
    make_tree(tmp_path)
    src = tmp_path / "in" / "sub" / "b.flac"
    code, out, err = run_cli(["hpss", str(src), "--harmonic", str(tmp_path / "h.wav"),
                              "--percussive", str(tmp_path / "p.flac"), "--margin", "1,2"], capsys)
    assert code == 0, err
    data, rate = sf.read(src, dtype="float32", always_2d=True)
    h, p = features.hpss(np.ascontiguousarray(data.T), margin=(1.0, 2.0))
    got_h, rate_h = sf.read(tmp_path / "h.wav", dtype="float32", always_2d=True)
    got_p, rate_p = sf.read(tmp_path / "p.flac", dtype="float32", always_2d=True)
    assert rate_h == rate_p == rate and got_h.shape == got_p.shape == data.shape
    assert np.max(np.abs(got_h - h.T)) < 1e-4  # 16-bit quantisation of the stems
    assert np.max(np.abs(got_p - p.T)) < 1e-4
    code, out, err = run_cli(["hpss", str(src), "--harmonic", str(tmp_path / "h.wav")], capsys)
    assert code == 1 and "exists" in err


def test_low_and_high_rates_adapt_chroma_octaves_and_yin_frame(tmp_path):
    # docs/maths/features.md §8: at 8 kHz seven octaves from C1 exceed
    # Nyquist, so the chroma uses six; at 96 kHz yin uses a 4096 frame.
    # Both compared with librosa called with those parameters.
    import librosa
    for rate, octaves, frame_length in [(8000, 6, 2048), (11025, 7, 2048), (96000, 7, 4096)]:
        y = music_signal(rate, 1.0)
        sf.write(tmp_path / f"x{rate}.wav", y, rate, subtype="FLOAT")
        features_file(tmp_path / f"x{rate}.wav", tmp_path / f"x{rate}.npz", features=["chroma", "yin"])
        with np.load(tmp_path / f"x{rate}.npz") as npz:
            params = json.loads(str(npz["parameters"]))
            assert params["chroma_cqt"]["n_octaves"] == octaves
            assert params["yin"]["frame_length"] == frame_length
            ref = librosa.feature.chroma_cqt(y=y.astype(np.float32), sr=rate, hop_length=512,
                                             n_octaves=octaves)
            np.testing.assert_allclose(npz["chroma"], ref, atol=1e-4, rtol=0)
            f0 = librosa.yin(y.astype(np.float32), fmin=65.40639132514966, fmax=2093.004522404789, sr=rate,
                             frame_length=frame_length, hop_length=512)
            np.testing.assert_allclose(npz["f0_hz"], f0, rtol=1e-4)


def test_chroma_octaves_fit_below_nyquist_like_librosa():
    # the largest octave count librosa accepts with the tuning half a bin
    # sharp, and one more is refused (independent check of the bound)
    import librosa
    from rtaudio.analysis.feature_files import chroma_octaves_for
    y = music_signal(8000, 0.5)
    for rate in (6000, 8000, 8400, 11025):
        octaves = chroma_octaves_for(rate)
        librosa.cqt(y, sr=rate, n_bins=36 * octaves, bins_per_octave=36, tuning=0.5)
        if octaves < 7:
            with pytest.raises(librosa.util.exceptions.ParameterError):
                librosa.cqt(y, sr=rate, n_bins=36 * (octaves + 1), bins_per_octave=36, tuning=0.5)


def test_mono_mix_and_frame_rms_against_references():
    # the file-sized float64 temporaries are gone; the values stay those of
    # numpy's whole-array mean and of librosa.feature.rms
    import librosa
    from rtaudio.analysis.feature_files import _frame_rms, _mono
    data = np.random.default_rng(7).standard_normal((200_000, 3)).astype(np.float32)
    np.testing.assert_array_equal(_mono(data), data.mean(axis=1, dtype=np.float64).astype(np.float32))
    np.testing.assert_array_equal(_mono(data[:, :1]), data[:, 0])
    y = _mono(data)
    ref = librosa.feature.rms(y=y.astype(np.float64), frame_length=2048, hop_length=512, pad_mode="constant")[0]
    assert ref.dtype == np.float32   # librosa rounds its result to float32
    np.testing.assert_allclose(_frame_rms(y), ref, rtol=2 ** -23)


def test_progress_reports_every_stage_in_order(tmp_path):
    sf.write(tmp_path / "a.wav", music_signal(SR, 1.0), SR, subtype="FLOAT")
    seen = []
    features_file(tmp_path / "a.wav", tmp_path / "a.npz", features=["hpss", "chroma", "yin"],
                  progress=lambda stage, done: seen.append((stage, done)))
    assert [s for s, _ in seen] == ["read", "hpss", "chroma", "yin", "done"]
    fractions = [d for _, d in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
