"""Music-analysis drop-ins for librosa (``from rtaudio import features``).

Re-exports :mod:`rtaudio.analysis.features`: :func:`hpss`,
:func:`hpss_spectrogram`, :func:`cqt`, :func:`chroma_cqt`,
:func:`chroma_stft`, :func:`estimate_tuning`, :func:`yin`,
:func:`fingerprint` (docs/maths/features.md).
"""
from rtaudio.analysis.features import (chroma_cqt, chroma_stft, cqt, estimate_tuning, fingerprint, hpss,
                                       hpss_spectrogram, yin)

__all__ = ["chroma_cqt", "chroma_stft", "cqt", "estimate_tuning", "fingerprint", "hpss",
           "hpss_spectrogram", "yin"]
