"""The everyday effects as processors built with the public effect API: chain
strings and presets, offline = kernel, latency, python/native/offline agree
(docs/maths/everyday-effects.md)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from rtaudio import Chain
from rtaudio.chain_spec import load_preset, parse_chain_string
from rtaudio.processors import (Eq, Biquad, Compressor, Delay, Drive, Gain, Limiter, Pan, Reverb, biquad,
                                compressor, delay, drive, eq, gain, limiter, pan, reverb)

from _fx import run_kernel
from _signals import bursts, noise, run_virtual_engine

RATE = 48000
VOCAL = "gate > biquad(type=highpass, freq_hz=80) > compressor > eq > reverb"

EFFECTS = [(Gain, gain, gain.gain_kernel, dict(gain_db=-7.5)),
           (Pan, pan, pan.pan_kernel, dict(pan=0.4)),
           (Biquad, biquad, biquad.biquad_kernel, dict(type="peak", freq_hz=900.0, q=2.0, gain_db=5.0)),
           (Eq, eq, eq.eq_kernel, dict(low_gain_db=3.0, mid2_gain_db=-4.0, high_gain_db=2.0)),
           (Delay, delay, delay.delay_kernel, dict(time_ms=12.3, feedback=0.4, max_time_ms=50.0)),
           (Compressor, compressor, compressor.compressor_kernel, dict(threshold_db=-30.0)),
           (Limiter, limiter, limiter.limiter_kernel, dict(threshold_db=-10.0, lookahead_ms=1.0)),
           (Drive, drive, drive.drive_kernel, dict(drive_db=18.0, shape="asym", mix=0.8)),
           (Reverb, reverb, reverb.reverb_kernel, dict(room_size=0.6))]


@pytest.mark.parametrize("cls,module,kernel,settings", EFFECTS, ids=lambda v: getattr(v, "__name__", ""))
def test_processor_offline_equals_the_kernel(cls, module, kernel, settings):
    """The processor (C shim + cfunc) gives the bits of the same kernel run directly."""
    x = bursts(9000, 2, seed=1)
    y = cls(**settings)(x, sample_rate=RATE)
    np.testing.assert_array_equal(y, run_kernel(module, kernel, x, float(RATE), **settings))


def test_vocal_chain_string_and_preset(tmp_path):
    chain = parse_chain_string(VOCAL)
    assert [p.chain_name for p in chain] == ["gate", "biquad", "compressor", "eq", "reverb"]
    assert chain[1].type == "highpass" and chain[1].freq_hz == 80.0
    names = ("gain", "pan", "biquad", "eq", "delay", "compressor", "limiter", "drive", "reverb")
    every = parse_chain_string(" > ".join(names))
    assert [p.chain_name for p in every] == list(names)
    preset = tmp_path / "p.toml"
    preset.write_text('[[processor]]\ntype = "limiter"\nceiling_db = -3.0\n\n'
                      '[[processor]]\ntype = "biquad"\ntype_ = 1\n'.replace('type_ = 1\n', ''))
    loaded = load_preset(preset)
    assert loaded[0].ceiling_db == -3.0 and loaded[1].chain_name == "biquad"
    with pytest.raises(ValueError, match="Biquad.type"):
        parse_chain_string("biquad(type=bandstop)")


def test_biquad_processor_matches_lfilter():
    x = noise(20000, 2, seed=3)
    y = Biquad(type="highpass", freq_hz=80.0, q=0.7071)(x, sample_rate=RATE)
    w0 = 2 * np.pi * 80.0 / RATE
    al = np.sin(w0) / (2 * 0.7071)
    b = [(1 + np.cos(w0)) / 2, -(1 + np.cos(w0)), (1 + np.cos(w0)) / 2]
    a = [1 + al, -2 * np.cos(w0), 1 - al]
    ref = scipy.signal.lfilter(b, a, x.astype(np.float64), axis=0)
    assert np.sqrt(np.mean((y - ref) ** 2) / np.mean(ref ** 2)) <= 1e-5


def test_latency_is_reported_and_summed():
    lim = Limiter(lookahead_ms=2.0)
    lim.prepare(RATE, 2, 64)
    assert lim.latency_samples == 96
    chain = Chain([Gain(), lim, Drive(), Reverb()])
    chain.prepare(RATE, 2, 64)
    assert chain.latency_samples == 96 + 34
    lim.lookahead_ms = 5.0
    assert chain.latency_samples == 240 + 34


def run_engine(mode, chain, callbacks=300, blocksize=64):
    return run_virtual_engine(mode, chain, callbacks, blocksize, RATE)


@pytest.mark.parametrize("text", [VOCAL, "gain(gain_db=3) > pan(pan=-0.5) > delay(time_ms=7.5) > "
                                         "drive(drive_db=20) > limiter(threshold_db=-6)"])
def test_native_python_and_offline_give_the_same_bits(text):
    from rtaudio.demo import demo_signal
    out = {mode: run_engine(mode, parse_chain_string(text)).captured.copy() for mode in ("native", "python")}
    assert np.abs(out["native"]).max() > 0.01
    assert np.array_equal(out["native"], out["python"])
    x = demo_signal(RATE, 8.0, 2)[:len(out["native"])]
    assert np.array_equal(parse_chain_string(text)(x, RATE), out["native"])


@pytest.mark.parametrize("cls,module,kernel,settings", EFFECTS, ids=lambda v: getattr(v, "__name__", ""))
def test_check_processor(cls, module, kernel, settings):
    """Block-size invariance, reset, NaN/Inf bursts and smooth parameter sweeps (rtaudio.testing)."""
    from rtaudio.testing import check_processor
    check_processor(cls(**settings))


@pytest.mark.parametrize("kind", biquad.TYPES)
def test_check_processor_every_biquad_type(kind):
    from rtaudio.testing import check_processor
    check_processor(Biquad(type=kind, gain_db=6.0), channels=(2,))


def test_import_rtaudio_compiles_no_everyday_effect_until_used():
    """``import rtaudio`` stays fast: an everyday effect is compiled (or loaded from the disk
    cache) when a chain string, a preset or an attribute first names it."""
    import subprocess
    import sys
    code = ("import sys, rtaudio\n"
            "assert 'rtaudio.processors.reverb' not in sys.modules\n"
            "rtaudio.parse_chain_string('reverb')\n"
            "assert 'rtaudio.processors.reverb' in sys.modules\n"
            "assert 'rtaudio.processors.drive' not in sys.modules\n"
            "assert rtaudio.Drive.chain_name == 'drive'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_cli_render_and_preset_use_the_everyday_effects(tmp_path, capsys):
    """`rtaudio render` with a chain string and with a TOML preset of everyday effects gives the
    offline chain's bits, shifted back by the chain's latency (limiter 240; drive 34 samples);
    a bad value is one line, exit 1."""
    import soundfile as sf

    from _cli import run_cli
    text = "biquad(type=highpass, freq_hz=80) > compressor(threshold_db=-30) > delay(time_ms=30) > limiter"
    src = tmp_path / "in.wav"
    x = bursts(24000, 2, seed=2)
    sf.write(src, x, RATE, subtype="FLOAT")
    out = tmp_path / "out.wav"
    code, stdout, _ = run_cli(["render", str(src), str(out), "--chain", text], capsys)
    assert code == 0 and "wrote" in stdout
    y, _ = sf.read(out, dtype="float32", always_2d=True)
    chain = parse_chain_string(text)
    chain.prepare(RATE, 2, 64)
    lat = chain.latency_samples
    assert lat == 240

    def shifted(offline, lat):
        padded = np.concatenate([x, np.zeros((lat, 2), np.float32)])
        return offline(padded, RATE)[lat:]
    assert np.array_equal(y, shifted(parse_chain_string(text), lat))
    preset = tmp_path / "fx.toml"
    preset.write_text('[[processor]]\ntype = "reverb"\nroom_size = 0.3\n\n'
                      '[[processor]]\ntype = "drive"\nshape = "asym"\noversampling = 4\n')
    out2 = tmp_path / "out2.wav"
    code, _, _ = run_cli(["render", str(src), str(out2), "--preset", str(preset)], capsys)
    assert code == 0
    z, _ = sf.read(out2, dtype="float32", always_2d=True)
    assert np.array_equal(z, shifted(load_preset(preset), 34))
    code, _, err = run_cli(["render", str(src), str(tmp_path / "bad.wav"), "--chain", "reverb(room_size=2)"],
                           capsys)
    assert code == 1 and "room_size" in err and "Traceback" not in err
