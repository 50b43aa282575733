"""Engine on the virtual device (no JACK): bit-identical modes, live
parameter changes, allocation-free Python callback, stop/start, device
loss, recording, chain edits, errors."""
from __future__ import annotations

import threading
import time
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from rtaudio import Chain, LowPass, NoiseGate, RtaudioError
from rtaudio._native import lib
from rtaudio.demo import demo_signal
from rtaudio.engine import Engine
from rtaudio.bench.loads import GilLoad, run_under_load
from rtaudio.engine.monitor import MonitorRing
from rtaudio.engine.pycallback import PythonCallback

from _realtime import assert_native_realtime, assert_periods_accounted
from _rtprobe import Canary

RATE = 48000


def make_chain(**kw) -> Chain:
    return Chain([NoiseGate(threshold_db=-45.0), LowPass(cutoff_hz=3000.0, **kw)])


def run_virtual(mode, blocksize, callbacks, speed=1.0, chain=None, **extra):
    chain = chain or make_chain()
    eng = Engine(chain, samplerate=RATE, blocksize=blocksize, channels=2, mode=mode, backend="virtual",
                 backend_options=dict(output_seconds=callbacks * blocksize / RATE,
                                      max_callbacks=callbacks, speed=speed), **extra)
    eng.start()
    assert eng.wait(callbacks * blocksize / RATE / max(speed, 1e-9) + 10 if speed else 30)
    eng.stop()
    return eng


@pytest.mark.parametrize("blocksize", [64, 256])
def test_modes_bit_identical_and_equal_to_offline(blocksize):
    """Native and Python mode give the same bits, equal to offline rendering
    of the same input (C kernels; tolerance: exact)."""
    n = int(0.75 * RATE) // blocksize
    out = {mode: run_virtual(mode, blocksize, n).captured.copy() for mode in ("native", "python")}
    assert out["native"].shape == (n * blocksize, 2)
    assert np.abs(out["native"]).max() > 0.05  # not silence
    assert np.array_equal(out["native"], out["python"])
    x = demo_signal(RATE, 8.0, 2)[:n * blocksize]
    assert np.array_equal(make_chain()(x, RATE), out["native"])


@pytest.mark.parametrize("mode", ["native", "python"])
@pytest.mark.parametrize("blocksize", [64, 256])
def test_virtual_clock_count(mode, blocksize):
    """At the real period the callback count matches the clock within 1 %
    (periods lost while the canary saw the host stall are excused; native
    mode: every slow callback overlaps such a stall: tests/_realtime.py)."""
    seconds = 3.0
    eng = Engine(make_chain(), blocksize=blocksize, mode=mode, backend="virtual")
    with Canary() as canary:
        with eng:
            time.sleep(seconds)
    s = eng.stats()
    rec = eng.monitor
    period = blocksize / RATE
    stream_clock = (rec["current_time"][-1] - rec["current_time"][0]) / period + 1
    check = assert_native_realtime if mode == "native" else assert_periods_accounted
    check(s, rec, canary, stream_clock)
    check(s, rec, canary, s["expected_callbacks"])
    assert s["callbacks"] >= 0.9 * seconds / period
    assert s["interval_us"]["p50"] == pytest.approx(period * 1e6, rel=0.05)
    for key in ("callbacks", "expected_callbacks", "xruns", "dropped", "overruns", "late",
                "process_us", "interval_us", "dsp_load", "nonfinite_samples", "mode", "backend",
                "device", "samplerate", "blocksize", "stream_latency_s"):
        assert key in s, key
    assert set(s["process_us"]) == {"mean", "p50", "p99", "p999", "max"}
    assert set(s["dsp_load"]) == {"mean", "p99", "max"}
    if mode == "native":
        assert s["ftz_daz_in_callback"] is True


