"""Technical measurements not covered elsewhere: noise level, compression blockiness, banding,
letterbox/pillarbox borders and upscaled footage. (Blur and exposure come from the sharpness and
exposure analyzers and the `technical` component combines them; camera shake is measured by the motion
analyzer and scored and advised only by the `motion` component.)"""
from __future__ import annotations

import cv2
import numpy as np

from ..schema import Evidence
from ._util import borders, central_crop, luma, noise_sigma  # noqa: F401 (noise_sigma re-exported)
from .base import Analyzer, Context, register


def _block_ratio(y: np.ndarray, block: int) -> float:
    d = np.abs(np.diff(y, axis=1))
    n = (d.shape[1] - 1) // block
    if n < 1:
        return 1.0
    d = d[:, : n * block].reshape(d.shape[0], n, block)
    at = d[:, :, block - 1]  # the step across a block border
    nb = 0.5 * (d[:, :, block - 2] + d[:, :, block - 3])  # steps just inside the block
    smooth = nb < 3  # blocking shows where the picture is smooth
    if not smooth.any():
        return 1.0
    return float((at[smooth].mean() + 0.1) / (nb[smooth].mean() + 0.1))


def blockiness(y: np.ndarray, block: int = 8) -> float:
    """Luma steps across 8-px block borders relative to the steps just inside, in smooth areas
    (about 1-3 for clean footage, >5 visibly blocky, >10 heavy)."""
    return 0.5 * (_block_ratio(y, block) + _block_ratio(np.ascontiguousarray(y.T), block))


def banding(y: np.ndarray) -> float:
    """Share of smooth-gradient area showing flat steps (contour bands), 0..1."""
    g = cv2.GaussianBlur(y, (0, 0), 2)
    gx = np.abs(np.diff(g, axis=1))
    smooth = (gx > 0.05) & (gx < 1.5)
    if smooth.mean() < 0.05:
        return 0.0
    raw = np.abs(np.diff(y, axis=1))
    steps = smooth & (raw >= 1.0) & (raw <= 3.0)
    flat = smooth & (raw < 0.5)
    return float(min(1.0, (steps.mean() + 1e-6) / (smooth.mean()) * flat.mean() / max(smooth.mean(), 1e-6)))


def upscale_ratio(y: np.ndarray) -> float:
    """High-frequency energy kept after a 2x down-up resample (1 = no detail at full scale, i.e. upscaled)."""
    h, w = y.shape
    du = cv2.resize(cv2.resize(y, (w // 2, h // 2), interpolation=cv2.INTER_AREA), (w, h), interpolation=cv2.INTER_CUBIC)
    e_full = float(cv2.Laplacian(y, cv2.CV_32F).var())
    e_du = float(cv2.Laplacian(du, cv2.CV_32F).var())
    return e_du / max(e_full, 1e-6)


FULL_RES_FRAMES = 6  # frames measured at the source resolution
EFFICIENT_CODECS = {"hevc", "h265", "av1", "vp9", "libdav1d", "libaom-av1"}


def bits_per_pixel(info) -> float | None:
    """Container bit rate per displayed pixel per frame (audio included; None when unknown)."""
    if not info.bit_rate or not info.fps or info.kind != "video":
        return None
    return float(info.bit_rate) / (info.width * info.height * info.fps)


@register
class TechnicalAnalyzer(Analyzer):
    name = "technical"
    cost = 1.2
    version = "4"
    description = ("noise (Immerkaer), blockiness, banding, upscaling and fine detail at the source resolution; "
                   "letterbox/pillarbox; bits per pixel")

    def compute(self, media, ctx: Context):
        from .sharpness import fine_detail_ratio

        fs = media.heavy
        idx = list(range(0, len(fs), max(1, int(np.ceil(len(fs) / FULL_RES_FRAMES)))))
        rows = []
        for i in idx:
            yf = central_crop(media.full_luma(i)).astype(np.float32)  # full resolution: where problems show
            yh = luma(fs.frames[i])
            lb, pb = borders(yh)
            rows.append({"noise_sigma": noise_sigma(yf), "blockiness": blockiness(yf), "banding": banding(yh),
                         "letterbox": lb, "pillarbox": pb, "upscale_ratio": upscale_ratio(yf),
                         "fine_detail_ratio": fine_detail_ratio(yf), "t": fs.times[i]})
        vals = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if k != "t"}
        vals["source_short_side"] = min(media.info.width, media.info.height)
        vals["measured_short_side"] = int(min(media.full_luma(0).shape))
        bpp = bits_per_pixel(media.info)
        vals["bits_per_pixel"] = bpp
        vals["codec"] = media.info.video_codec
        ev = []
        for r in rows:
            if r["blockiness"] > 5.0:
                ev.append(Evidence(t=r["t"], value=round(r["blockiness"], 2), note="compression blocking"))
            if r["noise_sigma"] > 3:
                ev.append(Evidence(t=r["t"], value=round(r["noise_sigma"], 1), note="visible noise"))
        return self.signal(values=vals, timeline=[(r["t"], r["noise_sigma"]) for r in rows], evidence=ev[:10])
