"""``rtaudio devices``: list the audio devices PortAudio sees."""
from __future__ import annotations

import click

from rtaudio.engine.devices import list_devices


@click.command("devices")
def command() -> None:
    """List audio devices: index, name, host API, input/output channels,
    default sample rate; '>' marks the default input, '<' the default output."""
    devices = list_devices()
    if not devices:
        click.echo("no audio devices found; `rtaudio live` will run the virtual device "
                   "(demo signal, output written to a WAV file)")
        return
    width = max(len(d.name) for d in devices)
    api_width = max(len(d.hostapi) for d in devices)
    click.echo(f"    {'#':>3}  {'name':<{width}}  {'host API':<{api_width}}  {'in':>3}  {'out':>3}  rate")
    for d in devices:
        mark = (">" if d.is_default_input else " ") + ("<" if d.is_default_output else " ")
        click.echo(f"{mark}  {d.index:>3}  {d.name:<{width}}  {d.hostapi:<{api_width}}  "
                   f"{d.max_input_channels:>3}  {d.max_output_channels:>3}  {d.default_samplerate:g} Hz")