@pytest.mark.parametrize("mode", ["native", "python"])
def test_live_parameter_change_within_one_block(mode):
    """The captured output equals offline rendering with the cutoff change
    applied at some block k with n0 <= k <= n1, where n0/n1 are the callback
    counts just before/after eng.set() returned: the change reaches the
    audio at the latest in the first block that starts after set()."""
    bs, total = 64, 600
    chain = make_chain()
    eng = Engine(chain, blocksize=bs, mode=mode, backend="virtual",
                 backend_options=dict(output_seconds=total * bs / RATE, max_callbacks=total))
    eng.start()
    while eng.callbacks < 200:
        time.sleep(0.005)
    n0 = eng.callbacks
    eng.set("lowpass", "cutoff_hz", 800.0)
    n1 = eng.callbacks
    assert eng.wait(20)
    eng.stop()
    got = eng.captured
    x = demo_signal(RATE, 8.0, 2)[:total * bs]
    matches = []
    for k in range(max(n0 - 1, 0), n1 + 2):
        ref_chain = make_chain()
        ref_chain.prepare(RATE, 2, bs)
        y = x.copy()
        for b in range(total):
            if b == k:
                ref_chain["lowpass"].cutoff_hz = 800.0
            ref_chain.process(y[b * bs:(b + 1) * bs])
        if np.array_equal(y, got):
            matches.append(k)
    assert len(matches) == 1, (n0, n1, matches)
    assert n0 <= matches[0] <= n1


def test_python_callback_allocates_nothing_in_steady_state():
    """tracemalloc over 400 callbacks: no net growth of memory allocated in
    rtaudio's code (tolerance: 0 bytes beyond 1 KiB of interpreter noise)."""
    chain = make_chain()
    chain.prepare(RATE, 2, 64)
    # rings large enough for the whole measured window: the consumer side
    # (reading rings, which allocates copies) stays outside the measurement
    cb = PythonCallback(chain, 2, 2, 2, 64, MonitorRing(1 << 12), tap_samples=1 << 16)
    # the callback sets FTZ/DAZ in its (here: pytest's main) thread: restore the
    # mode afterwards so later tests still see subnormals
    fp_mode = lib.rtd_enable_ftz_daz()
    lib.rtd_restore_fp_mode(fp_mode)
    try:
        _steady_state_growth(cb)
    finally:
        lib.rtd_restore_fp_mode(fp_mode)


def _steady_state_growth(cb) -> None:
    x = demo_signal(RATE, 1.0, 2)
    out = np.zeros((64, 2), dtype=np.float32)
    blocks = [np.ascontiguousarray(x[i * 64:(i + 1) * 64]) for i in range(500)]
    for i in range(50):
        cb(blocks[i], out, 64, 0.0, 0.0, 0.0, 0)
    tracemalloc.start()
    cb.monitor_ring.pop()
    cb.tap_in.read(), cb.tap_out.read()
    before = tracemalloc.take_snapshot()
    for i in range(50, 450):
        cb(blocks[i], out, 64, 0.0, 0.0, 0.0, 0)
    after = tracemalloc.take_snapshot()
    assert cb.tap_in.dropped == 0 and cb.monitor_ring.lost == 0  # nothing overflowed
    tracemalloc.stop()
    ours = [tracemalloc.Filter(True, "*rtaudio*")]
    growth = sum(stat.size_diff for stat in after.filter_traces(ours).compare_to(
        before.filter_traces(ours), "filename") if stat.size_diff > 0)
    assert growth <= 1024, growth


@pytest.mark.parametrize("mode", ["native", "python"])
def test_stop_start_twenty_times(mode):
    threads_before = threading.active_count()
    eng = Engine(make_chain(), blocksize=64, mode=mode, backend="virtual")
    for _ in range(20):
        eng.start()
        time.sleep(0.03)
        eng.stop()
        assert eng.stats()["callbacks"] > 0
        assert eng.error is None
    assert threading.active_count() <= threads_before + 1


@pytest.mark.parametrize("mode", ["native", "python"])
def test_device_loss_stops_cleanly_with_message(mode):
    eng = Engine(make_chain(), blocksize=64, mode=mode, backend="virtual")
    eng.start()
    time.sleep(0.1)
    eng.stream.simulate_loss()
    assert eng.wait(5), "engine did not stop after the device went away"
    assert not eng.running
    assert "stopped unexpectedly" in eng.error
    eng.stop()  # idempotent


