"""Load Keras 2 HDF5 weights (`model.save_weights('x.h5')` or a full `model.save('x.h5')`) into the
torch networks of `mobilenet.py`, by layer name.

Layouts converted: Conv2D kernel (kh, kw, in, out) -> (out, in, kh, kw); DepthwiseConv2D kernel
(kh, kw, in, mult) -> (in*mult, 1, kh, kw)
(named depthwise_kernel by Keras 2, kernel by Keras 3); Dense kernel (in, out) -> (out, in); BatchNormalization
gamma/beta/moving_mean/moving_variance with the layer's own epsilon (from the file's model config,
else Keras' default 1e-3). Every torch layer must find its weights with the right shape, or loading
fails with the list of what is missing: a wrong file never loads silently.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .mobilenet import KERAS_BN_EPS, KerasNIMA, SameConv2d, build


class KerasWeightsError(ValueError):
    pass


def read_h5(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    """({'layer/param': array}, {layer: Keras layer config}) from a Keras 2 HDF5 file."""
    import h5py

    weights: dict[str, np.ndarray] = {}
    configs: dict[str, dict] = {}
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise KerasWeightsError(f"{path}: not an HDF5 file ({e})") from None
    with f:
        raw = f.attrs.get("model_config")
        if raw is not None:
            _collect_configs(json.loads(raw.decode() if isinstance(raw, bytes) else raw), configs)
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in root.attrs:
            if "layers" in root and "vars" in str(list(root["layers"].values())[:1]):
                raise KerasWeightsError(f"{path}: a Keras 3 '.weights.h5' file (no layer names); save the model "
                                        "with model.save('x.h5') (HDF5) instead")
            raise KerasWeightsError(f"{path}: no Keras layer names (attribute 'layer_names') in this HDF5 file")
        for ln in root.attrs["layer_names"]:
            ln = ln.decode() if isinstance(ln, bytes) else str(ln)
            g = root[ln]
            for wn in g.attrs.get("weight_names", []):
                wn = wn.decode() if isinstance(wn, bytes) else str(wn)
                parts = wn.split("/")
                layer = parts[-2] if len(parts) >= 2 else ln
                param = parts[-1].split(":")[0]
                weights[f"{layer}/{param}"] = np.asarray(g[wn], dtype=np.float32)
    return weights, configs


def _collect_configs(cfg, out: dict) -> None:
    """Layer configs by name, descending into nested models."""
    if isinstance(cfg, dict):
        c = cfg.get("config")
        if isinstance(c, dict) and "name" in c and "class_name" in cfg:
            out[c["name"]] = c
        for v in cfg.values():
            _collect_configs(v, out)
    elif isinstance(cfg, list):
        for v in cfg:
            _collect_configs(v, out)


def _set(p: torch.Tensor, a: np.ndarray, name: str, errors: list[str]) -> None:
    if tuple(p.shape) != a.shape:
        errors.append(f"{name}: shape {a.shape} in file, {tuple(p.shape)} expected")
        return
    with torch.no_grad():
        p.copy_(torch.from_numpy(np.ascontiguousarray(a)))


def load_layers(layers: dict[str, nn.Module], weights: dict[str, np.ndarray], configs: dict[str, dict]) -> set[str]:
    """Copy weights into torch modules keyed by Keras layer name; returns the keys used."""
    errors: list[str] = []
    used: set[str] = set()

    def get(key):
        if key not in weights:
            errors.append(f"{key}: missing")
            return None
        used.add(key)
        return weights[key]

    for name, mod in layers.items():
        if isinstance(mod, SameConv2d):
            depthwise = mod.groups > 1 and mod.groups == mod.in_channels
            if depthwise:
                # Keras 2 calls it depthwise_kernel, Keras 3 kernel
                key = f"{name}/depthwise_kernel" if f"{name}/depthwise_kernel" in weights else f"{name}/kernel"
                w = get(key)
                if w is not None:
                    kh, kw, cin, mult = w.shape
                    w = w.reshape(kh, kw, cin * mult).transpose(2, 0, 1)[:, None]
            else:
                w = get(f"{name}/kernel")
                w = None if w is None else w.transpose(3, 2, 0, 1)
            if w is not None:
                _set(mod.weight, w, name, errors)
            if mod.bias is not None and (b := get(f"{name}/bias")) is not None:
                _set(mod.bias, b, name + "/bias", errors)
        elif isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            gamma = weights.get(f"{name}/gamma", np.ones(c, np.float32))  # absent when scale=False
            beta = weights.get(f"{name}/beta", np.zeros(c, np.float32))  # absent when center=False
            used.update(k for k in (f"{name}/gamma", f"{name}/beta") if k in weights)
            mean, var = get(f"{name}/moving_mean"), get(f"{name}/moving_variance")
            if mean is not None and var is not None:
                for p, a in ((mod.weight, gamma), (mod.bias, beta), (mod.running_mean, mean), (mod.running_var, var)):
                    _set(p, a, name, errors)
            mod.eps = float(configs.get(name, {}).get("epsilon", KERAS_BN_EPS))
        elif isinstance(mod, nn.Linear):
            w, b = get(f"{name}/kernel"), get(f"{name}/bias")
            if w is not None and b is not None:
                _set(mod.weight, w.T, name, errors)
                _set(mod.bias, b, name + "/bias", errors)
    if errors:
        more = f" (+{len(errors) - 8} more)" if len(errors) > 8 else ""
        raise KerasWeightsError("weights do not fit the network: " + "; ".join(errors[:8]) + more)
    return used


def _find_dense(weights: dict[str, np.ndarray], used: set[str], fan_in: int, fan_out: int) -> str:
    """The Keras name of the classifier: the one unused Dense kernel of shape (fan_in, fan_out)."""
    cands = [k.rsplit("/", 1)[0] for k, v in weights.items()
             if k.endswith("/kernel") and k not in used and v.shape == (fan_in, fan_out)]
    if len(cands) != 1:
        raise KerasWeightsError(f"expected one Dense layer of shape ({fan_in}, {fan_out}), found {cands or 'none'}")
    return cands[0]


def load_backbone(path: str | Path, arch: str, alpha: float = 1.0) -> nn.Module:
    """A `mobilenet_v1` / `mobilenet_v2` feature network with the file's weights."""
    weights, configs = read_h5(path)
    net = build(arch, alpha)
    load_layers(dict(net.layers), weights, configs)
    return net.eval()


def load_nima(path: str | Path, arch: str, alpha: float = 1.0, bins: int = 10) -> KerasNIMA:
    """The published Keras NIMA (backbone -> Dropout -> Dense(bins, softmax)) as a torch module."""
    weights, configs = read_h5(path)
    model = KerasNIMA(build(arch, alpha), bins)
    used = load_layers(dict(model.backbone.layers), weights, configs)
    dense = _find_dense(weights, used, model.backbone.out_channels, bins)
    load_layers({dense: model.dense}, weights, configs)
    return model.eval()


def nima_scores(model: KerasNIMA, frames: list[np.ndarray], size: int = 224) -> tuple[np.ndarray, np.ndarray]:
    """(mean 1..10, std) per RGB uint8 frame, each resized to size x size as the publishers' scripts do."""
    from PIL import Image

    from .quality.nima import mean_std

    if not frames:
        return np.zeros(0), np.zeros(0)
    x = np.stack([np.asarray(Image.fromarray(f).resize((size, size), Image.BILINEAR)) for f in frames])
    with torch.inference_mode():
        dist = model(torch.from_numpy(x).permute(0, 3, 1, 2).float()).numpy()
    return mean_std(dist)
