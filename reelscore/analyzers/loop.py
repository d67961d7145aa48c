"""Loop: how similar the last second is to the first (seamless loops get replayed)."""
from __future__ import annotations

import numpy as np

from ._util import luma
from .base import Analyzer, Context, register


def _sim(a: np.ndarray, b: np.ndarray) -> float:
    """1 - normalised mean absolute luma difference, 0..1."""
    ya, yb = luma(a), luma(b)
    return float(1.0 - np.abs(ya - yb).mean() / 255.0)


@register
class LoopAnalyzer(Analyzer):
    name = "loop"
    description = "similarity of the closing frames to the opening frame"
    video_only = True

    def compute(self, media, ctx: Context):
        fs = media.small
        if len(fs) < 4 or fs.times[-1] < 1.0:
            return self.not_applicable("too short for a loop check")
        t = np.asarray(fs.times)
        last = [i for i in range(len(fs)) if t[i] >= t[-1] - 1.0]
        sims = [_sim(fs.frames[0], fs.frames[i]) for i in last]
        end_sim = _sim(fs.frames[0], fs.frames[-1])
        return self.signal(values={"end_to_start_similarity": end_sim, "best_last_second_similarity": max(sims),
                                   "seamless_loop": bool(end_sim > 0.95)})
