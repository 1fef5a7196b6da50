"""ONNX Runtime as the network runner's CPU backend (`backend="onnxruntime"`).

Not a second implementation: the fast path's own network (this package's torch modules with
BatchNorm folded) is exported to ONNX in memory when the tracker loads, one search graph per search
size, and ONNX Runtime runs the searches. The correlation kernels are graph inputs, so the kernels
of a new template or of the online update just feed in. The template is a graph too (NanoTrack
v2, 1 thread: 1.4 ms against torch's 10-11 ms, measured; once per init). The online update's cls
kernels stay on torch's same folded network: a 1×1 convolution of an 8×8 sample, whose graph
would take a size of its own per model for little.

Threads: ONNX Runtime has its own intra-op pool. It gets the tracker's thread count, one
inter-op thread, sequential execution and no spinning (`session.intra_op.allow_spinning` 0): a
spinning pool holds a core that another process (or torch's pool, which runs the online update's
kernels) needs,
the reason the project runs OpenMP PASSIVE (tracker/core/threads.py).

The exporter is torch's TorchScript-based one (`dynamo=False`; the dynamo one would need
onnxscript too): it traces the search at the fixed shapes the tracker uses and, in torch 2.13,
writes the graph with the `onnx` package. onnx and onnxruntime are optional (setup.cfg's `onnx`
extra, which scripts/setup installs); asking for this backend without them is a one-line error
naming the pip command.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
import torch
from torch import nn

from ..errors import BackendError
from ..nets import Kernels, SearchOutput, SiameseNetwork

REQUIREMENTS = "onnxruntime==1.32.0 onnx==1.23.2"  # setup.cfg's `onnx` extra: the releases tested


def import_onnxruntime():
    """The onnxruntime module, once it and onnx (torch's exporter writes the graph with it) import;
    BackendError (one line, with the pip command) when either is absent."""
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError:
        raise BackendError(f"backend 'onnxruntime' needs the onnxruntime and onnx packages: "
                           f"pip install {REQUIREMENTS} (or run scripts/setup)") from None
    return onnxruntime


class _TemplateGraph(nn.Module):
    """network.template as one graph: the uint8 T×T×3 BGR patch in, the kernels (cls ones, then
    loc ones) out. The patch's layout change and cast to float are in the graph."""

    def __init__(self, network: SiameseNetwork):
        super().__init__()
        self.network = network

    def forward(self, patch: torch.Tensor) -> tuple[torch.Tensor, ...]:
        kernels, _ = self.network.template(patch.permute(2, 0, 1).unsqueeze(0).float())
        return (*kernels.cls, *kernels.loc)


class _SearchGraph(nn.Module):
    """network.search as one graph: the uint8 S×S×3 BGR patch and the kernels (cls ones, then loc
    ones) in; cls, loc and the search features out."""

    def __init__(self, network: SiameseNetwork, cls_count: int):
        super().__init__()
        self.network = network
        self.cls_count = cls_count

    def forward(self, patch: torch.Tensor, *kernels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        image = patch.permute(2, 0, 1).unsqueeze(0).float()
        output = self.network.search(image, Kernels(list(kernels[:self.cls_count]), list(kernels[self.cls_count:])))
        return (output.cls, output.loc, *output.features)


class _Session:
    """A module exported to ONNX in memory (inputs named `names`) and loaded into an ONNX Runtime
    session with `threads` intra-op threads, one inter-op thread, sequential and not spinning."""

    def __init__(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], names: list[str], threads: int,
                 network_name: str):
        onnxruntime = import_onnxruntime()
        graph = io.BytesIO()
        try:
            with warnings.catch_warnings():  # the TorchScript exporter's deprecation notice
                warnings.simplefilter("ignore")
                torch.onnx.export(module.eval(), inputs, graph, dynamo=False, input_names=names)
        except Exception as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise BackendError(f"{network_name} cannot be exported to ONNX for backend 'onnxruntime' "
                               f"({first}); use backend 'torch'") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(graph.getvalue(), options, providers=["CPUExecutionProvider"])
        # The exporter drops an input the graph never reads (none does today); feed only those it kept.
        self.inputs = {node.name for node in self.session.get_inputs()}

    def run(self, feeds: dict[str, np.ndarray]) -> list[torch.Tensor]:
        """The graph's outputs: fresh tensors the caller owns."""
        kept = {name: array for name, array in feeds.items() if name in self.inputs}
        return [torch.from_numpy(array) for array in self.session.run(None, kept)]


def _patch(patch: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(patch)


class OnnxNetwork:
    """The template graph and one search graph per search size, for kernels of a `template_side`
    template; `template` and `search` take what NetworkRunner's do."""

    @torch.inference_mode()
    def __init__(self, network: SiameseNetwork, search_sizes: tuple[int, ...], template_side: int, threads: int):
        import_onnxruntime()  # before any export: its absence is the likelier problem
        name = type(network).__name__
        template = torch.zeros((template_side, template_side, 3), dtype=torch.uint8)
        like, _ = network.template(template.permute(2, 0, 1).unsqueeze(0).float())
        self.cls_count = len(like.cls)
        kernels = like.cls + like.loc
        self.kernel_names = [f"kernel{i}" for i in range(len(kernels))]
        self.template_side = template_side
        self.template_session = _Session(_TemplateGraph(network), (template,), ["patch"], threads, name)
        self.search_sessions = {
            side: _Session(_SearchGraph(network, self.cls_count),
                           (torch.zeros((side, side, 3), dtype=torch.uint8), *kernels),
                           ["patch", *self.kernel_names], threads, name)
            for side in search_sizes}

    def sessions(self) -> list:
        """Every ONNX Runtime session (the template's first)."""
        return [self.template_session.session] + [s.session for s in self.search_sessions.values()]

    def template(self, patch: np.ndarray) -> Kernels:
        kernels = self.template_session.run({"patch": _patch(patch)})
        return Kernels(cls=kernels[:self.cls_count], loc=kernels[self.cls_count:])

    def search(self, patch: np.ndarray, kernels: Kernels) -> SearchOutput:
        feeds = {"patch": _patch(patch)}
        feeds.update((name, kernel.detach().cpu().contiguous().numpy())
                     for name, kernel in zip(self.kernel_names, kernels.cls + kernels.loc))
        cls, loc, *features = self.search_sessions[patch.shape[0]].run(feeds)
        return SearchOutput(cls, loc, features)
