"""rtaudio.batch: one runner for every folder command, locally and on a real
Dask LocalCluster (worker processes started by a fixture; no mocks).

Covers docs/batch.md: byte-identical outputs local vs Dask for each command,
a worker SIGKILLed mid-batch, resume after Ctrl-C, corrupt and crashing
files, the shared-filesystem check, BLAS threads per worker, and the one-line
error without Dask.
"""
from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import _batch_tasks
from _batch_tasks import CRASH_MAGIC, blas_threads, crashing_spectrogram, slow_spectrogram
from _cli import run_cli
from rtaudio.analysis.images import save_spectrogram
from rtaudio.batch import BatchInterrupted, Job, read_manifest, run
from rtaudio.batch import dask_executor
from rtaudio.batch.dask_executor import DaskExecutor, local_worker_config, start_local_cluster
from rtaudio.batch.local import LocalExecutor

TESTS = Path(__file__).parent
IMAGE = dict(width=48, height=24, overwrite=True)


@pytest.fixture(scope="module")
def dask_cluster():
    """A 2-process Dask LocalCluster, configured as ``--scheduler local:N`` is."""
    import cloudpickle
    import dask
    import distributed
    cloudpickle.register_pickle_by_value(_batch_tasks)  # workers need not import tests/
    with dask.config.set(local_worker_config()):  # restarted workers forked too, as for local:N
        cluster = start_local_cluster(2, allowed_failures=1)
        client = distributed.Client(cluster)
        try:
            yield cluster, client
        finally:
            client.close()
            cluster.close()


def ready(dask_cluster):
    """The scheduler address, once both workers are up (a killed one restarts)."""
    cluster, client = dask_cluster
    client.wait_for_workers(2, timeout=60)
    return cluster.scheduler_address


def write_corpus(folder: Path, count: int = 6) -> list[Path]:
    """Mixed short files: mono/stereo, 16/22.05/44.1 kHz, WAV float/PCM and FLAC, nested."""
    rng = np.random.default_rng(11)
    kinds = [("a.wav", 22050, 1, "FLOAT"), ("sub/b.flac", 44100, 2, "PCM_16"),
             ("sub/deep/c.wav", 16000, 1, "PCM_16"), ("d.flac", 22050, 1, "PCM_24"),
             ("sub/e.wav", 44100, 2, "FLOAT"), ("f.wav", 16000, 2, "PCM_16")]
    paths = []
    for index in range(count):
        name, rate, channels, subtype = kinds[index % len(kinds)]
        if index >= len(kinds):
            name = name.replace(".", f"{index}.")
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(int(rate * (0.4 + 0.1 * (index % 4)))) / rate
        tone = 0.3 * np.sin(2 * np.pi * (180 + 40 * index) * t)
        y = tone[:, None] + 0.02 * rng.standard_normal((len(t), channels))
        sf.write(path, y.astype(np.float32), rate, subtype=subtype)
        paths.append(path)
    return paths


