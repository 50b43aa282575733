"""`rtaudio latency`: short runs produce a complete report; bad options fail cleanly."""
from __future__ import annotations

import json

import pytest

from _cli import run_cli

CHAIN = "gate > lowpass"


def check_report(folder, runs_expected):
    data = json.loads((folder / "report.json").read_text())
    assert len(data["runs"]) == runs_expected
    for run in data["runs"]:
        for key in ("callbacks", "expected_callbacks", "xruns", "dropped", "overruns", "late", "process_us",
                    "interval_us", "dsp_load", "nonfinite_samples", "mode", "backend", "device", "samplerate",
                    "blocksize", "stream_latency_s", "paper_table"):
            assert key in run["stats"], key
        assert run["stats"]["callbacks"] > 0
    md = (folder / "report.md").read_text()
    assert "Paper-format tables" in md and "Our table" in md and "rtaudio latency" in md
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert pngs and all((folder / p).read_bytes()[:4] == b"\x89PNG" for p in pngs)
    return data


def test_virtual_two_loads_two_modes(tmp_path, capsys):
    out = tmp_path / "rep"
    code, stdout, _ = run_cli(["latency", "--virtual", "--blocksize", "256", "--mode", "native,python",
                               "--load", "none,gil", "--duration", "1.5", "--chain", CHAIN, "--out", str(out)], capsys)
    assert code == 0 and "wrote" in stdout
    data = check_report(out, 4)
    assert {(r["mode"], r["load"]) for r in data["runs"]} == {
        ("native", "none"), ("native", "gil"), ("python", "none"), ("python", "gil")}


@pytest.mark.jack
def test_jack_dummy_started_and_stopped_by_the_command(tmp_path, capsys):
    import os
    import subprocess

    from rtaudio.bench.jackserver import JackDummyServer
    first_new = JackDummyServer._counter + 1  # names of servers this command starts
    out = tmp_path / "rep"
    code, _, err = run_cli(["latency", "--jack-dummy", "--blocksize", "128", "--mode", "native",
                            "--backend", "sounddevice,jack", "--load", "none,gc", "--duration", "2",
                            "--chain", CHAIN, "--out", str(out)], capsys)
    assert code == 0, err
    data = check_report(out, 4)
    assert "JACK" in data["runs"][0]["stats"]["device"] or data["runs"][0]["stats"]["device"] == "system"
    assert data["runs"][1]["gc_overlaps"] is not None
    own_client = [run for run in data["runs"] if run["backend"] == "jack"]  # rtaudio's JACK client
    assert len(own_client) == 2 and all(run["stats"]["device"] == "system" and run["stats"]["callbacks"] > 500
                                        for run in own_client)
    started = [f"rtaudio{os.getpid()}_{k}" for k in range(first_new, JackDummyServer._counter + 1)]
    assert started, "the command must have started a JACK server"
    for name in started:
        leftover = subprocess.run(["pgrep", "-f", f"jackd -n {name} "], capture_output=True, text=True)
        assert leftover.stdout == "", f"the command must stop the JACK server it started ({name})"


@pytest.mark.parametrize("args,words", [
    (["--blocksize", "64,abc"], "not a valid int"),
    (["--load", "disk"], "not one of"),
    (["--virtual", "--jack-dummy"], "either --virtual or --jack-dummy"),
    (["--virtual", "--mode", "native", "--backend", "pyaudio"], ""),  # virtual ignores --backend
    (["--virtual", "--blocksize", "0"], "not in the range 1..8192"),
    (["--virtual", "--blocksize", "256,9000"], "not in the range 1..8192"),
    (["--virtual", "--samplerate", "0"], "not in the range 8000..384000"),
])
def test_bad_options(tmp_path, capsys, args, words):
    code, stdout, err = run_cli(["latency", *args, "--duration", "0.5", "--chain", CHAIN,
                                 "--load", "none", "--out", str(tmp_path / "r")] if "--load" not in args else
                                ["latency", *args, "--duration", "0.5", "--chain", CHAIN, "--out", str(tmp_path / "r")],
                                capsys)
    if words:
        assert code != 0 and words in err and "Traceback" not in err
    else:
        assert code == 0


def test_out_that_is_a_file_fails_before_measuring(tmp_path, capsys):
    """``--out`` naming a file: one error line at once (it used to measure
    every run, then die with a FileExistsError traceback, losing them)."""
    taken = tmp_path / "report.md"
    taken.write_text("an earlier report")
    code, stdout, err = run_cli(["latency", "--virtual", "--blocksize", "256", "--mode", "native",
                                 "--load", "none", "--duration", "5", "--chain", CHAIN,
                                 "--out", str(taken)], capsys)
    assert code == 1 and "not a folder" in err and "Traceback" not in err
    assert "callbacks" not in err  # no run was measured
    assert taken.read_text() == "an earlier report"
    code, stdout, err = run_cli(["latency", "--virtual", "--blocksize", "256", "--mode", "native",
                                 "--load", "none", "--duration", "5", "--chain", CHAIN,
                                 "--out", str(taken / "sub")], capsys)
    assert code == 1 and "cannot create" in err and "Traceback" not in err
    assert "callbacks" not in err


@pytest.mark.gui
def test_gui_load_runs_the_viewer_and_churns_widgets(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    out = tmp_path / "rep"
    code, _, err = run_cli(["latency", "--virtual", "--blocksize", "256", "--mode", "native,python",
                            "--load", "gui", "--duration", "2", "--chain", "gate > lowpass > yin",
                            "--out", str(out)], capsys)
    assert code == 0, err
    data = check_report(out, 2)
    for run in data["runs"]:
        info = run["load_info"]
        assert info["load"] == "gui" and info["sliders"] > 0 and info["widget_churn_events"] >= 5  # 50 at 40 ms if the loop keeps up


def test_report_interrupted_while_written_keeps_the_earlier_one(tmp_path, capsys, monkeypatch):
    """Ctrl-C while the report is being written (after the runs): the
    folder keeps the earlier complete report.md and no partial file; it
    used to hold a truncated report.md."""
    import pathlib
    out = tmp_path / "rep"
    args = ["latency", "--virtual", "--blocksize", "256", "--mode", "native", "--load", "none",
            "--duration", "0.5", "--chain", CHAIN, "--out", str(out)]
    assert run_cli(args, capsys)[0] == 0
    earlier = (out / "report.md").read_text()
    real_write_text = pathlib.Path.write_text

    def interrupted_write(self, data, *a, **kw):
        if self.suffix == ".md":  # half of the text reaches the disk, then Ctrl-C
            real_write_text(self, data[:len(data) // 2], *a, **kw)
            raise KeyboardInterrupt
        return real_write_text(self, data, *a, **kw)

    monkeypatch.setattr(pathlib.Path, "write_text", interrupted_write)
    assert run_cli(args, capsys)[0] == 130  # interrupted
    monkeypatch.undo()
    assert (out / "report.md").read_text() == earlier
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
