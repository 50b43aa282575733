"""``rtaudio latency``: callback timing under load, written as a report.

Runs the engine for ``--duration`` seconds per combination of sample
rate, block size, mode, kernels, audio backend and load, one after
another, then writes ``report.md``, ``report.json`` and PNG plots (see
``rtaudio.bench.report``). With ``--jack-dummy`` it starts a JACK dummy server
for each sample rate / block size and stops it afterwards.
"""
from __future__ import annotations

import itertools
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import click

from rtaudio.chain_spec import chain_from_options
from rtaudio.errors import RtaudioError
from rtaudio.bench.loads import LOAD_NAMES, GcLoad, gc_overlaps, make_load, run_under_load
from rtaudio.processor import BACKENDS

DEFAULT_CHAIN = "gate > lowpass > ringmod > vcf > yin"
LOAD_WARMUP_S = 1.0


def _list(kind: Callable[[str], Any], choices: Optional[tuple] = None,
          limits: Optional[tuple[int, int]] = None) -> Callable:
    """A click callback turning ``a,b,c`` into a validated list (each item
    one of ``choices``, or within ``limits`` inclusive)."""
    def convert(ctx: click.Context, param: click.Parameter, value: str) -> list:
        items = []
        for raw in value.split(","):
            raw = raw.strip()
            try:
                item = kind(raw)
            except ValueError:
                raise click.BadParameter(f"{raw!r} is not a valid {kind.__name__}") from None
            if choices is not None and item not in choices:
                raise click.BadParameter(f"{raw!r} is not one of {', '.join(choices)}")
            if limits is not None and not limits[0] <= item <= limits[1]:
                raise click.BadParameter(f"{raw} is not in the range {limits[0]}..{limits[1]}")
            items.append(item)
        if not items:
            raise click.BadParameter("empty list")
        return items
    return convert


@click.command("latency")
@click.option("--device", default=None, help="Device index or name substring (default device if omitted).")
@click.option("--virtual", is_flag=True, help="Use the virtual (clocked, hardware-free) device.")
@click.option("--jack-dummy", is_flag=True, help="Start a JACK dummy server per rate/block size and use it.")
@click.option("--samplerate", default="48000", callback=_list(int, limits=(8000, 384000)), show_default=True,
              help="Hz, comma list.")
@click.option("--blocksize", default="64,256,1024", callback=_list(int, limits=(1, 8192)), show_default=True,
              help="Frames, comma list.")
@click.option("--mode", "modes", default="native,python", callback=_list(str, ("native", "python")), show_default=True)
@click.option("--kernels", default="c", callback=_list(str, BACKENDS), show_default=True)
@click.option("--backend", "audio_backends", default="sounddevice",
              callback=_list(str, ("sounddevice", "pyaudio", "jack")), show_default=True,
              help="Audio backend(s) for real devices (jack: rtaudio's own JACK client); pyaudio "
                   "runs python mode only.")
@click.option("--load", "loads", default="none,gil,gc,cpu,filecopy", callback=_list(str, LOAD_NAMES),
              show_default=True, help=f"Comma list of: {', '.join(LOAD_NAMES)}.")
@click.option("--duration", type=click.FloatRange(0.5, 3600), default=30.0, show_default=True,
              help="Seconds per run.")
