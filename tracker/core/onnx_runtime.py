"""ONNX Runtime as the network runner's CPU backend (`backend="onnxruntime"`).

Not a second implementation: the fast path's own network (this package's torch modules with
BatchNorm folded) is exported to ONNX in memory when the tracker loads, one search graph per search
size, and ONNX Runtime runs the searches. The correlation kernels are graph inputs, so the kernels
of a new template or of the online update just feed in. The template and the online update's
cls kernels stay on torch (the same folded network): they run once per init, or on an 8×8 sample
per frame, and each graph would cost an export at load.

Threads: ONNX Runtime has its own intra-op pool. It gets the tracker's thread count, one
inter-op thread, sequential execution and no spinning (`session.intra_op.allow_spinning` 0): a
spinning pool holds a core that another process (or torch's pool, which runs the template) needs,
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


class _SearchGraph(nn.Module):
    """network.search as one graph: the uint8 S×S×3 BGR patch and the kernels (cls ones, then loc
    ones) in; cls, loc and the search features out. The patch's layout change and cast to float
    are in the graph."""

    def __init__(self, network: SiameseNetwork, cls_count: int):
        super().__init__()
        self.network = network
        self.cls_count = cls_count

    def forward(self, patch: torch.Tensor, *kernels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        image = patch.permute(2, 0, 1).unsqueeze(0).float()
        output = self.network.search(image, Kernels(list(kernels[:self.cls_count]), list(kernels[self.cls_count:])))
        return (output.cls, output.loc, *output.features)


class OnnxSearch:
    """One search size's graph in an ONNX Runtime session."""

    def __init__(self, network: SiameseNetwork, side: int, like: Kernels, threads: int):
        onnxruntime = import_onnxruntime()
        kernels = like.cls + like.loc
        names = [f"kernel{i}" for i in range(len(kernels))]
        graph = io.BytesIO()
        try:
            with warnings.catch_warnings():  # the TorchScript exporter's deprecation notice
                warnings.simplefilter("ignore")
                torch.onnx.export(_SearchGraph(network, len(like.cls)).eval(),
                                  (torch.zeros((side, side, 3), dtype=torch.uint8), *kernels), graph,
                                  dynamo=False, input_names=["patch", *names])
        except Exception as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise BackendError(f"{type(network).__name__} cannot be exported to ONNX for backend 'onnxruntime' "
                               f"({first}); use backend 'torch'") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(graph.getvalue(), options, providers=["CPUExecutionProvider"])
        # The exporter drops an input the graph never reads (none does today); feed only those it kept.
        kept = {node.name for node in self.session.get_inputs()}
        self.kernel_inputs = [(index, name) for index, name in enumerate(names) if name in kept]

    def run(self, patch: np.ndarray, kernels: Kernels) -> SearchOutput:
        """The search of `patch` with `kernels`; fresh tensors the caller owns."""
        every = kernels.cls + kernels.loc
        feeds = {"patch": np.ascontiguousarray(patch)}
        feeds.update((name, every[index].detach().cpu().contiguous().numpy()) for index, name in self.kernel_inputs)
        cls, loc, *features = (torch.from_numpy(array) for array in self.session.run(None, feeds))
        return SearchOutput(cls, loc, features)


@torch.inference_mode()
def onnx_searches(network: SiameseNetwork, search_sizes: tuple[int, ...], template_side: int,
                  threads: int) -> dict[int, OnnxSearch]:
    """One exported search graph per search size, for the kernels of a `template_side` template,
    in sessions with `threads` intra-op threads."""
    import_onnxruntime()  # before any export: its absence is the likelier problem
    like, _ = network.template(torch.zeros((1, 3, template_side, template_side)))
    return {side: OnnxSearch(network, side, like, threads) for side in search_sizes}
