"""Running a tracker over sequences: serially, in local worker processes, or as Ray tasks.

Every route calls the same `run_sequence(job, sequence)`, which returns the sequence's results
files as {relative path: text}; only the calling process writes them. So the three routes write
the same bytes (the per-frame times aside), and a Ray worker on another machine needs only the
dataset at the same path, not the results folder.
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

from ..datasets.sequence import Sequence
from . import results
from .ope import run_ope
from .supervised import run_supervised

PROTOCOLS = ("ope", "supervised")


@dataclass(frozen=True)
class Job:
    """What to run: the tracker (a config file that loads, a checkpoint) and the protocol."""
    config: str
    weights: str
    device: str = "cpu"
    exact: bool = False
    protocol: str = "ope"
    repetitions: int = 15
    skip_initialize: int = 5
    experiment: str = "baseline"


_TRACKERS: dict[Job, object] = {}   # one loaded tracker per worker process and job


def _tracker(job: Job):
    if job not in _TRACKERS:
        from .. import load_tracker
        _TRACKERS.clear()
        _TRACKERS[job] = load_tracker(job.config, job.weights, device=job.device, exact=job.exact)
    return _TRACKERS[job]


def run_sequence(job: Job, sequence: Sequence) -> dict[str, str]:
    tracker = _tracker(job)
    if job.protocol == "ope":
        boxes, times = run_ope(tracker, sequence)
        return results.ope_files(sequence.name, sequence.layout, boxes, times)
    runs = run_supervised(tracker, sequence, job.repetitions, job.skip_initialize)
    return results.supervised_files(sequence.name, runs, job.experiment)


def is_done(job: Job, folder: Path, sequence: Sequence) -> bool:
    if job.protocol == "ope":
        return results.ope_done(folder, sequence.name)
    return results.supervised_done(folder, sequence.name, job.experiment)


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _set_threads(threads: int) -> None:
    import torch
    torch.set_num_threads(threads)


def _serial(job, sequences, _workers) -> Iterable[tuple[Sequence, dict]]:
    for sequence in sequences:
        yield sequence, run_sequence(job, sequence)


def _processes(job, sequences, workers) -> Iterable[tuple[Sequence, dict]]:
    # spawn: a forked child would inherit the parent's torch/oneDNN thread pools.
    threads = max(1, available_cores() // workers)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_set_threads,
                             initargs=(threads,)) as pool:
        futures = {pool.submit(run_sequence, job, s): s for s in sequences}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _ray(job, sequences, address) -> Iterable[tuple[Sequence, dict]]:
    import ray
    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, log_to_driver=False)
    gpus = 1 if job.device.startswith("cuda") else 0
    task = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(run_sequence)
    pending = {task.remote(job, s): s for s in sequences}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        sequence = pending.pop(done[0])
        yield sequence, ray.get(done[0])


def run_all(job: Job, sequences: list[Sequence], folder: Path, workers: int = 1,
            ray_address: str | None = None, progress: bool = True,
            on_result: Callable[[Sequence, dict], None] | None = None) -> list[str]:
    """Runs every sequence not finished in `folder` (resumable) and writes its files there;
    returns the names run. A progress bar with ETA goes to stderr."""
    from tqdm import tqdm

    if job.protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {job.protocol!r}; use one of {', '.join(PROTOCOLS)}")
    todo = [s for s in sequences if not is_done(job, folder, s)]
    if ray_address:
        stream = _ray(job, todo, ray_address)
    elif workers > 1 and len(todo) > 1:
        stream = _processes(job, todo, min(workers, len(todo)))
    else:
        stream = _serial(job, todo, 1)
    done = []
    with tqdm(total=sum(len(s) for s in todo), unit="frame", file=sys.stderr, disable=not progress,
              desc=f"{job.protocol} {len(todo)}/{len(sequences)} sequences") as bar:
        for sequence, files in stream:
            results.write_files(folder, files)
            done.append(sequence.name)
            if on_result:
                on_result(sequence, files)
            bar.update(len(sequence))
    return done