@click.option("--channels", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--chain", "chain_text", default=None, help=f'Chain string (default "{DEFAULT_CHAIN}").')
@click.option("--preset", default=None, help="TOML preset instead of --chain.")
@click.option("--filecopy-mib", type=click.IntRange(1, 65536), default=512, show_default=True,
              help="Size of the file the filecopy load copies.")
@click.option("--out", "out_dir", default=None, help="Output folder (default latency_reports/<date-time>).")
def command(device: Optional[str], virtual: bool, jack_dummy: bool, samplerate: list[int], blocksize: list[int],
            modes: list[str], kernels: list[str], audio_backends: list[str], loads: list[str], duration: float,
            channels: int, chain_text: Optional[str], preset: Optional[str], filecopy_mib: int,
            out_dir: Optional[str]) -> None:
    """Measure callback timing for every combination and write a report."""
    from rtaudio.commands.options import progress_bar
    from rtaudio.bench.report import machine_info, write_report

    if virtual and jack_dummy:
        raise RtaudioError("give either --virtual or --jack-dummy, not both")
    out = Path(out_dir or f"latency_reports/{time.strftime('%Y%m%d-%H%M%S')}")
    if out.exists() and not out.is_dir():  # say so now, not after every run was measured
        raise RtaudioError(f"--out {out} is a file, not a folder for the report")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RtaudioError(f"cannot create the report folder {out}: {exc.strerror or exc}") from None
    backends = ["virtual"] if virtual else audio_backends
    combos = [c for c in itertools.product(samplerate, blocksize, modes, kernels, backends, loads)
              if not (c[2] == "native" and c[4] == "pyaudio")]
    if not combos:
        raise RtaudioError("no valid combination (PyAudio supports python mode only)")
    command_line = "rtaudio " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    runs: list[dict[str, Any]] = []
    jack = None
    jack_realtime: Optional[bool] = None
    interrupted = False
    try:
        with progress_bar("latency", len(combos) * duration, unit="s") as bar:
            task = bar.add_task("latency", total=len(combos) * duration)
            current_clock = None
            for rate, block, mode, kernel, backend, load_name in combos:
                if jack_dummy and current_clock != (rate, block):
                    jack = _restart_jack(jack, rate, block)
                    jack_realtime = jack.realtime
                    current_clock = (rate, block)
                dev = jack.device if jack is not None else device
                bar.update(task, description=f"{mode}/{kernel} {block}@{rate} {backend} load={load_name}")
                jack_xruns_before = jack.xrun_messages if jack is not None else 0
                runs.append(_one_run(rate, block, mode, kernel, backend, load_name, duration, channels, dev,
                                     chain_text, preset, filecopy_mib))
                if jack is not None:  # what the JACK server itself logged as xruns during the run
                    runs[-1]["jackd_xrun_messages"] = jack.xrun_messages - jack_xruns_before
                bar.advance(task, duration)
                click.echo(_summary(runs[-1]), err=True)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if jack is not None:
            jack.stop()
    if runs:
        paths = write_report(runs, out, command_line, machine_info(jack_realtime))
        click.echo(f"wrote {paths['md']}, {paths['json']} and {len(paths) - 2} plots")
    if interrupted:
        raise KeyboardInterrupt


def _restart_jack(previous, rate: int, block: int):
    from rtaudio.bench.jackserver import JackDummyServer
    if previous is not None:
        previous.stop()
    return JackDummyServer(rate, block).start()


def _one_run(rate: int, block: int, mode: str, kernel: str, backend: str, load_name: str, duration: float,
             channels: int, device: Any, chain_text: Optional[str], preset: Optional[str],
             filecopy_mib: int) -> dict[str, Any]:
    from rtaudio.engine import Engine

    chain = chain_from_options(chain_text, preset, DEFAULT_CHAIN, kernel)
    engine = Engine(chain, device=device, samplerate=rate, blocksize=block, channels=channels, mode=mode,
                    backend=backend, tap=load_name == "gui")
    if load_name == "gui":
        from rtaudio.commands.latency_gui import run_with_viewer
        load_info = run_with_viewer(engine, duration)
        gc_count = None
    else:
        load = make_load(load_name, filecopy_mib=filecopy_mib)
        run_under_load(engine, load, duration, LOAD_WARMUP_S if load_name != "none" else 0.0)
        load_info = load.info()
        gc_count = None
        if isinstance(load, GcLoad):
            rec = engine.monitor
            gc_count = gc_overlaps(load.pauses_ns, rec["enter_ns"], rec["exit_ns"])
    stats = engine.stats()
    if stats.get("error"):
        raise RtaudioError(f"run {mode}/{backend} {block}@{rate} load={load_name}: {stats['error']}")
    return {"load": load_name, "mode": mode, "kernels": kernel, "backend": backend, "blocksize": block,
            "samplerate": float(rate), "duration_s": duration, "chain": [p.chain_name for p in chain],
            "load_info": load_info, "gc_overlaps": gc_count, "stats": stats, "records": engine.monitor}


def _summary(run: dict[str, Any]) -> str:
    s = run["stats"]
    return (f"{run['mode']:6s} {run['kernels']:5s} {run['backend']:11s} {run['blocksize']:5d}@{run['samplerate']:g} "
            f"{run['load']:8s} callbacks {s['callbacks']:7d} overruns {s['overruns']:4d} late {s['late']:4d} "
            f"xruns {s['xruns']:4d} DSP load p99 {100 * s['dsp_load']['p99']:5.1f} %")
