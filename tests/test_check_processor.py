"""rtaudio.testing.check_processor: every built-in processor and every
user-effect example passes it, and each of its checks catches the defect it
is meant to catch (a deliberately broken processor per check)."""
from __future__ import annotations

import numpy as np
import pytest

import rtaudio
from rtaudio import LowPass, Param, Processor
from rtaudio.testing import CheckReport, ProcessorCheckError, check_processor

from _examples import example

#: every processor the rtaudio package registers (C built-ins and effects
#: written with rtaudio.effect inside the package alike)
BUILTINS = sorted({cls for cls in Processor._registry.values() if cls.__module__.startswith("rtaudio.")},
                  key=lambda cls: cls.__name__)


def test_the_builtin_list_is_complete():
    assert {"LowPass", "NoiseGate", "RingModulator", "VCF", "YinTracker"} <= {c.__name__ for c in BUILTINS}


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda cls: cls.__name__)
def test_every_builtin_processor_passes(cls):
    report = check_processor(cls())
    assert isinstance(report, CheckReport) and report.ok
    names = {r.name for r in report.results}
    assert {"block-size invariance", "reset equality", "non-finite input burst"} <= names
    assert {r.channels for r in report.results} >= {1, 2, 8}


@pytest.mark.parametrize("make", [
    lambda: example("tremolo").tremolo(rate_hz=3.0, depth=0.8),
    lambda: example("echo").echo(time_ms=20.0, feedback=0.6, max_time_ms=100.0),
    lambda: example("softclip").SoftClip(drive_db=24.0),
], ids=["tremolo", "echo", "softclip"])
def test_every_example_passes(make):
    report = check_processor(make())
    assert report.ok
    assert any(r.name.startswith("sweep ") and "skipped" not in r.detail for r in report.results)


# ------------------------------------------------ each check can fail
@rtaudio.effect(name="_first_sample_per_block")
def _block_dependent(block, params, state, sample_rate):
    for c in range(block.shape[1]):
        block[0, c] = 0.0   # depends on where the blocks start


@rtaudio.effect(name="_jumping_gain", params=[Param("gain", "", 1.0, 0.0, 2.0)])
def _jumping_gain(block, params, state, sample_rate):
    for n in range(block.shape[0]):
        for c in range(block.shape[1]):
            block[n, c] *= params.gain[0]   # the defect: one value per block, steps at block edges


@rtaudio.effect(name="_smooth_gain", params=[Param("gain", "", 1.0, 0.0, 2.0)])
def _smooth_gain(block, params, state, sample_rate):
    for n in range(block.shape[0]):
        for c in range(block.shape[1]):
            block[n, c] *= params.gain[n]


class _ForgetfulLowPass(LowPass):
    """LowPass whose reset() keeps the filter state (a defect)."""

    chain_name = ""

    def _reset_state(self):
        pass


class _PassNaN(Processor):
    """An effect that lets non-finite input through (a defect)."""

    def _allocate(self, channels):
        self._counters = np.zeros(1, np.int64)

    def _update_targets(self):
        pass

    def _reset_state(self):
        pass

    def _process_c(self, block):
        block *= 0.5


def failed_checks(proc, **kw):
    with pytest.raises(ProcessorCheckError) as info:
        check_processor(proc, channels=(1, 2), **kw)
    return info.value


def test_block_size_dependence_is_caught():
    error = failed_checks(_block_dependent())
    assert {r.name for r in error.report.failures} == {"block-size invariance"}
    assert "block-size invariance [1 ch]: max |streamed - whole|" in str(error)


def test_unsmoothed_parameter_jump_is_caught_and_smoothing_passes():
    error = failed_checks(_jumping_gain())
    assert {r.name for r in error.report.failures} == {"sweep gain"}
    assert check_processor(_smooth_gain(), channels=(1, 2)).ok


def test_missing_reset_is_caught():
    error = failed_checks(_ForgetfulLowPass(cutoff_hz=200.0))
    assert "reset equality" in {r.name for r in error.report.failures}


def test_nonfinite_passthrough_is_caught():
    error = failed_checks(_PassNaN())
    assert {r.name for r in error.report.failures} == {"non-finite input burst"}
    assert "NOT finite" in str(error)


def test_report_without_raising():
    report = check_processor(_jumping_gain(), channels=(1,), raise_on_failure=False)
    assert not report.ok
    assert "FAIL sweep gain" in str(report)
