"""The machine the benchmark runs on: its name and its matrix-multiply rate."""
from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np
import torch


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def matmul_rate(device: torch.device, side: int = 2048, repeats: int = 10) -> float:
    """Median float32 matrix-multiply rate, in GMAC/s (multiply-accumulates per second)."""
    a = torch.rand(side, side, device=device)
    b = torch.rand(side, side, device=device)
    times = []
    for _ in range(repeats + 2):
        start = time.perf_counter()
        torch.mm(a, b)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return side ** 3 / float(np.median(times[2:])) / 1e9
