"""Format fit for Reels/TikTok/Shorts: aspect ratio, resolution, frame rate, duration."""
from __future__ import annotations

import numpy as np

from ._util import borders, luma
from .base import Analyzer, Context, register


@register
class FormatAnalyzer(Analyzer):
    name = "format"
    version = "4"
    description = ("aspect ratio of the frame and of the picture inside it (black bars excluded), resolution, "
                   "frame rate and duration against vertical short-video specs")

    def compute(self, media, ctx: Context):
        i = media.info
        w, h = i.width, i.height
        notes = []
        if i.variable_frame_rate:
            notes.append("variable frame rate")
        # where the picture is: bars (letterbox/pillarbox) do not count as picture
        fs = media.heavy.subsample(8)
        lb, pb = (float(np.median(x)) for x in zip(*[borders(luma(f)) for f in fs.frames]))
        cw, ch = max(1, round(w * (1 - pb))), max(1, round(h * (1 - lb)))
        return self.signal(values={
            "content_width": cw, "content_height": ch, "content_aspect": round(cw / ch, 4),
            "letterbox": round(lb, 4), "pillarbox": round(pb, 4),
            "width": w, "height": h, "aspect": round(w / h, 4), "orientation":
                "vertical" if h > w * 1.05 else ("horizontal" if w > h * 1.05 else "square"),
            "short_side": min(w, h), "long_side": max(w, h), "fps": i.fps, "duration_s": i.duration_s,
            "kind": i.kind, "variable_frame_rate": i.variable_frame_rate, "rotation": i.rotation,
        }, notes=notes)
