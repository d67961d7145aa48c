"""Colour: Hasler-Suesstrunk colourfulness and saturation, plus what kind of palette it is.

Low colourfulness alone is not a defect: black and white and muted grades are deliberate looks,
and overcast daylight is simply muted; all of them keep a full tonal range. Washed-out footage
(haze, fog, a flat log profile left ungraded) has little colour and little contrast. Dark footage
has little of either, and is the exposure component's matter. The analyzer reports the measures
and a `look`: "monochrome" (no colour, full range), "muted" (little colour, full range), "flat"
(little colour, little range, not dark), "dark" or "natural".
"""
from __future__ import annotations

import cv2
import numpy as np

from ._util import luma
from .base import Analyzer, Context, register

MONO_CF = 6.0  # colourfulness under which a frame is black and white (or one tint)
FLAT_CF = 20.0  # colourfulness under which the palette is muted
FULL_RANGE = 120.0  # luma 5th-95th percentile spread (0-255) of footage with full contrast
HUE_BINS = 12
DARK_LUMA = 60.0  # median luma under which the footage is dark (colour and range are exposure's matter)


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) colourfulness metric M (0 = grey; ~100+ very colourful)."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def hue_histogram(rgb: np.ndarray) -> np.ndarray:
    """Chroma-weighted hue histogram (HUE_BINS bins, sums to 1; zeros for a grey frame)."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.float32)
    w = hsv[:, 1] * hsv[:, 2] / 255.0  # chroma-like weight: saturated and not dark
    h, _ = np.histogram(hsv[:, 0], bins=HUE_BINS, range=(0, 180), weights=w)
    s = float(h.sum())
    return h / s if s > 0 else h


@register
class ColorAnalyzer(Analyzer):
    name = "color"
    version = "3"
    description = ("colourfulness (Hasler-Suesstrunk), saturation, tonal range and hue balance of sampled frames; "
                   "the palette's look (monochrome, graded, flat, natural)")

    def compute(self, media, ctx: Context):
        fs = media.heavy
        cf = [colorfulness(f) for f in fs.frames]
        sat = [float(cv2.cvtColor(f, cv2.COLOR_RGB2HSV)[..., 1].mean() / 255) for f in fs.frames]
        rng = []
        for f in fs.frames:
            p5, p95 = np.percentile(luma(f), [5, 95])
            rng.append(float(p95 - p5))
        hists = np.stack([hue_histogram(f) for f in fs.frames])
        pooled = hists.sum(0) / max(float(hists.sum()), 1e-9)
        top2 = float(np.sort(pooled)[-2:].sum()) if pooled.sum() > 0 else 0.0
        colored = hists.sum(1) > 0
        # Bhattacharyya coefficient of each frame's hue balance with the clip's: 1 = the same
        consistency = float(np.mean([np.sqrt(h * pooled).sum() for h in hists[colored]])) if colored.any() else 1.0
        m, r = float(np.median(cf)), float(np.median(rng))
        lum = float(np.median([luma(f).mean() for f in fs.frames]))
        if m >= FLAT_CF:
            look = "natural"
        elif lum < DARK_LUMA:
            look = "dark"
        elif r < FULL_RANGE:
            look = "flat"
        else:
            look = "monochrome" if m < MONO_CF else "muted"
        return self.signal(values={"colorfulness": m, "saturation": float(np.median(sat)), "tonal_range": r,
                                   "mean_luma": lum, "hue_top2_share": round(top2, 3),
                                   "hue_consistency": round(consistency, 3), "look": look,
                                   "hdr": getattr(media.info, "hdr", None)},
                           timeline=list(zip(fs.times, cf)))
