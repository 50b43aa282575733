"""User effects (rtaudio.effect / rtaudio.c_effect): the examples against
independent NumPy/SciPy references, one code path offline, streaming,
python and native mode, parameter smoothing, structural parameters, the
safety nets, and the errors for kernels that cannot run in the audio thread."""
from __future__ import annotations

import math
import time
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

import rtaudio
from rtaudio import Chain, LowPass, Param
from rtaudio.chain_spec import load_preset, parse_chain_string
from rtaudio.engine import Engine
from rtaudio.errors import EffectDefinitionError
from rtaudio.processor import smoothing_pole

from _examples import example
from _signals import noise, run_virtual_engine

RATE = 48000


def tremolo_cls():
    return example("tremolo").tremolo


def echo_cls():
    return example("echo").echo


def softclip_cls():
    return example("softclip").SoftClip


# ---------------------------------------------------------------- references
def test_tremolo_matches_closed_form():
    """Constant parameters: y = x·(1 − depth·(1 + sin(2π·rate·n/fs))/2);
    float64 closed form, tolerance 2e-7 (float32 output, phase accumulated in float64)."""
    x = noise(RATE, 2, seed=3)
    y = tremolo_cls()(rate_hz=7.0, depth=0.8)(x, sample_rate=RATE)
    n = np.arange(RATE)
    gain = 1.0 - 0.8 * 0.5 * (1.0 + np.sin(2 * np.pi * 7.0 * n / RATE))
    np.testing.assert_allclose(y, x * gain[:, None], atol=2e-7, rtol=0)


def test_echo_matches_recursive_reference():
    """Integer delay D, constant parameters: v[n] = x[n] + fb·v[n−D],
    y = (1−mix)·x + mix·v[n−D] (scipy.signal.lfilter), tolerance 1e-6."""
    x = noise(20000, 2, seed=4)
    delay = 480  # 10 ms at 48 kHz
    y = echo_cls()(time_ms=10.0, feedback=0.5, mix=0.3, max_time_ms=50.0)(x, sample_rate=RATE)
    a = np.zeros(delay + 1)
    a[0], a[delay] = 1.0, -0.5
    v = scipy.signal.lfilter([1.0], a, x.astype(np.float64), axis=0)
    delayed = np.zeros_like(v)
    delayed[delay:] = v[:-delay]
    np.testing.assert_allclose(y, 0.7 * x + 0.3 * delayed, atol=1e-6, rtol=0)


def test_softclip_matches_numpy_reference():
    """DC blocker (scipy.signal.lfilter, pole exp(−2π·10/fs)) then
    tanh(g·y)/tanh(g); tolerance 1e-6."""
    x = noise(10000, 2, seed=5, level=0.5)
    y = softclip_cls()(drive_db=20.0, mix=1.0)(x, sample_rate=RATE)
    r = math.exp(-2 * math.pi * 10.0 / RATE)
    hp = scipy.signal.lfilter([1.0, -1.0], [1.0, -r], x.astype(np.float64), axis=0)
    g = 10.0
    np.testing.assert_allclose(y, np.tanh(g * hp) / np.tanh(g), atol=1e-6, rtol=0)


# ----------------------------------------------------- one code path everywhere
def run_engine(mode, chain, callbacks=300, blocksize=64):
    return run_virtual_engine(mode, chain, callbacks, blocksize, RATE)


def user_chain():
    return Chain([tremolo_cls()(rate_hz=3.0), echo_cls()(time_ms=5.0, max_time_ms=20.0),
                  softclip_cls()(drive_db=6.0), LowPass(cutoff_hz=3000.0)])


def test_native_python_and_offline_give_the_same_bits():
    """The same chain of three user effects and a built-in: native mode,
    python mode and offline rendering agree exactly."""
    from rtaudio.demo import demo_signal
    out = {mode: run_engine(mode, user_chain()).captured.copy() for mode in ("native", "python")}
    assert np.abs(out["native"]).max() > 0.01
    assert np.array_equal(out["native"], out["python"])
    x = demo_signal(RATE, 8.0, 2)[:len(out["native"])]
    assert np.array_equal(user_chain()(x, RATE), out["native"])


def test_chain_string_and_preset_build_user_effects(tmp_path):
    echo_cls(), softclip_cls()
    chain = parse_chain_string("echo(time_ms=20, feedback=0.2) > softclip(drive_db=3)")
    assert [type(p).__name__ for p in chain] == ["Echo", "Softclip"]
    assert chain[0].time_ms == 20.0 and chain[1].drive_db == 3.0
    preset = tmp_path / "p.toml"
    preset.write_text('[[processor]]\ntype = "echo"\nfeedback = 0.6\n')
    assert load_preset(preset)[0].feedback == 0.6
    with pytest.raises(ValueError, match=r"Echo.feedback = 2.0 is out of range"):
        parse_chain_string("echo(feedback=2.0)")
    from rtaudio.chain_spec import preset_text
    saved = tmp_path / "saved.toml"
    saved.write_text(preset_text(chain))
    assert [p.get_params() for p in load_preset(saved)] == [p.get_params() for p in chain]


