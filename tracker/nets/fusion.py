"""The fast path's rewrites of a loaded network (the exact path runs it as loaded).

- fold_batchnorm: conv(x)·γ/√(σ²+ε) + (β − μ·γ/√(σ²+ε)) is one convolution with scaled weights
  and a bias, so inference skips a pass over every feature map. The folded weights are computed
  in float64 and rounded once to float32.
- split_correlations: SiamMargin's cls correlation as two plain depthwise correlations.
- fuse_for_cpu: each convolution with its activation (ReLU, ReLU6, hard-swish; and a ResNet or
  MobileNetV3 block's residual add) as one oneDNN call on weights laid out once; NanoTrack's
  channel attention takes its ReLU and sigmoid into its 1×1 convolutions. (MobileNetV3's
  squeeze-excite stays as loaded: as fused 1×1 convolutions on a 1×1 map it measured ~3% slower
  than its two matrix products.)
Together they move network outputs by at most ~2e-4 relative on the golden stand-in networks,
the size of float32's own error there (tests/test_fast_path.py states the tolerance and why).
"""
from __future__ import annotations

import torch
from torch import nn

from .layers import channel_correlation_split


def split_correlations(network: nn.Module) -> nn.Module:
    """Makes SiamMargin's cls head correlate with channel_correlation_split (same result, faster)."""
    from .heads import MarginClsHead

    for module in network.modules():
        if isinstance(module, MarginClsHead):
            module.correlation = channel_correlation_split
    return network


def fold_batchnorm(network: nn.Module) -> nn.Module:
    """Folds every BatchNorm2d of `network` into the Conv2d before it, in place; returns `network`.

    In every module of this package a BatchNorm2d is registered right after the Conv2d whose
    output it normalises (the order of the published checkpoints' keys), so the pairs are
    consecutive children. A BatchNorm2d left over means that rule was broken: an error, not a
    silently slower or wrong network.
    """
    for module in list(network.modules()):
        children = list(module.named_children())
        for (conv_name, conv), (bn_name, bn) in zip(children, children[1:]):
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                setattr(module, conv_name, _folded_conv(conv, bn))
                setattr(module, bn_name, nn.Identity())
    left = [name for name, m in network.named_modules() if isinstance(m, nn.BatchNorm2d)]
    if left:
        raise RuntimeError(f"BatchNorm layers not preceded by their convolution: {left[:5]}")
    return network


def _folded_conv(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    bias = conv.bias.double() if conv.bias is not None else torch.zeros_like(scale)
    folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                       padding=conv.padding, dilation=conv.dilation, groups=conv.groups, bias=True)
    with torch.no_grad():
        folded.weight.copy_(conv.weight.double() * scale.reshape(-1, 1, 1, 1))
        folded.bias.copy_(bn.bias.double() + (bias - bn.running_mean.double()) * scale)
    return folded.to(device=conv.weight.device, dtype=conv.weight.dtype).eval()


# ---------------------------------------------------------------------------------------------
# CPU: convolution + bias + activation (+ residual add) in one oneDNN call, weights prepacked.

_ACTIVATIONS = {nn.ReLU: ("relu", []), nn.ReLU6: ("hardtanh", [0.0, 6.0]), nn.Hardswish: ("hardswish", []),
                nn.Sigmoid: ("sigmoid", [])}


class FusedConv(nn.Module):
    """A (folded) convolution, its activation and optionally a residual add in one oneDNN
    primitive, with the weights reordered once into oneDNN's blocked layout instead of at every
    call. The same arithmetic as conv → (+ residual) → activation, minus two passes over memory."""

    def __init__(self, conv: nn.Conv2d, activation: nn.Module | None, input_size: list[int]):
        super().__init__()
        self.params = (list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups)
        self.attr, self.scalars = _ACTIVATIONS[type(activation)] if activation is not None else ("none", [])
        self.binary_unary = None if activation is None else self.attr  # the binary op spells "none" as None
        # The blocked layout is chosen for one input shape (the search size's); others still
        # compute correctly with it.
        weight = torch.ops.mkldnn._reorder_convolution_weight(conv.weight.detach(), *self.params, input_size)
        self.register_buffer("weight", weight)
        self.register_buffer("bias", conv.bias.detach() if conv.bias is not None else None)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        if residual is None:
            return torch.ops.mkldnn._convolution_pointwise(x, self.weight, self.bias, *self.params,
                                                           self.attr, self.scalars, "")
        return torch.ops.mkldnn._convolution_pointwise.binary(x, residual, self.weight, self.bias, *self.params,
                                                              "add", None, self.binary_unary, self.scalars, "")


