"""Sharpness as a viewer sees it on a phone: how wide the picture's edges are, in px at 1080 px of
short side (a 1080x1920 screen), measured at the source's own resolution from the full-resolution
copies of the same decode pass.

Edge width, not raw Laplacian energy: noise adds Laplacian energy but not detail, while an edge's
width is a property of the optics and the resolution. At each edge (a local maximum of the gradient
at a coarse scale, strong and far above the noise) the gradient is compared at two scales: a step
blurred by b px has a gradient ratio sqrt(b^2 + s2^2) / sqrt(b^2 + s1^2), which gives b. Noise is
handled three ways, each making noise read as less sharp, never more: impulses are removed by a 3x3
median; the noise's share of the gradient responses (from the noise estimate below) is subtracted in
quadrature; and noise above the level of clean footage (relative to the picture's contrast, so
darkening does not change it) is smoothed away first, the smoothing counted in the width (a
Wiener-like denoise: the finest detail that survives the noise is what a viewer can see). Low
resolution reads as wide edges once scaled to 1080 px. The clip's value is its sharpest measured frame (its in-focus
moment: a frozen copy of one of its frames cannot read sharper, and soft transitions do not count).

Also kept: the noise-corrected variance of the Laplacian at a common scale (`laplacian_var`, used for
blurry-frame evidence and by other analyzers through `detail_var`) and the fine-detail ratio."""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import central_crop, luma
from .base import Analyzer, Context, register

REF_SHORT = 360  # Laplacian variance is measured at this short side so it does not depend on the resolution
LAPLACIAN_NOISE_GAIN = 80.0  # sum of squares of OpenCV's 3x3 Laplacian kernel: var(L(noise)) = 80 sigma^2
S1, S2 = 1.0, 3.0  # the two gradient scales (px) of the edge-width estimate
MIN_EDGES = 30  # edge pixels a frame needs for a width estimate
EDGE_PCT = 25  # the frame's width: this percentile of its edges' widths (the in-focus ones; bokeh is not blur)
SHARP_PX_1080, SOFT_PX_1080 = 0.8, 12.0  # edge widths scored 100 and 0 (log scale between)


def _ref_scale(y: np.ndarray) -> tuple[np.ndarray, float]:
    """`y` area-shrunk to REF_SHORT on its short side (never enlarged) and the factor applied."""
    s = REF_SHORT / min(y.shape)
    if s < 0.99:
        y = cv2.resize(y, (round(y.shape[1] * s), round(y.shape[0] * s)), interpolation=cv2.INTER_AREA)
        return y, s
    return y, 1.0


def _demedian(y: np.ndarray) -> np.ndarray:
    return cv2.medianBlur(np.clip(np.round(y), 0, 255).astype(np.uint8), 3).astype(np.float32)


def laplacian_var(rgb: np.ndarray) -> float:
    """Raw variance of the Laplacian at REF_SHORT (noise included)."""
    y, _ = _ref_scale(luma(rgb).astype(np.float32))
    return float(cv2.Laplacian(y, cv2.CV_32F, ksize=3).var())


def detail_var(y: np.ndarray) -> float:
    """Variance of the Laplacian of luma at REF_SHORT with noise removed: impulses by a 3x3 median, then
    the noise's share subtracted (OpenCV's 3x3 Laplacian turns white noise of sigma s into variance
    80 s^2; s is measured before the median, blind to smooth texture and counting impulses fully, see
    `noise_sigma_blind`, so the share is overestimated), so added noise lowers the value. Pictures
    smaller than REF_SHORT are measured at their own size and scaled as an ideal enlargement would (the
    variance of a second derivative falls with the 4th power of the enlargement)."""
    y = np.asarray(y, np.float32)
    up = REF_SHORT / min(y.shape)
    y, _ = _ref_scale(y)
    sigma = noise_sigma_blind(y)
    v = max(0.0, float(cv2.Laplacian(_demedian(y), cv2.CV_32F, ksize=3).var()) - LAPLACIAN_NOISE_GAIN * sigma ** 2)
    return v / up ** 4 if up > 1 else v


def _gradients(y: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    g = cv2.GaussianBlur(y, (0, 0), s)
    return cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=1) * 0.5, cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=1) * 0.5


NOISE_BLOCKS = 8  # the picture is cut into 8x8 blocks for the noise estimate
NOISE_FREE, NOISE_BLUR = 0.03, 6.0  # relative noise below which nothing is smoothed; px of smoothing per unit above
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)  # zero on planes and ramps; noise gain 6


