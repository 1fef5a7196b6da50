"""Runs a Siamese network for the tracker: image patches in, kernels and search outputs out.

Two arithmetic paths, one code path:
- exact: the network as loaded (separate BatchNorm layers, NCHW memory), the published code's
  arithmetic, which the equivalence tests use;
- fast (the default): BatchNorm folded into the convolutions and channels-last memory, which
  oneDNN (CPU) and cuDNN run faster; on the CPU, in addition, each convolution runs with its
  activation (and a ResNet block's residual add) as one oneDNN call on weights laid out once per
  search size (one network copy per size). Outputs agree with exact within 3e-4 relative
  (tests/test_fast_path.py states why).

Every input goes through a buffer allocated once per input size, and every search reads its
kernels from buffers allocated once. On CUDA, the fast path captures each search size as a CUDA
graph on first use (`warm_up` does that before the first frame) and replays it per frame; on the
CPU the same buffers feed an eager call, so the buffer logic runs on both devices. cuDNN settings
are scoped to each call: autotuning on the fast path, deterministic algorithms on the exact one,
TF32 never (it would change float32 results by ~1e-3).
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from .nets import Kernels, SearchOutput, SiameseNetwork
from .nets.fusion import fold_batchnorm, fuse_for_cpu, split_correlations


def cpu_fusion_available() -> bool:
    """oneDNN's fused convolution ops (internal to PyTorch's CPU build; absent on some builds)."""
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_convolution_pointwise")


class NetworkRunner:
    def __init__(self, network: SiameseNetwork, device: torch.device, exact: bool,
                 search_sizes: tuple[int, ...], cpu_fusion: bool = True):
        """`search_sizes`: the search sizes the tracker uses, the main one first. `cpu_fusion`
        off keeps the fast path to folding + channels-last (what it is on CUDA), for tests."""
        self.exact = exact
        self.device = device
        self.memory_format = torch.contiguous_format if exact else torch.channels_last
        self.search_networks: dict[int, SiameseNetwork] = {}
        if not exact:
            network = split_correlations(fold_batchnorm(network)).to(memory_format=torch.channels_last)
            if device.type == "cpu" and cpu_fusion and cpu_fusion_available():
                self.search_networks = {size: fuse_for_cpu(copy.deepcopy(network), size).eval()
                                        for size in search_sizes}
                network = self.search_networks[search_sizes[0]]
        self.network = network.to(device).eval()
        self.use_cuda_graphs = device.type == "cuda" and not exact
        self._inputs: dict[int, torch.Tensor] = {}         # per input side: float 1×3×S×S buffer
        self._staging: dict[int, torch.Tensor] = {}        # CUDA only: pinned uint8 S×S×3 buffer
        self._searches: dict[int, _SearchStep] = {}

    def template(self, patch: np.ndarray) -> Kernels:
        """Correlation kernels of a template patch (H×W×3 uint8 BGR)."""
        with self._backend():
            kernels, _ = self.network.template(self._upload(patch))
        return kernels

    def search(self, patch: np.ndarray, kernels: Kernels) -> SearchOutput:
        """cls/loc maps and search features of a search patch (S×S×3 uint8 BGR).

        The returned tensors may be buffers that the next search of the same size overwrites:
        use them before searching again.
        """
        side = patch.shape[0]
        if side not in self._searches:
            network = self.search_networks.get(side, self.network)
            self._searches[side] = _SearchStep(network, kernels, self.use_cuda_graphs)
        with self._backend():
            return self._searches[side].run(self._upload(patch), kernels)

    def cls_kernels(self, samples: list[torch.Tensor]) -> list[torch.Tensor]:
        """cls kernels of template-sized features (the online update's samples)."""
        with self._backend():
            return self.network.cls_kernels(samples)

    def _backend(self):
        return torch.backends.cudnn.flags(enabled=True, benchmark=not self.exact,
                                          deterministic=self.exact, allow_tf32=False)

    def _upload(self, patch: np.ndarray) -> torch.Tensor:
        """The patch as a 1×3×S×S float tensor on the device, in this size's reused buffer."""
        side = patch.shape[0]
        host = torch.from_numpy(patch)
        if side not in self._inputs:
            self._inputs[side] = torch.empty((1, 3, side, side), device=self.device,
                                             memory_format=self.memory_format)
            if self.device.type == "cuda":
                self._staging[side] = torch.empty((side, side, 3), dtype=torch.uint8, pin_memory=True)
        if self.device.type == "cuda":
            # Pinned staging → one asynchronous host→device copy of the uint8 patch.
            self._staging[side].copy_(host)
            host = self._staging[side].to(self.device, non_blocking=True)
        buffer = self._inputs[side]
        buffer.copy_(host.permute(2, 0, 1).unsqueeze(0))  # uint8 HWC → float NCHW, on the device
        return buffer


class _SearchStep:
    """One search size: kernels copied into fixed buffers, then the network run on them, eagerly
    or by replaying a CUDA graph captured on first use."""

    def __init__(self, network: SiameseNetwork, like: Kernels, use_cuda_graph: bool):
        self.network = network
        self.kernels = Kernels(cls=[torch.empty_like(k) for k in like.cls],
                               loc=[torch.empty_like(k) for k in like.loc])
        self.use_cuda_graph = use_cuda_graph
        self.graph: torch.cuda.CUDAGraph | None = None
        self.output: SearchOutput | None = None

    def run(self, image: torch.Tensor, kernels: Kernels) -> SearchOutput:
        for buffer, kernel in zip(self.kernels.cls + self.kernels.loc, kernels.cls + kernels.loc):
            buffer.copy_(kernel)
        if not self.use_cuda_graph:
            return self.network.search(image, self.kernels)
        if self.graph is None:
            self._capture(image)
        self.graph.replay()
        return self.output

    def _capture(self, image: torch.Tensor) -> None:
        # PyTorch's recipe: run a few times on a side stream (cuDNN autotuning, lazy init), then
        # capture; the graph reads `image` and self.kernels and writes self.output in place.
        side_stream = torch.cuda.Stream(device=image.device)
        side_stream.wait_stream(torch.cuda.current_stream(image.device))
        with torch.cuda.stream(side_stream):
            for _ in range(3):
                self.network.search(image, self.kernels)
        torch.cuda.current_stream(image.device).wait_stream(side_stream)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.output = self.network.search(image, self.kernels)
