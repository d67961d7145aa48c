"""Motion: how much the picture changes (noise excluded), where (tiles: a gesture moves its tile even
when the frame mean is low), the camera's motion and its shake in physical units, and the stretches
where nothing at all changes.

Camera motion is the consensus of phase correlations over the whole frame and nine overlapping
tiles: a subject moving in front of a locked camera moves only its tiles, so the majority (the
background) says "no camera motion"; frame pairs without a clear consensus (cuts, dissolves, a
subject filling the frame) are left out rather than guessed. Shake is the high-frequency part of
that motion (frame-to-frame shift minus its 0.3 s moving average), reported as the 95th percentile in
px at 1080 px of width, the scale a phone shows a vertical video at."""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import change_energy, index_runs, per_second, runs, work_scale
from .base import Analyzer, Context, register

STATIC_ENERGY = 0.5  # mean noise-free |dY| per pixel per frame (0..255) below which the whole frame is calm
STATIC_TILE = 0.3  # ... and no tile (about 1/6 of the short side) changes more than this (a chewing squirrel,
# a talking mouth or flowing water at 72 px reach 0.3-1; codec noise, once removed, stays under 0.1) ...
STATIC_CAMERA_PX = 0.2  # ... and the camera moves less than this (px of the 72-px frame): nothing moves
MIN_STATIC_S = 2.0  # shortest stretch reported as static
SHAKY_PX_1080 = 6.0  # camera jitter (p95, px at 1080 px width) above which footage reads as shaky
# (why 4 px: a locked-off or gimbal camera measures <= 1 px; hand-held phone footage with stabilisation
# 1.5-3 px; at 4 px and more the frame visibly trembles on a phone held at reading distance, where one
# pixel of a 1080-px-wide screen is about 1 arc-minute, the eye's resolution; an editor's review of real clips
# found 4-5 px (a camera fixed in a moving car, a slow pan) not shaky-looking, the clips at 8 px and more shaky:
# 6 px is the line)
JITTER_WINDOW_S = 0.3  # camera moves slower than this (pans, follows) are intended, not shake
TILE_PEAK = 0.2  # phase-correlation peak a tile needs to count (noise peaks of a 36x64 tile stay below ~0.12)
FRAME_PEAK = 0.1  # ... and the whole frame (noise below ~0.05)
AGREE_PX = 0.5  # estimates within this many small-frame px agree


def _peak_shift(fa: np.ndarray, fb: np.ndarray, shape: tuple[int, int]) -> tuple[float, float, float]:
    """Phase correlation of two windowed spectra (rfft2): normalised cross-power spectrum, inverse
    transform, peak, 3x3 weighted centroid; (dx, dy, peak height) with OpenCV's sign convention (the
    peak is 1 for a pure circular shift, ~sqrt(2 ln N / N) for unrelated pictures).

    Written out because cv2.phaseCorrelate (opencv-python-headless 4.14) returns a different answer
    on every call with the same input, which made camera speed and shake change between two runs on
    the same file. Deterministic; agrees with it to ~0.01 px on synthetic shifts (tested)."""
    r = fa * np.conj(fb)
    r /= np.maximum(np.abs(r), np.finfo(np.float64).eps)
    c = np.fft.fftshift(np.fft.irfft2(r, s=shape))
    h, w = shape
    py, px = np.unravel_index(int(np.argmax(c)), c.shape)
    peak = float(c[py, px])
    y0, y1, x0, x1 = max(0, py - 1), min(h, py + 2), max(0, px - 1), min(w, px + 2)
    patch = np.maximum(c[y0:y1, x0:x1], 0)
    s = patch.sum()
    if s <= 0:
        cy, cx = float(py), float(px)
    else:
        cy = float((patch.sum(1) * np.arange(y0, y1)).sum() / s)
        cx = float((patch.sum(0) * np.arange(x0, x1)).sum() / s)
    return w // 2 - cx, h // 2 - cy, peak