def _block_residual(y: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean squared Immerkaer residual over the flat pixels of each of NOISE_BLOCKS^2 blocks, and which
    blocks have enough flat pixels."""
    r = cv2.filter2D(y, cv2.CV_32F, _IMMERKAER)
    e = cv2.resize(r * r * flat, (NOISE_BLOCKS, NOISE_BLOCKS), interpolation=cv2.INTER_AREA)
    f = cv2.resize(flat, (NOISE_BLOCKS, NOISE_BLOCKS), interpolation=cv2.INTER_AREA)
    return e / np.maximum(f, 1e-6), f > 0.2


def _noise_and_contrast(y: np.ndarray) -> tuple[float, float]:
    """(noise sigma in grey levels, edge contrast) of a luma picture.

    Immerkaer's second-difference mask (blind to smooth shading; 6x the sigma of white noise) is taken
    in the flat half of each of 8x8 blocks (flat by the 3-px gradient), as a mean square, at full and at
    half size. White noise's residual halves when the picture is halved (its power falls 4x), natural
    texture's grows (about 2x in power for a 1/f^2 spectrum), so the noise power is 4/7 (2 E_full -
    E_half): fine texture, rippling water or a crowd at a distance is not read as noise. Impulses
    count fully (mean squares, not robust spreads). The 20th percentile over the blocks (noise covers
    the whole picture, texture only parts), square-rooted, / 6. Contrast: the 95th percentile of the
    3-px gradient magnitude."""
    y = np.asarray(y, np.float32)
    m2 = np.hypot(*_gradients(y, S2))
    flat = (m2 <= np.quantile(m2, 0.5)).astype(np.float32)
    contrast = float(np.quantile(m2, 0.95))
    if min(y.shape) < 16:
        return 0.0, contrast
    ef, ok = _block_residual(y, flat)
    yh = cv2.resize(y, (y.shape[1] // 2, y.shape[0] // 2), interpolation=cv2.INTER_AREA)
    fh = (cv2.resize(flat, (yh.shape[1], yh.shape[0]), interpolation=cv2.INTER_AREA) > 0.5).astype(np.float32)
    eh, okh = _block_residual(yh, fh)
    ok &= okh
    if not ok.any():
        return 0.0, contrast
    noise_power = np.maximum(4.0 / 7.0 * (2.0 * ef - eh), 0.0)
    return float(np.sqrt(np.percentile(noise_power[ok], 20)) / 6.0), contrast


def noise_sigma_blind(y: np.ndarray) -> float:
    """Noise sigma (grey levels) of a luma picture, blind to smooth texture (see _noise_and_contrast)."""
    return _noise_and_contrast(y)[0]


def relative_noise(y: np.ndarray) -> float:
    """Noise of a luma picture relative to its contrast (noise sigma / edge contrast, see
    _noise_and_contrast: darkening scales both). Under 0.05 for clean footage, textured or not; 0.3-3
    with visible noise."""
    sigma, c = _noise_and_contrast(y)
    return sigma / c if c > 1e-6 else 0.0


def temporal_noise(frames: list[np.ndarray], max_pairs: int = 60) -> float | None:
    """Noise sigma of single frames (grey levels, at the frames' scale) from what changes between
    consecutive frames where the picture stands still: the 25th percentile over tiles and pairs of the
    tiles' mean |difference|, / sqrt(2/pi) / sqrt(2). Texture does not change between frames, so
    unlike a single-frame estimate it does not read fine texture as noise. Tiles that do not change at
    all (a codec repeating a block, a frozen picture) say nothing about noise and are left out; None
    when fewer than a fifth of them change."""
    from ._util import tile_grid

    def gray(f):
        return np.asarray(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f, np.float32)

    n = len(frames) - 1
    if n < 1:
        return None
    cols, rows = tile_grid(frames[0].shape[:2])
    vals = []
    for i in np.unique(np.linspace(0, n - 1, min(max_pairs, n)).round().astype(int)):  # consecutive pairs
        d = np.abs(gray(frames[i + 1]) - gray(frames[i]))
        vals.append(cv2.resize(d, (cols, rows), interpolation=cv2.INTER_AREA).ravel())
    v = np.concatenate(vals)
    live = v[v > 0.05]
    if len(live) < 0.2 * len(v):
        return None
    return float(np.quantile(live, 0.25) / np.sqrt(2 / np.pi) / np.sqrt(2))


def edge_width(y: np.ndarray, frac: float = 0.1, noise_sigma: float | None = None) -> tuple[float | None, int, float]:
    """(edge blur sigma in px of `y` (EDGE_PCT percentile over its edges), number of edge pixels,
    relative noise) of a luma picture;
    width None when it has fewer than MIN_EDGES clear edges. `noise_sigma`: the frames' noise measured
    over time, in grey levels at `y`'s scale (when given, the relative noise is the smaller of the
    single-picture estimate and this one over the contrast). See the module docstring."""
    y = np.asarray(y, np.float32)
    contrast = float(np.quantile(np.hypot(*_gradients(y, S2)), 0.95))
    rn = relative_noise(y)
    if noise_sigma is not None:
        rn = min(rn, noise_sigma / max(contrast, 1e-6))
    sigma = rn * contrast  # noise sigma, grey levels
    y = _demedian(y)
    # Wiener-like: noise above the clean level is smoothed away before measuring; the smoothing is part
    # of the reported width (detail finer than the noise is not seen)
    pre = min(3.0, NOISE_BLUR * max(0.0, rn - NOISE_FREE))
    if pre > 0.05:
        y = cv2.GaussianBlur(y, (0, 0), pre)
    g1x, g1y = _gradients(y, S1)
    g2x, g2y = _gradients(y, S2)
    m1, m2 = np.hypot(g1x, g1y), np.hypot(g2x, g2y)
    # white noise of sigma s gives a Gaussian-derivative response of variance s^2 / (8 pi scale^4) per axis
    s1, s2 = np.hypot(S1, pre), np.hypot(S2, pre)
    n1 = 2 * sigma ** 2 / (8 * np.pi * s1 ** 4)
    n2 = 2 * sigma ** 2 / (8 * np.pi * s2 ** 4)
    # edges: local maxima of the coarse gradient across the edge (4 directions), strong, far above noise
    q = (np.round(np.arctan2(g2y, g2x) / (np.pi / 4)) % 4).astype(np.int8)
    h, w = m2.shape
    c = m2[1:-1, 1:-1]
    nms = np.zeros_like(m2, bool)
    for k, (dy, dx) in enumerate(((0, 1), (1, 1), (1, 0), (1, -1))):
        a = m2[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx]
        b = m2[1 - dy : h - 1 - dy, 1 - dx : w - 1 - dx]
        nms[1:-1, 1:-1] |= (q[1:-1, 1:-1] == k) & (c >= a) & (c >= b)
    if not nms.any():
        return None, 0, rn
    thr = max(float(np.quantile(m2[nms], 1 - frac)), 8.0 * np.sqrt(n2), 0.5)
    e = nms & (m2 >= thr)
    n = int(e.sum())
    if n < MIN_EDGES:
        return None, n, rn
    # noise power removed in quadrature (twice over: what is left of it must not read as sharpness)
    f = np.maximum(m1[e] ** 2 - 2 * n1, 0.0)
    co = np.maximum(m2[e] ** 2 - 2 * n2, 1e-6)
    rho = np.clip(np.sqrt(f / co), 1.0 + 1e-4, S2 / S1 - 1e-4)
    b = np.sqrt(np.maximum((S2 ** 2 - rho ** 2 * S1 ** 2) / (rho ** 2 - 1), 0.0))
    return float(np.percentile(b, EDGE_PCT)), n, rn


def fine_detail_ratio(y: np.ndarray) -> float:
    """Energy above a 1-px Gaussian over energy above a 3-px Gaussian, at the source resolution (about
    0.12-0.25 for sharp footage, under 0.08 for blurred or 4x-upscaled footage; noise raises it, so
    it is read together with the noise estimate)."""
    y = y.astype(np.float32)
    a = float((y - cv2.GaussianBlur(y, (0, 0), 1.0)).var())
    b = float((y - cv2.GaussianBlur(y, (0, 0), 3.0)).var())
    return a / b if b > 1e-6 else 0.0


FULL_RES_FRAMES = 12  # frames measured at the source resolution


@register
class SharpnessAnalyzer(Analyzer):
    name = "sharpness"
    cost = 2
    version = "3"
    description = ("edge width in px at 1080 px short side (two-scale gradient ratio at the source resolution, "
                   "noise removed), noise-corrected variance of the Laplacian, fine detail")

    def compute(self, media, ctx: Context):
        fs = media.heavy
        vals = [detail_var(luma(f)) for f in fs.frames]
        raw = [laplacian_var(f) for f in fs.frames]
        idx = list(range(0, len(fs), max(1, int(np.ceil(len(fs) / FULL_RES_FRAMES)))))
        widths, fine, noise = [], [], []
        # frame noise over time on the small frames (72 px), scaled to the full-resolution copies (white
        # noise averages down with the linear size)
        small = media.small.frames
        sig72 = temporal_noise(small) if len(small) > 1 else None
        for i in idx:
            full = media.full_luma(i)
            y = central_crop(full)
            sig = None if sig72 is None else sig72 * min(full.shape) / min(small[0].shape[:2])
            wpx, _, rn = edge_width(y, noise_sigma=sig)
            noise.append(rn)
            if wpx is not None:
                widths.append((fs.times[i], wpx * 1080.0 / min(full.shape)))
            fine.append(fine_detail_ratio(y))
        med = float(np.median(vals))
        ev = [Evidence(t=t, value=round(v, 1), note="blurry frame") for t, v in zip(fs.times, vals) if v < 0.35 * med]
        full_short = int(min(media.full_luma(0).shape))
        w = np.asarray([x for _, x in widths])
        out = {"laplacian_var": med, "laplacian_var_raw": float(np.median(raw)), "min_laplacian_var": float(np.min(vals)),
               "sharpest_t": float(fs.times[int(np.argmax(vals))]), "fine_detail_ratio": float(np.median(fine)),
               "full_res_short_side": full_short, "relative_noise": float(np.median(noise)),
               "edge_width_px_1080": float(np.min(w)) if len(w) else None,
               "edge_width_median_px_1080": float(np.median(w)) if len(w) else None,
               "edge_frames": int(len(w)), "edge_frames_checked": int(len(idx))}
        return self.signal(values=out, timeline=list(zip(fs.times, vals)), evidence=ev[:10])
