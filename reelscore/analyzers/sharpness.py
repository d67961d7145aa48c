"""Sharpness: variance of the Laplacian of luma, per sampled frame, at a common scale."""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import luma
from .base import Analyzer, Context, register

REF_SHORT = 360  # measure at this short side so the value does not depend on the source resolution


def laplacian_var(rgb: np.ndarray) -> float:
    y = luma(rgb)
    s = REF_SHORT / min(y.shape)
    if abs(s - 1) > 0.01:
        y = cv2.resize(y, (round(y.shape[1] * s), round(y.shape[0] * s)), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(y, cv2.CV_32F, ksize=3).var())


@register
class SharpnessAnalyzer(Analyzer):
    name = "sharpness"
    description = "variance of the Laplacian (higher = sharper) on sampled frames"

    def compute(self, media, ctx: Context):
        fs = media.heavy
        vals = [laplacian_var(f) for f in fs.frames]
        med = float(np.median(vals))
        ev = [Evidence(t=t, value=round(v, 1), note="blurry frame") for t, v in zip(fs.times, vals) if v < 0.35 * med]
        return self.signal(values={"laplacian_var": med, "min_laplacian_var": float(np.min(vals)),
                                   "sharpest_t": float(fs.times[int(np.argmax(vals))])},
                           timeline=list(zip(fs.times, vals)), evidence=ev[:10])