class FusedBottleneck(nn.Module):
    """A folded ResNet Bottleneck as three (or four) fused oneDNN calls; the last adds the
    shortcut and applies the ReLU inside the convolution."""

    def __init__(self, block: nn.Module, input_sizes: dict[nn.Module, list[int]]):
        super().__init__()
        self.conv1 = FusedConv(block.conv1, nn.ReLU(), input_sizes[block.conv1])
        self.conv2 = FusedConv(block.conv2, nn.ReLU(), input_sizes[block.conv2])
        self.conv3 = FusedConv(block.conv3, nn.ReLU(), input_sizes[block.conv3])
        self.shortcut = (FusedConv(block.downsample[0], None, input_sizes[block.downsample[0]])
                         if block.downsample is not None else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.shortcut is None else self.shortcut(x)
        return self.conv3(self.conv2(self.conv1(x)), residual)


class FusedInvertedResidual(nn.Module):
    """A folded MobileNetV3 block with a shortcut: its projection (the last convolution, only
    folded BatchNorms after it) adds the block's input inside the oneDNN call."""

    def __init__(self, block: nn.Module, input_sizes: dict[nn.Module, list[int]]):
        super().__init__()
        layers = list(block.conv)
        last = max(i for i, layer in enumerate(layers) if isinstance(layer, nn.Conv2d))
        if not all(isinstance(layer, nn.Identity) for layer in layers[last + 1:]):
            raise RuntimeError("an inverted residual block with layers after its projection is not folded")
        self.body = nn.Sequential(*layers[:last])  # fused by fuse_for_cpu's Sequential pass
        self.project = FusedConv(layers[last], None, input_sizes[layers[last]])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(self.body(x), x)


def fuse_for_cpu(network: nn.Module, search_side: int) -> nn.Module:
    """Rewrites a BatchNorm-folded Siamese network, in place, for oneDNN on the CPU: every
    Bottleneck becomes a FusedBottleneck, every
    inverted residual with a shortcut a FusedInvertedResidual, channel attention's 1×1 convolutions
    take their ReLU and sigmoid, the ResNet stem's conv1 takes its ReLU, in every nn.Sequential a
    convolution followed by an activation oneDNN applies (only identities in between: folded BNs,
    absent squeeze-excites) becomes one FusedConv, and every other convolution a FusedConv
    without activation. (A hard-swish after a squeeze-excite stays: the multiply comes first.)
    Weights are laid out for the input shapes of a template pass and a search at `search_side`."""
    from .mobilenet_v3 import InvertedResidual
    from .nanotrack import ChannelAttention
    from .resnet import Bottleneck, _ResNetStem

    input_sizes = _conv_input_sizes(network, search_side)
    for module in list(network.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, Bottleneck):
                setattr(module, name, FusedBottleneck(child, input_sizes))
            if isinstance(child, InvertedResidual) and child.identity:
                setattr(module, name, FusedInvertedResidual(child, input_sizes))
    for module in list(network.modules()):
        if isinstance(module, ChannelAttention):  # fc1 → relu, fc2 → sigmoid
            module.fc1 = FusedConv(module.fc1, module.relu, input_sizes[module.fc1])
            module.fc2 = FusedConv(module.fc2, module.sigmoid, input_sizes[module.fc2])
            module.relu, module.sigmoid = nn.Identity(), nn.Identity()
        if isinstance(module, _ResNetStem):  # conv1 → (folded bn1) → relu
            module.conv1 = FusedConv(module.conv1, module.relu, input_sizes[module.conv1])
            module.relu = nn.Identity()
        if isinstance(module, nn.Sequential):
            layers = list(module)
            for i, layer in enumerate(layers[:-1]):
                # (identities between them: folded BatchNorms, absent squeeze-excites)
                following = [m for m in layers[i + 1:] if not isinstance(m, nn.Identity)][:1]
                if isinstance(layer, nn.Conv2d) and following and type(following[0]) in _ACTIVATIONS:
                    module[i] = FusedConv(layer, following[0], input_sizes[layer])
                    module[layers.index(following[0], i + 1)] = nn.Identity()
    # Every other convolution still gains from weights laid out once.
    for module in list(network.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.Conv2d) and child in input_sizes:
                setattr(module, name, FusedConv(child, None, input_sizes[child]))
    return network


@torch.inference_mode()
def _conv_input_sizes(network: nn.Module, search_side: int) -> dict[nn.Module, list[int]]:
    """Input shape of every convolution in a template pass followed by one search (the search's
    shape wins for convolutions that run in both)."""
    sizes: dict[nn.Module, list[int]] = {}
    hooks = [m.register_forward_pre_hook(lambda module, args: sizes.__setitem__(module, list(args[0].shape)))
             for m in network.modules() if isinstance(m, nn.Conv2d)]
    try:
        kernels, _ = network.template(torch.zeros(1, 3, 127, 127).to(memory_format=torch.channels_last))
        network.search(torch.zeros(1, 3, search_side, search_side).to(memory_format=torch.channels_last), kernels)
    finally:
        for hook in hooks:
            hook.remove()
    return sizes
