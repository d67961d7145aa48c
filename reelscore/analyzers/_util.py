"""Small numeric helpers shared by analyzers."""
from __future__ import annotations

import numpy as np


WORK_SHORT_SIDE = 72  # px: the scale motion, cuts and loop measure at


def work_scale(img: np.ndarray) -> np.ndarray:
    """`img` area-downscaled to about WORK_SHORT_SIDE px on its short side (unchanged when already
    there: the decode pass delivers small frames at this size by default)."""
    import cv2

    f = WORK_SHORT_SIDE / min(img.shape[:2])
    if f > 0.75:
        return img
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma, float32 0..255."""
    return rgb[..., 0] * np.float32(0.299) + rgb[..., 1] * np.float32(0.587) + rgb[..., 2] * np.float32(0.114)


def per_second(times: list[float], values: list[float] | np.ndarray) -> list[tuple[float, float]]:
    """Mean of `values` in each whole second (t, mean)."""
    if not len(times):
        return []
    t = np.asarray(times)
    v = np.asarray(values, float)
    out = []
    for s in range(int(np.floor(t.max())) + 1):
        m = (t >= s) & (t < s + 1)
        if m.any():
            out.append((float(s), float(v[m].mean())))
    return out


def runs(mask: np.ndarray, times: np.ndarray, min_len: float) -> list[tuple[float, float]]:
    """Time spans where `mask` holds for at least `min_len` seconds."""
    spans, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = times[i]
        if (not m or i == len(mask) - 1) and start is not None:
            end = times[i]
            if end - start >= min_len:
                spans.append((float(start), float(end)))
            start = None
    return spans


def noise_floor(grays: list[np.ndarray], k: int = 5, prep=None) -> float:
    """Median Immerkaer noise sigma over up to `k` evenly spaced frames (same units as the frames),
    each passed through `prep` first when given."""
    if not grays:
        return 0.0
    idx = np.unique(np.linspace(0, len(grays) - 1, min(k, len(grays))).round().astype(int))
    return float(np.median([noise_sigma(np.asarray(prep(grays[i]) if prep else grays[i], np.float32)) for i in idx]))


def robust_diffs(grays: list[np.ndarray]) -> np.ndarray:
    """Mean absolute change between consecutive frames that ignores temporal noise: frames smoothed
    (Gaussian, 1 px), and per-pixel changes below 3 sigma of the difference of two noisy frames
    (sigma = the clip's noise floor) counted as no change. Static noisy footage reads ~0, not motion."""
    import cv2

    if len(grays) < 2:
        return np.zeros(0)

    def smooth(g):
        return cv2.GaussianBlur(np.asarray(g, np.float32), (0, 0), 1.0)

    # the smoothed frames are made one pair at a time (memory stays flat for thousands of frames)
    tau = 3.0 * np.sqrt(2.0) * noise_floor(grays, prep=smooth) + 1.0
    out = []
    a = smooth(grays[0])
    for g in grays[1:]:
        b = smooth(g)
        d = np.abs(b - a)
        out.append(float((d * (d > tau)).mean()))
        a = b
    return np.asarray(out)


def borders(y: np.ndarray, thresh: float = 16.0) -> tuple[float, float]:
    """(letterbox fraction of height, pillarbox fraction of width) of near-black uniform bars."""
    def run(profile_mean, profile_std):
        n = 0
        for m, s in zip(profile_mean, profile_std):
            if m < thresh and s < 6:
                n += 1
            else:
                break
        return n

    rm, rs = y.mean(1), y.std(1)
    cm, cs = y.mean(0), y.std(0)
    top, bot = run(rm, rs), run(rm[::-1], rs[::-1])
    left, right = run(cm, cs), run(cm[::-1], cs[::-1])
    return (top + bot) / y.shape[0], (left + right) / y.shape[1]


def noise_sigma(y: np.ndarray) -> float:
    """Immerkaer (1996) fast noise variance estimate on smooth pixels, sigma in 0..255 units."""
    import cv2

    k = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    r = cv2.filter2D(y, cv2.CV_32F, k)
    gx, gy = cv2.Sobel(y, cv2.CV_32F, 1, 0), cv2.Sobel(y, cv2.CV_32F, 0, 1)
    g = np.hypot(gx, gy)
    smooth = g < np.quantile(g, 0.5)
    if smooth.sum() < 100:
        smooth = np.ones_like(g, bool)
    return float(np.sqrt(np.pi / 2) * np.abs(r[smooth]).mean() / 6)


CROP = 640  # central square crop (px) for full-resolution measures: where the subject usually is, at a bounded cost


def central_crop(y: np.ndarray, size: int = CROP) -> np.ndarray:
    h, w = y.shape
    ch, cw = min(h, size), min(w, size)
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return y[y0 : y0 + ch, x0 : x0 + cw]
