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


def index_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run where `mask` holds (inclusive)."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if start is not None and (not m or i == len(mask) - 1):
            out.append((start, i if m else i - 1))
            start = None
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


def _denoise_small(g: np.ndarray) -> np.ndarray:
    """3x3 median (removes impulses: salt-and-pepper, dead pixels) then a 1-px Gaussian, float32."""
    import cv2

    g = np.asarray(g)
    if g.dtype != np.uint8:
        g = np.clip(np.round(g), 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(cv2.medianBlur(g, 3).astype(np.float32), (0, 0), 1.0)


CHANGE_FLOOR = 1.0  # grey levels of frame-to-frame change always ignored (codec flicker, rounding)
CHANGE_K = 3.0  # changes are counted above CHANGE_K noise sigmas of the frame difference


def tile_grid(shape: tuple[int, int], per_short: int = 6) -> tuple[int, int]:
    """(columns, rows) of roughly square tiles, `per_short` along the short side."""
    h, w = shape
    t = min(h, w) / per_short
    return max(1, int(round(w / t))), max(1, int(round(h / t)))


def _med3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def _clean_frames(grays: list[np.ndarray]):
    """Frames denoised in space (3x3 median, 1-px Gaussian) and in time (median of each frame and its
    two neighbours: a change that lasts one frame, such as impulse noise, codec flicker or a flash, is
    not movement; a real movement persists; the first and last frames, with one neighbour, keep their
    neighbour's picture). Yields them one at a time (memory stays flat)."""
    if len(grays) < 4:
        for g in grays:
            yield _denoise_small(g)
        return
    a, b = _denoise_small(grays[0]), _denoise_small(grays[1])
    yield a  # the first and last frames have one neighbour: a change there is not confirmed by a second frame
    for g in grays[2:]:
        c = _denoise_small(g)
        yield _med3(a, b, c)
        a, b = b, c
    yield _med3(a, b, a)


def change_noise_sigma(grays: list[np.ndarray], max_pairs: int = 300) -> float:
    """Noise sigma of the difference of two consecutive cleaned frames, measured where nothing
    changes: the 25th percentile, over tiles and frame pairs, of the tiles' mean |difference|, divided
    by E|N(0,1)| = sqrt(2/pi). Noise of every kind shows in it (sensor, shot, compression flicker)
    whatever its spatial structure; real change only raises it (then fewer changes are counted)."""
    import cv2

    n = len(grays) - 1
    if n < 1:
        return 0.0
    step = max(1, n // max_pairs)
    cols, rows = tile_grid(np.asarray(grays[0]).shape)
    vals, prev = [], None
    for i, f in enumerate(_clean_frames(grays)):
        if prev is not None and (i - 1) % step == 0:
            vals.append(cv2.resize(np.abs(f - prev), (cols, rows), interpolation=cv2.INTER_AREA).ravel())
        prev = f
    return float(np.quantile(np.concatenate(vals), 0.25) / np.sqrt(2 / np.pi))


CHANGE_SPAN_S = 0.2  # change is measured across this much time (then per frame): smooth and jerky
# movement of the same extent count the same, so a codec that updates blocks in jumps adds nothing


def change_energy(grays: list[np.ndarray], sigma: float | None = None,
                  dt: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Frame-to-frame change that is not noise, in grey levels per pixel per frame.

    Frames are cleaned (see _clean_frames); each frame is compared with the one CHANGE_SPAN_S later
    (`dt`: the frame step in s; consecutive frames when not given), the mean over pixels of
    max(0, |dY| - tau) with tau = CHANGE_K noise sigmas of the difference (change_noise_sigma) +
    CHANGE_FLOOR is divided by the number of steps and spread over them. Returns (per consecutive pair
    frame means (N-1,), tile means (N-1, rows, cols), sigma). Added noise raises tau, so it hides faint
    changes instead of adding spurious ones; a frozen clip reads 0."""
    import cv2
    from collections import deque

    n = len(grays) - 1
    if n < 1:
        return np.zeros(0), np.zeros((0, 1, 1)), 0.0
    sigma = change_noise_sigma(grays) if sigma is None else sigma
    tau = CHANGE_K * sigma + CHANGE_FLOOR
    k = 1 if not dt else int(min(n, max(1, round(CHANGE_SPAN_S / dt))))
    cols, rows = tile_grid(np.asarray(grays[0]).shape)
    means, tiles = np.zeros(n - k + 1), np.zeros((n - k + 1, rows, cols), np.float32)
    buf: deque = deque(maxlen=k + 1)
    j = 0
    for f in _clean_frames(grays):
        buf.append(f)
        if len(buf) == k + 1:
            e = np.maximum(np.abs(buf[-1] - buf[0]) - tau, 0) / k
            means[j] = e.mean()
            tiles[j] = cv2.resize(e, (cols, rows), interpolation=cv2.INTER_AREA)
            j += 1
    if k == 1:
        return means, tiles, sigma
    # window j covers pairs j..j+k-1: each pair gets the mean of the windows covering it
    cover = np.zeros(n)
    pm, pt = np.zeros(n), np.zeros((n, rows, cols), np.float32)
    for o in range(k):
        pm[o : o + len(means)] += means
        pt[o : o + len(means)] += tiles
        cover[o : o + len(means)] += 1
    return pm / cover, pt / cover[:, None, None], sigma


def robust_diffs(grays: list[np.ndarray]) -> np.ndarray:
    """Mean noise-free change between consecutive frames (grey levels per pixel; see change_energy):
    static noisy footage reads ~0, and added noise never reads as motion."""
    return change_energy(grays)[0]


def borders(y: np.ndarray, thresh: float = 16.0) -> tuple[float, float]:
    """(letterbox fraction of height, pillarbox fraction of width) of near-black uniform bars."""
    def run(profile_mean, profile_std, profile_max):
        n = 0
        for m, s, mx in zip(profile_mean, profile_std, profile_max):
            if m < thresh and s < 6 and mx < 3 * thresh:  # uniform and no light in it (a dark scene has some)
                n += 1
            else:
                break
        return n

    rm, rs, rx = y.mean(1), y.std(1), y.max(1)
    cm, cs, cx = y.mean(0), y.std(0), y.max(0)
    top, bot = run(rm, rs, rx), run(rm[::-1], rs[::-1], rx[::-1])
    left, right = run(cm, cs, cx), run(cm[::-1], cs[::-1], cx[::-1])
    lb, pb = (top + bot) / y.shape[0], (left + right) / y.shape[1]
    # bars frame a picture: a frame that is dark almost everywhere is a dark picture, not bars, and so is
    # a dark scene whose unlit edges are barely darker than its middle (a night stadium, a dim room)
    if lb > 0.9 or pb > 0.9:
        return 0.0, 0.0
    if top + bot + left + right:
        inside = y[top:y.shape[0] - bot, left:y.shape[1] - right]
        edge = np.concatenate([y[:top].ravel(), y[y.shape[0] - bot:].ravel(),
                               y[:, :left].ravel(), y[:, y.shape[1] - right:].ravel()])
        if inside.size and float(inside.mean()) - float(edge.mean()) < 10.0:
            return 0.0, 0.0
    return lb, pb


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


IMPULSE_SHARE = 0.0008  # share of pixels that are isolated near-black/near-white specks: impulse noise
# (real clips, clean: at most 0.0006, a dark stadium with lights; salt-and-pepper noise of density 0.004
# survives an H.264 round trip at 0.0012-0.0032 on frames up to 200 px)


def impulse_share(rgb: np.ndarray) -> float:
    """Share of pixels that are near-black or near-white and differ from their 3x3 median by more than
    80 grey levels (salt-and-pepper specks; glints and catchlights are rarer than IMPULSE_SHARE)."""
    import cv2

    y = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    y = np.ascontiguousarray(y, dtype=np.uint8)
    d = np.abs(y.astype(np.int16) - cv2.medianBlur(y, 3).astype(np.int16))
    return float(((d > 80) & ((y <= 15) | (y >= 240))).mean())


def deimpulse(frames: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """(frames, impulse share): when the frames carry impulse noise (median share over IMPULSE_SHARE),
    each is 3x3-median filtered, so that a learned model or a detail measure does not read the specks as
    detail (a noisier copy must never look sharper or better); otherwise the frames unchanged."""
    import cv2

    if not frames:
        return frames, 0.0
    share = float(np.median([impulse_share(f) for f in frames]))
    if share <= IMPULSE_SHARE:
        return frames, share
    return [cv2.medianBlur(np.ascontiguousarray(f), 3) for f in frames], share
