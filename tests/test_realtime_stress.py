"""Structural changes, parameter changes and resets at >= 1 kHz while the
native engine streams (docs/realtime.md §2): finite output, no crash, the
callbacks keep the clock; and the same under ThreadSanitizer, which must
report no data race."""
from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _realtime import clock_ok, realtime_report
from _rtprobe import Canary
from _stress import run_stress

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_stress_native_parameters_structure_resets():
    """10 s in native mode on the virtual device at real time (256 frames,
    the demo signal as input: JACK's dummy capture is silent): every
    parameter of gate, lowpass, ringmod, vcf and yin (oversampling factors,
    ring-modulator model, YIN frame/hop/fmin/fmax included) and reset() of a
    processor or the chain, at random, >= 1000 operations per second."""
    with Canary() as canary:
        r = run_stress(10.0, blocksize=256, backend="virtual")
    s = r["stats"]
    report = realtime_report(r["records"], 256 / 48000 * 1e9, canary, s["expected_callbacks"])
    print({k: v for k, v in r.items() if k not in ("stats", "records")}, report)
    assert r["error"] is None
    assert r["ops_per_s"] >= 1000, r["ops_per_s"]
    assert r["counts"]["structural"] >= 100 and r["counts"]["resets"] >= 500, r["counts"]
    assert r["output_finite"] and r["output_frames"] >= 0.9 * 10 * 48000
    assert r["output_peak"] > 0.01  # the chain really processed audio
    assert clock_ok(report), report


def _tsan_library() -> str:
    out = subprocess.run(["cc", "-print-file-name=libtsan.so"], capture_output=True, text=True)
    path = out.stdout.strip()
    return path if out.returncode == 0 and os.path.isabs(path) and os.path.exists(path) else ""


@pytest.mark.tsan
def test_stress_under_thread_sanitizer():
    """The stress run (virtual device, 2 s) with the native code built with
    -fsanitize=thread (`make tsan`): no data race reported."""
    libtsan = _tsan_library()
    if not libtsan:
        pytest.skip("no ThreadSanitizer runtime (libtsan) for this compiler")
    subprocess.run([sys.executable, str(ROOT / "native" / "build_rtdsp.py"), "--tsan"], check=True,
                   capture_output=True)
    module = glob.glob(str(ROOT / "build" / "thread" / "rtaudio" / "_rtdsp*.so"))[0]
    env = dict(os.environ, LD_PRELOAD=libtsan, TSAN_OPTIONS="report_signal_unsafe=0 halt_on_error=0",
               PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "_stress.py"), "2", "virtual", module],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT / "tests")
    print(proc.stdout[-2000:], proc.stderr[-4000:])
    assert "STRESS" in proc.stdout and "'output_finite': True" in proc.stdout, proc.stderr[-4000:]
    assert "ThreadSanitizer: data race" not in proc.stderr, proc.stderr[-8000:]
    assert proc.returncode == 0
