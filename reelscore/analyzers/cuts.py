"""Cuts and pacing: shot boundaries with PySceneDetect's ContentDetector fed the shared small frames."""
from __future__ import annotations

import numpy as np

from ..schema import Evidence
from ._util import work_scale
from .base import Analyzer, Context, register


@register
class CutsAnalyzer(Analyzer):
    name = "cuts"
    cost = 2
    description = "shot boundaries (PySceneDetect ContentDetector, HSV+edges) and pacing statistics"
    backend = "scenedetect.ContentDetector"
    video_only = True

    def __init__(self, threshold: float = 27.0, min_shot_s: float = 0.25):
        self.threshold = threshold
        self.min_shot_s = min_shot_s

    def available(self):
        try:
            import scenedetect

            return True, f"scenedetect {scenedetect.__version__}"
        except Exception as e:  # pragma: no cover
            return False, f"scenedetect not importable ({e})"

    def compute(self, media, ctx: Context):
        from scenedetect import ContentDetector, FrameTimecode

        fs = media.small
        t = np.asarray(fs.times)
        dur = max(media.info.analyzed_s, float(t[-1]) if len(t) else 0.0)
        if len(fs) < 2:
            return self.not_applicable("fewer than two frames")
        rate = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
        det = ContentDetector(threshold=self.threshold, min_scene_len=max(1, int(round(self.min_shot_s * rate))))
        cut_idx: list[int] = []
        import cv2

        for i, f in enumerate(fs.frames):
            # 72 px short side is plenty for HSV/edge differences
            bgr = np.ascontiguousarray(work_scale(f)[..., ::-1])
            for tc in det.process_frame(FrameTimecode(i, rate), bgr):
                cut_idx.append(tc.frame_num)
        for tc in det.post_process(FrameTimecode(len(fs) - 1, rate)) or []:
            cut_idx.append(tc.frame_num)
        cuts = sorted({float(t[i]) for i in cut_idx if 0 < i < len(t)})
        bounds = [0.0] + cuts + [dur]
        shots = np.diff(bounds)
        shots = shots[shots > 0]
        return self.signal(values={
            "cut_times": cuts, "n_cuts": len(cuts), "n_shots": len(cuts) + 1,
            "shots_per_10s": float((len(cuts) + 1) / max(dur, 1e-6) * 10),
            "mean_shot_s": float(shots.mean()) if len(shots) else dur,
            "longest_shot_s": float(shots.max()) if len(shots) else dur,
            "first_cut_s": cuts[0] if cuts else None, "analyzed_rate_fps": round(rate, 3),
        }, evidence=[Evidence(t=c, note="cut") for c in cuts[:50]])
