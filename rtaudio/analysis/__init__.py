"""Offline and streaming analysis: spectrogram/mel/dB, images, pitch.

- :mod:`rtaudio.analysis.spectrogram` -- STFT, mel filterbank, dB, streaming STFT;
- :mod:`rtaudio.analysis.images` -- spectrogram images (PNG/JPEG), batch-safe;
- :mod:`rtaudio.analysis.pitch` -- ``pitch()``: streaming YIN over a whole signal.
"""
