"""Exposure: brightness, contrast, clipped highlights and crushed shadows over time.

Clipped highlights are split by what they are. A camera that overexposes loses a bright area
gradually: the picture rolls off through near-white into the clipped patch, with soft, ragged
borders where texture fades away (a blown sky, a window, a face in sun). White in graphics, app
screens, logo cards and text plates is drawn: a flat patch whose borders are sharp steps to other
flat colours. Only the first is an exposure defect. Per clipped patch (connected pixels at luma
>= CLIP_LEVEL on the sampled frames): how much of its 1-2 px outer ring is near-white (a camera
picture is continuous, so just outside a clipped area it is just under clipping; a drawn patch
steps to another colour), and whether that near-white keeps changing further out (gradient, noise,
texture) rather than being a flat light-grey fill as in app layouts.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import luma
from .base import Analyzer, Context, register

CLIP_LEVEL = 250.0
MIN_PATCH = 0.002  # share of the frame: smaller clipped specks (glints, catchlights) are ignored
ROLLOFF_LOW = 200.0  # near-white: the band a camera highlight fades out through
ROLLOFF_SHARE = 0.35  # share of the 1-2 px ring around a patch that must be near-white for a roll-off
ROLLOFF_WIDE = 0.2  # ... and of the ring 3-6 px out (a roll-off is wider than anti-aliasing)
ROLLOFF_STD = 3.0  # luma standard deviation of the near-white pixels up to 6 px out: under it, a flat fill
GRAPHIC_FRAME = 0.2  # a frame whose drawn white covers this share is a graphic / screen frame


def clipped_patches(y: np.ndarray) -> tuple[float, float]:
    """(blown, drawn): shares of the frame in clipped patches that roll off into the picture
    around them like an overexposed camera picture, and in drawn white (graphics, screens, text
    plates, logo cards: sharp steps or flat fills around the patch)."""
    mask = (y >= CLIP_LEVEL).astype(np.uint8)
    total = float(mask.mean())
    if total < MIN_PATCH:
        return 0.0, total
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    k1, k2 = np.ones((5, 5), np.uint8), np.ones((13, 13), np.uint8)
    blown = drawn = 0.0
    size = y.size
    for k in range(1, n):
        area = stats[k, cv2.CC_STAT_AREA] / size
        if area < MIN_PATCH:
            continue
        x0, y0, w, h = (int(stats[k, i]) for i in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
        sl = (slice(max(0, y0 - 7), y0 + h + 7), slice(max(0, x0 - 7), x0 + w + 7))
        m = (lab[sl] == k).astype(np.uint8)
        out = mask[sl] == 0
        ring = (cv2.dilate(m, k1) > 0) & out  # 1-2 px outside
        if ring.sum() < 20:  # the patch fills the frame: a white screen or card
            drawn += area
            continue
        ys = y[sl]
        near_white = (ys >= ROLLOFF_LOW) & (ys < CLIP_LEVEL)
        rolloff = float(near_white[ring].mean())
        band = (cv2.dilate(m, k2) > 0) & (cv2.dilate(m, k1) == 0) & out  # 3-6 px out
        wide = (cv2.dilate(m, k2) > 0) & out & near_white  # near-white pixels up to 6 px out
        # a camera highlight fades out through a few pixels of near-white that keeps changing
        # (gradient, noise, texture); a drawn patch steps straight to another colour (anti-aliasing
        # is a pixel or two wide) or to a flat light-grey fill
        if (rolloff >= ROLLOFF_SHARE and float(near_white[band].mean()) >= ROLLOFF_WIDE
                and wide.sum() >= 20 and float(ys[wide].std()) >= ROLLOFF_STD):
            blown += area
        else:
            drawn += area
    return blown, drawn


@register
class ExposureAnalyzer(Analyzer):
    name = "exposure"
    version = "2"
    description = ("mean luma, contrast, crushed shadows and clipped highlights per sampled frame; clipped areas "
                   "split into blown camera highlights (soft roll-off) and drawn white (graphics, screens)")

    def compute(self, media, ctx: Context):
        fs = media.heavy
        means, clip, blown, drawn, crush, contrast = [], [], [], [], [], []
        for f in fs.frames:
            y = luma(f)
            means.append(float(y.mean()))
            contrast.append(float(y.std()))
            clip.append(float((y >= CLIP_LEVEL).mean()))
            b, d = clipped_patches(y)
            blown.append(b)
            drawn.append(d)
            crush.append(float((y <= 5).mean()))
        graphic = np.asarray(drawn) >= GRAPHIC_FRAME
        natural = [m for m, g in zip(means, graphic) if not g]
        ev = []
        for t, m, b, d, k, gr in zip(fs.times, means, blown, drawn, crush, graphic):
            if gr:
                continue  # a white screen or card is bright by design
            if m < 50 or m > 205 or b > 0.05 or k > 0.25:
                ev.append(Evidence(t=t, value=round(m, 1), note=f"luma {m:.0f}, blown highlights {b:.0%}, crushed {k:.0%}"))
        return self.signal(values={
            "mean_luma": float(np.median(means)), "min_luma": float(np.min(means)), "max_luma": float(np.max(means)),
            # the footage's own brightness, frames that are mostly drawn white (screens, cards) left out
            "mean_luma_natural": float(np.median(natural)) if natural else None,
            "contrast": float(np.median(contrast)), "clipped_highlights": float(np.mean(clip)),
            "blown_highlights": float(np.mean(blown)), "drawn_white": float(np.mean(drawn)),
            "graphic_frames": float(graphic.mean()),
            "worst_blown_t": float(fs.times[int(np.argmax(blown))]) if max(blown) > 0 else None,
            "crushed_shadows": float(np.mean(crush)),
        }, timeline=list(zip(fs.times, means)), evidence=ev[:10])
