"""Exposure: brightness, contrast, clipped highlights and crushed shadows over time."""
from __future__ import annotations

import numpy as np

from ..schema import Evidence
from ._util import luma
from .base import Analyzer, Context, register


@register
class ExposureAnalyzer(Analyzer):
    name = "exposure"
    description = "mean luma, contrast, share of clipped highlights / crushed shadows per sampled frame"

    def compute(self, media, ctx: Context):
        fs = media.heavy
        means, clip, crush, contrast = [], [], [], []
        for f in fs.frames:
            y = luma(f)
            means.append(float(y.mean()))
            contrast.append(float(y.std()))
            clip.append(float((y >= 250).mean()))
            crush.append(float((y <= 5).mean()))
        ev = []
        for t, m, c, k in zip(fs.times, means, clip, crush):
            if m < 50 or m > 205 or c > 0.05 or k > 0.25:
                ev.append(Evidence(t=t, value=round(m, 1), note=f"luma {m:.0f}, clipped {c:.0%}, crushed {k:.0%}"))
        return self.signal(values={
            "mean_luma": float(np.median(means)), "min_luma": float(np.min(means)), "max_luma": float(np.max(means)),
            "contrast": float(np.median(contrast)), "clipped_highlights": float(np.mean(clip)),
            "crushed_shadows": float(np.mean(crush)),
        }, timeline=list(zip(fs.times, means)), evidence=ev[:10])
