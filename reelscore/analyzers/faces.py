"""Faces: OpenCV Haar cascades (shipped inside opencv-python-headless 4.x) on sampled frames."""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from .base import Analyzer, Context, register


DETECT_SHORT = 288  # detect at this short side (px): faces that matter in a Reel are large
HOOK_TIMES = (0.0, 0.75, 1.5, 2.25)
# the cascade's confidence (last-stage level weight) below which a detection is dropped: on real
# BIQ2021 photos the false detections (textures, a compass, an LED chip) scored 3.2-3.5 and the faces 5-9
MIN_LEVEL_WEIGHT = 3.6
MAX_HEAVY = 6  # sampled frames checked beyond the opening (with 4 opening frames: 10 per video)
# In the densely sampled opening a detection must also appear (overlapping) in a neighbouring opening
# frame (1/6 s away) unless it is this confident: a face persists for 0.17 s, a false match on a
# moving texture often does not (a synthetic clip's ball scored 4.1 in one frame and nothing in the
# frames on either side).
CONFIRM_LEVEL_WEIGHT = 5.0


class _Cascades:
    def __init__(self):
        base = cv2.data.haarcascades
        self.face = cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml")
        self.eyes = cv2.CascadeClassifier(base + "haarcascade_eye.xml")
        if self.face.empty():
            raise RuntimeError("Haar face cascade could not be loaded")

    def detect(self, rgb: np.ndarray):
        g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        s = DETECT_SHORT / min(g.shape)
        if s < 1:
            g = cv2.resize(g, (round(g.shape[1] * s), round(g.shape[0] * s)), interpolation=cv2.INTER_AREA)
        g = cv2.equalizeHist(g)
        m = max(24, int(min(g.shape) * 0.1))
        faces, _, weights = self.face.detectMultiScale3(g, scaleFactor=1.15, minNeighbors=8, minSize=(m, m),
                                                        outputRejectLevels=True)
        out = []
        for (x, y, w, h), wt in zip(faces if len(faces) else [], weights if len(faces) else []):
            if float(wt) < MIN_LEVEL_WEIGHT:
                continue
            roi = g[y : y + h // 2 + h // 8, x : x + w]
            eyes = self.eyes.detectMultiScale(roi, 1.1, 5, minSize=(max(6, w // 10),) * 2)
            out.append((int(x), int(y), int(w), int(h), len(eyes) >= 2, float(wt)))
        return out, g.shape

    def confirmed(self, det, neighbours) -> list:
        """Detections of one frame that are confident, or that overlap a detection in a neighbouring
        frame (`neighbours`: RGB frames at the same size). With no neighbours, all of them."""
        weak = [d for d in det if d[5] < CONFIRM_LEVEL_WEIGHT]
        if not weak or not neighbours:
            return det
        others = [o for f in neighbours for o in self.detect(f)[0]]
        return [d for d in det if d[5] >= CONFIRM_LEVEL_WEIGHT or any(_iou(d, o) >= 0.3 for o in others)]


def _iou(a, b) -> float:
    ax, ay, aw, ah = a[:4]
    bx, by, bw, bh = b[:4]
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter) if inter else 0.0


def smp_face_stats(areas_per_frame: list[list[float]]) -> dict[str, float]:
    """SMP-Video's face statistics (skyandkibo/SMPVideo `face.py`) over sampled frames, from each
    frame's face areas as fractions of the frame: share of frames with a face; over those frames, mean
    faces, share with more than one, share of faces above 30 % of the frame (close-ups, per face frame);
    mean and max face area. SMP used MTCNN at 1 fps; here the Haar detector on reelscore's sampled frames."""
    n = len(areas_per_frame)
    face = [a for a in areas_per_frame if a]
    if not n or not face:
        return {k: 0.0 for k in ("face_frame_rate", "avg_faces_per_frame", "multi_person_ratio",
                                 "avg_face_area_ratio", "max_face_area_ratio", "close_up_ratio")}
    flat = [x for a in face for x in a]
    return {"face_frame_rate": len(face) / n, "avg_faces_per_frame": float(np.mean([len(a) for a in face])),
            "multi_person_ratio": sum(len(a) > 1 for a in face) / len(face),
            "avg_face_area_ratio": float(np.mean(flat)), "max_face_area_ratio": float(np.max(flat)),
            "close_up_ratio": sum(x > 0.3 for x in flat) / len(face)}


@register
class FacesAnalyzer(Analyzer):
    name = "faces"
    cost = 5
    version = "3"
    description = ("frontal faces (Haar cascade; in the opening, confirmed by a neighbouring frame unless confident) "
                   "and eyes toward the camera on hook + sampled frames")
    backend = "opencv-haar-frontalface"

    def available(self):
        p = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        ok = not cv2.CascadeClassifier(p).empty()
        return ok, p if ok else f"cascade missing at {p} (opencv-python-headless 5 dropped them; use 4.x)"

    def compute(self, media, ctx: Context):
        cas = _Cascades()
        rows = []  # (t, n_faces, largest_area_fraction, eyes_to_camera)
        seen = set()
        hk = media.hook
        hook_idx = sorted({int(np.argmin(np.abs(np.asarray(hk.times) - x))) for x in HOOK_TIMES}) if len(hk) else []
        hv = media.heavy
        step = max(1, int(np.ceil(len(hv) / MAX_HEAVY)))
        frames = ([(hk.times[i], hk.frames[i], [hk.frames[j] for j in (i - 1, i + 1) if 0 <= j < len(hk)])
                   for i in hook_idx] + [(t, f, []) for t, f in zip(hv.times[::step], hv.frames[::step])])
        for t, f, near in frames:
            key = round(t, 1)
            if key in seen:
                continue
            seen.add(key)
            det, (h, w) = cas.detect(f)
            det = cas.confirmed(det, near)
            areas = [d[2] * d[3] / (h * w) for d in det]
            area = max(areas, default=0.0)
            rows.append((t, len(det), area, any(d[4] for d in det), areas))
        rows.sort()
        t = np.array([r[0] for r in rows])
        has = np.array([r[1] > 0 for r in rows])
        hook = t < 3.0
        ev = [Evidence(t=r[0], value=round(r[2], 4), note=f"{r[1]} face(s)") for r in rows if r[1]][:10]
        return self.signal(values={
            "face_fraction": float(has.mean()), "face_in_first_frame": bool(rows[0][1] > 0),
            "face_in_first_3s": bool(has[hook].any()) if hook.any() else False,
            "largest_face_area": float(max(r[2] for r in rows)),
            "eyes_to_camera_fraction": float(np.mean([r[3] for r in rows if r[1]])) if has.any() else 0.0,
            "frames_checked": len(rows),
            "smp": smp_face_stats([r[4] for r in rows]),
        }, timeline=[(r[0], float(r[1])) for r in rows], evidence=ev)
