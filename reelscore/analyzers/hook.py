"""The hook: what the first seconds show before a viewer decides to swipe.

Measured from the dense opening frames and the audio's first seconds. Faces and on-screen text in
the opening are reported by their own analyzers (with timestamps); the `hook` component combines them.
"""
from __future__ import annotations

import numpy as np

from ._util import luma, robust_diffs
from .base import Analyzer, Context, register
from .sharpness import detail_var

STRONG_CHANGE = 12.0  # mean |dY| between hook frames that counts as a strong visual change


@register
class HookAnalyzer(Analyzer):
    name = "hook"
    cost = 1.5
    version = "2"
    description = "opening seconds: first-frame sharpness/exposure, time to first strong visual change, opening loudness"

    def compute(self, media, ctx: Context):
        fs = media.hook
        first = fs.frames[0]
        y0 = luma(first)
        vals = {"first_frame_sharpness": detail_var(y0), "first_frame_luma": float(y0.mean()),
                "hook_seconds": float(fs.times[-1]) if len(fs) else 0.0}
        if len(fs) >= 2:
            d = robust_diffs([luma(f) for f in fs.frames])  # temporal noise is not a visual change
            strong = np.nonzero(d > STRONG_CHANGE)[0]
            vals["visual_change_mean"] = float(d.mean())
            vals["time_to_first_change_s"] = float(fs.times[strong[0] + 1]) if len(strong) else None
        else:
            vals["visual_change_mean"] = None
            vals["time_to_first_change_s"] = None
        if media.audio is not None and len(media.audio):
            sr = media.audio_rate
            a = media.audio[: int(3 * sr)]
            win = max(1, int(0.05 * sr))
            n = len(a) // win
            if n:
                rms = np.sqrt((a[: n * win].reshape(n, win) ** 2).mean(1) + 1e-12)
                db = 20 * np.log10(rms)
                loud = np.nonzero(db > -40)[0]
                vals["audio_start_s"] = float(loud[0] * win / sr) if len(loud) else None
                vals["opening_rms_db"] = float(20 * np.log10(np.sqrt((a ** 2).mean() + 1e-12)))
        else:
            vals["audio_start_s"] = None
            vals["opening_rms_db"] = None
        return self.signal(values=vals, timeline=[(t, float(luma(f).mean())) for t, f in zip(fs.times, fs.frames)])
