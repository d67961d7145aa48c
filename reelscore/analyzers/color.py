"""Colour: Hasler-Suesstrunk colourfulness and mean saturation."""
from __future__ import annotations

import cv2
import numpy as np

from .base import Analyzer, Context, register


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) colourfulness metric M (0 = grey; ~100+ very colourful)."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


@register
class ColorAnalyzer(Analyzer):
    name = "color"
    description = "colourfulness (Hasler-Suesstrunk) and saturation of sampled frames"

    def compute(self, media, ctx: Context):
        fs = media.heavy
        cf = [colorfulness(f) for f in fs.frames]
        sat = [float(cv2.cvtColor(f, cv2.COLOR_RGB2HSV)[..., 1].mean() / 255) for f in fs.frames]
        return self.signal(values={"colorfulness": float(np.median(cf)), "saturation": float(np.median(sat))},
                           timeline=list(zip(fs.times, cf)))
