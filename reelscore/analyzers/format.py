"""Format fit for Reels/TikTok/Shorts: aspect ratio, resolution, frame rate, duration."""
from __future__ import annotations

from .base import Analyzer, Context, register


@register
class FormatAnalyzer(Analyzer):
    name = "format"
    description = "aspect ratio, resolution, frame rate and duration against vertical short-video specs"

    def compute(self, media, ctx: Context):
        i = media.info
        w, h = i.width, i.height
        notes = []
        if i.variable_frame_rate:
            notes.append("variable frame rate")
        return self.signal(values={
            "width": w, "height": h, "aspect": round(w / h, 4), "orientation":
                "vertical" if h > w * 1.05 else ("horizontal" if w > h * 1.05 else "square"),
            "short_side": min(w, h), "long_side": max(w, h), "fps": i.fps, "duration_s": i.duration_s,
            "kind": i.kind, "variable_frame_rate": i.variable_frame_rate, "rotation": i.rotation,
        }, notes=notes)
