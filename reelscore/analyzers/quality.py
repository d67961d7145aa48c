"""Frame quality (trained on BIQ2021 human ratings) per sampled frame, and video quality by VSFA's
subjectively-inspired temporal pooling of that timeline (viewers remember the worst moments)."""
from __future__ import annotations

import numpy as np

from ..models.quality.vsfa import GAMMA, TAU, temporal_pool
from ..schema import Evidence
from ._util import IMPULSE_SHARE, deimpulse
from .base import Analyzer, Context, register

MAX_FRAMES = 16  # evenly spaced heavy frames: one every ~2 s of a 30 s Reel for the VSFA timeline
VSFA_SCALE = 10.0  # pool on MOS*10 so the softmin in VSFA's current term is selective, as on its MOS scale


@register
class QualityAnalyzer(Analyzer):
    name = "quality"
    cost = 10
    version = "2"
    description = "trained frame-quality MOS (EfficientNet-Lite0 features + ridge head, BIQ2021) and VSFA temporal pooling"
    backend = "efficientnet-lite0 multi-level + ridge (BIQ2021)"
    heuristic = False

    def __init__(self, head_path: str | None = None):
        from ..models.registry import locate

        self.head_path = head_path
        self._model = None
        # the cache key follows what runs: fetching the published VSFA invalidates results without it
        if locate("resnet50-imagenet") and locate("vsfa-konvid1k"):
            self.version = f"{type(self).version}-vsfa"

    def available(self):
        from ..models.quality.frame_quality import DEFAULT_HEAD, FrameQualityModel

        if self.head_path is None and not FrameQualityModel.default_available():
            return False, f"trained head {DEFAULT_HEAD} missing (run `reelscore train quality`)"
        try:
            from ..models import backbone

            return True, f"backbone weights {backbone.weights_path()}; head {self.head_path or DEFAULT_HEAD}"
        except Exception as e:
            return False, f"backbone unavailable: {e}"

    def _published(self):
        from ..models.registry import create, locate

        if not hasattr(self, "_pub"):
            self._pub = ((create("resnet50-imagenet"), create("vsfa-konvid1k"))
                         if locate("resnet50-imagenet") and locate("vsfa-konvid1k") else None)
        return self._pub

    def model(self):
        if self._model is None:
            from ..models.quality.frame_quality import FrameQualityModel

            self._model = FrameQualityModel.load(self.head_path)
        return self._model

    def compute(self, media, ctx: Context):
        fs = media.heavy.subsample(MAX_FRAMES)  # the per-frame model is the costliest step
        # impulse noise (salt and pepper) reads as detail to the learned head: score the frames without it
        frames, imp = deimpulse(list(fs.frames))
        q = self.model().predict(frames)
        vals = {"frame_mos_median": float(np.median(q)), "frame_mos_mean": float(q.mean()),
                "impulse_noise_share": round(imp, 5), "impulse_noise_removed": bool(imp > IMPULSE_SHARE),
                "frame_mos_min": float(q.min()), "frame_mos_max": float(q.max()),
                "worst_t": float(fs.times[int(np.argmin(q))]), "best_t": float(fs.times[int(np.argmax(q))]),
                "frames_scored": len(q)}
        if media.info.kind == "video" and len(q) > 1:
            pooled, _ = temporal_pool(q * VSFA_SCALE, TAU, GAMMA)
            vals["video_mos_vsfa"] = pooled / VSFA_SCALE
        else:
            vals["video_mos_vsfa"] = float(q.mean())
        vals["vsfa"] = {"tau": TAU, "gamma": GAMMA, "scale": VSFA_SCALE}
        from ..models import backbone

        vals["backbone_runtime"] = backbone.runtime()
        vals["vsfa_published"] = None
        if media.info.kind == "video" and len(q) > 1:
            from ..models.quality.vsfa import vsfa_score

            pub = self._published()
            if pub is not None:
                vals["vsfa_published"] = {"score": vsfa_score(pub, fs.frames), "weights": "vsfa-konvid1k + resnet50-imagenet",
                                          "note": "authors' KoNViD-1k model on reelscore's ~1 fps sampled frames"}
        ev = [Evidence(t=t, value=round(float(v), 3), note="low-quality frame")
              for t, v in zip(fs.times, q) if v < min(0.45, float(np.median(q)) - 0.1)]
        return self.signal(values=vals, timeline=list(zip(fs.times, q)), evidence=ev[:10])
