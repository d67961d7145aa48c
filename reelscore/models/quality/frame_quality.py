"""Trained frame (technical) quality model.

Frozen EfficientNet-Lite0 multi-level features (mean+std of every stage) at two scales, a
standardiser and a ridge head fitted on BIQ2021 human opinion scores. Predicts MOS on 0..1.
The head is small (a .npz in `reelscore/resources/`); the backbone comes from its package.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

SCALES = (384, 224)  # short side in px; 384 sees detail (noise, blocking), 224 sees the whole
DEFAULT_HEAD = "frame_quality_biq2021.npz"


def prepare(rgb: np.ndarray, short: int) -> np.ndarray:
    """Resize so the short side is `short` (bicubic)."""
    h, w = rgb.shape[:2]
    s = short / min(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    if size == (w, h):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize(size, Image.BICUBIC))


def _central(rgb: np.ndarray, max_aspect: float = 1.25) -> np.ndarray:
    """Central crop to at most `max_aspect`: the detail scale sees the middle of tall/wide frames
    (the training photos are square), which also bounds its cost."""
    h, w = rgb.shape[:2]
    if h > w * max_aspect:
        c = int(w * max_aspect)
        return rgb[(h - c) // 2 : (h - c) // 2 + c]
    if w > h * max_aspect:
        c = int(h * max_aspect)
        return rgb[:, (w - c) // 2 : (w - c) // 2 + c]
    return rgb


def features(images: list[np.ndarray]) -> np.ndarray:
    """(N, D) multi-scale backbone features of RGB uint8 images."""
    from .. import backbone

    per_scale = [backbone.extract([prepare(_central(im) if s == SCALES[0] else im, s) for im in images]) for s in SCALES]
    return np.concatenate(per_scale, axis=1)


@dataclass
class FrameQualityModel:
    """Ridge head on standardised features. sklearn-style: params in __init__, learned state ends in `_`."""

    alpha: float = 300.0
    meta: dict = field(default_factory=dict)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "FrameQualityModel":
        self.mean_ = X.mean(0)
        self.scale_ = X.std(0) + 1e-6
        Z = (X - self.mean_) / self.scale_
        self.y_mean_ = float(y.mean())
        yc = y - self.y_mean_
        # ridge in the dual when D > N is cheaper; both give the same solution
        n, d = Z.shape
        if d > n:
            K = Z @ Z.T
            a = np.linalg.solve(K + self.alpha * np.eye(n), yc)
            self.coef_ = Z.T @ a
        else:
            self.coef_ = np.linalg.solve(Z.T @ Z + self.alpha * np.eye(d), Z.T @ yc)
        return self

    def predict_features(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean_) / self.scale_) @ self.coef_ + self.y_mean_

    def predict(self, images: list[np.ndarray]) -> np.ndarray:
        """Predicted MOS (0..1, clipped) of RGB uint8 images."""
        if not images:
            return np.zeros(0)
        return np.clip(self.predict_features(features(images)), 0.0, 1.0)

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, mean=self.mean_.astype(np.float32), scale=self.scale_.astype(np.float32),
                            coef=self.coef_.astype(np.float32), y_mean=np.float32(self.y_mean_),
                            alpha=np.float32(self.alpha), meta=json.dumps(self.meta))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "FrameQualityModel":
        """Load a head; None = the default head shipped in the package."""
        if path is None:
            path = resources.files("reelscore.resources").joinpath(DEFAULT_HEAD)
        with resources.as_file(path) if not isinstance(path, (str, Path)) else _nullctx(path) as p:
            d = np.load(p, allow_pickle=False)
            m = cls(alpha=float(d["alpha"]), meta=json.loads(str(d["meta"])))
            m.mean_, m.scale_, m.coef_ = d["mean"].astype(np.float64), d["scale"].astype(np.float64), d["coef"].astype(np.float64)
            m.y_mean_ = float(d["y_mean"])
        return m

    @staticmethod
    def default_available() -> bool:
        return resources.files("reelscore.resources").joinpath(DEFAULT_HEAD).is_file()


class _nullctx:
    def __init__(self, v):
        self.v = v

    def __enter__(self):
        return self.v

    def __exit__(self, *a):
        return False
