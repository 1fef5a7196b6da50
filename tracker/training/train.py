"""The training loop: `scripts/train CONFIG --data DIR[:FORMAT] ... --photos INDEX --out DIR`.

    python -m tracker.training.train models/siammargin_tiny/train.yaml \
        --data ../shared/data/sequences --photos ~/.cache/siammargin/photos/photos.json --out output/train/tiny

Deterministic given the config: every step draws its batch from a generator seeded by
(seed, step), so a resumed run sees the same batches as an uninterrupted one. Writes into --out:
  settings.yaml     the training config as run (plus the data it was given)
  train_state.pth   network, optimiser and step, every checkpoint_every steps (resume: run the
                    same command again)
  model.pth         the inference weights ({"state_dict": ...}, loads with load_tracker)
  log.csv           per-step losses, learning rate and validation AUC
  loss.png          loss curves and validation AUC
  summary.json      steps, wall time, machine, final validation AUC per held-out sequence
Validation: OPE success AUC on the held-out sequences (data.held_out) every validate_every steps,
with the tracker config's settings, through load_tracker exactly as users run it.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from ..config import load_config
from ..datasets import load_dataset
from ..datasets.sequence import Sequence
from ..errors import TrackerError
from ..config.validation import fail
from ..core.geometry import make_anchors, make_points
from ..zoo.checkpoint import load_weights
from ..zoo.registry import build_network
from .losses import total_loss
from .model import forward_pairs, to_tensor
from .pairs import PairSampler, PhotoSource, SequenceSource
from .pretrained import PretrainedError, initialise_backbone
from .settings import TrainingSettings, load_training_settings, settings_to_dict
from .targets import anchor_targets, point_targets

LOG_FIELDS = ["step", "lr", "total", "cls", "loc", "rank", "corr", "val_auc", "seconds"]


def read_data(specs: list[str]) -> list[Sequence]:
    """Sequences of every --data DIR[:FORMAT] (FORMAT as tracker.datasets names them; default vot)."""
    sequences = []
    for spec in specs:
        folder, _, layout = spec.partition(":") if ":" in spec and not os.path.exists(spec) else (spec, "", "")
        sequences += load_dataset(folder, layout or "vot")
    return sequences


def split(sequences: list[Sequence], held_out: tuple[str, ...]) -> tuple[list[Sequence], list[Sequence]]:
    names = {s.name for s in sequences}
    missing = [name for name in held_out if name not in names]
    if missing:
        raise TrackerError(f"held-out sequences not found in --data: {', '.join(missing)}")
    return ([s for s in sequences if s.name not in held_out], [s for s in sequences if s.name in held_out])


def check_head_family(settings: TrainingSettings, family: str) -> None:
    """The training config's targets and losses fit the model's head family (anchor | points)."""
    if settings.targets.family() != family:
        keys = "positive_iou and negative_iou" if family == "anchor" else "positive_radius and negative_radius"
        raise fail(settings.source, "targets", f"the model of {settings.tracker_config} has "
                   f"{'an anchor' if family == 'anchor' else 'a point'} head: give {keys}")
    if family == "points" and settings.loss.localisation != "iou":
        raise fail(settings.source, "loss.localisation",
                   "a point head regresses distances to the box's sides: use iou (NanoTrack's loss)")


def learning_rate(step: int, settings: TrainingSettings) -> float:
    """Linear warm-up to lr, then a cosine down to lr × final_lr_fraction."""
    o = settings.optimizer
    if step < o.warmup_steps:
        return o.lr * (step + 1) / o.warmup_steps
    progress = (step - o.warmup_steps) / max(1, settings.steps - o.warmup_steps)
    return o.lr * (o.final_lr_fraction + (1 - o.final_lr_fraction) * 0.5 * (1 + math.cos(math.pi * progress)))


def save_atomically(obj, path: Path) -> None:
    part = path.with_suffix(path.suffix + ".part")
    torch.save(obj, part)
    os.replace(part, path)


def inference_state(network: torch.nn.Module) -> dict:
    return {"state_dict": {k: v.detach().clone() for k, v in network.state_dict().items()}}


def validate(network: torch.nn.Module, tracker_config: Path, sequences: list[Sequence]) -> dict[str, float]:
    """OPE success AUC per held-out sequence (scored by evaluation.metrics, the dataset's rules),
    through load_tracker on the current weights."""
    from .. import load_tracker
    from ..evaluation.metrics import score_sequence, success_auc
    from ..evaluation.ope import run_ope

    with tempfile.TemporaryDirectory() as folder:
        weights = Path(folder) / "model.pth"
        torch.save(inference_state(network), weights)
        tracker = load_tracker(tracker_config, weights=weights)
        result = {}
        for sequence in sequences:
            boxes, _ = run_ope(tracker, sequence)
            result[sequence.name] = success_auc(score_sequence(sequence, boxes))
    return result


class Trainer:
    def __init__(self, settings: TrainingSettings, data: list[str], photos: Path | None, out: Path,
                 device: str = "cpu"):
        self.settings, self.out = settings, out
        self.device = torch.device(device)
        self.tracker_config = settings.tracker_config_path()
        config = load_config(self.tracker_config)
        tracker = config.tracker
        self.family = "anchor" if tracker.anchor is not None else "points"
        check_head_family(settings, self.family)
        score_size = tracker.score_size(tracker.instance_size)
        # The cells the tracker decodes (core.geometry), so that labels sit where scores are read.
        self.grid = (make_anchors(tracker.anchor.stride, tracker.anchor.ratios, tracker.anchor.scales, score_size)
                     if self.family == "anchor" else make_points(tracker.points.stride, score_size))
        torch.manual_seed(settings.seed)
        network = build_network(config.architecture)
        if settings.backbone.pretrained != "none":
            initialise_backbone(network)
        initial_weights = settings.initial_weights_path()
        if initial_weights is not None:  # untrusted file: tensors only, every key, strictly
            load_weights(network, initial_weights, config.architecture)
        self.network = network.to(self.device)
        self.optimizer = torch.optim.AdamW(self.parameter_groups(), lr=settings.optimizer.lr,
                                           weight_decay=settings.optimizer.weight_decay)
        self.train_mode()
        self.step, self.elapsed = 0, 0.0
        # Data last: the model and its settings are checked before any data is read.
        sequences = read_data(data) if data else []
        train_sequences, self.validation = split(sequences, settings.data.held_out) if sequences else ([], [])
        self.train_names = [s.name for s in train_sequences]
        self.sampler = PairSampler(
            SequenceSource(train_sequences, settings.data.frame_range) if train_sequences else None,
            PhotoSource(photos) if photos else None, settings.data, settings.augment,
            tracker.exemplar_size, tracker.instance_size, tracker.context_amount, tracker.crop_rounding)

    def parameter_groups(self) -> list[dict]:
        """The backbone's first `frozen_layers` layers (its `layers()`, input first: MobileNetV2's
        layer0.., MobileNetV3's stem and blocks) are fixed; its other layers learn at lr × lr_scale
        (pysot's and NanoTrack's way with a pretrained backbone); neck and head at lr."""
        backbone = self.settings.backbone
        layers = self.network.backbone.layers()
        if backbone.frozen_layers > len(layers):
            raise fail(self.settings.source, "backbone.frozen_layers",
                       f"this backbone has {len(layers)} layers, cannot freeze {backbone.frozen_layers}")
        frozen = {id(p) for layer in layers[:backbone.frozen_layers] for p in layer.parameters()}
        groups: dict[str, list] = {"backbone": [], "head": []}
        for name, parameter in self.network.named_parameters():
            if id(parameter) in frozen:
                parameter.requires_grad_(False)
            else:
                groups["backbone" if name.startswith("backbone.") else "head"].append(parameter)
        return [{"params": groups["backbone"], "lr_scale": backbone.lr_scale},
                {"params": groups["head"], "lr_scale": 1.0}]

    def train_mode(self) -> None:
        """Training mode, except the backbone's BatchNorm layers when the backbone starts from
        trained weights (backbone.pretrained or initial_weights): their statistics stay as loaded,
        frozen and trained layers alike (the statistics of millions of pairs; batches of 16 would
        only add noise, and NanoTrack's training keeps its frozen backbone's BN in eval mode too).
        Neck and head BatchNorm layers train (batch statistics, running averages updated)."""
        self.network.train()
        if self.settings.backbone.pretrained != "none" or self.settings.initial_weights != "none":
            for module in self.network.backbone.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.eval()

    # -- state ---------------------------------------------------------------------------------

    def resume(self) -> bool:
        path = self.out / "train_state.pth"
        if not path.is_file():
            return False
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.network.load_state_dict(state["network"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.elapsed = int(state["step"]), float(state["elapsed"])
        _truncate_log(self.out / "log.csv", self.step)
        return True

    def checkpoint(self) -> None:
        save_atomically({"network": self.network.state_dict(), "optimizer": self.optimizer.state_dict(),
                         "step": self.step, "elapsed": self.elapsed}, self.out / "train_state.pth")

    # -- one step ------------------------------------------------------------------------------

    def train_step(self) -> dict[str, float]:
        settings = self.settings
        rng = np.random.default_rng([settings.seed, self.step])
        pairs = self.sampler.batch(rng, settings.batch_size)
        label = anchor_targets if self.family == "anchor" else point_targets
        targets = [label(self.grid, p.box, p.positive, settings.targets, rng) for p in pairs]
        lr = learning_rate(self.step, settings)
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group["lr_scale"]
        outputs = forward_pairs(self.network, to_tensor([p.template for p in pairs], self.device),
                                to_tensor([p.search for p in pairs], self.device))
        loss = total_loss(outputs, targets, self.grid, settings.loss)
        self.optimizer.zero_grad(set_to_none=True)
        loss.total.backward()
        torch.nn.utils.clip_grad_norm_(self.network.parameters(), 10.0)
        self.optimizer.step()
        return {"lr": lr, **loss.parts}

    # -- the run -------------------------------------------------------------------------------

    def run(self, progress: bool = True) -> dict:
        from tqdm import tqdm

        self.out.mkdir(parents=True, exist_ok=True)
        resumed = self.resume()
        (self.out / "settings.yaml").write_text(yaml.safe_dump(
            {**settings_to_dict(self.settings), "trained_on": self.train_names,
             "validated_on": [s.name for s in self.validation]}, sort_keys=False))
        log_path = self.out / "log.csv"
        new_log = not log_path.is_file() or not resumed
        log = open(log_path, "w" if new_log else "a", newline="")
        writer = csv.DictWriter(log, fieldnames=LOG_FIELDS)
        if new_log:
            writer.writeheader()
        bar = tqdm(total=self.settings.steps, initial=self.step, disable=not progress, file=sys.stderr,
                   desc="train", dynamic_ncols=True)
        validation = {}
        try:
            while self.step < self.settings.steps:
                started = time.perf_counter()
                row = self.train_step()
                self.step += 1
                self.elapsed += time.perf_counter() - started
                last = self.step == self.settings.steps
                if self.validation and (self.step % self.settings.validate_every == 0 or last):
                    self.network.eval()
                    validation = validate(self.network, self.tracker_config, self.validation)
                    self.train_mode()
                    row["val_auc"] = float(np.mean(list(validation.values())))
                writer.writerow({"step": self.step, "seconds": round(self.elapsed, 1),
                                 **{k: (round(v, 5) if isinstance(v, float) else v) for k, v in row.items()}})
                if self.step % self.settings.checkpoint_every == 0 or last:
                    log.flush()
                    self.checkpoint()
                bar.update(1)
                bar.set_postfix(loss=f"{row['total']:.3f}",
                                **({"val_auc": f"{row['val_auc']:.3f}"} if "val_auc" in row else {}))
        finally:
            bar.close()
            log.close()
        self.network.eval()
        save_atomically(inference_state(self.network), self.out / "model.pth")
        plot_log(log_path, self.out / "loss.png")
        summary = {"steps": self.step, "wall_seconds": round(self.elapsed, 1),
                   "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                              f"torch {torch.__version__}, {torch.get_num_threads()} threads, {self.device}",
                   "validation_auc": validation,
                   "validation_mean_auc": float(np.mean(list(validation.values()))) if validation else None}
        (self.out / "summary.json").write_text(json.dumps(summary, indent=1))
        return summary


def _truncate_log(path: Path, step: int) -> None:
    """Drops log rows after `step` (written after the last checkpoint of an interrupted run)."""
    if not path.is_file():
        return
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LOG_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def plot_log(log_path: Path, png: Path) -> None:
    plot_logs({"": log_path}, png)


def plot_logs(logs: dict[str, Path], png: Path, smoothing: int = 50) -> None:
    """Loss curves (moving mean) and validation AUC of one or more runs' log.csv, labelled."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (losses, auc) = plt.subplots(1, 2, figsize=(11, 4))
    for label, log_path in logs.items():
        with open(log_path, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows:
            continue
        steps = np.array([int(r["step"]) for r in rows])
        prefix = f"{label}: " if label else ""
        for name in ("total", "cls", "loc", "rank", "corr"):
            values = np.array([float(r[name]) if r.get(name) else np.nan for r in rows])
            if np.all(np.isnan(values)):
                continue
            window = max(1, min(smoothing, len(values) // 5))
            smooth = np.convolve(np.nan_to_num(values), np.ones(window) / window, mode="valid")
            losses.plot(steps[window - 1:], smooth, label=prefix + name,
                        linestyle="--" if label and label != list(logs)[0] else "-")
        marked = [(int(r["step"]), float(r["val_auc"])) for r in rows if r.get("val_auc")]
        if marked:
            auc.plot(*zip(*marked), marker="o", label=label or None)
    losses.set(xlabel="step", ylabel=f"loss (moving mean of {smoothing})", title="training losses", yscale="log")
    losses.legend(fontsize=7)
    auc.set(xlabel="step", ylabel="success AUC (OPE)", title="validation on held-out sequences", ylim=(0, 1))
    if len(logs) > 1:
        auc.legend()
    figure.tight_layout()
    figure.savefig(png, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path, help="training config (e.g. models/siammargin_tiny/train.yaml)")
    parser.add_argument("--data", action="append", default=[],
                        help="annotated sequences, DIR or DIR:FORMAT (vot, ...); repeatable")
    parser.add_argument("--photos", type=Path, help="photos.json from python -m tracker.training.photos")
    parser.add_argument("--out", type=Path, required=True, help="output folder (an existing run resumes)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, help="override the config's steps (smoke runs)")
    parser.add_argument("--seed", type=int, help="override the config's seed (an ablation's seeds)")
    parser.add_argument("--threads", type=int, help="intra-op threads (default: PyTorch's, one per core)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        settings = load_training_settings(args.config)
        overrides = {key: value for key, value in (("steps", args.steps), ("seed", args.seed)) if value is not None}
        if overrides:
            import dataclasses
            settings = dataclasses.replace(settings, **overrides)
        summary = Trainer(settings, args.data, args.photos, args.out, args.device).run()
    except (TrackerError, ValueError, PretrainedError) as error:
        print(f"train: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
