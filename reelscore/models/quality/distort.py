"""Synthetic distortions with a known order (used for ranking constraints in training and for the
monotonicity tests): Gaussian blur, Gaussian noise, JPEG compression, darkening. Level 0 = none."""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

LEVELS = {
    "blur": (0.0, 1.0, 2.0, 3.0, 4.5),  # Gaussian sigma, px at the image's own scale
    "noise": (0.0, 5.0, 10.0, 20.0, 35.0),  # sigma on 0..255
    "jpeg": (None, 50, 25, 12, 5),  # JPEG quality
    "dark": (1.0, 0.7, 0.5, 0.35, 0.2),  # gain
}


def distort(rgb: np.ndarray, kind: str, level: int, seed: int = 0) -> np.ndarray:
    v = LEVELS[kind][level]
    if level == 0:
        return rgb
    if kind == "blur":
        return cv2.GaussianBlur(rgb, (0, 0), v)
    if kind == "noise":
        n = np.random.default_rng(seed).normal(0, v, rgb.shape)
        return np.clip(rgb + n, 0, 255).astype(np.uint8)
    if kind == "jpeg":
        b = io.BytesIO()
        Image.fromarray(rgb).save(b, "JPEG", quality=int(v))
        return np.asarray(Image.open(b).convert("RGB"))
    if kind == "dark":
        return (rgb.astype(np.float32) * v).astype(np.uint8)
    raise ValueError(kind)
