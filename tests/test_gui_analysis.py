"""The viewer's Qt-free maths: streaming columns, levels, note names, slider ranges."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rtaudio.analysis import spectrogram as sp
from rtaudio.gui.analysis import SpectrogramFeed, SpectrogramSettings, check_live_settings, level_dbfs, mel_bands_for, note_of

RATE = 48000.0


def test_feed_columns_equal_offline_stft_in_db():
    """Streaming columns pushed in uneven pieces equal the offline
    ``stft_power`` frames (centre padding), converted with the feed's dB
    reference; tolerance 1e-9 dB (float64 round-off only)."""
    rng = np.random.default_rng(3)
    y = 0.3 * rng.standard_normal(20000)
    settings = SpectrogramSettings.from_overlap(n_fft=1024, overlap=0.75, scale="linear")
    feed = SpectrogramFeed(RATE, settings, max_block=700)
    pieces, start = [], 0
    for size in (1, 513, 4000, 77, 2500, 12909):
        pieces.append(feed.push(y[start:start + size]))
        start += size
    streamed = np.concatenate(pieces)
    offline = sp.stft_power(y, n_fft=1024, hop_length=256, center=True).T
    assert streamed.shape[0] == feed.frames_emitted
    reference = 10 * np.log10(np.maximum(offline[:len(streamed)], 1e-10) / feed.ref_power)
    np.testing.assert_allclose(streamed, reference, rtol=0, atol=1e-9)


def test_feed_full_scale_sine_reads_0_db_at_its_bin():
    f = 48 * RATE / 2048            # exactly on bin 48
    y = np.sin(2 * np.pi * f * np.arange(8192) / RATE)
    feed = SpectrogramFeed(RATE, SpectrogramSettings.from_overlap(n_fft=2048, overlap=0.5, scale="linear"))
    cols = feed.push(y)
    assert np.argmax(cols[-1]) == 48
    assert cols[-1, 48] == pytest.approx(0.0, abs=1e-6)


def test_feed_mel_full_scale_sine_reads_about_0_db():
    """A full-scale sine on an FFT bin: its brightest mel band reads between
    0 and +1.8 dB (the two Hann side bins add at most 10 log10(1.5))."""
    feed = SpectrogramFeed(RATE, SpectrogramSettings.from_overlap(n_fft=2048, overlap=0.5, scale="mel"))
    for k in (20, 100, 400):
        feed = SpectrogramFeed(RATE, SpectrogramSettings.from_overlap(n_fft=2048, overlap=0.5, scale="mel"))
        y = np.sin(2 * np.pi * k * RATE / 2048 * np.arange(8192) / RATE)
        last = feed.push(y)[-1]
        assert 0.0 - 1e-9 <= last.max() <= 10 * np.log10(1.5) + 1e-9, (k, last.max())


def test_feed_mel_matches_filterbank_and_has_no_empty_bands():
    rng = np.random.default_rng(4)
    y = rng.standard_normal(6000)
    feed = SpectrogramFeed(RATE, SpectrogramSettings.from_overlap(n_fft=512, overlap=0.5, scale="mel"))
    assert feed.n_mels == mel_bands_for(RATE, 512, 128) < 128
    assert sp.empty_mel_bands(RATE, 512, feed.n_mels) == 0
    assert np.all(sp.mel_filterbank(RATE, 512, feed.n_mels).max(axis=1) > 0)
    cols = feed.push(y)
    basis = sp.mel_filterbank(RATE, 512, feed.n_mels)
    power = sp.stft_power(y, n_fft=512, hop_length=256).T[:len(cols)] @ basis.T
    np.testing.assert_allclose(cols, feed.to_db(power), rtol=0, atol=1e-9)
    centres = feed.row_frequencies_hz()
    assert len(centres) == feed.rows and np.all(np.diff(centres) > 0)


def test_settings_validation_names_the_setting():
    with pytest.raises(ValueError, match="n_fft = 1000"):
        check_live_settings(SpectrogramSettings(n_fft=1000))
    with pytest.raises(ValueError, match="overlap"):
        SpectrogramSettings.from_overlap(overlap=1.0)
    with pytest.raises(ValueError, match="scale"):
        check_live_settings(SpectrogramSettings(scale="log"))
    with pytest.raises(ValueError, match="hop_length"):
        check_live_settings(SpectrogramSettings(hop_length=0))
    assert SpectrogramSettings.from_overlap(n_fft=4096, overlap=0.875).hop_length == 512


def test_level_dbfs():
    x = 0.5 * np.sin(2 * np.pi * np.arange(4800) / 48)
    peak, rms = level_dbfs(x)
    assert peak == pytest.approx(20 * math.log10(0.5), abs=1e-3)
    assert rms == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=1e-3)
    assert level_dbfs(np.zeros(10)) == (-120.0, -120.0)
    assert level_dbfs(np.zeros(0)) == (-120.0, -120.0)


@pytest.mark.parametrize("f0,name,cents", [(440.0, "A4", 0), (261.6256, "C4", 0),
                                           (446.0, "A4", 23), (27.5, "A0", 0),
                                           (440.0 * 2 ** (-0.49 / 12), "A4", -49)])
def test_note_of(f0, name, cents):
    assert note_of(f0) == (name, cents)


def test_note_of_rejects_non_positive():
    with pytest.raises(ValueError, match="f0_hz"):
        note_of(0.0)


def test_slider_ranges_from_params():
    pytest.importorskip("pyqtgraph")
    from rtaudio import LowPass, NoiseGate, YinTracker
    from rtaudio.gui.controls import slider_range, structural_params
    low, high = slider_range(LowPass.param("cutoff_hz"), RATE)
    assert low == 20.0 and 23990 < high < 24000       # log scale, open at fs/2
    assert slider_range(NoiseGate.param("threshold_db"), RATE) == (-140.0, 0.0)
    low, high = slider_range(YinTracker.param("fmin_hz"), RATE)   # no upper bound declared
    assert (low, high) == (20.0, 24000.0)
    assert structural_params(YinTracker()) >= {"frame_length", "hop_length", "fmin_hz", "fmax_hz"}
    assert structural_params(LowPass()) == set()


def test_preset_save_is_atomic_and_reports_errors(tmp_path):
    from rtaudio import parse_chain_string
    from rtaudio.errors import RtaudioError
    from rtaudio.gui.presets import open_preset, save_preset
    chain = parse_chain_string("gate(threshold_db=-30) > lowpass(cutoff_hz=2500)")
    written = save_preset(chain, tmp_path / "p")             # suffix added
    assert written.name == "p.toml" and [p.name for p in tmp_path.iterdir()] == ["p.toml"]
    again = open_preset(written)
    assert again.describe() == chain.describe()
    with pytest.raises(RtaudioError, match="output directory does not exist"):
        save_preset(chain, tmp_path / "missing" / "p.toml")


def test_gate_labels_say_closing_and_opening():
    """Spec 1.2: the GUI labels attack as closing and release as opening."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from rtaudio.gui.app import ensure_qapp
    from rtaudio.gui.controls import ParamControl
    from rtaudio import NoiseGate
    ensure_qapp()
    controls = {p.name: ParamControl(p, p.default, 48000.0) for p in NoiseGate.PARAMS}  # kept alive
    labels = {name: control.name_label.text() for name, control in controls.items()}
    assert labels["attack_ms"] == "attack_ms (closing)"
    assert labels["release_ms"] == "release_ms (opening)"
    assert labels["threshold_db"] == "threshold_db"


def test_viewer_and_exporter_share_one_settings_class():
    from rtaudio.analysis.images import SpectrogramSettings as ExporterSettings
    assert SpectrogramSettings is ExporterSettings
    s = SpectrogramSettings.from_overlap(n_fft=1024, overlap=0.875, fmin_hz=50.0)
    assert s.hop_length == 128 and s.overlap == 0.875 and s.fmin_hz == 50.0
    assert s.replace(hop_length=256).overlap == 0.75
