"""A soft-clipping drive written in C (examples/softclip.c), compiled by rtaudio at run time.

    rtaudio live --effects examples/softclip.py --chain "softclip(drive_db=18)"
"""
from pathlib import Path

import rtaudio
from rtaudio import Param

SoftClip = rtaudio.c_effect(
    name="softclip",
    params=[Param("drive_db", "dB", 12.0, 0.0, 40.0, doc="gain before the tanh curve"),
            Param("mix", "", 1.0, 0.0, 1.0, doc="0 dry, 1 driven")],
    state={"dc": 2},                      # per channel: DC blocker x1, y1
    source=Path(__file__).with_name("softclip.c"),
    function="softclip_process",
    doc="tanh soft clipper after a 10 Hz DC blocker (C kernel).",
)
