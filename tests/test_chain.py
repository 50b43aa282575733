"""Chain API, chain strings and presets."""
from __future__ import annotations

import numpy as np
import pytest

from rtaudio import Chain, ChainSyntaxError, LowPass, NoiseGate, load_preset, parse_chain_string, preset_text
from rtaudio.errors import RtaudioError

from _signals import bursts

FS = 44100.0


def test_chain_equals_processors_in_sequence():
    x = bursts(10000, 2)
    chain = Chain([NoiseGate(threshold_db=-40.0), LowPass(cutoff_hz=3000.0)])
    expected = LowPass(cutoff_hz=3000.0)(NoiseGate(threshold_db=-40.0)(x, FS), FS)
    assert np.array_equal(chain(x, FS), expected)


def test_list_like_editing_while_prepared():
    chain = Chain([NoiseGate()])
    chain.prepare(FS, 2, 256)
    lp = LowPass(cutoff_hz=500.0)
    chain.append(lp)
    assert lp.prepared and lp.channels == 2 and lp.sample_rate == FS
    assert chain["lowpass"] is lp and chain["lp"] is lp and chain[1] is lp
    chain.insert(0, LowPass(cutoff_hz=100.0))
    assert chain["lowpass#2"] is lp
    removed = chain.remove("gate")
    assert isinstance(removed, NoiseGate) and len(chain) == 2
    with pytest.raises(KeyError, match="no processor 'gate'"):
        chain["gate"]
    with pytest.raises(TypeError):
        chain.append("lowpass")


def test_bypass_leaves_audio_untouched():
    x = bursts(5000, 1)
    chain = Chain([LowPass(cutoff_hz=100.0)])
    chain[0].bypass = True
    assert np.array_equal(chain(x, FS), x)


def test_chain_string_parsing():
    chain = parse_chain_string("gate(threshold_db=-40, hold_ms=5) > lowpass(cutoff_hz=3e3) > lp", backend="numba")
    assert [p.chain_name for p in chain] == ["gate", "lowpass", "lowpass"]
    assert chain[0].threshold_db == -40.0 and chain[0].hold_ms == 5.0
    assert chain[1].cutoff_hz == 3000.0 and chain[2].cutoff_hz == 1000.0
    assert all(p.backend == "numba" for p in chain)
    assert parse_chain_string("lowpass(alpha=0.5)")[0].alpha == 0.5


@pytest.mark.parametrize("text,words", [
    ("", "empty"),
    ("gate(threshold_db=-40", "ends early"),
    ("gate threshold_db=-40", "expected '>'"),
    ("wahwah(size=3)", "unknown processor 'wahwah'"),
    ("gate(cutoff_hz=3)", "unknown parameter"),
    ("gate(threshold_db=10)", "out of range"),
    ("gate(threshold_db=__import__)", "not a real number"),
    ("gate(threshold_db=-40, threshold_db=-30)", "given twice"),
    ("gate(threshold_db=-40); rm", "unexpected character"),
    ("gate(bypass=3)", "bypass"),
])
def test_chain_string_errors(text, words):
    with pytest.raises(ChainSyntaxError, match=words):
        parse_chain_string(text)


def test_preset_round_trip(tmp_path):
    chain = Chain([NoiseGate(threshold_db=-33.5, hold_ms=7), LowPass(alpha=0.3)])
    chain[1].bypass = True
    path = tmp_path / "p.toml"
    path.write_text(preset_text(chain))
    loaded = load_preset(path)
    assert loaded.describe() == chain.describe()
    assert loaded[1].bypass and loaded[1].alpha == 0.3


@pytest.mark.parametrize("content,words", [
    ("[[processor]\n", "not valid TOML"),
    ("title = 'x'\n", "no \\[\\[processor\\]\\]"),
    ("[[processor]]\nthreshold_db = -3\n", "has no type"),
    ("[[processor]]\ntype = 'gate'\nthreshold_db = 'loud'\n", "not a real number"),
])
def test_preset_errors(tmp_path, content, words):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(RtaudioError, match=words):
        load_preset(path)
    with pytest.raises(RtaudioError, match="not found"):
        load_preset(tmp_path / "missing.toml")
