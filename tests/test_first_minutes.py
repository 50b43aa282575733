"""What a first-time user hits in the first minutes: a file in the viewer,
channel defaults that follow the device, an unvoiced pitch shown as "—",
and a render that says which processor removed the signal."""
from __future__ import annotations

import os
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before anything imports Qt

import numpy as np
import pytest
import soundfile as sf

from rtaudio import Chain, parse_chain_string
from rtaudio.commands.stream_source import DEMO_CHANNELS, resolve_source
from rtaudio.errors import RtaudioError

RTAUDIO = [sys.executable, "-m", "rtaudio"]
SR = 48000


def _no_jack_env() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["JACK_DEFAULT_SERVER"] = f"rtaudio-no-such-server-{os.getpid()}"
    env["JACK_NO_START_SERVER"] = "1"
    return env


def _tone(path, seconds=0.5, channels=1, amplitude=0.05, freq=220.0):
    t = np.arange(int(seconds * SR)) / SR
    x = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    data = np.stack([x * (1.0 - 0.3 * c) for c in range(channels)], axis=1)
    sf.write(str(path), data, SR, subtype="FLOAT")
    return data


# ------------------------------------------------------------ channel defaults
def test_virtual_channels_follow_the_input_file(tmp_path):
    mono, stereo = tmp_path / "m.wav", tmp_path / "s.wav"
    _tone(mono, channels=1)
    _tone(stereo, channels=2)
    common = dict(device=None, audio_backend="sounddevice", force_virtual=False, play_path=None,
                  loop=False, channels=None, samplerate=SR, has_device=lambda: True)
    assert resolve_source(input_path=str(mono), **common).channels == 1
    src = resolve_source(input_path=str(stereo), **common)
    assert src.channels == 2 and src.virtual and src.options == {"input": str(stereo), "loop": False}
    # the demo signal when no device exists; an explicit --channels wins, a cap applies to defaults
    demo = resolve_source(**dict(common, has_device=lambda: False), input_path=None)
    assert demo.virtual and demo.channels == DEMO_CHANNELS and demo.options["loop"] is True
    assert "no audio device found" in demo.notice
    assert resolve_source(input_path=str(stereo), **dict(common, channels=5)).channels == 5
    assert resolve_source(input_path=str(stereo), channel_cap=1, **common).channels == 1


def test_sample_rate_follows_the_file_unless_given(tmp_path):
    # `rtaudio live --virtual --input x.wav` at 44.1 kHz used to stop with
    # "x.wav is 44100 Hz but the engine runs at 48000 Hz"
    path = tmp_path / "cd.wav"
    sf.write(str(path), np.zeros((4410, 2), np.float32), 44100)
    common = dict(device=None, audio_backend="sounddevice", force_virtual=False, loop=False,
                  channels=None, has_device=lambda: True)
    assert resolve_source(input_path=str(path), play_path=None, samplerate=None, **common).samplerate == 44100
    assert resolve_source(input_path=None, play_path=str(path), samplerate=None, **common).samplerate == 44100
    assert resolve_source(input_path=str(path), play_path=None, samplerate=48000, **common).samplerate == 48000
    assert resolve_source(input_path=None, play_path=None, samplerate=None, **common).samplerate == 48000