@pytest.mark.parametrize("mode", ["native", "python"])
def test_a_stream_that_stops_between_two_looks_is_still_reported_lost(mode):
    """The watchdog looks at ``stream.active`` once per poll. It looked twice,
    and a stream that stopped between the two looks was stopped without an
    error: ``rtaudio live`` then left its loop without saying "device lost"
    and reported only the close's timeout (seen once with jackd SIGKILLed,
    tests/test_faults.py). Here the device is lost right after the first look."""
    eng = Engine(make_chain(), blocksize=64, mode=mode, backend="virtual")
    eng.start()
    time.sleep(0.1)
    real = eng.stream

    class StopsAfterFirstLook:
        looks = 0

        def __getattr__(self, name):
            return getattr(real, name)

        @property
        def active(self) -> bool:
            StopsAfterFirstLook.looks += 1
            if StopsAfterFirstLook.looks > 1:
                return False
            real.simulate_loss()  # the device goes away just after this look
            return True

    eng.stream = StopsAfterFirstLook()
    assert eng.wait(5), "engine did not stop after the stream stopped"
    assert eng.error is not None and "stopped unexpectedly" in eng.error, eng.error
    eng.stop()


@pytest.mark.parametrize("mode", ["native", "python"])
def test_recording_is_complete_and_counts_drops(tmp_path, mode):
    path = tmp_path / "rec.wav"
    eng = run_virtual(mode, 64, 300, record=path)
    s = eng.stats()
    data, rate = sf.read(path, dtype="float32")
    assert rate == RATE and data.shape == (300 * 64, 2)
    assert s["record"]["dropped_frames"] == 0 and s["record"]["frames"] == 300 * 64
    assert np.array_equal(data, eng.captured)


def test_native_chain_edits_while_running():
    """Bypass, append and remove while the native callback runs; the output
    then equals the chain without the lowpass (bypassed/removed), exactly."""
    chain = make_chain()
    eng = Engine(chain, blocksize=64, mode="native", backend="virtual",
                 backend_options=dict(output_seconds=2.0))
    with eng:
        time.sleep(0.1)
        eng.bypass("lowpass", True)
        extra = LowPass(cutoff_hz=500.0)
        chain.append(extra)
        eng.sync_chain()
        time.sleep(0.05)
        chain.remove(extra)
        eng.sync_chain()
        n_after = eng.callbacks + 1
        time.sleep(0.2)
        n_end = eng.callbacks - 1
    got = eng.captured
    x = demo_signal(RATE, 8.0, 2)
    gate_only = Chain([NoiseGate(threshold_db=-45.0)])(x[:len(got)], RATE)
    # the gate's state is the same whatever follows it, so after the last
    # edit the output equals the gate alone
    a, b = n_after * 64, n_end * 64
    assert b > a
    assert np.array_equal(got[a:b], gate_only[a:b])


def test_errors_are_clear():
    with pytest.raises(ValueError, match="mode"):
        Engine(make_chain(), mode="turbo")
    with pytest.raises(ValueError, match="backend"):
        Engine(make_chain(), backend="alsa")
    with pytest.raises(ValueError, match="blocksize"):
        Engine(make_chain(), blocksize=0)
    with pytest.raises(RtaudioError, match="numba"):
        Engine(Chain([LowPass(backend="numba")]), mode="native")
    with pytest.raises(RtaudioError, match="native mode"):
        Engine(make_chain(), mode="native", backend="pyaudio")


def test_full_chain_bit_identical_between_modes():
    """Every processor with a C kernel (gate, lowpass, ringmod, vcf, yin) in
    one chain: native and python mode produce the same bits (exact)."""
    from rtaudio import parse_chain_string
    out = {}
    for mode in ("native", "python"):
        chain = parse_chain_string("gate > lowpass > ringmod > vcf > yin")
        eng = Engine(chain, blocksize=128, mode=mode, backend="virtual",
                     backend_options=dict(output_seconds=0.5, max_callbacks=187, speed=0))
        eng.start()
        assert eng.wait(60)
        eng.stop()
        assert eng.error is None
        out[mode] = eng.captured.copy()
    assert out["native"].shape == (187 * 128, 2)
    assert np.abs(out["native"]).max() > 0.01
    assert np.array_equal(out["native"], out["python"])


