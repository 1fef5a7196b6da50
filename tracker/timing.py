"""Per-phase wall-clock accounting for the benchmark (off unless a PhaseTimes is attached)."""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class PhaseTimes:
    """Seconds spent per named phase since the last `reset`.

    `synchronize` (e.g. torch.cuda.synchronize) runs at the end of each phase, so that
    asynchronous device work is charged to the phase that queued it.
    """

    def __init__(self, synchronize: Callable[[], None] | None = None):
        self.synchronize = synchronize
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.synchronize is not None:
                self.synchronize()
            self.seconds[phase] += time.perf_counter() - start

    def reset(self) -> dict[str, float]:
        """The times so far (a plain dict), then zero."""
        seconds, self.seconds = dict(self.seconds), defaultdict(float)
        return seconds