# ----------------------------------------------------------------- parameters
PROBE_PARAMS = [Param("level", "", 0.0, -10.0, 10.0), Param("step", "", 0.0, -10.0, 10.0, smoothed=False),
                Param("mode", "", "a", choices=("a", "b", "c"))]


@rtaudio.effect(name="_probe_params", params=PROBE_PARAMS)
def _probe(block, params, state, sample_rate):
    for n in range(block.shape[0]):
        block[n, 0] = params.level[n]
        block[n, 1] = params.step[n]
        block[n, 2] = params.mode[n]


def test_parameters_are_smoothed_per_sample_or_constant():
    """A smoothed parameter follows the one-pole v[n] = t + (v[n−1] − t)·s
    (s = exp(−1/(0.01·fs))) from the value before the change; an unsmoothed
    one jumps at the block; a choice arrives as its index."""
    fx = _probe()
    fx.prepare(RATE, 3, 512)
    block = np.zeros((256, 3), np.float32)
    fx.process(block)
    assert np.all(block == 0.0)
    fx.level, fx.step, fx.mode = 1.0, 2.0, "c"
    block = np.zeros((256, 3), np.float32)
    fx.process(block)
    s = smoothing_pole(RATE)
    expected = 1.0 - s ** np.arange(1, 257)
    np.testing.assert_allclose(block[:, 0], expected, atol=1e-7, rtol=0)
    assert np.all(block[:, 1] == 2.0) and np.all(block[:, 2] == 2.0)
    fx.reset()  # reset snaps the smoother to the target
    block = np.zeros((4, 3), np.float32)
    fx.process(block)
    assert np.all(block[:, 0] == 1.0)


def test_structural_parameter_rebuilds_the_state():
    fx = echo_cls()(max_time_ms=10.0)
    fx.prepare(RATE, 2, 256)
    assert fx.state["line"].shape == (2, 482)
    old_struct = fx._cself
    fx.max_time_ms = 20.0
    assert fx.state["line"].shape == (2, 962)
    # a new struct, published in the processor's node (what the native chain calls)
    assert fx._cself != old_struct and fx.native_handle().state == fx._cself
    block = noise(256, 2)
    fx.process(block)
    assert np.all(np.isfinite(block))


def test_engine_set_reaches_native_user_effect():
    """Engine.set on a user effect in native mode: the new target is stored
    atomically in the struct the native chain uses, and a structural change
    publishes the new struct in the node the chain calls through."""
    echo = echo_cls()(max_time_ms=10.0)
    eng = Engine(Chain([echo]), samplerate=RATE, blocksize=64, channels=2, mode="native", backend="virtual",
                 backend_options=dict(output_seconds=1.0, max_callbacks=0, speed=1.0))
    eng.start()
    try:
        eng.set("echo", "feedback", 0.7)
        from rtaudio._native import lib
        node = echo.native_handle()
        assert lib.rtd_param_load(echo._cself.targets, 1) == 0.7
        assert eng.native._current[1][0].self == node
        old_struct = echo._cself
        eng.set("echo", "max_time_ms", 30.0)
        assert echo._cself != old_struct
        assert echo.native_handle() == node and node.state == echo._cself
        assert lib.rtd_param_load(echo._cself.targets, 1) == 0.7
    finally:
        eng.stop()


# ---------------------------------------------------------------- safety nets
@rtaudio.effect(name="_nan_every_other_block", state={"count": 1, "acc": 1})
def _nan_kernel(block, params, state, sample_rate):
    for c in range(block.shape[1]):
        state.acc[c] += 1.0
        state.count[c] += 1.0
        if state.count[c] % 2.0 == 0.0:
            block[0, c] = np.inf * 0.0
        for n in range(1, block.shape[0]):
            block[n, c] = state.acc[c]


def test_nonfinite_output_is_zeroed_counted_and_resets_state():
    """Every second block the kernel writes one NaN: it becomes 0, is
    counted, the kernel's state is zeroed (so the next block starts over
    at acc = 1) and the following built-in never sees a non-finite sample."""
    fx = _nan_kernel()
    follower = LowPass(alpha=1.0)  # y = x: passes the effect's output through
    chain = Chain([fx, follower])
    chain.prepare(RATE, 1, 64)
    firsts, rests = [], []
    for i in range(4):
        block = np.zeros((64, 1), np.float32)
        chain.process(block)
        assert np.all(np.isfinite(block))
        firsts.append(block[0, 0])
        rests.append(block[1, 0])
    assert firsts == [0.0, 0.0, 0.0, 0.0]   # block 1: untouched 0; blocks 2, 4: NaN -> 0; block 3: 0
    assert rests == [1.0, 2.0, 1.0, 2.0]    # the state restarted after each NaN block
    assert fx.nonfinite_output_count == 2
    assert fx.state["acc"][0] == 0.0
    assert follower.nonfinite_count == 0


