"""What can run the network's searches: torch (the default) or ONNX Runtime on the CPU
(tracker/core/onnx_runtime.py). Imports nothing heavy, so that command-line parsers can offer the
choice without importing torch."""
from __future__ import annotations

from ..errors import ConfigError, DeviceError

BACKENDS = ("torch", "onnxruntime")


def check_backend(backend: str, device_type: str, exact: bool) -> None:
    """A backend name the runner can use on a device of `device_type` ("cpu", "cuda") with
    `exact`; a one-line error otherwise."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if backend == "onnxruntime" and device_type != "cpu":
        raise DeviceError(f"backend 'onnxruntime' runs on the CPU only, not on {device_type}; "
                          "use device 'cpu' or backend 'torch'")
    if backend == "onnxruntime" and exact:
        raise ConfigError("backend 'onnxruntime' runs the fast path's network (BatchNorm folded); the exact "
                          "path (the published code's arithmetic) is torch's: use backend 'torch'")
