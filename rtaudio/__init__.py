"""rtaudio: a real-time streaming audio effects engine.

Processors (``NoiseGate``, ``LowPass``, ...) run on blocks in place, in C
(CFFI), Numba or a float64 reference implementation; a ``Chain`` runs
them in order, offline on whole arrays or block by block in a stream.
"""
from rtaudio.chain import Chain
from rtaudio.chain_spec import load_preset, parse_chain_string, preset_text
from rtaudio.errors import ChainSyntaxError, RtaudioError
from rtaudio.processor import BACKENDS, Processor
from rtaudio.processors import LowPass, NoiseGate
from rtaudio.processors import VCF
from rtaudio.processors import RingModulator
from rtaudio.processors import YinTracker
from rtaudio.analysis.pitch import PitchTrack, pitch
from rtaudio.engine import Engine
from rtaudio.params import Param
from rtaudio.effects import c_effect, effect
from rtaudio import _moved

_moved.install()

__version__ = "0.1.0"

__all__ = [
    "BACKENDS", "Chain", "ChainSyntaxError", "LowPass", "NoiseGate", "Processor",
    "RtaudioError", "load_preset", "parse_chain_string", "preset_text", "__version__",
    "VCF",
    "RingModulator",
    "YinTracker",
    "PitchTrack", "pitch",
    "Engine",
    "Param", "effect", "c_effect",
]

# everyday effects (docs/maths/everyday-effects.md): compiled on first use
__all__ += ["Gain", "Pan", "Biquad", "Eq", "Delay", "Compressor", "Limiter", "Drive", "Reverb"]


def __getattr__(name: str):
    from rtaudio import processors
    if name in processors.__all__:
        return getattr(processors, name)
    raise AttributeError(f"module 'rtaudio' has no attribute {name!r}")
