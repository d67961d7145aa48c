"""Loop: how much the last second looks like the first (seamless loops get replayed).

Similarity is structural (normalised correlation of edge maps), not brightness: two dark or two
blank frames are not "the same picture". A clip in which nothing moves cannot loop in any useful
sense and is reported as such (`moving: false`)."""
from __future__ import annotations

import cv2
import numpy as np

from ._util import luma, robust_diffs, work_scale
from .base import Analyzer, Context, register

MIN_STRUCTURE = 2.0  # mean gradient magnitude (0..255 units per px at 144 px short side) below which a
# frame has no structure to match
REF_SHORT_SIDE = 144  # the scale MIN_STRUCTURE and the 1 px blur were set at


def _edges(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Edge magnitude map and the structure threshold at this frame's scale (blur and gradients are
    per pixel: a frame half as large has edges twice as steep)."""
    s = min(rgb.shape[:2]) / REF_SHORT_SIDE
    y = cv2.GaussianBlur(luma(rgb), (0, 0), max(0.5, s))
    return cv2.magnitude(cv2.Sobel(y, cv2.CV_32F, 1, 0), cv2.Sobel(y, cv2.CV_32F, 0, 1)), MIN_STRUCTURE / s


def structural_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of the two frames' edge maps, 0..1 (0 when either has no structure)."""
    (ea, ta), (eb, tb) = _edges(a), _edges(b)
    if ea.mean() < ta or eb.mean() < tb:
        return 0.0
    ea, eb = ea - ea.mean(), eb - eb.mean()
    den = float(np.sqrt((ea ** 2).sum() * (eb ** 2).sum()))
    return float(max(0.0, (ea * eb).sum() / den)) if den > 0 else 0.0


@register
class LoopAnalyzer(Analyzer):
    name = "loop"
    version = "3"
    description = "structural similarity (edge maps) of the closing frames to the opening frame"
    video_only = True

    def compute(self, media, ctx: Context):
        fs = media.small
        if len(fs) < 4 or fs.times[-1] < 1.0:
            return self.not_applicable("too short for a loop check")
        t = np.asarray(fs.times)
        last = [i for i in range(len(fs)) if t[i] >= t[-1] - 1.0]
        sims = [structural_similarity(fs.frames[0], fs.frames[i]) for i in last]
        end_sim = structural_similarity(fs.frames[0], fs.frames[-1])
        sub = fs.subsample(40)
        # the motion analyzer's definition of "static", at its 72 px scale
        moving = bool(np.mean(robust_diffs([work_scale(luma(f)) for f in sub.frames])) > 0.5)
        return self.signal(values={"end_to_start_similarity": end_sim, "best_last_second_similarity": max(sims),
                                   "moving": moving, "seamless_loop": bool(moving and end_sim > 0.9)})
