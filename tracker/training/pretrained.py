"""A pretrained backbone for our own model: MobileNetV2 1.0 from Google's SSD MobileNetV2 detector
trained on Open Images V4 (23 object classes), as shipped in the npm package @mediapipe/objectron
(licence Apache-2.0).

    python -m tracker.training.pretrained [--cache DIR] [--verify PHOTO]

The package's tarball is fetched from the npm registry (no npm needed) into a cache outside the
repository (default ~/.cache/siammargin/pretrained), its hash checked, and the TFLite model is cut
out of the package's packed assets. Its convolutions are read in execution order with the
`tflite` schema package (the training extra) and mapped onto tracker.nets.mobilenet.MobileNetV2:

- TFLite folded each BatchNorm into its convolution (weights + bias). Our modules keep pysot's
  conv + BatchNorm layout, so each BatchNorm is set to the identity that adds the folded bias
  (γ = 1, μ = 0, σ² = 1 − ε, β = bias): the same function, and fold_batchnorm folds it back.
- The detector takes RGB scaled to [-1, 1]; the tracker feeds BGR 0–255. The first convolution
  absorbs both (channels reversed, weights / 127.5, bias − Σ weights); it has no padding, so the
  rewrite is exact everywhere.
- pysot's first block has a 1×1 expansion that Google's has not (expansion 1): it is set to the
  identity (its input is a ReLU6 output, so the ReLU6 after it changes nothing).
- Geometry stays pysot's (tracker.nets.mobilenet): no padding on stride-2 layers and stage 4
  dilated instead of strided, so features stay at stride 8. Google's TF "SAME" padding puts the
  extra row right and bottom; `--verify` reproduces that geometry with padding hooks and compares
  the converted network with the TFLite interpreter (ai-edge-litert) on a real photograph.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..zoo.download import fetch
from ..nets.mobilenet import MobileNetV2

PACKAGE = "@mediapipe/objectron"
VERSION = "0.4.1675468480"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/objectron-{VERSION}.tgz"
TARBALL_SHA256 = "fc3e37b326b05e8f596099c90b3e0931b05a56cd3160b9ac450b621794bac94c"
ASSETS = "package/objectron_solution_packed_assets.data"
ASSETS_LOADER = "package/objectron_solution_packed_assets_loader.js"
MODEL_NAME = "object_detection_ssd_mobilenetv2_oidv4_fp16.tflite"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "siammargin" / "pretrained"
BN_EPS = 1e-5  # nn.BatchNorm2d's default, the ε of every BatchNorm in MobileNetV2


class PretrainedError(RuntimeError):
    """The pretrained weights cannot be fetched, read or mapped; the message says what to do."""


def fetch_model(cache: Path = DEFAULT_CACHE) -> Path:
    """The detector's .tflite file in the cache, fetched and checked on first use."""
    model = cache / MODEL_NAME
    if model.is_file():
        return model
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"objectron-{VERSION}.tgz"
    if not tarball.is_file():
        try:
            fetch(TARBALL_URL, tarball, timeout=120)
        except OSError as error:
            raise PretrainedError(f"cannot download {TARBALL_URL} ({error}); check the network, or "
                                  f"place the tarball at {tarball}") from error
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise PretrainedError(f"{tarball} has sha256 {digest}, expected {TARBALL_SHA256}: "
                              "delete it and run again")
    with tarfile.open(tarball) as archive:
        loader = archive.extractfile(ASSETS_LOADER).read().decode()
        assets = archive.extractfile(ASSETS).read()
    # The loader lists the packed files as {"filename": ..., "start": ..., "end": ...}.
    entries = [json.loads(m) for m in re.findall(r'\{"filename":[^{}]*\}', loader)]
    entry = next((e for e in entries if e["filename"].endswith("/" + MODEL_NAME)), None)
    if entry is None:
        raise PretrainedError(f"{MODEL_NAME} is not among the packed assets of {PACKAGE}@{VERSION}")
    partial = model.with_suffix(".partial")
    partial.write_bytes(assets[entry["start"]:entry["end"]])
    partial.replace(model)
    return model


@dataclass
class TfliteConv:
    """One convolution of the TFLite graph, in PyTorch's layout."""
    depthwise: bool
    weight: np.ndarray       # (out, in/groups, kh, kw) float32
    bias: np.ndarray         # (out,) float32: the folded BatchNorm
    stride: int
    activation: str          # NONE | RELU6