@pytest.mark.parametrize("mode", ["native", "python"])
def test_recorder_falling_behind_counts_every_dropped_frame(tmp_path, monkeypatch, mode):
    """A writer that falls behind (tiny ring, slow writes): frames are
    dropped, but every frame is either in the file or counted as dropped."""
    import rtaudio.engine.recorder as recorder
    monkeypatch.setattr(recorder, "RING_SECONDS", 0.02)  # ~960 frames of room
    original = recorder.Recorder._write_available

    def slow(self):
        time.sleep(0.1)
        original(self)

    monkeypatch.setattr(recorder.Recorder, "_write_available", slow)
    path = tmp_path / "slow.wav"
    eng = run_virtual(mode, 64, 400, record=path)
    rec = eng.stats()["record"]
    info = sf.info(str(path))
    assert rec["dropped_frames"] > 0
    assert info.frames == rec["frames"]
    assert rec["frames"] + rec["dropped_frames"] == 400 * 64


def test_virtual_busy_python_thread():
    """Under a busy Python thread, native mode on the virtual device (64
    frames) keeps the clock and every callback over half a period overlaps
    a canary-witnessed host stall (tests/_realtime.py). Python mode is
    measured under the same load and printed."""
    results = {}
    for mode in ("native", "python"):
        eng = Engine(make_chain(), blocksize=64, mode=mode, backend="virtual")
        with Canary() as canary:
            run_under_load(eng, GilLoad(), 2.0)  # GilLoad: a pure-Python spinning thread
        results[mode] = (eng.stats(), eng.monitor, canary)
        s = results[mode][0]
        print(f"{mode:6s} busy callbacks={s['callbacks']} xruns={s['xruns']} late={s['late']} "
              f"overruns={s['overruns']} process max={s['process_us']['max']:.1f} us")
    s, rec, canary = results["native"]
    print(assert_native_realtime(s, rec, canary, s["expected_callbacks"]))


def test_native_rejects_non_c_processor_added_while_running():
    chain = make_chain()
    eng = Engine(chain, blocksize=64, mode="native", backend="virtual")
    with eng:
        time.sleep(0.05)
        chain.append(LowPass(backend="numba"))
        with pytest.raises(RtaudioError, match="numba"):
            eng.sync_chain()
        time.sleep(0.1)  # the monitor thread tries too and reports it
        assert "chain edit not applied" in (eng.error or "")
        n = eng.callbacks
        time.sleep(0.05)
        assert eng.running and eng.callbacks > n  # the old chain keeps running


def test_python_mode_stream_allocates_nothing_in_steady_state():
    """The same through a running python-mode stream (virtual device, as fast
    as possible): between two snapshots ~hundreds of callbacks apart, no net
    growth in the callback path (pycallback, chain, processors, virtual
    driver; the monitor's record store grows by design and is excluded).
    Tolerance: 1 KiB."""
    total = 3000
    eng = Engine(make_chain(), blocksize=64, mode="python", backend="virtual",
                 backend_options=dict(max_callbacks=total, speed=0.25))
    tracemalloc.start()
    eng.start()
    while eng.callbacks < 500:
        time.sleep(0.01)
    before = tracemalloc.take_snapshot()
    n0 = eng.callbacks
    while eng.callbacks < n0 + 400:
        time.sleep(0.01)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    eng.stop()
    paths = ["*rtaudio/pycallback.py", "*rtaudio/chain.py", "*rtaudio/processor.py",
             "*rtaudio/processors/*", "*rtaudio/backends/virtual.py", "*rtaudio/native_engine.py"]
    filters = [tracemalloc.Filter(True, p) for p in paths]
    diff = after.filter_traces(filters).compare_to(before.filter_traces(filters), "filename")
    growth = sum(stat.size_diff for stat in diff if stat.size_diff > 0)
    assert growth <= 1024, [str(stat) for stat in diff[:5]]


