"""Running a tracker over sequences: serially, in local worker processes, or as Ray tasks.

Every route calls the same `run_sequence(job, sequence)`, which returns the sequence's results
files as {relative path: text}; only the calling process writes them. So the three routes write
the same bytes (the per-frame times aside), and a Ray worker on another machine needs only the
dataset at the same path, not the results folder. A sequence that raises is recorded (its name and
a one-line error) and every other sequence still runs and is written: nothing finished is lost.
"""
from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

from ..core.threads import set_threads, threads_per_process
from ..datasets.sequence import Sequence
from ..errors import TrackerError
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
    backend: str = "torch"
    protocol: str = "ope"
    repetitions: int = 15
    skip_initialize: int = 5
    experiment: str = "baseline"


_TRACKERS: dict[Job, object] = {}   # one loaded tracker per worker process and job


def _tracker(job: Job):
    if job not in _TRACKERS:
        from .. import load_tracker
        _TRACKERS.clear()
        _TRACKERS[job] = load_tracker(job.config, job.weights, device=job.device, exact=job.exact,
                                      backend=job.backend)
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


def one_line(error: BaseException) -> str:
    """An error as one line: our own errors and ValueErrors say what is wrong; anything else is
    named by its type."""
    cause = getattr(error, "cause", None)   # Ray wraps the task's exception (RayTaskError.cause)
    if isinstance(cause, BaseException):
        error = cause
    first = (str(error).strip().splitlines() or [""])[0]
    return first if isinstance(error, (TrackerError, ValueError, OSError)) else f"{type(error).__name__}: {first}"


# Each route yields (sequence, files, None) for a sequence that ran, (sequence, None, error line)
# for one that raised.
def _serial(job, sequences, _workers) -> Iterable[tuple[Sequence, dict | None, str | None]]:
    for sequence in sequences:
        try:
            yield sequence, run_sequence(job, sequence), None
        except Exception as error:
            yield sequence, None, one_line(error)


def _processes(job, sequences, workers) -> Iterable[tuple[Sequence, dict | None, str | None]]:
    # spawn: a forked child would inherit the parent's torch/oneDNN thread pools. Each worker gets
    # its share of the cores (or $OMP_NUM_THREADS) and the environment's OpenMP wait policy.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=set_threads,
                             initargs=(threads_per_process(workers),)) as pool:
        futures = {pool.submit(run_sequence, job, s): s for s in sequences}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as error:   # raised in the worker (or the worker died)
                yield futures[future], None, one_line(error)


def _ray(job, sequences, address) -> Iterable[tuple[Sequence, dict | None, str | None]]:
    import ray
    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, log_to_driver=False)
    gpus = 1 if job.device.startswith("cuda") else 0
    task = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(run_sequence)
    pending = {task.remote(job, s): s for s in sequences}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        sequence = pending.pop(done[0])
        try:
            yield sequence, ray.get(done[0]), None
        except Exception as error:
            yield sequence, None, one_line(error)


@dataclass
class RunReport:
    """What run_all did: sequences run and written, already done before, failed (name: error)."""
    ran: list[str] = field(default_factory=list)
    already_done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def run_all(job: Job, sequences: list[Sequence], folder: Path, workers: int = 1,
            ray_address: str | None = None, progress: bool = True,
            on_result: Callable[[Sequence, dict], None] | None = None) -> RunReport:
    """Runs every sequence not finished in `folder` (resumable) and writes its files there as it
    finishes; a sequence that raises is reported in the result, after all others ran. A progress
    bar (frames of all sequences, the finished ones counted from the start; ETA) goes to stderr."""
    from tqdm import tqdm

    if job.protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {job.protocol!r}; use one of {', '.join(PROTOCOLS)}")
    todo = [s for s in sequences if not is_done(job, folder, s)]
    waiting = {s.name for s in todo}
    report = RunReport(already_done=[s.name for s in sequences if s.name not in waiting])
    if ray_address:
        stream = _ray(job, todo, ray_address)
    elif workers > 1 and len(todo) > 1:
        stream = _processes(job, todo, min(workers, len(todo)))
    else:
        stream = _serial(job, todo, 1)
    done = len(report.already_done)
    frames = sum(len(s) for s in sequences)
    with tqdm(total=frames, initial=frames - sum(len(s) for s in todo), unit="frame", file=sys.stderr, disable=not progress, desc=job.protocol,
              postfix=f"{done}/{len(sequences)} sequences") as bar:
        for sequence, files, error in stream:
            if error is None:
                results.write_files(folder, files)
                report.ran.append(sequence.name)
                if on_result:
                    on_result(sequence, files)
            else:
                report.failed[sequence.name] = error
            done += 1
            bar.set_postfix_str(f"{done}/{len(sequences)} sequences" + (f", {len(report.failed)} failed"
                                                                          if report.failed else ""))
            bar.update(len(sequence))
    return report
