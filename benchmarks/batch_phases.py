"""Run ``rtaudio ARGS`` and record when each phase of its batch ends.

    .venv/bin/python benchmarks/batch_phases.py OUT.json spectrogram IN OUT --scheduler local:2 ...

Writes ``{"phase": unix time, ...}`` to OUT.json (the caller subtracts its
own start time, so interpreter start-up and exit are included): the
command's imports done (the batch run called), the executor made (Dask
imported), the inputs planned, the executor ready (cluster started or
connected), the first and the last file's record, the executor closed.
Used by ``bench_batch.py --phases``; it wraps the library's functions from
outside and changes nothing they do.
"""
from __future__ import annotations

import json
import sys
import time

MARKS: dict[str, float] = {}


def mark(name: str) -> None:
    MARKS.setdefault(name, time.time())


def wrap(owner: object, name: str, before: str = "", after: str = "") -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if before:
            mark(before)
        result = original(*args, **kwargs)
        if after:
            mark(after)
        return result

    setattr(owner, name, wrapper)


def wrap_results(cls: type) -> None:
    original = cls.results

    def results(self, *args, **kwargs):
        for record in original(self, *args, **kwargs):
            if record is not None:
                mark("first record")
                MARKS["last record"] = time.time()
            yield record

    cls.results = results


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    import rtaudio.batch.cli as batch_cli
    import rtaudio.batch.runner as runner
    from rtaudio.batch.local import LocalExecutor
    wrap(batch_cli, "run", before="imports done")
    wrap(runner, "make_executor", after="executor made")
    wrap(runner, "plan", after="inputs planned")
    executors = [LocalExecutor]
    try:
        from rtaudio.batch.dask_executor import DaskExecutor
        executors.append(DaskExecutor)
    except ImportError:
        pass
    for cls in executors:
        wrap(cls, "ready", after="executor ready")
        wrap(cls, "close", after="executor closed")
        wrap_results(cls)
    from rtaudio.cli import main as cli_main
    sys.argv = ["rtaudio", *argv]  # main() without arguments: as the `rtaudio` script runs it
    try:
        cli_main()
    finally:
        with open(out, "w") as handle:
            json.dump(MARKS, handle)


if __name__ == "__main__":
    main()