def outputs_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` except the manifest, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.jsonl"}


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".partial" in p.name]


def statuses(manifest) -> dict[str, str]:
    counts = collections.Counter(r.input for r in manifest)
    assert max(counts.values()) == 1, f"an input appears twice: {counts}"
    return {Path(r.input).name: r.status for r in manifest}


# ------------------------------------------------------------ local == Dask

COMMANDS = {
    "spectrogram": (["--width", "48", "--height", "24"], ".png"),
    "pitch": (["--hop-length", "256"], ".csv"),
    "render": (["--chain", "gate(threshold_db=-40) > lowpass(cutoff_hz=2500)"], None),
    "features": (["--features", "chroma_stft,yin"], ".npz"),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_local_and_dask_outputs_are_byte_identical(name, dask_cluster, tmp_path, capsys):
    address = ready(dask_cluster)
    src = tmp_path / "in"
    inputs = write_corpus(src)
    args, suffix = COMMANDS[name]
    code, stdout, stderr = run_cli([name, str(src), str(tmp_path / "local"), *args, "--jobs", "2"], capsys)
    assert code == 0, stderr
    code, stdout, stderr = run_cli([name, str(src), str(tmp_path / "dask"), *args,
                                    "--scheduler", address], capsys)
    assert code == 0, stderr
    local, dask = outputs_of(tmp_path / "local"), outputs_of(tmp_path / "dask")
    expected = sorted(str(p.relative_to(src).with_suffix(suffix) if suffix else p.relative_to(src))
                      for p in inputs)
    assert sorted(local) == expected and sorted(dask) == expected
    assert local == dask  # byte for byte
    manifest = read_manifest(tmp_path / "dask" / "manifest.jsonl")
    assert set(statuses(manifest).values()) == {"ok"} and len(manifest) == len(inputs)
    assert all(r.worker.startswith("tcp://") for r in manifest)  # really ran on Dask workers
    local_manifest = read_manifest(tmp_path / "local" / "manifest.jsonl")
    assert not any(r.worker.startswith("tcp://") for r in local_manifest)


# ------------------------------------------------------------ failures

def write_bad_files(folder: Path) -> dict[str, str]:
    """Broken inputs and a words of the error each must give."""
    (folder / "garbage.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 3)
    (folder / "zero-bytes.wav").write_bytes(b"")
    sf.write(folder / "no-frames.wav", np.zeros((0, 1), np.float32), 22050)
    (folder / "text.flac").write_text("this is a text file with an audio suffix\n")
    good = folder / "for-truncation.flac"
    sf.write(good, 0.1 * np.random.default_rng(2).standard_normal(44100), 44100)
    data = good.read_bytes()
    good.unlink()
    (folder / "truncated.flac").write_bytes(data[: len(data) // 2])
    (folder / "crash.wav").write_bytes(CRASH_MAGIC + b"\x00" * 64)
    return {"garbage.wav": "cannot read", "zero-bytes.wav": "cannot read",
            "no-frames.wav": "no audio frames", "text.flac": "cannot read",
            "truncated.flac": "cannot decode", "crash.wav": "worker process died"}


@pytest.mark.parametrize("where", ["local", "dask"])
def test_corrupt_and_crashing_files_fail_alone(where, dask_cluster, tmp_path):
    src = tmp_path / "in"
    good = write_corpus(src)
    bad = write_bad_files(src)
    scheduler = ready(dask_cluster) if where == "dask" else None
    manifest = run(crashing_spectrogram, src, tmp_path / "out", scheduler=scheduler, jobs=2,
                   suffix=".png", task_kwargs=IMAGE, progress=False)
    status = statuses(manifest)
    errors = {Path(r.input).name: r.error for r in manifest.failed}
    assert status == {**{p.name: "ok" for p in good}, **{name: "failed" for name in bad}}, errors
    for name, words in bad.items():
        assert words in errors[name], (name, errors[name])
    assert sorted(outputs_of(tmp_path / "out")) == sorted(
        str(p.relative_to(src).with_suffix(".png")) for p in good)
    assert partials(tmp_path / "out") == []
    on_disk = read_manifest(tmp_path / "out" / "manifest.jsonl")
    assert [(r.input, r.status, r.error, r.worker) for r in on_disk] == [
        (r.input, r.status, r.error, r.worker) for r in manifest]


def test_a_crashing_file_in_a_task_of_several_files_fails_alone(dask_cluster, tmp_path, monkeypatch):
    # short files share tasks: with any per-file time under this target, every task
    # after the first 2 (one file per worker, submitted before any file is timed)
    # takes ceil(remaining / 4) files (2 workers), so the crashing 21st of 40
    # files shares its task (files 19 to 24, counting from 0)
    monkeypatch.setattr(dask_executor, "TARGET_TASK_S", 1e9)
    src = tmp_path / "in"
    src.mkdir()
    t = np.arange(4000) / 8000
    for index in range(40):
        sf.write(src / f"{index:02d}.wav", 0.3 * np.sin(2 * np.pi * (200 + 20 * index) * t), 8000)
    (src / "20.wav").write_bytes(CRASH_MAGIC + b"\x00" * 64)
    manifest = run(crashing_spectrogram, src, tmp_path / "out", scheduler=ready(dask_cluster),
                   suffix=".png", task_kwargs=IMAGE, progress=False)
    status = statuses(manifest)
    assert status == {f"{i:02d}.wav": ("failed" if i == 20 else "ok") for i in range(40)}
    assert "worker process died" in manifest.failed[0].error
    ref = tmp_path / "ref"
    run(save_spectrogram, src, ref, jobs=1, suffix=".png", task_kwargs=IMAGE, progress=False,
        pattern="[0-9][0-9].wav")
    assert outputs_of(tmp_path / "out") == outputs_of(ref)
    assert partials(tmp_path / "out") == []


def test_tasks_start_with_one_file_per_worker_then_group_short_files(dask_cluster, tmp_path,
                                                                   monkeypatch):
    """docs/batch.md §6: until a file has been timed, one single-file task per
    worker thread; then tasks of up to TARGET_TASK_S of files, fewer files
    towards the end (at most a quarter of those left, with 2 workers)."""
    address = ready(dask_cluster)
    import distributed
    client = distributed.Client(address)
    sizes: list[int] = []
    real_submit = client.submit

    def recording_submit(func, task, chunk, *args, **kwargs):
        sizes.append(len(chunk))
        return real_submit(func, task, chunk, *args, **kwargs)

    monkeypatch.setattr(client, "submit", recording_submit)
    src = tmp_path / "in"
    src.mkdir()
    t = np.arange(4000) / 8000
    for index in range(40):
        sf.write(src / f"{index:02d}.wav", 0.3 * np.sin(2 * np.pi * (200 + 20 * index) * t), 8000)
    try:
        manifest = run(save_spectrogram, src, tmp_path / "out", scheduler=client, suffix=".png",
                       task_kwargs=IMAGE, progress=False)
    finally:
        client.close()
    assert len(manifest.with_status("ok")) == 40
    assert sum(sizes) == 40 and sizes[:2] == [1, 1], sizes
    assert sizes[2] == 10, sizes  # ceil(38 / 4): these files take far less than TARGET_TASK_S
    assert all(later <= earlier for earlier, later in zip(sizes[2:], sizes[3:])), sizes


def test_cli_reports_failures_and_exits_1(dask_cluster, tmp_path, capsys):
    src = tmp_path / "in"
    write_corpus(src, 3)
    (src / "garbage.wav").write_bytes(b"RIFF junk")
    code, stdout, stderr = run_cli(["spectrogram", str(src), str(tmp_path / "out"), "--width", "32",
                                    "--height", "16", "--scheduler", ready(dask_cluster)], capsys)
    assert code == 1 and "wrote 3 image(s)" in stdout
    assert "garbage.wav" in stderr and "1 of 4 file(s) failed" in stderr and "Traceback" not in stderr


# ------------------------------------------------------------ a worker killed

def test_worker_killed_mid_batch_reruns_its_task_elsewhere(dask_cluster, tmp_path):
    address = ready(dask_cluster)
    _, client = dask_cluster
    src = tmp_path / "in"
    inputs = write_corpus(src, 10)
    pids = client.run(os.getpid)
    killed: dict = {}

    def kill_a_busy_worker(record):
        if killed:
            return
        busy = {addr: list(keys) for addr, keys in client.processing().items() if keys}
        addr = sorted(busy)[0]
        killed.update(addr=addr, names={key.split("-", 4)[4] for key in busy[addr]})
        os.kill(pids[addr], signal.SIGKILL)

    out = tmp_path / "out"
    manifest = run(slow_spectrogram, src, out, scheduler=address, suffix=".png",
                   task_kwargs=dict(delay_s=0.4, **IMAGE), progress=False, on_record=kill_a_busy_worker)
    assert killed["names"], "no task was running on the killed worker"
    status = statuses(manifest)  # each input exactly once
    assert status == {p.name: "ok" for p in inputs}
    for record in manifest:
        if Path(record.input).name in killed["names"]:
            assert record.worker != killed["addr"]  # rerun on another worker
    # every output exists once, complete, equal to a direct in-process render
    ref = tmp_path / "ref"
    for path in inputs:
        target = ref / path.relative_to(src).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        save_spectrogram(path, target, **IMAGE)
    assert outputs_of(out) == outputs_of(ref)
    assert partials(out) == []


# ------------------------------------------------------------ interrupt and resume

def wait_for_lines(path: Path, count: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} did not reach {count} lines")


def test_ctrl_c_then_resume_computes_only_the_missing_outputs(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    inputs = write_corpus(src, 12)
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from _batch_tasks import slow_spectrogram\n"
        "from rtaudio.batch import BatchInterrupted, run\n"
        "try:\n"
        f"    run(slow_spectrogram, {str(src)!r}, {str(out)!r}, jobs=2, suffix='.png',\n"
        f"        task_kwargs=dict(delay_s=0.4, **{IMAGE!r}), progress=False)\n"
        "except BatchInterrupted:\n"
        "    sys.exit(130)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    try:
        wait_for_lines(out / "manifest.jsonl", 3)
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    first = read_manifest(out / "manifest.jsonl")
    status = statuses(first)
    done = {name for name, s in status.items() if s == "ok"}
    cancelled = {name for name, s in status.items() if s == "cancelled"}
    assert len(status) == len(inputs) and done and cancelled and done | cancelled == set(status)
    assert partials(out) == []  # the tasks running at Ctrl-C left nothing behind
    produced = {p.name.replace(".png", "") for p in out.rglob("*.png")}
    assert produced == {Path(n).stem for n in done}
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}

    second = run(slow_spectrogram, src, out, jobs=2, suffix=".png",
                 task_kwargs=dict(delay_s=0.0, **IMAGE), progress=False)
    status = statuses(second)
    assert {n for n, s in status.items() if s == "skipped"} == done
    assert {n for n, s in status.items() if s == "ok"} == cancelled
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())  # not recomputed
    ref = tmp_path / "ref"
    run(save_spectrogram, src, ref, jobs=1, suffix=".png", task_kwargs=IMAGE, progress=False)
    assert outputs_of(out) == outputs_of(ref)


def test_ctrl_c_after_an_output_is_complete_records_it_as_ok(tmp_path):
    """The worker renamed the finished output into place, and Ctrl-C stops
    it before its report reaches the runner (a test double holds the report
    back; in real runs this window is microseconds wide and was hit once
    under load): the manifest says ``ok``, not ``cancelled``, so it matches
    the files on disk, and a resume skips the file."""
    src, out = tmp_path / "in", tmp_path / "out"
    inputs = write_corpus(src, 1)
    script = (
        "import sys, time\n"
        "import rtaudio.batch.local as local\n"
        "from rtaudio.analysis.images import save_spectrogram\n"
        "from rtaudio.batch import BatchInterrupted, run\n"
        "finish = local.run_job\n"
        "def report_late(task, job, kwargs):\n"
        "    record = finish(task, job, kwargs)\n"
        "    time.sleep(60)\n"
        "    return record\n"
        "local.run_job = report_late  # the forked worker runs this\n"
        "try:\n"
        f"    run(save_spectrogram, {str(src)!r}, {str(out)!r}, jobs=1, suffix='.png',\n"
        f"        task_kwargs={IMAGE!r}, progress=False)\n"
        "except BatchInterrupted:\n"
        "    sys.exit(130)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "a.png").exists() and time.monotonic() < deadline:  # renamed: complete
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    (record,) = read_manifest(out / "manifest.jsonl")
    assert record.status == "ok" and "interrupted" in record.info["note"], record
    assert record.bytes == (out / "a.png").stat().st_size > 0
    second = run(save_spectrogram, src, out, jobs=1, suffix=".png", task_kwargs=IMAGE, progress=False)
    assert statuses(second) == {inputs[0].name: "skipped"}


def test_dask_interrupt_cancels_and_resume_skips_finished(dask_cluster, tmp_path):
    address = ready(dask_cluster)
    _, client = dask_cluster
    src, out = tmp_path / "in", tmp_path / "out"
    inputs = write_corpus(src, 10)
    seen = []

    def ctrl_c_after_two(record):
        seen.append(record)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as stop:
        run(slow_spectrogram, src, out, scheduler=address, suffix=".png",
            task_kwargs=dict(delay_s=0.4, **IMAGE), progress=False, on_record=ctrl_c_after_two)
    first = statuses(stop.value.manifest)
    assert first == statuses(read_manifest(out / "manifest.jsonl"))  # flushed as returned
    assert len(first) == len(inputs) and sorted(set(first.values())) == ["cancelled", "ok"]
    done = {n for n, s in first.items() if s == "ok"}
    deadline = time.monotonic() + 30
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)  # a task already running when cancelled finishes on its worker
    assert partials(out) == []
    second = statuses(run(slow_spectrogram, src, out, scheduler=address, suffix=".png",
                          task_kwargs=dict(delay_s=0.0, **IMAGE), progress=False))
    skipped = {n for n, s in second.items() if s == "skipped"}
    computed = {n for n, s in second.items() if s == "ok"}
    assert done <= skipped and computed and not computed & done
    assert skipped | computed == {p.name for p in inputs}


# ------------------------------------------------------------ workers and errors

def test_input_a_worker_cannot_see_is_that_files_error(dask_cluster, tmp_path):
    ready(dask_cluster)
    _, client = dask_cluster
    job = Job(tmp_path / "only-on-the-client.wav", tmp_path / "out" / "x.png")
    with DaskExecutor(client) as executor:
        [record] = [r for r in executor.results(save_spectrogram, [job], IMAGE) if r is not None]
    assert record.status == "failed" and "not visible on worker tcp://" in record.error
    assert "shared by all workers" in record.error
    [record] = [r for r in LocalExecutor(1).results(save_spectrogram, [job], IMAGE) if r is not None]
    assert record.status == "failed" and "not visible on worker" in record.error


@pytest.mark.parametrize("where", ["local", "dask"])
def test_workers_use_one_blas_thread(where, dask_cluster, tmp_path):
    src = tmp_path / "in"
    write_corpus(src, 2)
    scheduler = ready(dask_cluster) if where == "dask" else None
    manifest = run(blas_threads, src, tmp_path / "out", scheduler=scheduler, jobs=2, suffix=".json",
                   progress=False)
    assert set(statuses(manifest).values()) == {"ok"}
    for path in (tmp_path / "out").rglob("*.json"):
        counts = json.loads(path.read_text())
        assert counts and set(counts) == {1}, counts


def test_the_fork_server_is_not_forked_from_a_process_running_threads():
    # a lock held by another thread at the fork would stay held in the child
    # (docs/batch.md §6): such a process spawns its fork server instead
    from rtaudio.batch import fork_server
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not fork_server.can_fork_this_process()
    finally:
        stop.set()
        thread.join()


def test_the_fork_server_is_spawned_on_an_unknown_forkserver(monkeypatch):
    # newer Pythons authenticate fork-server clients; a server forked the
    # 3.11-3.13 way would refuse every worker there, so any other shape of
    # multiprocessing.forkserver falls back to a spawned server
    from multiprocessing import forkserver
    from rtaudio.batch import fork_server
    known = fork_server._forkserver_internals_known
    if sys.version_info[:2] == (3, 11):
        assert known()   # the Python the fork path was written and measured on
    monkeypatch.setattr(forkserver._forkserver, "_forkserver_authkey", None, raising=False)
    assert not known()
    monkeypatch.delattr(forkserver._forkserver, "_forkserver_authkey")
    assert known()
    monkeypatch.setattr(forkserver, "main", lambda listener_fd, alive_r, preload, main_path=None,
                        sys_path=None, *, authkey_r=None: None)
    assert not known() and not fork_server.can_fork_this_process()


def test_the_rtaudio_script_with_local_n_writes_what_the_local_pool_writes(tmp_path):
    """``--scheduler local:2`` end to end, as a user runs it: the option
    imports Dask and forks the fork server while the command line is read,
    then the cluster's workers write exactly what the local pool writes."""
    src = tmp_path / "in"
    write_corpus(src, 4)
    outs = {}
    for way, extra in {"local": ["--jobs", "2"], "dask": ["--scheduler", "local:2"]}.items():
        out = tmp_path / way
        proc = subprocess.run([sys.executable, "-m", "rtaudio", "spectrogram", str(src), str(out),
                               "--width", "48", "--height", "24", *extra],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "wrote 4 image(s)" in proc.stdout
        outs[way] = outputs_of(out)
        if way == "dask":
            workers = {r.worker for r in read_manifest(out / "manifest.jsonl")}
            assert all(w.startswith("tcp://") for w in workers), workers
    assert len(outs["local"]) == 4 and outs["dask"] == outs["local"]


FREEZE_PROBE = """
import gc, sys
from rtaudio.batch.dask_executor import import_distributed
before = gc.get_freeze_count()
import_distributed(freeze_imports=sys.argv[1] == "freeze")
print(before, gc.get_freeze_count(), gc.isenabled(), "distributed" in sys.modules)
"""


@pytest.mark.parametrize("freeze", [True, False])
def test_dask_is_imported_with_the_collector_paused_and_frozen_only_when_asked(freeze):
    """docs/batch.md §8: the import never leaves the collector disabled; its
    objects are frozen for the rtaudio script only (a library caller's
    objects stay collectable)."""
    proc = subprocess.run([sys.executable, "-c", FREEZE_PROBE, "freeze" if freeze else "keep"],
                          capture_output=True, text=True, timeout=60, check=True)
    before, after, enabled, imported = proc.stdout.split()
    assert int(before) == 0 and enabled == "True" and imported == "True"
    if freeze:
        assert int(after) > 50_000  # Dask's modules, classes and functions
    else:
        assert int(after) == 0


def test_the_cli_freezes_dask_only_when_its_process_ends_with_the_command(tmp_path):
    """``rtaudio.cli.main(argv)`` called from a program (which goes on
    afterwards) must not freeze that program's objects; the rtaudio script
    (``main()``, its process ends with the command) may."""
    src = tmp_path / "in"
    write_corpus(src, 1)
    probe = ("import gc, sys\n"
             "from rtaudio.cli import main\n"
             "try:\n"
             "    main(['pitch', sys.argv[1], sys.argv[2], '--scheduler', 'local:1'])\n"
             "except SystemExit as stop:\n"
             "    assert stop.code == 0, stop.code\n"
             "print(gc.get_freeze_count())\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(src), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split()[-1]) == 0


def test_scheduler_without_dask_is_one_line(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in"
    write_corpus(src, 1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    code, _, stderr = run_cli(["pitch", str(src), str(tmp_path / "out"), "--scheduler", "local:2"], capsys)
    assert code == 1 and len(stderr.strip().splitlines()) == 1
    assert "pip install 'rtaudio[cluster]'" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("value, words", [("local:0", "whole number >= 1"),
                                          ("nonsense", "not understood")])
def test_bad_scheduler_is_one_line(tmp_path, capsys, value, words):
    src = tmp_path / "in"
    write_corpus(src, 1)
    code, _, stderr = run_cli(["render", str(src), str(tmp_path / "out"), "--scheduler", value], capsys)
    assert code == 1 and words in stderr and len(stderr.strip().splitlines()) == 1


# ------------------------------------------------------------ planning

def test_plan_mirrors_the_tree_and_keeps_clashing_names_apart(tmp_path):
    from rtaudio.batch import plan
    src = tmp_path / "in"
    write_corpus(src, 3)
    sf.write(src / "a.flac", np.zeros(100, np.float32), 8000)  # clashes with a.wav -> a.png
    (src / "notes.txt").write_text("no audio suffix")
    nested_out = src / "images"
    (nested_out / "old").mkdir(parents=True)
    sf.write(nested_out / "old" / "x.wav", np.zeros(100, np.float32), 8000)  # inside OUT: ignored
    jobs = plan(src, nested_out, suffix=".png")
    got = sorted((str(j.in_path.relative_to(src)), str(j.out_path.relative_to(nested_out))) for j in jobs)
    assert got == [("a.flac", "a.flac.png"), ("a.wav", "a.wav.png"),
                   ("sub/b.flac", "sub/b.png"), ("sub/deep/c.wav", "sub/deep/c.png")]
    assert [j.in_path.name for j in plan(src, tmp_path / "o", pattern="*.flac")] == ["a.flac", "b.flac"]


def test_an_output_older_than_its_input_is_recomputed(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    inputs = write_corpus(src, 3)
    run(save_spectrogram, src, out, jobs=1, suffix=".png", task_kwargs=IMAGE, progress=False)
    later = time.time() + 5
    os.utime(inputs[1], (later, later))  # the input was replaced after its image was made
    status = statuses(run(save_spectrogram, src, out, jobs=1, suffix=".png", task_kwargs=IMAGE,
                          progress=False))
    assert status == {inputs[0].name: "skipped", inputs[1].name: "ok", inputs[2].name: "skipped"}