def test_native_engine_sanitises_and_counts():
    eng = run_engine("native", Chain([_nan_kernel()]), callbacks=50)
    assert np.all(np.isfinite(eng.captured))
    assert eng.stats()["nonfinite_samples"] == 0  # the shim already replaced them


# --------------------------------------------------------------------- errors
def _define(kernel_source: str, name: str):
    import linecache
    namespace = {"rtaudio": rtaudio, "np": np, "python_helper": lambda block: 1.0}
    filename = f"<{name}>"
    linecache.cache[filename] = (len(kernel_source), None, kernel_source.splitlines(True), filename)
    exec(compile(kernel_source, filename, "exec"), namespace)
    return namespace["fx"]


@pytest.mark.parametrize("body, words", [
    ("block[0, 0] = python_helper(block)", ["nopython", "python_helper"]),
    ("print(block[0, 0])", ["GIL", "print", "line 3: `print(block[0, 0])`"]),
    ("if block[0, 0] > 1.0:\n    raise ValueError('too loud')", ["raise", "line 4: `raise ValueError('too loud')`"]),
    ("tmp = np.zeros(4)\nblock[0, 0] = tmp[0]", ["allocates", "line 3: `np.zeros(4)`"]),
])
def test_kernels_that_cannot_run_in_the_audio_thread_are_refused(body, words):
    src = ('@rtaudio.effect(name="_bad_kernel")\ndef fx(block, params, state, sample_rate):\n'
           + textwrap.indent(body, "    ") + "\n")
    with pytest.raises(EffectDefinitionError) as info:
        _define(src, "bad")
    message = str(info.value)
    assert message.startswith("effect '_bad_kernel': ") and "\n" not in message
    for word in words:
        assert word in message, message


def test_c_compile_error_quotes_the_compiler_and_line():
    source = "void f(const rtd_effect_block *b, float *buf, int frames, int channels)\n{\n    undefined_name += 1;\n}\n"
    with pytest.raises(EffectDefinitionError, match=r"<c_effect source>:3:\d+: error: .*undefined_name"):
        rtaudio.c_effect(name="_broken_c", source=source, function="f")


def test_builtin_names_cannot_be_taken():
    with pytest.raises(EffectDefinitionError, match="built-in processor LowPass"):
        rtaudio.effect(name="lowpass")


def test_compiled_kernels_are_cached_on_disk(tmp_path):
    """A second start of the same program loads both kernels from the disk
    cache (numba's cfunc cache and the CFFI build) instead of compiling."""
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(f"""
        import importlib.util, sys
        def load(name):
            path = {str(example('tremolo').__file__)!r}.replace('tremolo', name)
            spec = importlib.util.spec_from_file_location(name, path)
            m = importlib.util.module_from_spec(spec); sys.modules[name] = m; spec.loader.exec_module(m); return m
        t = load('tremolo').tremolo; s = load('softclip').SoftClip
        print(t.compile_cached, s.compile_cached)
    """))
    env = dict(os.environ, RTAUDIO_CACHE_DIR=str(tmp_path / "cache"))
    runs = [subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
            for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["False", "False"], ["True", "True"]], runs[0].stderr


# -------------------------------------------------------------- slow kernels
SLOW_C = r"""
#include <time.h>
/* busy-waits `busy_ms` per call: a kernel slower than the period */
void slow_process(const rtd_effect_block *b, float *buf, int frames, int channels)
{
    struct timespec now, until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = (long)(rtd_param(b, PARAM_busy_ms)[0] * 1e6);
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec += ns % 1000000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec += 1; until.tv_nsec -= 1000000000L; }
    do clock_gettime(CLOCK_MONOTONIC, &now);
    while (now.tv_sec < until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec < until.tv_nsec));
}
"""


def test_slow_user_kernel_shows_as_overruns_and_stop_returns():
    """A kernel that takes 2 periods per call (a deterministic busy-wait):
    the monitor counts nearly every callback as an overrun with DSP load
    about 2, and Engine.stop() returns (run in a thread, joined with a
    30 s hang guard)."""
    assert_slow_kernel_shows_and_stop_returns(256, backend="virtual",
                                              backend_options=dict(output_seconds=2.0, speed=1.0))