def _regions(shape: tuple[int, int]) -> list[tuple[slice, slice]]:
    """The whole frame, then nine overlapping tiles (half the height and width, quarter steps)."""
    h, w = shape
    th, tw = h // 2, w // 2
    out = [(slice(0, h), slice(0, w))]
    for y in (0, (h - th) // 2, h - th):
        for x in (0, (w - tw) // 2, w - tw):
            out.append((slice(y, y + th), slice(x, x + tw)))
    return out


def _peaks(c: np.ndarray) -> np.ndarray:
    """(K, 3) rows (dx, dy, peak) of a stack of fftshifted correlation surfaces (K, h, w): the peak and
    its 3x3 weighted centroid, as _peak_shift does for one."""
    k, h, w = c.shape
    flat = c.reshape(k, -1)
    am = flat.argmax(1)
    py, px = am // w, am % w
    peak = flat[np.arange(k), am]
    oy, ox = np.meshgrid(np.arange(-1, 2), np.arange(-1, 2), indexing="ij")
    yy = np.clip(py[:, None, None] + oy, 0, h - 1)
    xx = np.clip(px[:, None, None] + ox, 0, w - 1)
    patch = np.maximum(c[np.arange(k)[:, None, None], yy, xx], 0)
    s = patch.sum((1, 2))
    ok = s > 0
    cy = np.where(ok, (patch * yy).sum((1, 2)) / np.where(ok, s, 1), py)
    cx = np.where(ok, (patch * xx).sum((1, 2)) / np.where(ok, s, 1), px)
    return np.stack([w // 2 - cx, h // 2 - cy, peak], 1)


def camera_motion(grays: list[np.ndarray], chunk: int = 128) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Camera translation between consecutive frames, in px of the given frames.

    Returns (shifts (N-1, 2), valid (N-1,) bool, support (N-1,) number of agreeing regions). A pair is
    valid when at least three of the ten regions (frame + nine tiles) with a clear correlation peak
    agree within AGREE_PX; the shift is their peak-weighted mean. Invalid pairs (cuts, no texture,
    disagreement) carry shift 0. Frames are processed in chunks (batched FFTs, bounded memory)."""
    n = len(grays) - 1
    if n < 1:
        return np.zeros((0, 2)), np.zeros(0, bool), np.zeros(0, int)
    import scipy.fft as sfft

    shape = np.asarray(grays[0]).shape
    regs = _regions(shape)
    wins = [cv2.createHanningWindow((r[1].stop - r[1].start, r[0].stop - r[0].start), cv2.CV_32F) for r in regs]
    est = np.zeros((n, len(regs), 3))
    for s0 in range(0, n, chunk):
        g = np.asarray(grays[s0 : min(n, s0 + chunk) + 1], np.float32)
        for k, (r, win) in enumerate(zip(regs, wins)):
            sub = g[:, r[0], r[1]]
            sub = (sub - sub.mean((1, 2), keepdims=True)) * win
            f = sfft.rfft2(sub)  # float32 FFTs: 3x faster than numpy's float64 ones, same peaks to ~1e-3 px
            x = f[:-1] * np.conj(f[1:])
            x /= np.maximum(np.abs(x), np.float32(1e-12))
            c = np.fft.fftshift(sfft.irfft2(x, s=sub.shape[1:]), axes=(1, 2))
            est[s0 : s0 + len(x), k] = _peaks(c)
    thr = np.array([FRAME_PEAK] + [TILE_PEAK] * (len(regs) - 1))
    ok = est[:, :, 2] >= thr
    dx = est[:, :, None, 0] - est[:, None, :, 0]
    dy = est[:, :, None, 1] - est[:, None, :, 1]
    agree = (np.hypot(dx, dy) <= AGREE_PX) & ok[:, :, None] & ok[:, None, :]
    votes = agree.sum(2) + 1e-3 * est[:, :, 2]
    best = votes.argmax(1)
    inl = agree[np.arange(n), best]  # (n, regions): the estimates agreeing with the best-supported one
    support = inl.sum(1)
    valid = support >= 3
    wts = inl * est[:, :, 2]
    shifts = (est[:, :, :2] * wts[:, :, None]).sum(1) / np.maximum(wts.sum(1), 1e-12)[:, None]
    shifts[~valid] = 0.0
    resid = np.full(n, np.nan)
    for i in np.nonzero(valid)[0]:  # sub-pixel accuracy (phase-correlation peaks lean towards whole pixels)
        shifts[i], resid[i] = refine_shift(grays[i], grays[i + 1], shifts[i], with_residual=True)
    # a pair that the shift does not align (what remains stands out from the clip's other pairs) is a cut
    # or a flash that the tiles happened to agree on: no camera motion is read from it
    if np.isfinite(resid).sum() >= 5:
        typical = float(np.nanmedian(resid))
        bad = np.isfinite(resid) & (resid > max(CUT_RESIDUAL, CUT_RESIDUAL_X * typical))
        valid &= ~bad
        shifts[bad] = 0.0
    return shifts, valid, support


CUT_RESIDUAL = 8.0  # median |difference| (grey levels) left after aligning a pair, above which ...
CUT_RESIDUAL_X = 4.0  # ... and this many times the clip's median, the pair is not one camera view moving


def refine_shift(a: np.ndarray, b: np.ndarray, s0: np.ndarray, iters: int = 5, margin: int = 3,
                 with_residual: bool = False):
    """Sub-pixel refinement of the translation `s0` (content of `b` = content of `a` moved by s) by
    Gauss-Newton steps on the brightness difference (Lucas-Kanade for one global translation), with
    Cauchy weights so that a subject moving on its own counts little. Phase-correlation peaks are
    biased towards whole pixels (0.1 px reads ~0.05 on real textures); this is not."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    gx = cv2.Scharr(a, cv2.CV_32F, 1, 0) / 32.0
    gy = cv2.Scharr(a, cv2.CV_32F, 0, 1) / 32.0
    inner = (slice(margin, -margin), slice(margin, -margin))
    gx, gy, a0 = gx[inner], gy[inner], a[inner]
    s = np.asarray(s0, np.float64).copy()
    h, w = a.shape
    for _ in range(iters):
        bw = cv2.warpAffine(b, np.float32([[1, 0, -s[0]], [0, 1, -s[1]]]), (w, h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)[inner]
        r = bw - a0
        c = 2.0 * 1.4826 * float(np.median(np.abs(r))) + 1e-3
        wt = 1.0 / (1.0 + (r / c) ** 2)
        axx, axy, ayy = (wt * gx * gx).sum(), (wt * gx * gy).sum(), (wt * gy * gy).sum()
        bx, by = (wt * gx * r).sum(), (wt * gy * r).sum()
        det = axx * ayy - axy * axy
        if det <= 1e-9 * max(axx * ayy, 1e-12):
            break
        d = -np.array([ayy * bx - axy * by, axx * by - axy * bx]) / det
        if not np.all(np.isfinite(d)) or np.hypot(*d) > 1.0:
            break
        s += d
        if np.hypot(*d) < 0.01:
            break
    if with_residual:
        bw = cv2.warpAffine(b, np.float32([[1, 0, -s[0]], [0, 1, -s[1]]]), (w, h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)[inner]
        return s, float(np.median(np.abs(bw - a0)))
    return s


def global_shifts(grays: list[np.ndarray]) -> np.ndarray:
    """(N-1, 2) camera translation between consecutive frames (px of the given frames; 0 where no
    consensus was found)."""
    return camera_motion(grays)[0]


def _moving_average(x: np.ndarray, valid: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred moving average (window k) within each run of valid entries, and the entries it is
    usable for: a pair without camera consensus (a cut, a dissolve, a subject filling the frame) breaks
    the run, so the camera path of one shot is never averaged with the next one's (a steady follow
    that ends at a cut read as a jolt), and runs of fewer than 3 pairs are left out."""
    avg = np.zeros_like(x, dtype=float)
    usable = np.zeros(len(x), bool)
    for a, b in index_runs(valid):
        if b - a + 1 < 3:
            continue
        seg = x[a:b + 1].astype(float)
        n = b - a + 1
        w = np.ones(min(k, n if n % 2 else n - 1))  # odd and no longer than the run ('same' keeps the length)
        den = np.convolve(np.ones(len(seg)), w, mode="same")
        avg[a:b + 1] = np.stack([np.convolve(seg[:, j], w, mode="same") for j in range(x.shape[1])], 1) / den[:, None]
        usable[a:b + 1] = True
    return avg, usable


def shake_measures(shifts: np.ndarray, valid: np.ndarray, times: np.ndarray, width: int) -> dict:
    """Camera jitter from the per-pair camera shifts: the shift minus its JITTER_WINDOW_S moving
    average, its 95th percentile in px at 1080 px width (and as a fraction of the width), and the
    worst 1-s stretch. `times`: the time of each pair's second frame."""
    out = {"shake": 0.0, "shake_px_1080": 0.0, "shake_measured_fraction": float(valid.mean()) if len(valid) else 0.0,
           "shake_worst_span": None, "shake_worst_px_1080": 0.0, "shaky_spans": []}
    if valid.sum() < 5:
        return out
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 1 / 30
    k = min(max(3, int(round(JITTER_WINDOW_S / max(dt, 1e-3))) | 1), (len(shifts) - 1) | 1)
    avg, usable = _moving_average(shifts, valid, k)
    if usable.sum() < 5:
        return out
    valid = usable
    jit = np.hypot(*(shifts - avg).T)
    jv = jit[valid]
    p95 = float(np.percentile(jv, 95))
    to1080 = 1080.0 / width
    out.update(shake=p95 / width, shake_px_1080=p95 * to1080)
    # worst stretch: 1-s windows (p95 of the jitter inside), in steps of half a window
    tv = times[valid]
    best, spans = (0.0, None), []
    for a in np.arange(float(tv[0]), max(float(tv[-1]) - 1.0, float(tv[0])) + 1e-9, 0.5):
        m = (tv >= a) & (tv < a + 1.0)
        if m.sum() < 3:
            continue
        v = float(np.percentile(jv[m], 95)) * to1080
        if v > best[0]:
            best = (v, (round(a, 2), round(min(a + 1.0, float(tv[-1])), 2)))
        if v > SHAKY_PX_1080:
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], round(a + 1.0, 2))
            else:
                spans.append((round(a, 2), round(a + 1.0, 2)))
    out.update(shake_worst_px_1080=best[0], shake_worst_span=best[1], shaky_spans=spans)
    return out


@register
class MotionAnalyzer(Analyzer):
    name = "motion"
    cost = 2
    version = "6"
    description = ("noise-free change per second (frame and tiles), camera motion and shake in px at 1080 width "
                   "(tile-consensus phase correlation), stretches where nothing moves")
    video_only = True

    def compute(self, media, ctx: Context):
        fs = media.small
        if len(fs) < 2:
            return self.not_applicable("fewer than two frames")
        # luma at 72 px short side (OpenCV's integer luma: within one grey level of the float one), uint8
        grays = [work_scale(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)) for f in fs.frames]
        t = np.asarray(fs.times)
        dt = np.maximum(np.diff(t), 1e-3)
        frame_e, tile_e, sigma = change_energy(grays, dt=float(np.median(dt)))  # noise is not motion
        # energy normalised to a 30 fps frame step so VFR and low-fps inputs compare
        norm = np.minimum(1.0, (1 / 30) / dt)
        energy = frame_e * norm
        tile_max = tile_e.reshape(len(tile_e), -1).max(1) * norm
        shifts, valid, support = camera_motion(grays)
        w = grays[0].shape[1]
        speed = np.hypot(shifts[:, 0], shifts[:, 1]) / w  # frame widths per frame
        sh = shake_measures(shifts, valid, t[1:], w)
        cam = np.hypot(shifts[:, 0], shifts[:, 1])
        static = (energy < STATIC_ENERGY) & (tile_max < STATIC_TILE) & (cam < STATIC_CAMERA_PX)
        static_spans = runs(static, t[1:], MIN_STATIC_S)
        ev = [Evidence(t=a, t_end=b, note="nothing moves") for a, b in static_spans]
        if sh["shake_px_1080"] > SHAKY_PX_1080 and sh["shake_worst_span"]:
            a, b = sh["shake_worst_span"]
            ev.insert(0, Evidence(t=a, t_end=b, value=round(sh["shake_worst_px_1080"], 1),
                                  note="shakiest second (camera jitter, px at 1080 width)"))
        return self.signal(values={
            "motion_energy": float(np.mean(energy)), "motion_energy_p90": float(np.percentile(energy, 90)),
            "local_motion": float(np.mean(tile_max)), "local_motion_p90": float(np.percentile(tile_max, 90)),
            "change_noise_sigma": sigma,
            "camera_speed": float(np.mean(speed[valid])) if valid.any() else 0.0,
            **sh, "shaky": bool(sh["shake_px_1080"] > SHAKY_PX_1080), "shaky_threshold_px_1080": SHAKY_PX_1080,
            "static_fraction": float(static.mean()),
            "is_static": bool(static.mean() > 0.9), "static_spans": static_spans,
        }, timeline=per_second(list(t[1:]), energy), evidence=ev[:10])
