"""The processors, one module each."""
from rtaudio.processors.gate import NoiseGate
from rtaudio.processors.lowpass import LowPass
from rtaudio.processors.ringmod import RingModulator
from rtaudio.processors.vcf import VCF

__all__ = ["NoiseGate", "LowPass", "RingModulator", "VCF"]