def assert_slow_kernel_shows_and_stop_returns(blocksize: int, **engine_options) -> None:
    """Run a C kernel that busy-waits two periods per call in native mode for
    1.5 s; Engine.stop() must return within a 30 s hang guard, and the monitor
    must count nearly every callback as an overrun with a DSP load near 2."""
    import threading
    Slow = rtaudio.c_effect(name="_slow_kernel", params=[Param("busy_ms", "ms", 0.0, 0.0, 100.0, smoothed=False)],
                            source=SLOW_C, function="slow_process")
    period_ms = blocksize / RATE * 1e3
    eng = Engine(Chain([Slow(busy_ms=2 * period_ms)]), samplerate=RATE, blocksize=blocksize, channels=2,
                 mode="native", **engine_options)
    eng.start()
    time.sleep(1.5)
    stopper = threading.Thread(target=eng.stop)
    stopper.start()
    stopper.join(30.0)
    assert not stopper.is_alive(), "Engine.stop() hung behind a slow kernel"
    s = eng.stats()
    print(s["callbacks"], s["overruns"], s["xruns"], s["dsp_load"])
    assert s["callbacks"] >= 20
    assert s["overruns"] >= 0.9 * s["callbacks"], s
    assert s["dsp_load"]["mean"] > 1.5, s["dsp_load"]


# ------------------------------------------------------ ABI, reset, latency
LAYOUT_C = r"""
#include <stddef.h>
/* writes what it sees of the block struct into the first channel */
void layout_process(const rtd_effect_block *b, float *buf, int frames, int channels)
{
    const double seen[] = {b->sample_rate, b->channels, b->frames, b->max_block, b->param_stride,
                           b->n_params, b->n_state, rtd_param(b, PARAM_second)[0],
                           (double)rtd_state_size(b, STATE_wide), rtd_state(b, STATE_wide, 1)[2],
                           (double)offsetof(rtd_effect_block, n_state)};
    for (int k = 0; k < 11 && k < frames; ++k)
        buf[k * channels] = (float)seen[k];
}
void layout_reset(const rtd_effect_block *b)
{
    rtd_state(b, STATE_wide, 1)[2] = 42.0;   /* non-zero initial state */
}
"""


def test_c_header_struct_matches_the_shim():
    """A C kernel compiled against rtaudio_effect.h reads the same field
    values the shim (compiled against native/rtdsp.h) wrote, and its reset
    function runs after the state is zeroed."""
    from rtaudio._native import ffi
    Layout = rtaudio.c_effect(name="_layout", params=[Param("first", "", 1.0, 0, 10),
                                                      Param("second", "", 7.0, 0, 10)],
                              state={"narrow": 1, "wide": 5}, source=LAYOUT_C, function="layout_process",
                              reset_function="layout_reset")
    fx = Layout()
    fx.prepare(44100, 3, 128)
    block = np.zeros((20, 3), np.float32)
    fx.process(block)
    expected = [44100, 3, 20, 128, 128, 2, 2, 7.0, 5, 42.0, ffi.offsetof("rtd_effect_block", "n_state")]
    assert block[:11, 0].tolist() == expected


@rtaudio.effect(name="_cosine", params=[Param("freq_hz", "Hz", 1000.0, 1.0, 20000.0)], state={"phase": 1},
                reset=lambda state, params, sample_rate: None, latency_samples=lambda p, fs: int(fs / p["freq_hz"]))
def _cosine_unused(block, params, state, sample_rate):
    pass


def _start_at_quarter(state, params, sample_rate):
    for c in range(state.phase.shape[0]):
        state.phase[c] = 0.5 * np.pi


@rtaudio.effect(name="_oscillator", params=[Param("freq_hz", "Hz", 1000.0, 1.0, 20000.0)], state={"phase": 1},
                reset=_start_at_quarter)
def _oscillator(block, params, state, sample_rate):
    for c in range(block.shape[1]):
        ph = state.phase[c]
        for n in range(block.shape[0]):
            block[n, c] = np.sin(ph)
            ph += 2.0 * np.pi * params.freq_hz[n] / sample_rate
        state.phase[c] = ph


def test_reset_kernel_sets_initial_state_and_latency_callable():
    """The reset kernel runs after zeroing (phase π/2: the oscillator starts
    as a cosine, closed form), at prepare and at every reset; a callable
    latency_samples sees the parameters and the sample rate."""
    fx = _oscillator(freq_hz=440.0)
    y = fx(np.zeros(1000, np.float32), sample_rate=RATE)
    np.testing.assert_allclose(y, np.cos(2 * np.pi * 440.0 * np.arange(1000) / RATE), atol=1e-6)
    fx.reset()
    assert fx.state["phase"][0] == 0.5 * np.pi
    assert _cosine_unused(freq_hz=480.0).latency_samples == 0  # not prepared: no sample rate yet
    lat = _cosine_unused(freq_hz=480.0)
    lat.prepare(RATE, 1)
    assert lat.latency_samples == 100


def test_readme_example_defines_a_working_effect():
    """The README's "Write your own effect" code compiles as written and
    the effect it defines passes check_processor (its __main__ part needs
    a sound card and is not run here)."""
    import re
    from pathlib import Path
    from rtaudio.testing import check_processor
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Write your own effect", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 25
    namespace = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)
    fx = namespace["tremolo"](rate_hz=3.0, depth=0.8)
    assert check_processor(fx, channels=(1, 2)).ok