def test_live_plays_a_44k_file_at_its_rate(tmp_path):
    src, rec = tmp_path / "cd.wav", tmp_path / "rec.wav"
    t = np.arange(22050) / 44100
    sf.write(str(src), (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 44100, subtype="FLOAT")
    run = subprocess.run(RTAUDIO + ["live", "--virtual", "--input", str(src), "--chain", "lowpass",
                                    "--record", str(rec), "--duration", "5"],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    info = sf.info(str(rec))
    assert info.samplerate == 44100 and info.frames >= 22050


def test_contradictory_source_options_are_one_clear_error(tmp_path):
    path = tmp_path / "a.wav"
    _tone(path)
    common = dict(device=None, audio_backend="sounddevice", force_virtual=False, channels=None,
                  samplerate=SR, has_device=lambda: True)
    with pytest.raises(RtaudioError, match="exclude each other"):
        resolve_source(input_path=str(path), play_path=str(path), loop=False, **common)
    with pytest.raises(RtaudioError, match="--loop needs"):
        resolve_source(input_path=None, play_path=None, loop=True, **common)
    with pytest.raises(RtaudioError, match="with --virtual use --input"):
        resolve_source(input_path=None, play_path=str(path), loop=False,
                       **dict(common, force_virtual=True))


# --------------------------------------------------------- a file, played once
def test_virtual_input_plays_once_then_the_engine_stops(tmp_path):
    from rtaudio.engine import Engine
    path = tmp_path / "v.wav"
    data = _tone(path, seconds=0.3)
    chain = Chain([parse_chain_string("lowpass(cutoff_hz=2000)")[0]])
    block = 256
    eng = Engine(chain, samplerate=SR, blocksize=block, channels=1, backend="virtual",
                 backend_options={"input": str(path), "loop": False, "output_seconds": 1.0})
    eng.start()
    assert eng.wait(10.0), "the virtual device kept running past the end of its input"
    assert eng.input_finished and eng.error is None
    expected_callbacks = -(-len(data) // block)
    assert eng.stats()["callbacks"] == expected_callbacks
    offline = Chain([parse_chain_string("lowpass(cutoff_hz=2000)")[0]])(data, SR)
    np.testing.assert_array_equal(eng.captured[:len(data)], offline)


def test_virtual_input_with_loop_keeps_going(tmp_path):
    from rtaudio.engine import Engine
    path = tmp_path / "v.wav"
    data = _tone(path, seconds=0.1)
    eng = Engine(Chain(), samplerate=SR, blocksize=256, channels=1, backend="virtual",
                 backend_options={"input": str(path), "loop": True})
    eng.start()
    try:
        assert not eng.wait(3 * len(data) / SR + 0.3)  # three file lengths later: still running
        assert eng.running and not eng.input_finished
    finally:
        eng.stop()


# ----------------------------------------------------------------- the viewer
@pytest.mark.gui
def test_gui_shows_a_file_on_the_virtual_device(tmp_path):
    pytest.importorskip("PySide6")
    path = tmp_path / "voice.wav"
    _tone(path, seconds=2.0, channels=2)
    shot = tmp_path / "shot.png"
    run = subprocess.run(RTAUDIO + ["gui", "--input", str(path), "--loop", "--screenshot", str(shot),
                                    "--duration", "1.5"],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert shot.exists() and shot.stat().st_size > 1000


@pytest.mark.gui
def test_gui_source_factory_uses_the_file_and_reports_channels(tmp_path, qtbot):
    from rtaudio.gui.app import create_window
    path = tmp_path / "voice.wav"
    data = _tone(path, seconds=0.5, channels=2)
    window = create_window(Chain(), virtual=True, samplerate=SR, blocksize=256, channels=2,
                           backend_options={"input": str(path), "loop": False}, autostart=False)
    qtbot.addWidget(window)
    try:
        assert window.device_box.itemText(0) == "virtual (voice.wav)"
        assert window.start()
        source = window.source
        assert "2 ch (file 2 / out 2)" in source.description
        assert source.engine.wait(10.0) and source.engine.input_finished
        assert source.engine.stats()["callbacks"] == -(-len(data) // 256)
    finally:
        window.close()


def test_gui_rejects_contradictory_sources_in_one_line(tmp_path):
    pytest.importorskip("PySide6")
    path = tmp_path / "a.wav"
    _tone(path)
    run = subprocess.run(RTAUDIO + ["gui", "--input", str(path), "--play", str(path)],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "exclude each other" in run.stderr


# ------------------------------------------------- --play to a real device
@pytest.mark.jack
def test_live_play_sends_the_file_through_the_chain_to_the_device(tmp_path, jack_servers):
    jack_servers.use(256)
    path, rec = tmp_path / "v.wav", tmp_path / "rec.wav"
    data = _tone(path, seconds=0.6, channels=1)
    run = subprocess.run(RTAUDIO + ["live", "--device", "system", "--play", str(path),
                                    "--chain", "lowpass(cutoff_hz=1500)", "--record", str(rec),
                                    "--duration", "20"],
                         capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, run.stderr
    assert "the input file is over" in run.stderr
    # channels follow the device: the JACK dummy has 2 outputs, the file 1 channel
    assert "2 ch (file 1 / out 2)" in run.stderr
    recorded, rate = sf.read(str(rec), dtype="float32", always_2d=True)
    assert rate == SR and recorded.shape[1] == 2 and len(recorded) >= len(data)
    offline = Chain([parse_chain_string("lowpass(cutoff_hz=1500)")[0]])(
        np.repeat(data, 2, axis=1), SR)
    np.testing.assert_array_equal(recorded[:len(data)], offline)


@pytest.mark.jack
def test_live_on_a_stereo_device_opens_its_two_channels(jack_servers):
    jack_servers.use(256)
    run = subprocess.run(RTAUDIO + ["live", "--device", "system", "--duration", "1"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "2 ch (in 2 / out 2)" in run.stderr


# -------------------------------------------------------------- unvoiced pitch
def test_live_status_line_shows_a_dash_when_nothing_is_voiced(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(str(path), np.zeros((3 * SR, 1), dtype=np.float32), SR)
    run = subprocess.run(RTAUDIO + ["live", "--input", str(path), "--chain", "yin", "--duration", "2.2",
                                    "--record", str(tmp_path / "o.wav")],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    status = [line for line in run.stderr.splitlines() if "| pitch" in line]
    assert status, run.stderr
    assert all("pitch      —" in line for line in status)
    assert "0.0 Hz" not in run.stderr


def test_live_status_line_shows_the_pitch_when_voiced(tmp_path):
    path = tmp_path / "tone.wav"
    _tone(path, seconds=3.0, amplitude=0.5, freq=220.0)
    run = subprocess.run(RTAUDIO + ["live", "--input", str(path), "--chain", "yin", "--duration", "2.2",
                                    "--record", str(tmp_path / "o.wav")],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert any("pitch  220." in line or "pitch  219.9" in line for line in run.stderr.splitlines()), \
        run.stderr


# ---------------------------------------------------------- a silent render
def test_render_names_the_processor_that_removed_the_signal(tmp_path):
    src, out = tmp_path / "voice.wav", tmp_path / "out.wav"
    _tone(src, seconds=1.0, amplitude=0.05)
    run = subprocess.run(RTAUDIO + ["render", str(src), str(out), "--chain", "ringmod > vcf > gate"],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "gate removed the signal" in run.stderr
    assert "threshold_db" in run.stderr and run.stderr.count("warning:") == 1
    # the output file is still written (the warning loses nothing)
    assert sf.info(str(out)).frames == 48000


def test_render_names_a_processor_that_lowers_the_level_by_more_than_60_db(tmp_path):
    src, out = tmp_path / "voice.wav", tmp_path / "out.wav"
    _tone(src, seconds=1.0, amplitude=0.5, freq=12000.0)
    chain = " > ".join(["lowpass(cutoff_hz=20)"] * 2 + ["gate(threshold_db=-140)"])
    run = subprocess.run(RTAUDIO + ["render", str(src), str(out), "--chain", chain],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "lowpass" in run.stderr and "removed the signal" in run.stderr
    assert "bare 'gate'" not in run.stderr


def test_render_of_an_ordinary_chain_does_not_warn(tmp_path):
    src, out = tmp_path / "voice.wav", tmp_path / "out.wav"
    _tone(src, seconds=1.0, amplitude=0.05)
    run = subprocess.run(RTAUDIO + ["render", str(src), str(out), "--chain",
                                    "gate(threshold_db=-60) > lowpass(cutoff_hz=3000)"],
                         env=_no_jack_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr


def _traced(x: np.ndarray, chain_text: str):
    """``x`` run through a one-processor chain in 1024-frame blocks with a
    LevelTrace; returns the trace and the processed copy."""
    from rtaudio.levels import LevelTrace
    chain = Chain([parse_chain_string(chain_text)[0]])
    chain.prepare(SR, x.shape[1], 1024)
    trace = LevelTrace(chain)
    y = x.copy()
    for start in range(0, len(y), 1024):
        trace.process(y[start:start + 1024])
    return trace, y


def test_level_trace_against_numpy():
    rng = np.random.default_rng(1)
    x = (0.1 * rng.standard_normal((4800, 2))).astype(np.float32)
    trace, y = _traced(x, "lowpass(cutoff_hz=500)")
    levels = dict(trace.levels_db())
    ref_in = 10 * np.log10(np.mean(x.astype(np.float64) ** 2))
    ref_out = 10 * np.log10(np.mean(y.astype(np.float64) ** 2))
    assert levels["input"] == pytest.approx(ref_in, abs=1e-6)
    assert levels["lowpass"] == pytest.approx(ref_out, abs=1e-6)
    assert trace.silence_warning() is None


def test_level_trace_counts_non_finite_input_as_zero():
    # the processors use 0 for NaN/inf input (docs/maths/conventions.md §0.5);
    # the input level must too, not turn NaN and blame a processor
    rng = np.random.default_rng(2)
    x = (0.1 * rng.standard_normal((4800, 1))).astype(np.float32)
    x[100:110] = np.nan
    x[2000] = np.inf
    clean = np.where(np.isfinite(x), x, 0.0).astype(np.float64)
    trace, _ = _traced(x, "lowpass(cutoff_hz=5000)")
    levels = dict(trace.levels_db())
    assert levels["input"] == pytest.approx(10 * np.log10(np.mean(clean ** 2)), abs=1e-6)
    assert trace.silence_warning() is None
