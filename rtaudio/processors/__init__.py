"""The processors, one module each."""
from rtaudio.processors.gate import NoiseGate
from rtaudio.processors.lowpass import LowPass
from rtaudio.processors.ringmod import RingModulator
from rtaudio.processors.vcf import VCF
from rtaudio.processors.yin import YinTracker

__all__ = ["NoiseGate", "LowPass", "RingModulator", "VCF", "YinTracker"]
