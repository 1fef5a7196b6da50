"""Safe, strict loading of pysot / SiamMargin checkpoints.

A checkpoint is untrusted data: it is read with `weights_only=True`, so a pickle that tries to
run code is refused instead of executed. Accepted layouts: a bare state dict, or one wrapped as
{"state_dict": ...} beside other entries (NanoTrack's files: {"epoch", "state_dict", "optimizer"});
keys may carry DataParallel's `module.` prefix. Every tensor the network
needs must be present with its shape; anything extra is an error too (pysot silently keeps
random weights for missing keys, which is how a wrong checkpoint goes unnoticed).
"""
from __future__ import annotations

import os
import pickle
import zipfile

import numpy
import torch
from torch import nn

from ..errors import CheckpointError
from .registry import MODELS, build_network

OPTIONAL_SUFFIX = "num_batches_tracked"  # BN bookkeeping absent from PyTorch < 0.4 checkpoints
SHOWN = 5                                 # how many keys an error message lists

try:
    from numpy._core.multiarray import scalar as _numpy_scalar  # numpy ≥ 2
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import scalar as _numpy_scalar
# NanoTrack's published files keep their optimizer's state, which pickles numpy scalars. These
# three types rebuild numpy scalars and dtypes from plain data (no code runs); the safe loader
# is told about them for each load only (a scoped allowlist, not a global registration). The
# scalar constructor is named numpy.core.multiarray.scalar in files numpy 1.x wrote (NanoTrack's),
# numpy._core.multiarray.scalar in files numpy 2 writes: both names are accepted.
NUMPY_SCALAR_TYPES = [_numpy_scalar, (_numpy_scalar, "numpy.core.multiarray.scalar"), numpy.dtype,
                      type(numpy.dtype("float64"))]


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Reads a checkpoint file into {key: float tensor} on the CPU, unwrapped and unprefixed."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"weights file not found: {path}")
    if os.path.getsize(path) == 0:
        raise CheckpointError(f"weights file is empty: {path}")
    try:
        with torch.serialization.safe_globals(NUMPY_SCALAR_TYPES):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{_unpickling_problem(path, str(e))}: {path}") from None
    except (EOFError, RuntimeError, zipfile.BadZipFile, ValueError, OSError, UnicodeDecodeError) as e:
        raise CheckpointError(
            f"cannot read weights file {path} (truncated, corrupt, or not a PyTorch checkpoint): "
            f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}") from None
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    if not isinstance(data, dict) or not data:
        raise CheckpointError(f"weights file {path} does not hold a state dict "
                              f"(got {type(data).__name__}); expected {{name: tensor}} or {{'state_dict': {{...}}}}")
    state = {}
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise CheckpointError(f"weights file {path}: entry {key!r} is not a named tensor")
        key = key[len("module."):] if key.startswith("module.") else key
        if value.is_floating_point() and value.dtype != torch.float32:
            value = value.float()  # fp16/bf16/fp64 checkpoints: compute in fp32
        state[key] = value
    return state


def _unpickling_problem(path: str, message: str) -> str:
    """One line for torch's multi-paragraph weights_only refusal."""
    for line in message.splitlines():
        if "GLOBAL" in line:  # e.g. "Trying to load unsupported GLOBAL posix.system ..."
            return ("refusing to load a checkpoint that would run pickled Python code "
                    f"({line.strip().rstrip('.')}); only plain tensor state dicts are accepted")
        if "but got <class" in line:  # a type the safe loader does not rebuild (e.g. a numpy float32)
            return (f"refusing to load a checkpoint holding {line.rpartition('but got ')[2].strip()}, "
                    "which the safe loader does not rebuild; only plain tensor state dicts are accepted")
    return "cannot read weights file (corrupt, or not a PyTorch checkpoint)"


def _looks_like(keys: set[str]) -> str | None:
    """The known architecture whose keys best match a checkpoint's, for the error message."""
    best, best_score = None, 0.0
    for name in MODELS:
        wanted = set(build_network(name).state_dict())
        score = len(keys & wanted) / len(keys | wanted)
        if score > best_score:
            best, best_score = name, score
    return best if best_score > 0.5 else None


def _listed(keys: list[str]) -> str:
    shown = ", ".join(keys[:SHOWN])
    return shown + (f", … ({len(keys)} in all)" if len(keys) > SHOWN else "")


def load_weights(network: nn.Module, path: str | os.PathLike, architecture: str) -> None:
    """Loads a checkpoint into `network` strictly; raises CheckpointError naming what is wrong."""
    state = read_state_dict(path)
    expected = network.state_dict()
    missing = [k for k in expected if k not in state and not k.endswith(OPTIONAL_SUFFIX)]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        guess = _looks_like(set(state))
        hint = (f"; it looks like a {guess!r} checkpoint" if guess and guess != architecture else "")
        parts = []
        if missing:
            parts.append(f"missing {_listed(missing)}")
        if unexpected:
            parts.append(f"unexpected {_listed(unexpected)}")
        raise CheckpointError(f"weights file {os.fspath(path)} does not match architecture "
                              f"{architecture!r}: {'; '.join(parts)}{hint}")
    wrong = [f"{k} {tuple(state[k].shape)} (expected {tuple(v.shape)})"
             for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if wrong:
        raise CheckpointError(f"weights file {os.fspath(path)} does not match architecture "
                              f"{architecture!r}: wrong shape for {_listed(wrong)}")
    for k, v in expected.items():
        state.setdefault(k, v)  # only num_batches_tracked can be absent here
    network.load_state_dict(state, strict=True)