def read_convolutions(path: Path) -> list[TfliteConv]:
    """Every CONV_2D / DEPTHWISE_CONV_2D of the model, in execution order, weights dequantised."""
    try:
        import tflite
    except ImportError as error:
        raise PretrainedError("reading the pretrained model needs the `tflite` package: "
                              "pip install -e .[training]") from error
    buffer = path.read_bytes()
    model = tflite.Model.GetRootAsModel(buffer, 0)
    graph = model.Subgraphs(0)
    op_names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    activations = {v: k for k, v in vars(tflite.ActivationFunctionType).items() if not k.startswith("_")}

    def op_name(op) -> str:
        code = model.OperatorCodes(op.OpcodeIndex())
        return op_names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]

    producers = {}
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        for out in op.OutputsAsNumpy():
            producers[int(out)] = op

    def constant(index: int) -> np.ndarray:
        op = producers.get(index)
        if op is not None and op_name(op) == "DEQUANTIZE":
            index = int(op.InputsAsNumpy()[0])
        tensor = graph.Tensors(index)
        dtype = {tflite.TensorType.FLOAT16: np.float16, tflite.TensorType.FLOAT32: np.float32}[tensor.Type()]
        data = model.Buffers(tensor.Buffer()).DataAsNumpy().view(dtype)
        return data.reshape(tensor.ShapeAsNumpy()).astype(np.float32)

    convolutions = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        name = op_name(op)
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            continue
        depthwise = name == "DEPTHWISE_CONV_2D"
        options_type = tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions
        options = options_type()
        table = op.BuiltinOptions()
        options.Init(table.Bytes, table.Pos)
        _, weight_index, bias_index = (int(j) for j in op.InputsAsNumpy())
        weight = constant(weight_index)              # OHWI; depthwise: 1HWC
        weight = weight.transpose(3, 0, 1, 2) if depthwise else weight.transpose(0, 3, 1, 2)
        convolutions.append(TfliteConv(depthwise, np.ascontiguousarray(weight), constant(bias_index),
                                       options.StrideH(), activations[options.FusedActivationFunction()]))
    return convolutions


def _conv_bn_pairs(backbone: MobileNetV2) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """Our (conv, BN) pairs in execution order, without pysot's extra expansion of block 1."""
    pairs = [(backbone.layer0[0], backbone.layer0[1])]
    for index in range(1, len(backbone.stages) + 1):
        for block_index, block in enumerate(getattr(backbone, f"layer{index}")):
            convs = [(block.conv[3], block.conv[4]), (block.conv[6], block.conv[7])]
            if not (index == 1 and block_index == 0):
                convs.insert(0, (block.conv[0], block.conv[1]))
            pairs += convs
    return pairs


def _set(conv: nn.Conv2d, bn: nn.BatchNorm2d, weight: np.ndarray, bias: np.ndarray) -> None:
    if tuple(conv.weight.shape) != weight.shape:
        raise PretrainedError(f"pretrained weight of shape {weight.shape} does not fit a convolution of "
                              f"shape {tuple(conv.weight.shape)}: not the expected MobileNetV2 1.0")
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
        bn.weight.fill_(1.0)
        bn.bias.copy_(torch.from_numpy(bias))
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)


def load_into(backbone: MobileNetV2, convolutions: list[TfliteConv]) -> None:
    """Sets every layer of `backbone` (MobileNetV2, width 1.0, any depth) from the detector's
    convolutions; see the module docstring for the three rewrites."""
    if backbone.width_mult != 1.0:
        raise PretrainedError(f"the pretrained MobileNetV2 has width 1.0, this backbone {backbone.width_mult}")
    if any(isinstance(m, nn.BatchNorm2d) and m.eps != BN_EPS for m in backbone.modules()):
        raise PretrainedError("the backbone's BatchNorm layers must use eps 1e-5")
    pairs = _conv_bn_pairs(backbone)
    if len(convolutions) < len(pairs):
        raise PretrainedError(f"the model has {len(convolutions)} convolutions, the backbone needs {len(pairs)}")
    first = convolutions[0]
    weight = first.weight[:, ::-1] / 127.5                      # RGB → BGR, [-1, 1] → 0–255
    bias = first.bias - first.weight.sum(axis=(1, 2, 3))
    _set(*pairs[0], np.ascontiguousarray(weight, dtype=np.float32), bias.astype(np.float32))
    for (conv, bn), source in zip(pairs[1:], convolutions[1:]):
        if (conv.groups > 1) != source.depthwise:
            raise PretrainedError("the pretrained convolutions do not line up with the backbone's layers")
        _set(conv, bn, source.weight, source.bias)
    expand, expand_bn = backbone.layer1[0].conv[0], backbone.layer1[0].conv[1]
    channels = expand.weight.shape[0]
    _set(expand, expand_bn, np.eye(channels, dtype=np.float32).reshape(channels, channels, 1, 1),
         np.zeros(channels, dtype=np.float32))


