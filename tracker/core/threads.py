"""How a tracking process uses the CPU: its intra-op thread count and how idle OpenMP threads wait.

PyTorch's CPU wheel runs its intra-op parallel work (oneDNN convolutions, MKL, ATen loops) on GNU
OpenMP (libgomp, shipped in torch/lib; Intel's KMP_* variables do not apply). After each parallel
region libgomp's threads spin for GOMP_SPINCOUNT iterations (300,000 by default: milliseconds)
before they sleep. When the cores are shared (run_dataset's workers, the VOT toolkit, anyone's
job), a spinning thread holds a core that the thread it waits for needs, at every one of the
step's many parallel regions: a SiamMargin-tiny step then takes many times longer than with one
thread. With the PASSIVE wait policy a thread that has nothing to do sleeps at once, and with a
competing process the step degrades to about the one-thread time. The price is paid on an idle
machine, where each region then wakes a sleeping thread: small networks lose the most (the tiny
model's step ×1.25-1.45 on this project's 2-core VM, larger ones a few percent).
docs/performance.md, "Threads and shared cores", has the measurements and why no spin count
gets both.

So the policy is: all the cores a process may use (PyTorch's default; the available cores divided
among the worker processes of run_dataset) and OMP_WAIT_POLICY=PASSIVE. A user's own
OMP_NUM_THREADS, OMP_WAIT_POLICY or GOMP_SPINCOUNT wins; so does an explicit thread count
(load_tracker's `threads`, `--threads N`).

libgomp reads its wait policy once, when it is loaded, which is at `import torch`; setting it
later changes nothing in the running process. That is why `tracker/__init__.py` calls
`use_wait_policy()` before it imports torch: a process that imports this package first (the TraX
server, the research scripts, the benchmark) runs with the policy, and so do the processes it
starts. The thread count, by contrast, can be set at any time (`set_threads`). This module imports
nothing heavy, so that it can run first.
"""
from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

from ..errors import ConfigError

WAIT_POLICY = {"OMP_WAIT_POLICY": "PASSIVE"}
# Any of these set by the user means the user chose how OpenMP threads wait.
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
THREADS_VARIABLE = "OMP_NUM_THREADS"


def use_wait_policy(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Puts WAIT_POLICY into `environ` (default os.environ) unless the user chose a wait policy
    there (OMP_WAIT_POLICY or GOMP_SPINCOUNT set) or, for os.environ, torch is already imported
    (libgomp has read its settings; changing the variables now would only mislead). Returns the
    variables it set."""
    if environ is None:
        if "torch" in sys.modules:
            return {}
        environ = os.environ
    if any(name in environ for name in WAIT_VARIABLES):
        return {}
    environ.update(WAIT_POLICY)
    return dict(WAIT_POLICY)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. under taskset), else all."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def threads_per_process(processes: int, environ: MutableMapping[str, str] | None = None) -> int:
    """Intra-op threads for each of `processes` tracker processes sharing this machine: the
    user's OMP_NUM_THREADS when set, else the available cores divided among the processes (at
    least one each)."""
    environ = os.environ if environ is None else environ
    if THREADS_VARIABLE in environ:
        return check_threads(environ[THREADS_VARIABLE], THREADS_VARIABLE)
    return max(1, available_cores() // max(1, processes))


def check_threads(threads: int | str, source: str = "threads") -> int:
    """A thread count as a positive int; a ConfigError (a ValueError) naming `source` otherwise."""
    try:
        count = int(threads)
    except (TypeError, ValueError):
        count = 0
    if count < 1 or str(count) != str(threads).strip():
        raise ConfigError(f"{source} must be a whole number of threads ≥ 1, got {threads!r}")
    return count


def set_threads(threads: int | None) -> int:
    """Sets PyTorch's intra-op thread count for this process (all of it: every tracker in the
    process shares the pool); None leaves it as it is (PyTorch's default, one per physical core,
    or OMP_NUM_THREADS). Returns the count in effect."""
    import torch

    if threads is not None:
        torch.set_num_threads(check_threads(threads))
    return torch.get_num_threads()
