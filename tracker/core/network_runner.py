"""Runs a Siamese network for the tracker: image patches in, kernels and search outputs out.

Two arithmetic paths, one code path:
- exact: the network as loaded (separate BatchNorm layers, NCHW memory), the published code's
  arithmetic, which the equivalence tests use;
- fast (the default): BatchNorm folded into the convolutions and channels-last memory, which
  oneDNN (CPU) and cuDNN run faster; on the CPU, in addition, each convolution runs with its
  activation (and a ResNet block's residual add) as one oneDNN call on weights laid out once per
  search size (one network copy per size), and SiamMargin's cls correlation runs as two depthwise
  correlations (faster in oneDNN; not applied on CUDA, where it is unmeasured). Outputs agree
  with exact within 3e-4 relative (tests/test_fast_path.py states why).

Two backends for the fast path on the CPU (`backend`): torch (the default: the fused network
above) or onnxruntime, which runs the same folded network exported to ONNX: the template and one
graph per search size (tracker/core/onnx_runtime.py). `template` and `search` dispatch; the
online update's `cls_kernels` runs on torch's folded network with either backend. (A patch size
not exported, which the tracker never passes, runs on torch's folded network.)

Buffers and replays ("graph style"). On CUDA, the fast path replays a CUDA graph per search
size: the graph reads a fixed input buffer and fixed kernel buffers and writes fixed output
tensors. Graphs are captured only inside `capturing()` (the tracker's `warm_up`), never on a
live frame; a size not captured runs eagerly on the same buffers. With `graph_style=True` the
CPU runs this same logic, with an eager call standing in for the graph replay (it writes into
the outputs allocated at "capture"), so the CPU tests reach every line of it.

Ownership rule: `search` returns tensors that the caller owns. A replay overwrites the graph's
output tensors, so the graph path returns copies of them; a result kept across later searches
stays as it was, on every device.

Devices: every CUDA call runs under `torch.cuda.device(<the tracker's GPU>)` and graphs are
captured on a side stream of that GPU (PyTorch's default capture stream belongs to whichever GPU
was current when it was first made), so trackers on different GPUs work in one process. cuDNN
settings are scoped to each call: autotuning on the fast path, deterministic algorithms on the
exact one, and never TF32 (it would change float32 results by ~1e-3): `cudnn.flags` is given
`fp32_precision="ieee"` as well as `allow_tf32=False`, because with only the latter PyTorch 2.13
leaves cuDNN convolutions at precision "none", which defers to `torch.backends.fp32_precision`
and would be TF32 if a user had set that globally.
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import numpy as np
import torch

from ..nets import Kernels, SearchOutput, SiameseNetwork
from ..nets.fusion import fold_batchnorm, fuse_for_cpu, split_correlations
from .backends import check_backend
from .onnx_runtime import OnnxNetwork


def cpu_fusion_available() -> bool:
    """oneDNN's fused convolution ops (internal to PyTorch's CPU build; absent on some builds)."""
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_convolution_pointwise")


class NetworkRunner:
    def __init__(self, network: SiameseNetwork, device: torch.device, exact: bool,
                 search_sizes: tuple[int, ...], cpu_fusion: bool = True, graph_style: bool | None = None,
                 backend: str = "torch", threads: int | None = None, template_side: int = 127):
        """`search_sizes`: the search sizes the tracker uses, the main one first. `cpu_fusion`
        off keeps the fast path to folding + channels-last (what it is on CUDA), for tests.
        `graph_style`: replay captured searches (default: on CUDA's fast path, where the replays
        are CUDA graphs); True on the CPU runs the same buffer and replay logic with eager calls.
        `backend`: what runs the template and searches, "torch" or "onnxruntime" (CPU, fast path only), the
        latter with `threads` intra-op threads (default: torch's count now), its graphs exported
        for the kernels of a `template_side` template (the config's exemplar_size)."""
        check_backend(backend, device.type, exact)
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        self.exact = exact
        self.device = device
        self.backend = backend
        self.memory_format = torch.contiguous_format if exact else torch.channels_last
        self.search_networks: dict[int, SiameseNetwork] = {}
        self.onnx: OnnxNetwork | None = None
        with self.on_device():
            if backend == "onnxruntime":
                # Exported unfused: the fused modules are oneDNN calls, which ONNX has no name for
                # (ONNX Runtime fuses convolutions and activations itself).
                network = fold_batchnorm(network).eval()
                self.onnx = OnnxNetwork(network, search_sizes, template_side,
                                        torch.get_num_threads() if threads is None else threads)
                self.memory_format = torch.contiguous_format
            elif not exact:
                network = fold_batchnorm(network).to(memory_format=torch.channels_last)
                if device.type == "cpu":
                    network = split_correlations(network)
                    if cpu_fusion and cpu_fusion_available():
                        self.search_networks = {size: fuse_for_cpu(copy.deepcopy(network), size).eval()
                                                for size in search_sizes}
                        network = self.search_networks[search_sizes[0]]
            self.network = network.to(device).eval()
        self.graph_style = (device.type == "cuda" and not exact) if graph_style is None else graph_style
        self.use_cuda_graphs = self.graph_style and device.type == "cuda"
        self._capture_allowed = False
        self._inputs: dict[int, torch.Tensor] = {}    # per input side: float 1×3×S×S buffer
        self._staging: dict[int, _Staging] = {}       # graph style: uint8 patch staging per side
        self._searches: dict[int, _SearchStep] = {}

    def on_device(self) -> contextlib.AbstractContextManager:
        """Makes this runner's GPU the current one (nothing on the CPU)."""
        return torch.cuda.device(self.device) if self.device.type == "cuda" else contextlib.nullcontext()

    @contextlib.contextmanager
    def capturing(self) -> Iterator[None]:
        """Within this block (the tracker's warm-up), a search size not yet captured is captured;
        outside it, searches never capture (no capture on a live frame)."""
        self._capture_allowed = True
        try:
            yield
        finally:
            self._capture_allowed = False

    def captured_sizes(self) -> list[int]:
        return sorted(side for side, step in self._searches.items() if step.replay is not None)

    def template(self, patch: np.ndarray) -> Kernels:
        """Correlation kernels of a template patch (H×W×3 uint8 BGR)."""
        if self.onnx is not None and patch.shape[0] == self.onnx.template_side:
            return self.onnx.template(patch)
        with self._backend():
            kernels, _ = self.network.template(self._upload(patch))
        return kernels

    def search(self, patch: np.ndarray, kernels: Kernels) -> SearchOutput:
        """cls/loc maps and search features of a search patch (S×S×3 uint8 BGR). The caller owns
        the result: later searches never change it."""
        side = patch.shape[0]
        if self.onnx is not None and side in self.onnx.search_sessions:
            return self.onnx.search(patch, kernels)
        with self._backend():
            image = self._upload(patch)
            if side not in self._searches:
                network = self.search_networks.get(side, self.network)
                self._searches[side] = _SearchStep(network, kernels, image)
            step = self._searches[side]
            step.load(kernels)
            if self.graph_style and step.replay is None and self._capture_allowed:
                step.capture(self.use_cuda_graphs)
            return step.run()

    def cls_kernels(self, samples: list[torch.Tensor]) -> list[torch.Tensor]:
        """cls kernels of template-sized features (the online update's samples)."""
        with self._backend():
            return self.network.cls_kernels(samples)

    def _backend(self) -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        stack.enter_context(self.on_device())
        stack.enter_context(torch.backends.cudnn.flags(enabled=True, benchmark=not self.exact,
                                                       deterministic=self.exact, allow_tf32=False,
                                                       fp32_precision="ieee"))
        return stack

    def _upload(self, patch: np.ndarray) -> torch.Tensor:
        """The patch as a 1×3×S×S float tensor on the device, in this size's reused buffer."""
        side = patch.shape[0]
        host = torch.from_numpy(patch)
        if side not in self._inputs:
            self._inputs[side] = torch.empty((1, 3, side, side), device=self.device,
                                             memory_format=self.memory_format)
            if self.graph_style:
                self._staging[side] = _Staging((side, side, 3), self.device)
        if self.graph_style:
            host = self._staging[side].upload(host)
        buffer = self._inputs[side]
        buffer.copy_(host.permute(2, 0, 1).unsqueeze(0))  # uint8 HWC → float NCHW, on the device
        return buffer


class _Staging:
    """One host→device copy of a uint8 patch through a host buffer (pinned on CUDA, so the copy
    is asynchronous) into a device buffer. An asynchronous copy may still be reading the host
    buffer when the next patch arrives (two `init`s in a row: nothing waits for the device in
    between), so the next upload waits for the event recorded after the copy before writing."""

    def __init__(self, shape: tuple[int, ...], device: torch.device):
        cuda = device.type == "cuda"
        self.host = torch.empty(shape, dtype=torch.uint8, pin_memory=cuda)
        self.device_copy = torch.empty(shape, dtype=torch.uint8, device=device)
        self.copied = torch.cuda.Event() if cuda else None  # CPU copies are synchronous

    def upload(self, patch: torch.Tensor) -> torch.Tensor:
        if self.copied is not None:
            self.copied.synchronize()  # the previous copy out of self.host has finished
        self.host.copy_(patch)
        self.device_copy.copy_(self.host, non_blocking=True)
        if self.copied is not None:
            self.copied.record()
        return self.device_copy


class _SearchStep:
    """One search size: kernels copied into fixed buffers, then the network run on them, eagerly
    or by a replay of what was captured (a CUDA graph, or its eager stand-in on the CPU)."""

    def __init__(self, network: SiameseNetwork, like: Kernels, image: torch.Tensor):
        self.network = network
        self.image = image  # the runner's input buffer of this size: what a graph reads
        self.kernels = Kernels(cls=[torch.empty_like(k) for k in like.cls],
                               loc=[torch.empty_like(k) for k in like.loc])
        self.replay = None                      # set by capture()
        self.output: SearchOutput | None = None  # what a replay writes (set by capture())

    def load(self, kernels: Kernels) -> None:
        for buffer, kernel in zip(self.kernels.cls + self.kernels.loc, kernels.cls + kernels.loc):
            buffer.copy_(kernel)

    def run(self) -> SearchOutput:
        """The search of what self.image and self.kernels hold now."""
        if self.replay is None:
            return self.network.search(self.image, self.kernels)  # fresh tensors
        self.replay()
        # The replay wrote into self.output, which the next replay overwrites: hand out copies.
        return SearchOutput(self.output.cls.clone(), self.output.loc.clone(),
                            [f.clone() for f in self.output.features])

    def capture(self, cuda_graph: bool) -> None:
        """Records the search (reading self.image and self.kernels, writing self.output)."""
        if not cuda_graph:
            self.output = self.network.search(self.image, self.kernels)
            self.replay = self._eager_replay
            return
        # PyTorch's recipe: run a few times on a side stream (cuDNN autotuning, lazy init), then
        # capture on it; the stream belongs to this GPU (the caller made it current).
        device = self.image.device
        side_stream = torch.cuda.Stream(device=device)
        side_stream.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side_stream):
            for _ in range(3):
                self.network.search(self.image, self.kernels)
        torch.cuda.current_stream(device).wait_stream(side_stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, stream=side_stream):
            self.output = self.network.search(self.image, self.kernels)
        self.replay = graph.replay

    def _eager_replay(self) -> None:
        """The CPU stand-in for a graph replay: compute, then write into the captured outputs."""
        fresh = self.network.search(self.image, self.kernels)
        for captured, new in zip([self.output.cls, self.output.loc, *self.output.features],
                                 [fresh.cls, fresh.loc, *fresh.features]):
            captured.copy_(new)
