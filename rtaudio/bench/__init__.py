"""Benchmark tooling: load generators, latency reports and the JACK dummy server helper.

- :mod:`rtaudio.bench.loads` -- the loads of ``rtaudio latency`` (cpu, gil, gc, gui, filecopy);
- :mod:`rtaudio.bench.report` -- Markdown/JSON/PNG latency reports;
- :mod:`rtaudio.bench.jackserver` -- start and stop a JACK dummy server.
"""
