"""The processors, one module each."""
from rtaudio.processors.gate import NoiseGate
from rtaudio.processors.lowpass import LowPass

__all__ = ["NoiseGate", "LowPass"]