NAN_SLOT_C = r"""
/* writes NaN, +Inf and -Inf into the first three samples, whatever `b` is:
 * used directly as a native-chain slot (same calling convention) */
void poison(const rtd_effect_block *b, float *buf, int frames, int channels)
{
    buf[0] = NAN;
    if (frames * channels > 2) { buf[1] = INFINITY; buf[2] = -INFINITY; }
}
"""


def test_native_callback_sanitises_its_output_and_counts_it():
    """A slot that writes NaN/±Inf without any shim in front of it (its
    address put straight into the chain's slot array): the callback's
    output is finite and the engine counts the 3 samples per call."""
    from rtaudio._native import ffi, lib
    Poison = rtaudio.c_effect(name="_poison_slot", source=NAN_SLOT_C, function="poison")
    channels, frames = 2, 64
    work = np.zeros(frames * channels, np.float32)
    out = np.full(frames * channels, 7.0, np.float32)
    engine = ffi.new("rtd_engine *")
    engine.work = ffi.cast("float *", ffi.from_buffer(work))
    engine.channels = engine.out_channels = channels
    engine.in_channels = 0
    engine.max_block = frames
    slots = ffi.new("rtd_slot[]", 1)
    slots[0].process = ffi.cast("rtd_process_fn", Poison._kernel_address)
    slots[0].self = ffi.NULL
    desc = ffi.new("rtd_chain_desc *")
    desc.slots, desc.count = slots, 1
    lib.rtd_engine_set_chain(engine, desc)
    fp_mode = lib.rtd_enable_ftz_daz()  # the callback turns FTZ/DAZ on in this thread: restore after
    try:
        for _ in range(4):
            lib.rtd_engine_callback(ffi.NULL, ffi.cast("void *", ffi.from_buffer(out)), frames, ffi.NULL, 0,
                                    engine)
            assert np.all(np.isfinite(out)) and np.all(out[:3] == 0.0)
    finally:
        lib.rtd_restore_fp_mode(fp_mode)
    assert engine.nonfinite_total == 4 * 3


@rtaudio.effect(name="_subnormal_maker")
def _subnormal_maker(block, params, state, sample_rate):
    for n in range(block.shape[0]):
        for c in range(block.shape[1]):
            block[n, c] = block[n, c] * 1e-39   # a float32 subnormal unless flushed


def test_user_kernels_run_with_ftz_daz_everywhere():
    """Offline (a Python thread without FTZ/DAZ) the shim turns FTZ/DAZ on
    for the kernel, as in the native callback: a float32 subnormal result
    is flushed to 0, and the caller's floating-point mode is restored."""
    from rtaudio._native import lib
    assert not lib.rtd_ftz_daz_enabled()  # precondition: this thread keeps subnormals
    assert np.float32(1.0) * np.float32(1e-39) != 0.0
    y = _subnormal_maker()(np.ones((64, 1), np.float32), sample_rate=RATE)
    assert np.all(y == 0.0)
    assert not lib.rtd_ftz_daz_enabled()  # the caller's mode is restored


def test_request_reset_is_applied_by_the_processing_thread_at_the_next_block():
    """request_reset() only raises a flag; the next process() call resets
    first, so its output equals a fresh processor's (echo: the delay line
    and the write position are cleared)."""
    x = noise(4096, 2, seed=9)
    fx = echo_cls()(time_ms=5.0, feedback=0.7, max_time_ms=20.0)
    fx.prepare(RATE, 2, 512)
    for start in range(0, 2048, 512):
        fx.process(np.array(x[start:start + 512]))
    fx.request_reset()
    assert np.any(fx.state["line"] != 0.0)          # not yet: only flagged
    block = np.array(x[2048:2560])
    fx.process(block)
    fresh = echo_cls()(time_ms=5.0, feedback=0.7, max_time_ms=20.0)
    fresh.prepare(RATE, 2, 512)
    expected = np.array(x[2048:2560])
    fresh.process(expected)
    assert np.array_equal(block, expected)