def test_virtual_input_from_file(tmp_path):
    """The virtual device plays a file (looped) through the chain: the output
    equals offline processing of the looped file (exact); a file at another
    rate is refused with a message naming both rates."""
    rng = np.random.default_rng(5)
    x = (0.3 * rng.standard_normal((3000, 1))).astype(np.float32)
    path = tmp_path / "in.wav"
    sf.write(path, x, RATE, subtype="FLOAT")
    n = 100
    eng = Engine(make_chain(), blocksize=64, channels=2, mode="native", backend="virtual",
                 backend_options=dict(input=str(path), output_seconds=n * 64 / RATE,
                                      max_callbacks=n, speed=0))
    eng.start()
    assert eng.wait(30)
    eng.stop()
    looped = np.tile(x, (3, 2))[:n * 64]  # mono file feeds both chain channels
    assert np.array_equal(eng.captured, make_chain()(looped, RATE))
    sf.write(tmp_path / "in44.wav", x, 44100, subtype="FLOAT")
    with pytest.raises(RtaudioError, match="44100 Hz.*48000 Hz"):
        Engine(make_chain(), backend="virtual",
               backend_options=dict(input=str(tmp_path / "in44.wav"))).start()


def test_modes_bit_identical_on_signal_decaying_into_denormals(tmp_path):
    """A sine decaying from full scale through the float32 subnormal range to
    exact zeros: native and python mode give the same bits (both set FTZ/DAZ
    in the callback thread, docs/realtime.md §1), equal to offline
    processing (the kernels flush their own state, spec 0.6)."""
    from rtaudio import VCF, RingModulator
    n = 120 * 256
    t = np.arange(n)
    x64 = np.sin(2 * np.pi * 440.0 * t / RATE) * 0.996 ** t
    # float32 subnormals built from their bits: this thread may run with
    # FTZ/DAZ (python-mode callbacks called directly by other tests set it)
    x = x64.astype(np.float32)
    small = np.abs(x64) < np.finfo(np.float32).tiny
    bits = np.rint(np.abs(x64[small]) / 2.0 ** -149).astype(np.uint32)
    x[small] = (bits | np.where(x64[small] < 0, 0x80000000, 0).astype(np.uint32)).view(np.float32)
    magnitude = x.view(np.uint32) & 0x7FFFFFFF
    assert np.count_nonzero((magnitude > 0) & (magnitude < 0x00800000)) > 1000  # subnormal input samples
    path = tmp_path / "decay.wav"
    sf.write(path, x, RATE, subtype="FLOAT")

    def chain():
        return Chain([LowPass(cutoff_hz=3000.0), VCF(cutoff_hz=1500.0, resonance=2.0),
                      RingModulator(carrier_hz=300.0, oversampling_factor=2)])

    out = {}
    for mode in ("native", "python"):
        eng = Engine(chain(), blocksize=256, channels=1, mode=mode, backend="virtual",
                     backend_options=dict(input=str(path), output_seconds=n / RATE, max_callbacks=n // 256,
                                          speed=0))
        eng.start()
        assert eng.wait(60)
        eng.stop()
        assert eng.stats()["ftz_daz_in_callback"] is True
        out[mode] = eng.captured.copy()
    assert out["native"].shape == (n, 1)
    assert np.array_equal(out["native"], out["python"])
    assert np.array_equal(chain()(x[:, None], RATE), out["native"])


@pytest.mark.parametrize("mode", ["native", "python"])
def test_a_recording_that_cannot_be_opened_leaves_no_stream_open(tmp_path, mode):
    """``record=`` into a missing folder: start raises the clear error and
    closes the stream it had opened (on JACK an open stream is a client with
    ports that stayed registered until the process ended)."""
    eng = Engine(make_chain(), samplerate=RATE, blocksize=64, channels=2, mode=mode,
                 backend="virtual", record=tmp_path / "missing" / "take.wav")
    closed = []
    real_open = eng._backend.open

    def open_and_watch(*args, **kwargs):
        stream = real_open(*args, **kwargs)
        real_close = stream.close
        stream.close = lambda: closed.append(stream) or real_close()
        return stream

    eng._backend.open = open_and_watch
    with pytest.raises(RtaudioError, match="output directory does not exist"):
        eng.start()
    assert len(closed) == 1 and eng.stream is None and not eng.running
    eng.stop()  # idempotent after the failed start
    again = run_virtual(mode, 64, 10, chain=eng.chain)  # the chain is free for another engine
    assert again.stats()["callbacks"] == 10
