"""One batch runner for every folder command (docs/batch.md).

``rtaudio.batch.run(task, inputs, out_dir, scheduler=None, jobs=None)``
finds the input files, plans outputs mirroring the input tree, skips those
already up to date, runs ``task`` on each remaining file in a local pool of
processes or on Dask distributed, writes every output atomically and
records each file in ``out_dir/manifest.jsonl``.
"""
from rtaudio.batch.manifest import Manifest, Record, read_manifest
from rtaudio.batch.plan import AUDIO_SUFFIXES, Job, discover_inputs, plan_jobs
from rtaudio.batch.runner import MANIFEST_NAME, BatchInterrupted, plan, run

__all__ = ["AUDIO_SUFFIXES", "BatchInterrupted", "Job", "MANIFEST_NAME", "Manifest", "Record",
           "discover_inputs", "plan", "plan_jobs", "read_manifest", "run"]
