"""On-screen text: PP-OCR (rapidocr-onnxruntime, models bundled in the wheel) on a few frames.

Besides the words, each text line found comes back as a box with its time, its place in the frame,
its size and its contrast, so later stages can tell whether it sits under a platform's interface
(`scoring/safe_zones.py`) and whether it can be read on a phone (the `text` component):

- `box`: x, y, w, h as fractions of the frame (origin top-left): the line's ink (the detector's box,
  which pads the text by about half a line, tightened to the text strokes found in it);
- `height_px`: the ink height of the line (top of its tallest glyph to the bottom of its lowest),
  measured on the full-resolution frame and expressed in pixels of a 1920-tall frame;
- `screen_px`: the same height on a 1080x1920 phone screen when the video is shown at full width
  (equal to `height_px` for 9:16; smaller for a landscape video shown with bars);
- `contrast`: WCAG 2 contrast ratio (1-21) between the text strokes and the pixels around them
  (Otsu split of the box's luma; the class holding the box's top and bottom edges is the surround;
  medians of each class, sRGB-linearised). Luma stands in for WCAG's relative luminance, so
  colour-on-colour text of equal luma reads as low contrast (as it does for colour-blind viewers).

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
DET_SHORT = 360  # the detector's input: short side, px (a 9:16 frame is read at 360x640)
MAX_BOXES = 80  # boxes kept in the signal (the first ones in time)
REF_HEIGHT = 1920  # heights are reported in pixels of a 1920-tall frame


@lru_cache(maxsize=1)
def _engine():
    """The PP-OCR engine (read-only ONNX sessions), loaded once per process."""
    from ..models.registry import create

    return create("pp-ocr")


def _linear(y8: float) -> float:
    """sRGB-encoded 0..255 value -> linear light 0..1 (the sRGB transfer function WCAG uses)."""
    c = y8 / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def wcag_ratio(a8: float, b8: float) -> float:
    """WCAG 2 contrast ratio of two sRGB-encoded luminances (0..255)."""
    la, lb = _linear(a8), _linear(b8)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def measure_text(luma: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> tuple[float, float, tuple] | None:
    """(ink height in px of `luma`, WCAG contrast, the ink's own box (x0, y0, x1, y1) in `luma`) of the
    text line inside the detector's box, or None when the box holds no two-tone pattern to measure.
    (The detector pads its boxes by about half a line height; the ink box is the tight one.)"""
    h, w = luma.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = np.ascontiguousarray(luma[y0:y1, x0:x1])
    if int(crop.max()) - int(crop.min()) < 2:
        return None
    thr, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = crop > thr
    edge = np.concatenate([bright[0], bright[-1], bright[:, 0], bright[:, -1]])
    text = ~bright if edge.mean() >= 0.5 else bright  # the surround holds the box's edges
    if text.mean() < 0.02 or text.mean() > 0.9:
        return None
    fg = float(np.median(crop[text]))
    bg = float(np.median(crop[~text]))
    rows = np.flatnonzero(text.sum(1) >= max(1, 0.01 * text.shape[1]))
    cols = np.flatnonzero(text.sum(0) >= max(1, 0.02 * text.shape[0]))
    if not len(rows) or not len(cols):
        return None
    ink = float(rows[-1] - rows[0] + 1)
    return ink, wcag_ratio(fg, bg), (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)


@register
class OcrAnalyzer(Analyzer):
    name = "ocr"
    version = "2"  # 2: per-line boxes with time, place, ink height and contrast
    cost = 6
    description = ("on-screen text (PP-OCR via rapidocr-onnxruntime): coverage, words, watermark flag, "
                   "and each line's box, height and contrast")
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

    @staticmethod
    def picks(media) -> list[tuple[float, np.ndarray]]:
        """(t, RGB frame at the best resolution kept): the opening (0 s, ~1.5 s, from the hook frames)
        plus evenly spaced heavy frames (their full-resolution cover copies)."""
        out = []
        hk = media.hook
        for want in (0.0, 1.5):
            if len(hk):
                i = int(np.argmin(np.abs(np.asarray(hk.times) - want)))
                if all(abs(hk.times[i] - u) > 1e-6 for u, _ in out):  # a clip under 1.5 s: one frame, not two
                    out.append((hk.times[i], hk.frames[i]))
        hv = media.heavy
        n_rest = max(0, MAX_FRAMES - len(out))
        if len(hv) and n_rest:
            for i in np.unique(np.linspace(0, len(hv) - 1, min(n_rest, len(hv))).round().astype(int)):
                t = hv.times[i]
                if all(abs(t - u) > 0.5 for u, _ in out):
                    out.append((t, media.cover_rgb(t) if media.covers else hv.frames[i]))
        out.sort(key=lambda p: p[0])
        return out

    def compute(self, media, ctx: Context):
        eng = self._ocr()
        W, H = media.info.width or 0, media.info.height or 0
        rows, words, ev, boxes = [], [], [], []
        watermark = None
        for t, full in self.picks(media):
            fh, fw = full.shape[:2]
            sc = DET_SHORT / min(fh, fw)
            f = full
            if sc < 1:  # Reels text is large: 360 px short side keeps it readable at a third of the cost
                f = cv2.resize(full, (round(fw * sc), round(fh * sc)), interpolation=cv2.INTER_AREA)
            res, _ = eng(f[..., ::-1].copy(), use_cls=False)  # no 180-degree text classifier: overlays are upright
            luma = cv2.cvtColor(full, cv2.COLOR_RGB2GRAY)
            kx, ky = fw / f.shape[1], fh / f.shape[0]
            # how tall this frame is on a 1080x1920 screen when shown at full width (never taller than 1920)
            shown = min(REF_HEIGHT, 1080.0 * (H or fh) / max(1, W or fw))
            area = 0.0
            texts = []
            for box, text, conf in res or []:
                if float(conf) < 0.6 or sum(ch.isalnum() for ch in text) < 2:
                    continue  # single glyphs are mostly shapes read as letters (a ball as "O")
                b = np.asarray(box, float)
                bx0, bx1 = b[:, 0].min(), b[:, 0].max()
                by0, by1 = b[:, 1].min(), b[:, 1].max()
                area += float((bx1 - bx0) * (by1 - by0))
                texts.append(text)
                if watermark is None and (WATERMARK.search(text) or HANDLE.search(text)):
                    watermark = {"t": t, "text": text}
                if len(boxes) < MAX_BOXES:
                    m = measure_text(luma, int(bx0 * kx), int(by0 * ky), int(np.ceil(bx1 * kx)), int(np.ceil(by1 * ky)))
                    ink_frac = (m[0] / fh) if m else (by1 - by0) / f.shape[0]
                    # the ink's tight box when it is a plausible part of the detector's (else the detector's)
                    x0f, y0f, x1f, y1f = bx0 / f.shape[1], by0 / f.shape[0], bx1 / f.shape[1], by1 / f.shape[0]
                    if m:
                        ix0, iy0, ix1, iy1 = m[2][0] / fw, m[2][1] / fh, m[2][2] / fw, m[2][3] / fh
                        if (ix1 - ix0) >= 0.5 * (x1f - x0f) and (iy1 - iy0) >= 0.3 * (y1f - y0f):
                            x0f, y0f, x1f, y1f = ix0, iy0, ix1, iy1
                    boxes.append({
                        "t": round(float(t), 3),
                        "box": [round(float(x0f), 4), round(float(y0f), 4), round(float(x1f - x0f), 4), round(float(y1f - y0f), 4)],
                        "text": text[:80], "score": round(float(conf), 3),
                        "height_px": round(ink_frac * REF_HEIGHT, 1),
                        "screen_px": round(ink_frac * shown, 1),
                        "contrast": round(m[1], 2) if m else None,
                    })
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
            "checked_times": [round(float(r[0]), 3) for r in rows],
            "boxes": boxes,
        }, timeline=[(r[0], r[2]) for r in rows], evidence=ev[:10])
