"""`--effects my_effects.py` on `rtaudio render`, `live` and `gui`, as a user
runs them (subprocesses): the effects are usable by name in --chain and
presets; a module that fails gives one line and exit status 1."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from _examples import EXAMPLES, example

RTAUDIO = [sys.executable, "-m", "rtaudio"]
MY_EFFECTS = str(EXAMPLES / "my_effects.py")


def rtaudio_cli(*args, cwd, timeout=300):
    env = dict(os.environ, JACK_NO_START_SERVER="1", JACK_DEFAULT_SERVER=f"rtaudio-no-such-{os.getpid()}",
               QT_QPA_PLATFORM="offscreen")
    return subprocess.run(RTAUDIO + list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_render_with_user_effects_matches_the_api(tmp_path):
    rng = np.random.default_rng(7)
    x = (0.3 * rng.standard_normal((24000, 2))).astype(np.float32)
    sf.write(tmp_path / "in.wav", x, 48000, subtype="FLOAT")
    chain = "tremolo(rate_hz=3) > echo(time_ms=10, max_time_ms=50) > softclip(drive_db=6)"
    run = rtaudio_cli("render", "in.wav", "out.wav", "--effects", MY_EFFECTS, "--chain", chain, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    y, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    from rtaudio.chain_spec import parse_chain_string
    example("my_effects")
    np.testing.assert_array_equal(y, parse_chain_string(chain)(x, 48000))


def test_live_native_with_user_effects(tmp_path):
    run = rtaudio_cli("live", "--virtual", "--duration", "1.0", "--blocksize", "128", "--mode", "native",
                      "--effects", MY_EFFECTS, "--chain", "gate > tremolo(rate_hz=3) > softclip", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "callbacks:" in run.stdout
    data, rate = sf.read(tmp_path / "out" / "live_virtual.wav", dtype="float32")
    assert len(data) > 0.5 * 48000 and np.all(np.isfinite(data)) and np.abs(data).max() > 0.01


def test_gui_with_user_effects_shows_their_controls(tmp_path):
    pytest.importorskip("PySide6")
    shot = tmp_path / "shot.png"
    run = rtaudio_cli("gui", "--virtual", "--effects", MY_EFFECTS, "--chain", "tremolo > echo > yin",
                      "--screenshot", str(shot), "--duration", "2.0", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert shot.exists()


BROKEN = {
    "missing.py": (None, "no such file"),
    "syntax.py": ("def broken(:\n", "syntax error at line 1"),
    "raises.py": ("import rtaudio\nx = 1\nraise RuntimeError('boom')\n", "import failed at line 3: RuntimeError: boom"),
    "nopython.py": ("import rtaudio\n\n@rtaudio.effect(name='bad_fx')\ndef bad_fx(block, params, state, sample_rate):\n"
                    "    block[0, 0] = len(object())\n", "Numba cannot compile bad_fx()"),
    "bad_c.py": ("import rtaudio\nrtaudio.c_effect(name='bad_c', source='void f(const rtd_effect_block *b, "
                 "float *x, int n, int c) { nope; }', function='f')\n", "error: 'nope' undeclared"),
    "signature_c.py": ("import rtaudio\nrtaudio.c_effect(name='signature_c', source='void f(float *x, int n) {}', "
                       "function='f')\n", "f() must be void f(const rtd_effect_block *b, float *buf, int frames, "
                                           "int channels)"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_effects_module_gives_one_line(tmp_path, name):
    text, expected = BROKEN[name]
    if text is not None:
        (tmp_path / name).write_text(text)
    run = rtaudio_cli("render", "in.wav", "out.wav", "--effects", name, "--chain", "lowpass", cwd=tmp_path)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("rtaudio: error: --effects") and expected in lines[0], lines[0]
    assert "Traceback" not in run.stderr
