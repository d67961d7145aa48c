"""Loop: whether the video's end cuts back to its opening (same scene, same framing, same colours), so
a replay runs on seamlessly, as in a boomerang or a planned loop.

Similarity of two frames is the smaller of a structural one (normalised correlation of edge maps: two
dark or two blank frames are not "the same picture") and a colour one (mean colours of a 4x4 grid).
A loop also needs something to happen in between: the ending must be closer to the opening picture
than the middle of the clip is (`returns`), otherwise a static shot would "loop" trivially."""
from __future__ import annotations

import cv2
import numpy as np

from ._util import luma
from .base import Analyzer, Context, register

MIN_STRUCTURE = 2.0  # mean gradient magnitude (0..255 units per px at 144 px short side) below which a
# frame has no structure to match
REF_SHORT_SIDE = 144  # the scale MIN_STRUCTURE and the 1 px blur were set at
LOOP_SIMILARITY = 0.85  # ending this similar to the opening (and having left it): a loop
NEAR_LOOP_SIMILARITY = 0.6  # ... this similar: close to one (a seamless ending is within reach)
MIN_DEPARTURE = 0.1  # the middle must be at least this much less similar to the opening than the ending is
END_WINDOW_S = 0.25  # the ending: the frames of the last quarter second


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


def colour_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """1 - mean absolute difference of the 4x4 grid's mean colours / 40 grey levels, clipped to 0..1
    (0 for a different scene or a different grade, ~1 for the same picture)."""
    ga = cv2.resize(a.astype(np.float32), (4, 4), interpolation=cv2.INTER_AREA)
    gb = cv2.resize(b.astype(np.float32), (4, 4), interpolation=cv2.INTER_AREA)
    return float(np.clip(1.0 - np.abs(ga - gb).mean() / 40.0, 0.0, 1.0))


def frame_similarity(a: np.ndarray, b: np.ndarray) -> float:
    return min(structural_similarity(a, b), colour_similarity(a, b))


@register
class LoopAnalyzer(Analyzer):
    name = "loop"
    version = "4"
    description = "does the ending return to the opening picture (edges + colour), after leaving it"
    video_only = True

    def compute(self, media, ctx: Context):
        fs = media.small
        if len(fs) < 4 or fs.times[-1] < 1.0:
            return self.not_applicable("too short for a loop check")
        t = np.asarray(fs.times)
        first = fs.frames[0]
        last = [i for i in range(len(fs)) if t[i] >= t[-1] - END_WINDOW_S] or [len(fs) - 1]
        end_sims = [frame_similarity(first, fs.frames[i]) for i in last]
        end_sim = float(max(end_sims))
        # how far the clip travels from its opening picture in between (20 frames spread over the middle)
        mid = [i for i in np.unique(np.linspace(0, len(fs) - 1, 22).round().astype(int))[1:-1] if i < last[0]]
        mid_sims = [frame_similarity(first, fs.frames[i]) for i in mid]
        low = min(mid_sims) if mid_sims else end_sim
        departure = float(1.0 - min(low, end_sim))  # how far the clip gets from its opening picture
        returns = float(max(0.0, end_sim - low))  # how much closer the ending is than the middle
        moved = departure >= MIN_DEPARTURE
        is_loop = bool(returns >= MIN_DEPARTURE and end_sim >= LOOP_SIMILARITY)
        near = bool(returns >= MIN_DEPARTURE and not is_loop and end_sim >= NEAR_LOOP_SIMILARITY)
        return self.signal(values={
            "loop_similarity": end_sim, "end_to_start_similarity": frame_similarity(first, fs.frames[-1]),
            "end_structure_similarity": structural_similarity(first, fs.frames[last[int(np.argmax(end_sims))]]),
            "departure": departure, "returns": returns, "moving": bool(moved), "is_loop": is_loop,
            "near_loop": near, "seamless_loop": is_loop, "duration_s": float(t[-1])})
