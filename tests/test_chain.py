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


def test_chain_is_a_mutable_sequence_like_a_list():
    """Every edit of a Chain does what the same edit does to a list."""
    from collections.abc import MutableSequence
    from rtaudio import VCF, RingModulator
    procs = [NoiseGate(), LowPass(cutoff_hz=500.0), VCF(), RingModulator(), LowPass()]
    chain, model = Chain(procs[:3]), procs[:3]
    assert isinstance(chain, MutableSequence)

    def same():
        assert len(chain) == len(model) and all(a is b for a, b in zip(chain, model))

    chain[1] = procs[3]; model[1] = procs[3]; same()
    chain[-1] = procs[4]; model[-1] = procs[4]; same()
    chain[0:2] = procs[1:4]; model[0:2] = procs[1:4]; same()
    del chain[::2]; del model[::2]; same()
    chain.extend(procs[:2]); model.extend(procs[:2]); same()
    chain += [procs[2]]; model += [procs[2]]; same()
    assert chain.pop() is model.pop(); same()
    assert chain.pop(0) is model.pop(0); same()
    chain.reverse(); model.reverse(); same()
    chain.insert(1, procs[4]); model.insert(1, procs[4]); same()
    assert chain.index(procs[4]) == model.index(procs[4]) == 1
    assert procs[4] in chain and LowPass() not in chain
    part = chain[1:3]
    assert isinstance(part, Chain) and list(part) == model[1:3]
    assert list(reversed(chain)) == model[::-1]
    chain.clear(); model.clear(); same()
    with pytest.raises(IndexError):
        chain[0] = NoiseGate()
    with pytest.raises(TypeError):
        chain[0:0] = ["gate"]


def test_every_edit_prepares_new_processors_and_replaces_by_name():
    chain = Chain([NoiseGate(), LowPass()])
    chain.prepare(FS, 2, 256)
    new = [LowPass(cutoff_hz=200.0), NoiseGate(threshold_db=-30.0)]
    chain[1:] = new[:1]
    chain.extend(new[1:])
    assert all(p.prepared and p.channels == 2 and p.sample_rate == FS for p in new)
    replacement = LowPass(cutoff_hz=900.0)
    chain["lowpass"] = replacement
    assert chain[1] is replacement and replacement.prepared
    del chain["gate#2"]
    assert [p.chain_name for p in chain] == ["gate", "lowpass"]
    part = chain[:1]                       # a slice keeps the stream settings
    late = LowPass()
    part.append(late)
    assert late.prepared and late.sample_rate == FS


class RecordingChain(Chain):
    """A Chain that logs every assignment of its processor tuple."""

    @property
    def _procs(self):
        return self.__dict__["_current"]

    @_procs.setter
    def _procs(self, value):
        self.__dict__.setdefault("assignments", []).append(value)
        self.__dict__["_current"] = value


def test_every_edit_is_one_assignment_of_the_whole_new_list():
    """What a streaming thread relies on: python mode's callback and the
    native engine's publisher read the processor tuple once per block, so
    each edit must replace it in exactly one assignment with the finished
    list (never item by item)."""
    from rtaudio import VCF
    procs = [LowPass(), NoiseGate(), VCF(), LowPass(), NoiseGate()]
    chain, model = RecordingChain(procs[:3]), procs[:3]
    edits = [
        lambda c: c.__setitem__(slice(None), procs[2:5]),
        lambda c: c.__setitem__(0, procs[0]),
        lambda c: c.__delitem__(slice(0, 2)),
        lambda c: c.extend(procs[:3]),
        lambda c: c.__iadd__(procs[3:]),
        lambda c: c.insert(1, procs[1]),
        lambda c: c.append(procs[2]),
        lambda c: c.remove(procs[1]),
        lambda c: c.pop(),
        lambda c: c.reverse(),
        lambda c: c.clear(),
    ]
    for number, edit in enumerate(edits):
        chain.assignments = []
        edit(chain)
        edit(model)
        assert len(chain.assignments) == 1, number
        assert isinstance(chain.assignments[0], tuple)
        assert list(chain.assignments[0]) == model, number


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


def test_preset_of_a_processor_with_a_type_parameter(tmp_path):
    """Biquad's filter ``type`` used to overwrite the preset's processor
    ``type``: a saved preset read ``type = "highpass"`` and could not be
    loaded, and no preset could set a biquad's filter type."""
    chain = parse_chain_string("biquad(type=highpass, freq_hz=80) > gain(gain_db=3)")
    path = tmp_path / "p.toml"
    path.write_text(preset_text(chain))
    loaded = load_preset(path)
    assert [p.chain_name for p in loaded] == ["biquad", "gain"]
    assert loaded[0].type == "highpass" and loaded[0].freq_hz == 80.0 and loaded[1].gain_db == 3.0
    assert loaded.describe() == chain.describe()
    path.write_text('[[processor]]\ntype = "biquad"\nfreq_hz = 500.0\nparams.type = "notch"\n')
    written = load_preset(path)[0]
    assert (written.type, written.freq_hz) == ("notch", 500.0)


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


def test_index_searches_a_range_like_list_index():
    first, gate, second = LowPass(), NoiseGate(), LowPass()
    chain = Chain([first, gate, second])
    model = [first, gate, second]
    assert chain.index("lowpass", 1) == model.index(second, 1) == 2
    assert chain.index("lowpass", -1) == model.index(second, -1) == 2
    assert chain.index(gate, 0, 2) == model.index(gate, 0, 2) == 1
    with pytest.raises(KeyError):
        chain.index("gate", 2)
    with pytest.raises(ValueError):
        chain.index(first, 1)