def test_unwritable_cache_falls_back_to_compiling_each_run(tmp_path):
    """With a cache folder that cannot be created, effects still compile
    (in a temporary folder removed at exit) and work."""
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        import numpy as np
        from _examples import example
        t, s = example('tremolo').tremolo, example('softclip').SoftClip
        y = s()(t(depth=0.0)(np.zeros(16, np.float32), 48000), 48000)
        print(t.compile_cached, s.compile_cached, float(np.abs(y).max()))
    """))
    env = dict(os.environ, RTAUDIO_CACHE_DIR=str(tmp_path / "not-a-folder" / "cache"))
    (tmp_path / "not-a-folder").write_text("a file, so no folder can be created below it")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["False", "False", "0.0"]


# ------------------------------------------------- declarations (QA findings)
@pytest.mark.parametrize("name", ["delay", "reverb", "gain"])
def test_everyday_effect_names_cannot_be_taken(name):
    """The everyday effects are rtaudio's own processors (README table): a
    user effect named like one is refused, so a chain string's `delay`
    stays rtaudio's Delay whether the user module or the library loaded first."""
    from rtaudio.chain_spec import parse_chain_string
    from rtaudio.processor import processor_class
    library = processor_class(name)

    def kernel(block, params, state, sample_rate):
        pass
    with pytest.raises(EffectDefinitionError, match=f"built-in processor {library.__name__}"):
        rtaudio.effect(name=name)(kernel)
    with pytest.raises(EffectDefinitionError, match=f"built-in processor {library.__name__}"):
        rtaudio.c_effect(name=name, source="void f(const rtd_effect_block *b, float *buf, int n, int c) {}",
                         function="f")
    assert type(parse_chain_string(name)[0]) is library


def test_default_outside_its_range_is_a_definition_error():
    """A Param whose default is outside its own range is a bad declaration
    (EffectDefinitionError, as documented), and the message says it is the default."""
    with pytest.raises(EffectDefinitionError, match=r"effect '_bad_default': the default of 'level' .*out of range"):
        rtaudio.effect(name="_bad_default", params=[Param("level", "", 5.0, 0.0, 1.0)])


C_PROTO = "const rtd_effect_block *b, float *buf, int frames, int channels"


@pytest.mark.parametrize("source, function, reset, expected", [
    ("void f(float *buf, int frames) {}", "f", None,
     "f() must be void f(const rtd_effect_block *b, float *buf, int frames, int channels)"),
    (f"void f(const rtd_effect_block *b, double *buf, int frames, int channels) {{}}", "f", None,
     "f() must be void f(const rtd_effect_block *b, float *buf, int frames, int channels)"),
    (f"void process({C_PROTO}) {{}}", "f", None, "the source defines no function 'f'"),
    (f"void f({C_PROTO}) {{}}", "f", "r", "the source defines no function 'r'"),
    (f"void f({C_PROTO}) {{}}\nint r(const rtd_effect_block *b) {{ return 0; }}", "f", "r",
     "r() must be void r(const rtd_effect_block *b)"),
], ids=["two-arguments", "double-buffer", "missing", "missing-reset", "reset-returns-int"])
def test_c_function_missing_or_with_another_signature_is_one_clear_error(capfd, source, function, reset, expected):
    """The named function (and reset function) must exist with the documented
    signature: otherwise one EffectDefinitionError line says so, and the
    compiler prints nothing (before: CFFI's build failed with the whole gcc
    command line and pages of its output, or a wrong pointer type built and
    read floats as doubles, or the load failed on an undefined symbol)."""
    with pytest.raises(EffectDefinitionError) as info:
        rtaudio.c_effect(name="_wrong_signature", source=source, function=function, reset_function=reset)
    message = str(info.value)
    assert message.startswith("effect '_wrong_signature': ") and expected in message and "\n" not in message, message
    out, err = capfd.readouterr()
    assert "warning" not in err and "error" not in err, err


def test_c_function_without_const_is_accepted():
    """The block pointer may be declared without `const` (the shim's call is
    the same); the kernel runs."""
    Half = rtaudio.c_effect(name="_non_const_block", function="f", source=(
        "void f(rtd_effect_block *b, float *buf, int frames, int channels)\n"
        "{ for (int k = 0; k < frames * channels; ++k) buf[k] *= 0.5f; }\n"))
    assert np.array_equal(Half()(np.ones((8, 2), np.float32), sample_rate=RATE), np.full((8, 2), 0.5, np.float32))


# ------------------------------------------------ one instance, two places
def test_an_effect_streaming_in_an_engine_is_not_prepared_elsewhere():
    """An effect running in an engine, used in another chain or offline:
    refused with one message (before, the other use re-prepared it under
    the audio thread, which then ran a struct of another sample rate, and,
    for another channel count, wrote past its state: heap corruption).
    After stop, or once removed from the running chain and no callback can
    use it any more, it can be used elsewhere again."""
    from rtaudio.errors import RtaudioError
    fx = echo_cls()(time_ms=5.0, max_time_ms=20.0)
    other = echo_cls()(time_ms=5.0, max_time_ms=20.0)
    chain = Chain([fx, LowPass()])
    x = noise(480, 2)
    eng = Engine(chain, samplerate=RATE, blocksize=64, channels=2, mode="native", backend="virtual",
                 backend_options=dict(output_seconds=0.0, speed=1.0))
    with eng:
        time.sleep(0.05)
        struct = fx._cself
        with pytest.raises(RtaudioError, match="Echo is streaming in a running engine"):
            fx(x, sample_rate=44100)           # another sample rate
        with pytest.raises(RtaudioError, match="Echo is streaming in a running engine"):
            fx(x, sample_rate=RATE)            # the same settings: a reset under the audio thread
        with pytest.raises(RtaudioError, match="Echo is streaming in a running engine"):
            Chain([fx]).prepare(RATE, 1, 64)   # another channel count
        with pytest.raises(RtaudioError, match="Echo is streaming in a running engine"):
            Engine(Chain([fx]), samplerate=RATE, blocksize=64, channels=2, mode="native", backend="virtual",
                   backend_options=dict(output_seconds=0.0)).start()
        assert fx._cself == struct and fx.sample_rate == RATE and fx.channels == 2
        chain[0] = other                       # hot swap: fx leaves the chain
        eng.sync_chain()
        deadline = time.monotonic() + 5.0
        while fx._streaming and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fx(x, sample_rate=44100).shape == x.shape  # free again while the engine runs
        assert eng.error is None
    assert other(x, sample_rate=44100).shape == x.shape   # and after stop


