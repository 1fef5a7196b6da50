"""Checks the training tests of each head family share (test_training.py: anchors,
test_nano_training.py: points): a fixed batch of pairs and a few optimiser steps on it, and
trained weights served by load_tracker computing what training computed."""
import dataclasses

import cv2
import numpy as np
import torch

from tracker import load_tracker

from tracker.training.losses import total_loss
from tracker.training.model import forward_pairs, to_tensor
from tracker.training.pairs import Pair, make_pair

NO_AUGMENT = dict(template_shift=0, template_scale=0, search_shift=0, search_scale=0, color=0, blur=0,
                  grey=0, flip=0)


def fixed_pairs(augment, shift, rng: np.random.Generator) -> list[Pair]:
    """Four pairs of one random-texture image, no augmentation, the search box moved by `shift`."""
    image = cv2.resize(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), (640, 480))
    boxes = [np.array([100.0 + 80 * i, 150.0, 60, 50]) for i in range(4)]
    augment = dataclasses.replace(augment, **NO_AUGMENT)
    return [make_pair(image, b, image, b + [*shift, 0, 0], rng, augment, 127, 255, 0.5, "half_up") for b in boxes]


def losses_over_steps(network, pairs, targets, grid, loss_settings, steps: int = 12) -> list[dict]:
    """Each step's loss parts, AdamW at lr 1e-3 on the same batch."""
    templates = to_tensor([p.template for p in pairs], torch.device("cpu"))
    searches = to_tensor([p.search for p in pairs], torch.device("cpu"))
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss = total_loss(forward_pairs(network, templates, searches), targets, grid, loss_settings)
        optimizer.zero_grad()
        loss.total.backward()
        optimizer.step()
        losses.append(loss.parts)
    return losses


def assert_served_as_trained(network, config, weights) -> None:
    """`weights` (the run's model.pth) load strictly into `config`'s tracker through the public API,
    and its network gives the trained `network`'s cls and loc on a random pair."""
    tracker = load_tracker(config, weights=weights, exact=True)
    rng = np.random.default_rng(3)
    template = rng.integers(0, 255, (127, 127, 3), dtype=np.uint8)
    search = rng.integers(0, 255, (255, 255, 3), dtype=np.uint8)
    with torch.inference_mode():
        trained = forward_pairs(network.eval(), to_tensor([template], torch.device("cpu")),
                                to_tensor([search], torch.device("cpu")))
        served = tracker.runner.search(search, tracker.runner.template(template))
    torch.testing.assert_close(served.cls, trained.cls, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(served.loc, trained.loc, rtol=1e-4, atol=1e-4)
