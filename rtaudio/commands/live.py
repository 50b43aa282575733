"""``rtaudio live``: microphone → chain → speakers, with a live status line.

Without an audio device (or with ``--virtual``) it runs the virtual device:
the built-in demo signal (or ``--input FILE``) is played through the chain
at the real buffer period and the output is written to a WAV file.
``--play FILE`` plays a file through the chain to the sound card instead
of its input.
"""
from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

import click
import numpy as np

from rtaudio.chain_spec import chain_from_options
from rtaudio.commands.options import DEFAULT_CHAIN, chain_options, effects_option
from rtaudio.commands.stream_source import describe_opened, resolve_source, source_options
from rtaudio.errors import RtaudioError

STATUS_PERIOD_S = 0.25
DEFAULT_VIRTUAL_RECORD = Path("out") / "live_virtual.wav"


def _db(value: float) -> str:
    return f"{20 * np.log10(max(value, 1e-9)):6.1f}"


def _pitch_source(chain):
    """The first processor of the chain that publishes pitch results."""
    for proc in chain:
        if hasattr(proc, "read_results"):
            return proc
    return None


class StatusLine:
    """Levels, pitch, DSP load and violation counters, one line."""

    def __init__(self, eng, stream=sys.stderr) -> None:
        self.eng = eng
        self.stream = stream
        self.tty = stream.isatty()
        self.pitch_source = _pitch_source(eng.chain)
        self.pitch: Optional[float] = None   # None: nothing voiced (yet)
        self.last_full = 0.0
        self.counters = ""
        self.last_print = 0.0

    def update(self, elapsed: float) -> None:
        tap_in, tap_out = self.eng.read_tap()
        level_in = float(np.max(np.abs(tap_in), initial=0.0))
        level_out = float(np.max(np.abs(tap_out), initial=0.0))
        if self.pitch_source is not None:
            results = self.pitch_source.read_results()
            voiced = results[results["voiced"]] if len(results) else results
            if len(results):
                self.pitch = float(voiced["f0_hz"][-1]) if len(voiced) else None
        now = time.monotonic()
        if now - self.last_full >= 1.0:  # the monitor's running statistics (O(1) in run length)
            s = self.eng.stats(wait=False)  # never wait for the monitor thread (a lost device)
            if s:
                self.counters = (f"DSP {100 * s['dsp_load']['mean']:4.1f}% "
                                 f"(max {100 * s['dsp_load']['max']:5.1f}%)"
                                 f" | xruns {s['xruns']} late {s['late']} overruns {s['overruns']}")
                self.last_full = now
        pitch = ""
        if self.pitch_source is not None:  # "—": unvoiced (CSV/JSON exports keep numbers)
            pitch = f" | pitch {self.pitch:6.1f} Hz" if self.pitch is not None else " | pitch      —   "
        line = (f"{elapsed:6.1f} s | in {_db(level_in)} dBFS out {_db(level_out)} dBFS{pitch}"
                f" | {self.counters}")
        if self.eng.reconnecting:
            line = f"{elapsed:6.1f} s | device lost: waiting for it to come back (--reconnect)"
        if self.tty:
            self.stream.write("\r" + line[:200].ljust(120))
            self.stream.flush()
        elif now - self.last_print >= 1.0:
            self.stream.write(line + "\n")
            self.last_print = now

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _stop_on_sigterm():
    """Treat SIGTERM like Ctrl-C (a clean stop with a valid recording)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def final_report(s: dict[str, Any]) -> str:
    """The end-of-run summary (counters, percentiles, the paper's table)."""
    from rtaudio.engine.monitor import format_paper_table
    lines = [
        f"device: {s['device']} ({s['backend']}, {s['mode']} mode), {s['samplerate']:g} Hz, "
        f"block {s['blocksize']}, latency in {1e3 * s['stream_latency_s']['input']:.1f} ms / "
        f"out {1e3 * s['stream_latency_s']['output']:.1f} ms",
        f"callbacks: {s['callbacks']} (clock expects {s['expected_callbacks']}), xruns {s['xruns']}, "
        f"dropped {s['dropped']}, overruns {s['overruns']}, late {s['late']}, "
        f"non-finite input samples {s['nonfinite_samples']}",
        f"process: mean {s['process_us']['mean']:.1f} us, p99 {s['process_us']['p99']:.1f} us, "
        f"p99.9 {s['process_us']['p999']:.1f} us, max {s['process_us']['max']:.1f} us; "
        f"DSP load mean {100 * s['dsp_load']['mean']:.2f}%, p99 {100 * s['dsp_load']['p99']:.2f}%, "
        f"max {100 * s['dsp_load']['max']:.2f}%",
        format_paper_table(s["paper_table"]),
        "(the paper's table: Idle/Total violations are timer jitter around the period, not "
        "missed deadlines; those are 'late' and 'overruns' above, docs/paper.md §7.3)",
    ]
    for gap in s.get("gaps", []):
        lines.append(f"device lost at {gap['lost_at_s']:.1f} s ({gap['reason']}); reconnected at "
                     f"{gap['resumed_at_s']:.1f} s: a gap of {gap['gap_s']:.2f} s")
    if "record" in s:
        rec = s["record"]
        gap_note = (f", {rec['gap_frames']} of them silence for the device's outages"
                    if rec.get("gap_frames") else "")
        lines.append(f"recorded {rec['frames']} frames to {rec['path']}{gap_note} "
                     f"({rec['dropped_frames']} frames dropped because the writer fell behind)")
    return "\n".join(lines)


@click.command("live")
@click.option("--device", default=None, help="Device index or name substring (see `rtaudio devices`).")
@click.option("--samplerate", type=click.IntRange(8000, 384000), default=None,
              help="Hz [default: the file's rate with --input or --play, else 48000].")
@click.option("--blocksize", type=click.IntRange(1, 8192), default=256, show_default=True)
@click.option("--mode", type=click.Choice(["native", "python"]), default="native", show_default=True,
              help="native: C callback, no Python in the audio thread; python: Python callback.")
@click.option("--audio-backend", "audio_backend", type=click.Choice(["sounddevice", "pyaudio"]),
              default="sounddevice",
              show_default=True, help="Audio backend for real devices.")
@effects_option
@chain_options
@click.option("--record", type=click.Path(dir_okay=False), default=None,
              help="Write the processed output to this file.")
@click.option("--duration", type=click.FloatRange(0.1, None), default=None,
              help="Stop after this many seconds (default: until Ctrl-C).")
@click.option("--reconnect", is_flag=True, default=False,
              help="When the JACK server (or device) goes away, wait for it and carry on with the "
                   "same chain; the recording continues in the same file, the gap filled with "
                   "silence. Uses rtaudio's own JACK client.")
@source_options
def command(device: Optional[str], samplerate: Optional[int], blocksize: int, channels: Optional[int], mode: str,
            audio_backend: str, chain_text: Optional[str], preset: Optional[str], backend: str,
            record: Optional[str], duration: Optional[float], force_virtual: bool,
            input_path: Optional[str], play_path: Optional[str], loop: bool,
            reconnect: bool = False) -> None:
    """Process live audio through a chain (Ctrl-C stops and prints the statistics)."""
    from rtaudio.engine import Engine

    chain = chain_from_options(chain_text, preset, DEFAULT_CHAIN, backend)
    source = resolve_source(device=device, audio_backend=audio_backend, force_virtual=force_virtual,
                            input_path=input_path, play_path=play_path, loop=loop,
                            channels=channels, samplerate=samplerate)
    if reconnect and source.virtual:
        raise RtaudioError("--reconnect follows a JACK server, and none answers (the virtual "
                           "device cannot be lost); start JACK or drop --reconnect")
    if source.notice:
        click.echo(source.notice, err=True)
    samplerate = source.samplerate
    if source.virtual:
        if record is None:
            DEFAULT_VIRTUAL_RECORD.parent.mkdir(parents=True, exist_ok=True)
            record = str(DEFAULT_VIRTUAL_RECORD)
        click.echo(f"virtual device: output is written to {record}", err=True)
    eng = Engine(chain, device=device, samplerate=samplerate, blocksize=blocksize,
                 channels=source.channels, mode=mode, backend=source.backend, record=record,
                 backend_options=source.options, reconnect=reconnect)
    try:
        eng.start()
    except KeyboardInterrupt:
        eng.stop()
        raise
    click.echo(f"live: {' > '.join(p.chain_name for p in chain) or '(empty chain)'} on "
               f"{eng.choice.name} ({mode} mode, {samplerate} Hz, block {blocksize}, "
               f"{describe_opened(eng)}); Ctrl-C stops", err=True)
    status = StatusLine(eng)
    start = time.monotonic()
    interrupted = False
    previous_term = _stop_on_sigterm()
    try:
        while eng.running and not eng.error:
            elapsed = time.monotonic() - start
            if duration is not None and elapsed >= duration:
                break
            status.update(elapsed)
            time.sleep(STATUS_PERIOD_S)
        if eng.error:  # say so at once: closing a lost device can take seconds
            status.finish()
            click.echo(f"device lost: stopping{' and closing ' + str(record) if record else ''}",
                       err=True)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        eng.stop()
        status.finish()
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
    click.echo(final_report(eng.stats()))
    if eng.input_finished:
        click.echo("the input file is over (--loop plays it again and again)", err=True)
    if interrupted:
        click.echo("stopped by Ctrl-C", err=True)
    if eng.error:
        raise RtaudioError(eng.error)
