"""Training losses: pysot's RPN losses and SiamMargin's large-margin classification loss.

Notation, per anchor i of a pair: d_i = z_fg − z_bg, the foreground-minus-background logit, so the
tracker's score is p_i = softmax(z)_fg = σ(d_i). Labels come from targets.py (sampled positives
P, sampled negatives N; all positives P*; D* the negatives centred outside the target's box, where distractors are).

pysot (classification = cross_entropy):
    L_cls = ½·mean_{i∈P} softplus(−d_i) + ½·mean_{i∈N} softplus(d_i)      (binary cross-entropy)

Large margin (classification = large_margin), our design of what the SiamMargin talk describes
("harsh supervision": a large-margin classification loss that pushes hard negatives, semantically
similar distractors, below the target's response while the target keeps its response, and
supervision of the correlation map itself). The exact published form does not exist, so:
    L_cls  = ½·mean_{i∈P} softplus(m − d_i) + ½·mean_{i∈N} softplus(m + d_i)
             an additive margin m on the logits (AM-softmax's idea for two classes): a positive
             is only "right" once d > m, a negative once d < −m, instead of at 0;
    L_rank = mean_{j ∈ top-k of D* by d} softplus(d_j − mean_{i∈P*} d_i + m)
             the k hardest negatives away from the target (distractors score highest) must sit m
             below the target's mean response: a margin ranking loss, whose gradient lifts the
             target as much as it pushes the distractor down, so the cheap way out (lowering
             every foreground logit, the target's too) does not pay. Negatives on the target's
             own cells (other anchor shapes there) are left to L_cls.
             Two designs failed on the first 200 steps and are recorded so nobody repeats them:
             ranking every negative including the target's own cells, and a stop-gradient on the
             target's side (meant to "keep the target's response"): in both, L_cls rose from
             1.3 to 3–10 while the cross-entropy run's fell, the foreground logits all dropping;
    L_corr = mean_{c ∈ top-k of D*cells by r̂} softplus(r̂_c − mean_{c∈P*cells} r̂_c + m)
             the same ranking on the cls correlation map itself (the channel mean of the
             correlation, standardised per pair: r̂ = (r − mean r)/std r), so the features, not
             only the 1×1 head after them, separate the target from look-alikes;
    total  = L_cls + rank_weight·L_rank + correlation_weight·L_corr.
With m = 0 and both weights 0 this is exactly the cross-entropy loss. Negative pairs (no target
in the search crop) contribute to L_cls only.

Localisation, on sampled positives: smooth-L1 on (dx, dy, dw, dh) (pysot's regression target), or
an IoU loss 1 − IoU(decoded box, target box).

Point heads (NanoTrack): one cell is one point (A = 1), so every formula above holds unchanged on
its (B, 2, n, n) logits, NanoTrack's own loss being the cross-entropy one (its
select_cross_entropy_loss: ½·positives + ½·negatives, means over the batch); the correlation map
is the head's cls-branch correlation. Localisation is NanoTrack's linear IoU loss on the (left,
top, right, bottom) distances of sampled positives: 1 − (I + 1)/(U + 1), both boxes placed around
the same point (localisation: iou; the config's loc_weight is NanoTrack's LOC_WEIGHT).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .model import PairOutputs
from .settings import LossSettings
from .targets import AnchorTargets, PointTargets


@dataclass
class LossParts:
    total: torch.Tensor
    parts: dict[str, float]


def logit_margins(cls: torch.Tensor) -> torch.Tensor:
    """(B, 2A, n, n) logits → d = z_fg − z_bg as (B, A·n²), in the tracker's flat anchor order."""
    anchors = cls.size(1) // 2
    return (cls[:, anchors:] - cls[:, :anchors]).reshape(cls.size(0), -1)