def initialise_backbone(network: nn.Module, cache: Path = DEFAULT_CACHE) -> None:
    """Loads the pretrained weights into `network.backbone` (a MobileNetV2)."""
    backbone = getattr(network, "backbone", None)
    if not isinstance(backbone, MobileNetV2):
        raise PretrainedError("pretrained initialisation needs a network whose backbone is "
                              f"tracker.nets.mobilenet.MobileNetV2, not {type(backbone).__name__}")
    load_into(backbone, read_convolutions(fetch_model(cache)))


# -- verification against the TFLite interpreter ------------------------------------------------

def tf_geometry(backbone: MobileNetV2) -> None:
    """Gives `backbone` Google's geometry in place (TF SAME padding by pre-hooks; stage 4 strided,
    not dilated), for checking it against the TFLite interpreter. The backbone is changed for
    good: use a fresh one for anything else."""

    def same_padding(value: float):
        def hook(module, inputs):  # a 3×3 stride-2 window: TF pads 1 + n % 2 in all, the odd one after
            total = 1 + inputs[0].shape[-1] % 2
            before = total // 2
            return (nn.functional.pad(inputs[0], (before, total - before) * 2, value=value),)
        return hook

    backbone.layer0[0].register_forward_pre_hook(same_padding(127.5))
    for index in range(1, len(backbone.stages) + 1):
        for block in getattr(backbone, f"layer{index}"):
            depthwise = block.conv[3]
            depthwise.dilation, depthwise.padding = (1, 1), (1, 1)
            if index == 4 and block is getattr(backbone, "layer4")[0]:
                depthwise.stride = (2, 2)
            if depthwise.stride == (2, 2):
                depthwise.padding = (0, 0)
                depthwise.register_forward_pre_hook(same_padding(0.0))


def verify(cache: Path = DEFAULT_CACHE, image_path: Path | None = None) -> float:
    """Largest |difference| / max |value| between the converted backbone's last output and the
    TFLite interpreter's tensor of the same layer, on a 300×300 photograph."""
    import cv2
    from ai_edge_litert.interpreter import Interpreter

    path = fetch_model(cache)
    backbone = MobileNetV2(1.0, last_layer=4).eval()
    load_into(backbone, read_convolutions(path))
    tf_geometry(backbone)
    image = cv2.imread(str(image_path)) if image_path else None
    if image is None:
        raise PretrainedError(f"cannot read the photograph {image_path}")
    bgr = cv2.resize(image, (300, 300), interpolation=cv2.INTER_AREA)
    with torch.no_grad():
        ours = backbone(torch.from_numpy(bgr).permute(2, 0, 1)[None].float())[-1][0].numpy()
    interpreter = Interpreter(model_path=str(path), experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    rgb = bgr[:, :, ::-1].astype(np.float32) / 127.5 - 1.0
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], rgb[None])
    interpreter.invoke()
    # The output of the last block of stage 4 (expanded_conv_9, a residual add: 19×19×64).
    details = [d for d in interpreter.get_tensor_details()
               if d["name"].endswith("expanded_conv_9/add") and list(d["shape"]) == [1, 19, 19, 64]]
    if len(details) != 1:
        raise PretrainedError("cannot find expanded_conv_9/add in the TFLite graph")
    theirs = interpreter.get_tensor(details[0]["index"])[0].transpose(2, 0, 1)
    return float(np.abs(ours - theirs).max() / np.abs(theirs).max())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--verify", type=Path, metavar="PHOTO",
                        help="compare with the TFLite interpreter (needs ai-edge-litert) on this photograph")
    args = parser.parse_args(argv)
    try:
        path = fetch_model(args.cache)
        print(f"{path} ({len(read_convolutions(path))} convolutions)")
        if args.verify:
            print(f"max |ours − TFLite| / max |TFLite| at expanded_conv_9: {verify(args.cache, args.verify):.2e}")
    except PretrainedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
