"""A tracker in a process of its own, stepped one frame at a time on request.

OpenMP reads its wait policy once, when PyTorch is imported, so two policies can only be
compared in two processes. The benchmark starts one `StepProcess` per policy (its environment
and thread count) and steps them in turn on the same frames, so that both see the same machine.

Protocol (one line each way): the parent writes a frame index; the child decodes that frame,
runs one tracker step on it (index 0: `init`) and answers the step's milliseconds, decode
excluded. An empty line or end of input ends the child.

    python -m tracker.bench.step_process CONFIG WEIGHTS FRAME… --region x,y,w,h [--device D] [--threads N]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


class StepProcess:
    """The parent's handle: `step(index)` → milliseconds of that tracker step in the child."""

    def __init__(self, config: Path, weights: Path, device: str, paths: list[Path], region: tuple,
                 threads: int | None, environment: dict[str, str]):
        command = [sys.executable, "-m", __name__, str(config), str(weights), *map(str, paths),
                   "--region", ",".join(map(str, region)), "--device", device]
        if threads is not None:
            command += ["--threads", str(threads)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         env=environment, bufsize=1)
        self.ready = json.loads(self._answer())  # what the child runs with: threads, its OpenMP variables

    def _answer(self) -> str:
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            raise RuntimeError(f"step process exited with status {code} (its error is on stderr above)")
        return line

    def step(self, index: int) -> float:
        self._process.stdin.write(f"{index}\n")
        return float(self._answer())

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="step_process", description=__doc__.split("\n\n")[0])
    parser.add_argument("config")
    parser.add_argument("weights")
    parser.add_argument("frames", nargs="+")
    parser.add_argument("--region", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)

    import torch

    from .. import load_tracker
    from ..core.images import read_image

    tracker = load_tracker(args.config, weights=args.weights, device=args.device, warm_up=True,
                           threads=args.threads)
    region = [float(v) for v in args.region.split(",")]
    openmp = {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "GOMP_"))}
    print(json.dumps({"threads": torch.get_num_threads(), "openmp": openmp}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        image = read_image(args.frames[int(line)])
        start = time.perf_counter()
        if int(line) == 0:
            tracker.init(image, region)
        else:
            tracker.track(image)
        print(f"{1000 * (time.perf_counter() - start):.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
