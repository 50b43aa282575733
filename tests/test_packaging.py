"""A non-editable install compiles the C kernels and imports from anywhere."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_builds_installs_and_imports(tmp_path):
    wheel_dir = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheel_dir), str(ROOT)],
        capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(wheel_dir.glob("rtaudio-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert "gui" not in top_level and "native" not in top_level and "tests" not in top_level
    assert any(name.startswith("rtaudio/_rtdsp") and name.endswith(".so") for name in names)
    assert any(name.startswith("rtaudio/_blockcall") and name.endswith(".so") for name in names)
    # the viewer's top-level gui/ folder is installed as the subpackage rtaudio.gui
    gui_root = ROOT / "gui"
    gui_modules = sorted(f"rtaudio/gui/{p.name}" for p in gui_root.glob("*.py"))
    assert "rtaudio/gui/__init__.py" in gui_modules and "rtaudio/gui/window.py" in gui_modules
    missing = [m for m in gui_modules if m not in names]
    assert not missing, missing
    assert "rtaudio/effects/include/rtaudio_effect.h" in names  # the user-effect C header

    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                              "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import rtaudio, rtaudio.gui.analysis, numpy as np; "
            "y = rtaudio.LowPass(cutoff_hz=1000.0)(np.ones(64, np.float32), 48000); "
            "p = rtaudio.LowPass(); p.prepare(48000, 1); "
            "assert type(p.process).__name__ == 'BlockKernel', p.process; "
            "half = rtaudio.c_effect(name='half', function='half', source='void half(const rtd_effect_block *b, "
            "float *x, int n, int c) { for (int k = 0; k < n * c; ++k) x[k] *= 0.5f; }'); "
            "assert half()(np.ones(8, np.float32), 48000).tolist() == [0.5] * 8; "
            "print(rtaudio.__file__, float(y[-1]))")
    env = dict(os.environ, PYTHONPATH=str(site), RTAUDIO_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith(str(site)), run.stdout  # not the source checkout
