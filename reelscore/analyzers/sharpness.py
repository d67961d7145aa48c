"""Sharpness: variance of the Laplacian of luma at a common scale, with the noise's share removed
(noise raises the Laplacian but is not detail), and the fine-detail ratio at the source's own
resolution (from the full-resolution copies of the same decode pass): blur and footage upscaled from
a lower resolution have almost no energy at the finest scale."""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import central_crop, luma, noise_sigma
from .base import Analyzer, Context, register

REF_SHORT = 360  # measure at this short side so the value does not depend on the source resolution
LAPLACIAN_NOISE_GAIN = 80.0  # sum of squares of OpenCV's 3x3 Laplacian kernel: var(L(noise)) = 80 sigma^2


def _at_ref(y: np.ndarray) -> np.ndarray:
    s = REF_SHORT / min(y.shape)
    if abs(s - 1) > 0.01:
        y = cv2.resize(y, (round(y.shape[1] * s), round(y.shape[0] * s)), interpolation=cv2.INTER_AREA)
    return y


def laplacian_var(rgb: np.ndarray) -> float:
    """Raw variance of the Laplacian at REF_SHORT (noise included)."""
    return float(cv2.Laplacian(_at_ref(luma(rgb)), cv2.CV_32F, ksize=3).var())


def detail_var(y: np.ndarray) -> float:
    """Variance of the Laplacian at REF_SHORT minus what the frame's noise (Immerkaer) contributes."""
    y = _at_ref(y.astype(np.float32))
    return float(max(0.0, cv2.Laplacian(y, cv2.CV_32F, ksize=3).var() - LAPLACIAN_NOISE_GAIN * noise_sigma(y) ** 2))


def fine_detail_ratio(y: np.ndarray) -> float:
    """Energy above a 1-px Gaussian over energy above a 3-px Gaussian, at the source resolution (about
    0.12-0.25 for sharp footage, under 0.08 for blurred or 4x-upscaled footage; noise raises it, so
    it is read together with the noise estimate)."""
    y = y.astype(np.float32)
    a = float((y - cv2.GaussianBlur(y, (0, 0), 1.0)).var())
    b = float((y - cv2.GaussianBlur(y, (0, 0), 3.0)).var())
    return a / b if b > 1e-6 else 0.0


@register
class SharpnessAnalyzer(Analyzer):
    name = "sharpness"
    cost = 2
    version = "2"
    description = "noise-corrected variance of the Laplacian (higher = sharper) and full-resolution fine detail"

    def compute(self, media, ctx: Context):
        fs = media.heavy
        vals = [detail_var(luma(f)) for f in fs.frames]
        raw = [laplacian_var(f) for f in fs.frames]
        idx = list(range(0, len(fs), max(1, len(fs) // 6)))  # full-resolution measures on <= 6 frames
        fine = [fine_detail_ratio(central_crop(media.full_luma(i))) for i in idx]
        med = float(np.median(vals))
        ev = [Evidence(t=t, value=round(v, 1), note="blurry frame") for t, v in zip(fs.times, vals) if v < 0.35 * med]
        full = media.full_luma(0).shape
        return self.signal(values={"laplacian_var": med, "laplacian_var_raw": float(np.median(raw)),
                                   "min_laplacian_var": float(np.min(vals)),
                                   "sharpest_t": float(fs.times[int(np.argmax(vals))]),
                                   "fine_detail_ratio": float(np.median(fine)), "full_res_short_side": int(min(full))},
                           timeline=list(zip(fs.times, vals)), evidence=ev[:10])
