"""The tracker step when the cores are shared: the chosen thread and OpenMP wait policy
(tracker/core/threads.py) against the naive one, without and with a competing process.

Each policy runs in a process of its own (step_process.py: OpenMP reads its wait policy at start),
both on the same frames, stepped in turn frame by frame so that both see the same machine. The
competitor is one CPU-bound process that the benchmark starts and stops, pinned to the last
available core: "a second process keeping one of the cores busy".
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from ..core.threads import WAIT_POLICY, available_cores, threads_per_process
from .frames import write_frames
from .phases import statistics
from .step_process import StepProcess

MODEL = "siammargin_tiny"   # the case: our committed model on 1280×720 frames
WIDTH, HEIGHT = 1280, 720
CONDITIONS = ("alone", "competing")
# After each step, before the other policy's: libgomp's default lets a thread spin ~5-10 ms after
# the last parallel region, which would otherwise land on the next step, whichever policy it is.
SETTLE_S = 0.02


@dataclass(frozen=True)
class Policy:
    threads: int
    environment: dict[str, str]   # OpenMP variables the step process starts with


def policies() -> dict[str, Policy]:
    """chosen: this package's default; naive: every core and libgomp's own default wait (spin
    300,000 times before sleeping), spelled out so that the package's policy does not replace it."""
    return {"chosen": Policy(threads_per_process(1), dict(WAIT_POLICY)),
            "naive": Policy(available_cores(), {"GOMP_SPINCOUNT": "300000"})}


@contextmanager
def competing_process(core: int):
    """A busy loop in its own process, pinned to `core`, for as long as the block runs."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(process.pid, {core})
        time.sleep(0.2)  # let it reach the core before the first timed step
        yield process
    finally:
        process.kill()
        process.wait()


def step_environment(policy: Policy) -> dict[str, str]:
    """This process's environment with the policy's OpenMP variables in place of any of its own."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "KMP_"))}
    return {**inherited, **policy.environment}


def contention(config: Path, weights: Path, device: str, folder: Path, frames: int) -> dict:
    """`measure_contention` on `frames` + 1 JPEG frames of WIDTH×HEIGHT written into `folder`."""
    paths, region = write_frames(folder / f"{WIDTH}x{HEIGHT}" / "seq", WIDTH, HEIGHT, frames + 1)
    result = measure_contention(config, weights, device, paths, region)
    result.update(model=MODEL, resolution=f"{WIDTH}x{HEIGHT}")
    return result


def measure_contention(config: Path, weights: Path, device: str, paths: list[Path], region: tuple) -> dict:
    """Per policy and condition: the step times (ms, init excluded) and their statistics; the
    median ratios competing/alone per policy and chosen/naive per condition; the 1-minute load
    average before and after each condition (the rest of the machine's load)."""
    chosen = policies()
    processes = {name: StepProcess(config, weights, device, paths, region, policy.threads,
                                   step_environment(policy)) for name, policy in chosen.items()}
    core = max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    times = {name: {condition: [] for condition in CONDITIONS} for name in processes}
    load = {}
    try:
        for condition in CONDITIONS:
            with competing_process(core) if condition == "competing" else nullcontext():
                load[condition] = {"before": os.getloadavg()[0]}
                order = list(processes)
                for index in range(len(paths)):
                    order.reverse()  # alternate which policy steps first
                    for name in order:
                        milliseconds = processes[name].step(index)
                        time.sleep(SETTLE_S)
                        if index:
                            times[name][condition].append(milliseconds)
                load[condition]["after"] = os.getloadavg()[0]
    finally:
        for process in processes.values():
            process.close()
    result = {"competitor": f"1 busy process pinned to core {core} of {available_cores()}",
              "frames": len(paths) - 1, "load_average_1min": load, "policies": {}}
    for name in chosen:
        # as the step process saw them: its thread count and OpenMP variables
        row = {"threads": processes[name].ready["threads"], "environment": processes[name].ready["openmp"]}
        for condition in CONDITIONS:
            row[condition] = {"step": statistics(times[name][condition]), "steps_ms": times[name][condition]}
        row["competing_over_alone"] = row["competing"]["step"]["median"] / row["alone"]["step"]["median"]
        result["policies"][name] = row
    result["chosen_over_naive"] = {
        condition: result["policies"]["chosen"][condition]["step"]["median"]
        / result["policies"]["naive"][condition]["step"]["median"] for condition in CONDITIONS}
    return result


def format_contention(section: dict) -> list[str]:
    """The report's lines for `contention(...)`."""
    load = section["load_average_1min"]
    lines = [f"shared cores ({section['model']} fast path, {section['resolution']}, {section['frames']} frames; "
             f"competitor: {section['competitor']}; 1-min load average "
             f"{load['alone']['before']:.1f} alone, {load['competing']['before']:.1f} competing):",
             f"  {'policy':<14}{'threads':>8}  {'OpenMP':<24}{'alone':>8}{'competing':>11}{'ratio':>7}"]
    for name, row in section["policies"].items():
        openmp = " ".join(f"{k}={v}" for k, v in row["environment"].items())
        lines.append(f"  {name:<14}{row['threads']:>8}  {openmp:<24}{row['alone']['step']['median']:>8.1f}"
                     f"{row['competing']['step']['median']:>11.1f}{row['competing_over_alone']:>7.2f}")
    ratios = section["chosen_over_naive"]
    lines.append(f"  {'chosen/naive':<14}{'':>8}  {'':<24}{ratios['alone']:>8.2f}{ratios['competing']:>11.2f}")
    lines.append("  (ms per tracker step, medians; ratio: competing/alone)")
    return lines