def classification_loss(d: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """½·mean over sampled positives of softplus(m − d) + ½·mean over sampled negatives of
    softplus(m + d); m = 0 is pysot's cross-entropy. Means are over the whole batch."""
    positive, negative = labels == 1, labels == 0
    loss = d.new_zeros(())
    if positive.any():
        loss = loss + 0.5 * F.softplus(margin - d[positive]).mean()
    if negative.any():
        loss = loss + 0.5 * F.softplus(margin + d[negative]).mean()
    return loss


def ranking_loss(scores: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float,
                 hardest: int) -> torch.Tensor:
    """mean over pairs with a target of: mean over the k highest-scoring negatives j of
    softplus(s_j − mean of the positives' scores + m). scores, positive, negative: (B, N)."""
    losses = []
    for s, pos, neg in zip(scores, positive, negative):
        if not pos.any() or not neg.any():
            continue
        target = s[pos].mean()
        hard = torch.topk(s[neg], min(hardest, int(neg.sum()))).values
        losses.append(F.softplus(hard - target + margin).mean())
    return torch.stack(losses).mean() if losses else scores.new_zeros(())


def correlation_response(correlation: torch.Tensor) -> torch.Tensor:
    """The correlation map's channel mean, standardised per pair: (B, n²)."""
    response = correlation.mean(dim=1).flatten(1)
    return (response - response.mean(dim=1, keepdim=True)) / (response.std(dim=1, keepdim=True) + 1e-6)


def localisation_loss(loc: torch.Tensor, targets: list[AnchorTargets], labels: torch.Tensor,
                      anchors: torch.Tensor, kind: str) -> torch.Tensor:
    """On sampled positives. loc: (B, 4A, n, n); anchors: (N, 4) (cx, cy, w, h)."""
    predicted = loc.reshape(loc.size(0), 4, -1)                      # (B, 4, N)
    positive = labels == 1                                            # (B, N)
    if not positive.any():
        return loc.new_zeros(())
    deltas = torch.from_numpy(np.stack([t.deltas for t in targets])).to(loc.device)  # (B, 4, N)
    pred = predicted.permute(0, 2, 1)[positive]                      # (P, 4)
    goal = deltas.permute(0, 2, 1)[positive]
    if kind == "smooth_l1":
        return F.smooth_l1_loss(pred, goal, beta=1 / 9, reduction="sum") / positive.sum()
    anchor = anchors.unsqueeze(0).expand(loc.size(0), -1, -1)[positive]  # (P, 4)
    return (1 - _decoded_iou(pred, goal, anchor)).mean()


def _decoded_iou(pred: torch.Tensor, goal: torch.Tensor, anchor: torch.Tensor) -> torch.Tensor:
    def decode(delta):
        center = delta[:, :2] * anchor[:, 2:] + anchor[:, :2]
        size = torch.exp(delta[:, 2:].clamp(max=4)) * anchor[:, 2:]
        return torch.cat([center - size / 2, center + size / 2], dim=1)
    a, b = decode(pred), decode(goal)
    low, high = torch.maximum(a[:, :2], b[:, :2]), torch.minimum(a[:, 2:], b[:, 2:])
    inter = (high - low).clamp(min=0).prod(dim=1)
    union = (a[:, 2:] - a[:, :2]).prod(dim=1) + (b[:, 2:] - b[:, :2]).prod(dim=1) - inter
    return inter / union


def distance_iou_loss(loc: torch.Tensor, targets: list[PointTargets], labels: torch.Tensor) -> torch.Tensor:
    """Point heads, on sampled positives: 1 − (I + 1)/(U + 1) of the predicted and the target
    box, both given as (left, top, right, bottom) distances from the same point. loc: (B, 4, n, n)."""
    positive = labels == 1                                            # (B, N)
    if not positive.any():
        return loc.new_zeros(())
    distances = torch.from_numpy(np.stack([t.distances for t in targets])).to(loc.device)  # (B, 4, N)
    pred = loc.reshape(loc.size(0), 4, -1).permute(0, 2, 1)[positive]  # (P, 4)
    goal = distances.permute(0, 2, 1)[positive]

    def area(d):
        return (d[:, 0] + d[:, 2]) * (d[:, 1] + d[:, 3])
    overlap = torch.minimum(pred, goal)
    inter = (overlap[:, 0] + overlap[:, 2]) * (overlap[:, 1] + overlap[:, 3])
    union = area(pred) + area(goal) - inter
    return (1 - (inter + 1) / (union + 1)).mean()


def total_loss(outputs: PairOutputs, targets: list[AnchorTargets] | list[PointTargets], grid: np.ndarray,
               settings: LossSettings) -> LossParts:
    """`targets` and `grid` of one head family: anchor targets and the anchors (N, 4), or point
    targets and the points (N, 2) (the latter's losses need no grid)."""
    device = outputs.cls.device
    labels = torch.from_numpy(np.stack([t.labels for t in targets]).astype(np.int64)).to(device)
    d = logit_margins(outputs.cls)
    large_margin = settings.classification == "large_margin"
    margin = settings.margin if large_margin else 0.0
    cls = classification_loss(d, labels, margin)
    if isinstance(targets[0], PointTargets):
        loc = distance_iou_loss(outputs.loc, targets, labels)
    else:
        anchor_tensor = torch.from_numpy(grid.astype(np.float32)).to(device)
        loc = localisation_loss(outputs.loc, targets, labels, anchor_tensor, settings.localisation)
    total = cls + settings.loc_weight * loc
    parts = {"cls": float(cls.detach()), "loc": float(loc.detach())}
    if large_margin:
        positive = torch.from_numpy(np.stack([t.positive for t in targets])).to(device)
        negative = torch.from_numpy(np.stack([t.distractor for t in targets])).to(device)
        rank = ranking_loss(d, positive, negative, settings.margin, settings.hard_negatives)
        # A cell is positive when any of its anchors is, a distractor cell when all of its anchors
        # are distractor negatives.
        cells = outputs.cls.size(-1) ** 2
        anchors_per_cell = positive.size(1) // cells
        positive_cells = positive.reshape(len(targets), anchors_per_cell, cells).any(dim=1)
        negative_cells = negative.reshape(len(targets), anchors_per_cell, cells).all(dim=1)
        corr = ranking_loss(correlation_response(outputs.correlation), positive_cells, negative_cells,
                            settings.margin, settings.hard_negatives)
        total = total + settings.rank_weight * rank + settings.correlation_weight * corr
        parts.update(rank=float(rank.detach()), corr=float(corr.detach()))
    parts["total"] = float(total.detach())
    return LossParts(total, parts)
