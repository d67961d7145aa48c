"""On-screen text: PP-OCR (rapidocr-onnxruntime, models bundled in the wheel) on a few frames.

Also flags burned-in watermarks of other platforms (a TikTok logo text or an @handle), which
Instagram demotes as reposted content.
"""
from __future__ import annotations

import re
from functools import lru_cache

import cv2
import numpy as np

from ..schema import Evidence
from .base import Analyzer, Context, register

WATERMARK = re.compile(r"tik\s?tok|douyin|capcut|instagram|youtube|kwai|likee", re.I)
HANDLE = re.compile(r"(^|\s)@[\w.]{3,}")
MAX_FRAMES = 6
OCR_SHORT = 360


@lru_cache(maxsize=1)
def _engine():
    """The PP-OCR engine (read-only ONNX sessions), loaded once per process."""
    from ..models.registry import create

    return create("pp-ocr")


@register
class OcrAnalyzer(Analyzer):
    name = "ocr"
    cost = 6
    description = "on-screen text (PP-OCR via rapidocr-onnxruntime): coverage, words, watermark flag"
    backend = "rapidocr-onnxruntime (PP-OCRv4 det/rec, bundled)"
    heuristic = False

    def __init__(self):
        self._engine = None

    def available(self):
        try:
            import rapidocr_onnxruntime  # noqa: F401

            return True, "models bundled in rapidocr_onnxruntime"
        except Exception as e:
            return False, f"rapidocr-onnxruntime not importable ({type(e).__name__})"

    def _ocr(self):
        if self._engine is None:
            self._engine = _engine()
        return self._engine

    def compute(self, media, ctx: Context):
        eng = self._ocr()
        # frames: opening (0 s, ~1.5 s) plus evenly spaced heavy frames
        picks = []
        hk = media.hook
        for want in (0.0, 1.5):
            if len(hk):
                i = int(np.argmin(np.abs(np.asarray(hk.times) - want)))
                picks.append((hk.times[i], hk.frames[i]))
        hv = media.heavy
        n_rest = max(0, MAX_FRAMES - len(picks))
        if len(hv) and n_rest:
            for i in np.unique(np.linspace(0, len(hv) - 1, min(n_rest, len(hv))).round().astype(int)):
                if all(abs(hv.times[i] - t) > 0.5 for t, _ in picks):
                    picks.append((hv.times[i], hv.frames[i]))
        picks.sort(key=lambda p: p[0])
        rows, words, ev = [], [], []
        watermark = None
        for t, f in picks:
            sc = OCR_SHORT / min(f.shape[:2])
            if sc < 1:  # Reels text is large: 360 px short side keeps it readable at a third of the cost
                f = cv2.resize(f, (round(f.shape[1] * sc), round(f.shape[0] * sc)), interpolation=cv2.INTER_AREA)
            res, _ = eng(f[..., ::-1].copy(), use_cls=False)  # no 180-degree text classifier: overlays are upright
            area = 0.0
            texts = []
            for box, text, conf in res or []:
                if float(conf) < 0.6 or sum(ch.isalnum() for ch in text) < 2:
                    continue  # single glyphs are mostly shapes read as letters (a ball as "O")
                b = np.asarray(box, float)
                area += float((b[:, 0].max() - b[:, 0].min()) * (b[:, 1].max() - b[:, 1].min()))
                texts.append(text)
                if watermark is None and (WATERMARK.search(text) or HANDLE.search(text)):
                    watermark = {"t": t, "text": text}
            frac = min(1.0, area / (f.shape[0] * f.shape[1]))
            rows.append((t, bool(texts), frac))
            words.extend(texts)
            if texts:
                ev.append(Evidence(t=t, value=round(frac, 4), note=" | ".join(texts)[:120]))
        has = np.array([r[1] for r in rows])
        first3 = [r for r in rows if r[0] < 3.0]
        return self.signal(values={
            "text_fraction": float(has.mean()) if len(has) else 0.0,
            "text_in_first_3s": any(r[1] for r in first3),
            "first_text_s": next((r[0] for r in rows if r[1]), None),
            "mean_text_area": float(np.mean([r[2] for r in rows])) if rows else 0.0,
            "words": " ".join(dict.fromkeys(words))[:2000],
            "watermark": watermark is not None, "watermark_text": watermark["text"] if watermark else None,
            "frames_checked": len(rows),
        }, timeline=[(r[0], r[2]) for r in rows], evidence=ev[:10])
