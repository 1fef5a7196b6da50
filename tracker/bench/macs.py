"""How much arithmetic one search is: the numerator of the network floor (MACs / rate)."""
from __future__ import annotations

import torch

from ..zoo.registry import build_network


def search_macs(architecture: str, search_size: int) -> float:
    """Multiply-accumulates of one search (convolutions and correlations), in GMAC."""
    network = build_network(architecture)
    total = [0]

    def count(module, inputs, output):
        kh, kw = module.kernel_size
        total[0] += output.numel() * (module.in_channels // module.groups) * kh * kw

    with torch.inference_mode():
        kernels, _ = network.template(torch.zeros(1, 3, 127, 127))
        hooks = [m.register_forward_hook(count) for m in network.modules() if isinstance(m, torch.nn.Conv2d)]
        output = network.search(torch.zeros(1, 3, search_size, search_size), kernels)
        for hook in hooks:
            hook.remove()
    # The correlations are F.conv2d calls, not modules: one kernel area per output channel and
    # score-map cell (kernel.numel() = output channels × kernel area).
    cells = output.cls.size(-1) ** 2
    total[0] += sum(kernel.numel() * cells for kernel in kernels.cls + kernels.loc)
    return total[0] / 1e9
