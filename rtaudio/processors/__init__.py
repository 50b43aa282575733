"""The processors, one module each."""
from rtaudio.processors.gate import NoiseGate
from rtaudio.processors.lowpass import LowPass
from rtaudio.processors.ringmod import RingModulator
from rtaudio.processors.vcf import VCF
from rtaudio.processors.yin import YinTracker
# everyday effects, written with the public effect API (docs/maths/everyday-effects.md)
from rtaudio.processors.gain import Gain
from rtaudio.processors.pan import Pan
from rtaudio.processors.biquad import Biquad
from rtaudio.processors.eq import Eq
from rtaudio.processors.delay import Delay
from rtaudio.processors.compressor import Compressor
from rtaudio.processors.limiter import Limiter
from rtaudio.processors.drive import Drive
from rtaudio.processors.reverb import Reverb

__all__ = ["NoiseGate", "LowPass", "RingModulator", "VCF", "YinTracker",
           "Gain", "Pan", "Biquad", "Eq", "Delay", "Compressor", "Limiter", "Drive", "Reverb"]
