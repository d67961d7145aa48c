"""Motion: frame-difference energy per second, global (camera) motion and shake, static stretches."""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import per_second, robust_diffs, runs, work_scale
from .base import Analyzer, Context, register

STATIC_ENERGY = 0.5  # mean noise-free |dY| per pixel (0..255) below which a frame pair counts as static


def global_shifts(grays: list[np.ndarray]) -> np.ndarray:
    """(N-1, 2) translation between consecutive frames (phase correlation), in px of the small frame."""
    if len(grays) < 2:
        return np.zeros((0, 2))
    win = cv2.createHanningWindow(grays[0].shape[::-1], cv2.CV_32F)
    out = []
    for a, b in zip(grays[:-1], grays[1:]):
        (dx, dy), _ = cv2.phaseCorrelate(a, b, win)
        out.append((dx, dy))
    return np.asarray(out)


@register
class MotionAnalyzer(Analyzer):
    name = "motion"
    cost = 2
    version = "2"
    description = "motion energy per second (frame differences), camera motion and shake (phase correlation)"
    video_only = True

    def compute(self, media, ctx: Context):
        fs = media.small
        if len(fs) < 2:
            return self.not_applicable("fewer than two frames")
        # luma at 72 px short side: motion energy and global shifts need no more detail
        # (OpenCV's integer luma: 4x cheaper than the float one, within one grey level)
        grays = [work_scale(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)).astype(np.float32) for f in fs.frames]
        t = np.asarray(fs.times)
        dt = np.maximum(np.diff(t), 1e-3)
        diff = robust_diffs(grays)  # temporal noise is not motion
        # energy normalised to a 30 fps frame step so VFR and low-fps inputs compare
        energy = diff * np.minimum(1.0, (1 / 30) / dt)
        shifts = global_shifts(grays)
        w = grays[0].shape[1]
        speed = np.hypot(shifts[:, 0], shifts[:, 1]) / w  # frame widths per frame
        if len(shifts) >= 5:
            # shake = high-frequency jitter of the camera path (path minus its 5-frame moving average)
            path = np.cumsum(shifts, 0)
            k = np.ones(5) / 5
            smooth = np.stack([np.convolve(path[:, i], k, mode="same") for i in range(2)], 1)
            resid = (path - smooth)[2:-2]
            shake = float(np.sqrt((resid ** 2).sum(1).mean()) / w) if len(resid) else 0.0
        else:
            shake = 0.0
        static = energy < STATIC_ENERGY
        static_spans = runs(static, t[1:], 2.0)
        ev = [Evidence(t=a, t_end=b, note="static stretch") for a, b in static_spans]
        return self.signal(values={
            "motion_energy": float(np.mean(energy)), "motion_energy_p90": float(np.percentile(energy, 90)),
            "camera_speed": float(np.mean(speed)), "shake": shake, "static_fraction": float(static.mean()),
            "is_static": bool(np.mean(energy) < STATIC_ENERGY), "static_spans": static_spans,
        }, timeline=per_second(list(t[1:]), energy), evidence=ev[:10])
