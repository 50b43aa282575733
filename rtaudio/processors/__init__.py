"""The processors, one module each."""
from __future__ import annotations

import importlib

from rtaudio.processors.gate import NoiseGate
from rtaudio.processors.lowpass import LowPass
from rtaudio.processors.ringmod import RingModulator
from rtaudio.processors.vcf import VCF
from rtaudio.processors.yin import YinTracker

#: everyday effects, written with the public effect API (docs/maths/everyday-effects.md):
#: chain name -> class name (module rtaudio.processors.<chain name>). They are compiled
#: (or loaded from the disk cache) on first use, not at ``import rtaudio``.
EVERYDAY_EFFECTS = {"gain": "Gain", "pan": "Pan", "biquad": "Biquad", "eq": "Eq", "delay": "Delay",
                    "compressor": "Compressor", "limiter": "Limiter", "drive": "Drive", "reverb": "Reverb"}
_MODULE_OF_CLASS = {cls: name for name, cls in EVERYDAY_EFFECTS.items()}

__all__ = ["NoiseGate", "LowPass", "RingModulator", "VCF", "YinTracker", *EVERYDAY_EFFECTS.values()]


def load_everyday_effect(chain_name: str) -> type:
    """Import (compile or load) the everyday effect registered as ``chain_name``; returns its class."""
    module = importlib.import_module(f"rtaudio.processors.{chain_name}")
    return getattr(module, EVERYDAY_EFFECTS[chain_name])


def __getattr__(name: str):
    if name in _MODULE_OF_CLASS:
        return load_everyday_effect(_MODULE_OF_CLASS[name])
    raise AttributeError(f"module 'rtaudio.processors' has no attribute {name!r}")
