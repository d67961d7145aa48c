"""Computational aesthetics (heuristic; no trained aesthetics weights install offline):
rule of thirds on a spectral-residual saliency map, subject vs background sharpness, symmetry,
clutter (edge density), contrast and colourfulness."""
from __future__ import annotations

import cv2
import numpy as np

from ._util import luma
from .base import Analyzer, Context, register
from .color import colorfulness

THIRDS = np.array([1 / 3, 2 / 3])


def saliency(y: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang 2007) at 64 px, resized back, normalised to sum 1."""
    small = cv2.resize(y, (64, 64), interpolation=cv2.INTER_AREA)
    f = np.fft.fft2(small)
    logamp = np.log(np.abs(f) + 1e-9)
    resid = logamp - cv2.blur(logamp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(resid + 1j * np.angle(f)))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), 3)
    sal = cv2.resize(sal, (y.shape[1], y.shape[0]))
    return sal / (sal.sum() + 1e-12)


def frame_aesthetics(rgb: np.ndarray) -> dict:
    y = luma(rgb)
    s = 256 / min(y.shape)
    y = cv2.resize(y, (round(y.shape[1] * s), round(y.shape[0] * s)), interpolation=cv2.INTER_AREA)
    rgb_s = cv2.resize(rgb, (y.shape[1], y.shape[0]), interpolation=cv2.INTER_AREA)
    h, w = y.shape
    sal = saliency(y)
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = float((sal * xx).sum() / w), float((sal * yy).sum() / h)
    thirds = 1 - min(np.min(np.abs(cx - THIRDS)), abs(cx - 0.5)) * 3 * 0.5 - min(np.min(np.abs(cy - THIRDS)), abs(cy - 0.5)) * 3 * 0.5
    lap = np.abs(cv2.Laplacian(y, cv2.CV_32F))
    mask = sal > np.quantile(sal, 0.8)
    subj = float(lap[mask].mean()) if mask.any() else 0.0
    bg = float(lap[~mask].mean()) if (~mask).any() else 1e-6
    sym = 1 - float(np.abs(y - y[:, ::-1]).mean() / 255)
    edges = cv2.Canny(y.astype(np.uint8), 80, 160)
    return {"thirds": float(np.clip(thirds, 0, 1)), "subject_bg_sharpness": subj / max(bg, 1e-6),
            "symmetry": sym, "clutter": float((edges > 0).mean()), "contrast": float(y.std()),
            "colorfulness": colorfulness(rgb_s), "salient_center": (cx, cy)}


def nima_ava_path():
    """Where a NIMA checkpoint trained on AVA is picked up automatically."""
    from ..paths import user_models_dir

    return user_models_dir() / "nima-ava.pt"


def nima_ava_source():
    """The NIMA-AVA model to use, the registry's first present "aesthetic" model: your own checkpoint
    (`reelscore train nima`), then the published Keras weights fetched or imported into the weights
    cache. None: aesthetics stays heuristic."""
    from ..models.registry import first_available

    s = first_available("aesthetic")
    return (s.name, s.path()) if s is not None else None


OWN_NIMA = "nima-ava-own"


@register
class AestheticsAnalyzer(Analyzer):
    name = "aesthetics"
    cost = 1.5
    description = "computational aesthetics: thirds, subject isolation, symmetry, clutter, contrast, colour (heuristic)"
    backend = "heuristic-computational-aesthetics"
    heuristic = True

    def __init__(self):
        self._resolve()

    def _resolve(self):
        # the cache key follows the backend: adding a NIMA-AVA checkpoint invalidates heuristic results
        self.source = nima_ava_source()
        self.version = f"1-nima-{self.source[0]}" if self.source else "1"

    def compute(self, media, ctx: Context):
        fs = media.heavy
        rows = [frame_aesthetics(f) for f in fs.frames]
        keys = ("thirds", "subject_bg_sharpness", "symmetry", "clutter", "contrast", "colorfulness")
        vals = {k: float(np.median([r[k] for r in rows])) for k in keys}
        # per-frame composite used for the timeline / best frame (documented in scoring.components)
        comp = [aesthetic_index(r) for r in rows]
        vals["aesthetic_index"] = float(np.median(comp))
        self._resolve()  # a checkpoint may have been added since this analyzer was made
        if self.source is None:
            vals["nima_ava"] = None
            return self.signal(values=vals, timeline=list(zip(fs.times, comp)), notes=[
                f"heuristic: no NIMA-AVA model (train one with `reelscore train nima` on AVA vote counts and copy "
                f"it to {nima_ava_path()}, or `reelscore models fetch nima-ava-mobilenet-titu1994`)"])
        from ..models.registry import create, get

        name, path = self.source
        spec, m = get(name), create(name)
        if name == OWN_NIMA:
            import torch

            from ..models.quality.nima import load_head, mean_std, to_input

            with torch.inference_mode():
                dist = np.concatenate([m(to_input(f)).numpy() for f in fs.frames])
            mean, sd = mean_std(dist)
            info, backend = {"trained": load_head(path)[1].get("date")}, "nima-ava (efficientnet-lite0 head)"
        else:
            from ..models.keras_h5 import nima_scores

            mean, sd = nima_scores(m, fs.frames)
            info, backend = {"weights": name, "licence": spec.licence}, f"nima-ava ({spec.arch}, {name})"
        vals["nima_ava"] = {"mean": float(np.median(mean)), "std": float(np.median(sd)), "checkpoint": str(path), **info}
        return self.signal(values=vals, timeline=list(zip(fs.times, (mean - 1) / 9)), backend=backend, heuristic=False)


def aesthetic_index(r: dict) -> float:
    """0..1 composite of the heuristic features (equal weights of bounded transforms)."""
    parts = [
        r["thirds"],
        float(np.clip(np.log(max(r["subject_bg_sharpness"], 1e-3)) / np.log(4) + 0.5, 0, 1)),
        float(np.clip(1 - abs(r["clutter"] - 0.08) / 0.15, 0, 1)),
        float(np.clip(r["contrast"] / 60, 0, 1)),
        float(np.clip(r["colorfulness"] / 60, 0, 1)),
    ]
    return float(np.mean(parts))