def test_effects_guide_code_runs_as_written(tmp_path, monkeypatch):
    """Every Python block of docs/effects-api.md, run in order as a reader
    copies them (with `x` a test signal and softclip.c beside it), and the
    test function it shows: no block fails."""
    import re
    import shutil
    guide = (Path(__file__).resolve().parent.parent / "docs" / "effects-api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    assert len(blocks) >= 4
    shutil.copy(Path(example("softclip").__file__).with_name("softclip.c"), tmp_path / "softclip.c")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "guide", "x": noise(4800, 2)}
    for number, code in enumerate(blocks):
        exec(compile(code, f"docs/effects-api.md, block {number + 1}", "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert tests
    for test in tests:
        test()


RESET_PROBE_C = r"""
/* the output's first three samples show what the last reset saw; poison > 0.5 writes a NaN */
void probe(const rtd_effect_block *b, float *buf, int frames, int channels)
{
    const double *seen = rtd_state(b, STATE_seen, 0);
    for (int n = 0; n < frames && n < 3; ++n)
        buf[n * channels] = (float)seen[n];
    if (rtd_param(b, PARAM_poison)[0] > 0.5)
        buf[frames * channels - 1] = NAN;
}
void probe_reset(const rtd_effect_block *b)
{
    double *seen = rtd_state(b, STATE_seen, 0);
    seen[0] = b->frames;
    seen[1] = rtd_param(b, PARAM_level)[0];
    seen[2] = 1.0;
}
"""


def test_reset_after_nonfinite_output_sees_one_frame_of_current_values():
    """The reset kernel that follows a block with non-finite output sees
    what every reset sees (docs §2, §6): frames = 1 and the parameters'
    current values, here the smoothed `level` at the end of the block
    (before: frames = the block's length and the block's first value)."""
    Probe = rtaudio.c_effect(name="_reset_probe", params=[Param("level", "", 0.0, 0.0, 10.0),
                                                          Param("poison", "", 0.0, 0.0, 1.0, smoothed=False)],
                             state={"seen": 3}, source=RESET_PROBE_C, function="probe",
                             reset_function="probe_reset")
    fx = Probe()
    fx.prepare(RATE, 1, 256)
    block = np.zeros((4, 1), np.float32)
    fx.process(block)
    assert block[:3, 0].tolist() == [1.0, 0.0, 1.0]          # the reset at prepare
    fx.level, fx.poison = 5.0, 1.0
    fx.process(np.zeros((256, 1), np.float32))              # level glides 0 -> 5; NaN at the end
    fx.poison = 0.0
    block = np.zeros((4, 1), np.float32)
    fx.process(block)
    level_after_256 = 5.0 * (1.0 - smoothing_pole(RATE) ** 256)   # the one-pole's closed form
    assert block[0, 0] == 1.0 and block[2, 0] == 1.0
    assert block[1, 0] == pytest.approx(level_after_256, rel=1e-6)


@pytest.mark.parametrize("pname", ["channels", "sample_rate", "state", "kernel", "chain_name", "get_params", "_level"])
def test_parameter_names_taken_by_the_processor_are_refused(pname):
    """A parameter named like an attribute of the generated Processor
    (`channels`, `state`, `kernel`, ...) is refused at declaration (before:
    an AttributeError at construction, or a value stored on the instance
    that never reached the kernel, e.g. `kernel=0.25` left the kernel's
    parameter at its default)."""
    with pytest.raises(EffectDefinitionError, match=f"parameter name '{pname}'"):
        rtaudio.effect(name="_taken_param", params=[Param(pname, "", 0.5, 0.0, 1.0)])


def test_state_field_starting_with_underscore_is_a_definition_error():
    """`state` reaches the kernel as a namedtuple, whose fields cannot start
    with '_' (before: namedtuple's own ValueError from the generated module)."""
    with pytest.raises(EffectDefinitionError, match="state field name '_z' must not start with '_'"):
        rtaudio.effect(name="_underscore_state", state={"_z": 1})


def _size_with_a_typo(sample_rate, max_block, params):
    return int(params["max_time"] * sample_rate / 1000.0) + 2   # the parameter is max_time_ms


def test_a_failing_state_size_or_latency_callable_is_one_definition_error():
    """The user's state-size and latency callables run at prepare/latency
    queries: an exception in them becomes one EffectDefinitionError naming
    the effect, the callable, the exception and the user's line (before:
    the bare KeyError and, on the command line, a traceback)."""
    def kernel(block, params, state, sample_rate):
        pass
    delay = [Param("max_time_ms", "ms", 10.0, 1.0, 100.0, smoothed=False)]
    Typo = rtaudio.effect(name="_size_typo", params=delay, state={"line": _size_with_a_typo})(kernel)
    with pytest.raises(EffectDefinitionError) as info:
        Typo().prepare(RATE, 1, 64)
    message = str(info.value)
    assert "effect '_size_typo'" in message and "state field 'line'" in message and "KeyError: 'max_time'" in message
    assert "test_user_effects.py:" in message and "\n" not in message
    Late = rtaudio.effect(name="_latency_typo", params=delay,
                          latency_samples=lambda p, fs: int(p["delay_ms"] * fs))(kernel)
    fx = Late()
    fx.prepare(RATE, 1, 64)  # latency is asked once a sample rate is known
    with pytest.raises(EffectDefinitionError, match=r"effect '_latency_typo': latency_samples .*KeyError: 'delay_ms'"):
        Chain([fx]).latency_samples


def test_cache_follows_helpers_and_constants_in_other_files(tmp_path):
    """A kernel calling an @njit helper and reading a constant from another
    module: editing either gives a fresh compile with the new code (before:
    the cached machine code of the old helper or constant ran on, silently;
    the everyday effects import theirs, e.g. eq from biquad, drive its taps)."""
    helper = tmp_path / "helper_mod.py"
    helper.write_text("import numba\nSCALE = 1.0\n\n@numba.njit(nogil=True)\ndef shape(x):\n    return x * 0.5\n")
    (tmp_path / "fx_mod.py").write_text(textwrap.dedent("""
        import numpy as np, rtaudio
        import helper_mod
        from helper_mod import SCALE

        @rtaudio.effect(name="_helper_fx")
        def helper_fx(block, params, state, sample_rate):
            for n in range(block.shape[0]):
                block[n, 0] = helper_mod.shape(block[n, 0]) * SCALE

        print(helper_fx()(np.ones(2, np.float32), 48000)[0])
    """))
    env = dict(os.environ, RTAUDIO_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(tmp_path))

    def run():
        done = subprocess.run([sys.executable, str(tmp_path / "fx_mod.py")], capture_output=True, text=True,
                              env=env, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        return float(done.stdout.split()[-1])
    assert run() == 0.5
    helper.write_text(helper.read_text().replace("x * 0.5", "x * 0.25"))
    assert run() == 0.25
    helper.write_text(helper.read_text().replace("SCALE = 1.0", "SCALE = 2.0"))
    assert run() == 0.5


def test_c_effect_file_includes_a_header_beside_it(tmp_path):
    """`#include "dsp.h"` in a C effect file finds the header in the file's
    folder (before: 'dsp.h: No such file or directory'), and editing the
    header gives a fresh build with it."""
    header = tmp_path / "dsp.h"
    header.write_text("static inline float shape(float x) { return 0.5f * x; }\n")
    (tmp_path / "fx.c").write_text('#include "dsp.h"\n'
                                   f"void f({C_PROTO})\n"
                                   "{ for (int k = 0; k < frames * channels; ++k) buf[k] = shape(buf[k]); }\n")

    def run():
        fx = rtaudio.c_effect(name="_local_header", source=tmp_path / "fx.c", function="f")
        return fx()(np.ones(2, np.float32), sample_rate=RATE)[0]
    assert run() == 0.5
    header.write_text("static inline float shape(float x) { return 0.25f * x; }\n")
    assert run() == 0.25


def test_kernel_or_reset_with_other_arguments_is_one_clear_error():
    """A kernel must take (block, params, state, sample_rate) and a reset
    (state, params, sample_rate): otherwise the error says so and names the
    function's own arguments (before: Numba's binding error quoting the
    generated wrapper module in the cache folder)."""
    def two(block, params):
        pass

    def kernel(block, params, state, sample_rate):
        pass

    def reset(state):
        pass
    with pytest.raises(EffectDefinitionError) as info:
        rtaudio.effect(name="_two_arguments")(two)
    assert str(info.value) == ("effect '_two_arguments': two() must take (block, params, state, sample_rate); "
                               "it takes (block, params)")
    with pytest.raises(EffectDefinitionError, match=r"reset\(\) must take \(state, params, sample_rate\); "
                                                    r"it takes \(state\)"):
        rtaudio.effect(name="_one_argument_reset", reset=reset)(kernel)
