"""`rtaudio render` and the CLI's error paths."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from rtaudio import Chain, parse_chain_string

from _signals import bursts
from _cli import run_cli

CHAIN = "gate(threshold_db=-40) > lowpass(cutoff_hz=3000)"


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "in.wav"
    sf.write(path, bursts(200_000, 2, sample_rate=44100), 44100, subtype="FLOAT")
    return path


def test_render_equals_offline_chain(tmp_path, wav, capsys):
    out = tmp_path / "out.wav"
    code, stdout, _ = run_cli(["render", str(wav), str(out), "--chain", CHAIN], capsys)
    assert code == 0 and "wrote" in stdout
    y, rate = sf.read(out, dtype="float32", always_2d=True)
    x, _ = sf.read(wav, dtype="float32", always_2d=True)
    assert rate == 44100 and y.shape == x.shape
    assert np.array_equal(y, parse_chain_string(CHAIN)(x, 44100))


def test_render_with_preset_keeps_pcm_subtype(tmp_path, capsys):
    src = tmp_path / "in16.wav"
    sf.write(src, bursts(5000, 1) * 0.5, 22050, subtype="PCM_16")
    preset = tmp_path / "chain.toml"
    preset.write_text("[[processor]]\ntype = \"lowpass\"\ncutoff_hz = 2000.0\n")
    out = tmp_path / "out.wav"
    code, _, _ = run_cli(["render", str(src), str(out), "--preset", str(preset)], capsys)
    assert code == 0
    info = sf.info(out)
    assert info.subtype == "PCM_16" and info.samplerate == 22050 and info.channels == 1


@pytest.mark.parametrize("make_input,words", [
    (lambda d: d / "missing.wav", "input file not found"),
    (lambda d: (d / "garbage.wav").write_bytes(b"RIFF not really a wav") and d / "garbage.wav", "cannot read"),
    (lambda d: d, "directory"),
])
def test_render_bad_input_one_line_error(tmp_path, capsys, make_input, words):
    src = make_input(tmp_path)
    out = tmp_path / "out.wav"
    code, _, err = run_cli(["render", str(src), str(out)], capsys)
    assert code == 1
    assert err.count("\n") == 1 and words in err and "Traceback" not in err
    assert not out.exists()


def test_render_bad_chain_leaves_no_output(tmp_path, wav, capsys):
    out = tmp_path / "out.wav"
    code, _, err = run_cli(["render", str(wav), str(out), "--chain", "gate(threshold_db=9)"], capsys)
    assert code == 1 and "threshold_db" in err and not out.exists()


def test_failure_mid_render_leaves_no_partial_file(tmp_path, wav, capsys, monkeypatch):
    # render runs the chain through LevelTrace (level after each processor)
    from rtaudio.levels import LevelTrace
    calls = {"n": 0}
    original = LevelTrace.process

    def failing(self, block):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self, block)

    monkeypatch.setattr(LevelTrace, "process", failing)
    out = tmp_path / "out.wav"
    code, _, err = run_cli(["render", str(wav), str(out)], capsys)
    assert code == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == [wav]  # no output, no temporary file


def test_render_refuses_same_file_and_unknown_extension(tmp_path, wav, capsys):
    code, _, err = run_cli(["render", str(wav), str(wav)], capsys)
    assert code == 1 and "different file" in err
    code, _, err = run_cli(["render", str(wav), str(tmp_path / "out.xyz")], capsys)
    assert code == 1 and "format" in err


def test_help_and_module_entry_point():
    for cmd in ([sys.executable, "-m", "rtaudio", "--help"], [sys.executable, "-m", "rtaudio", "render", "--help"]):
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and "Usage:" in result.stdout


def test_demo_command_writes_files(tmp_path, capsys):
    code, stdout, _ = run_cli(["demo", "--out", str(tmp_path), "--seconds", "1"], capsys)
    assert code == 0 and "real time" in stdout
    x, rate = sf.read(tmp_path / "demo_input.wav")
    assert rate == 48000 and x.shape == (48000, 2)


def test_chain_invalid_at_file_rate_is_one_line(tmp_path, capsys):
    """cutoff 20 kHz is fine at 48 kHz but above Nyquist at 22.05 kHz."""
    src = tmp_path / "low.wav"
    sf.write(src, bursts(4000, 1) * 0.5, 22050)
    out = tmp_path / "out.wav"
    code, _, err = run_cli(["render", str(src), str(out), "--chain", "lowpass(cutoff_hz=20000)"], capsys)
    assert code == 1 and "lowpass" in err and "cutoff_hz" in err and "Traceback" not in err
    assert not out.exists()
