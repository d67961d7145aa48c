"""The documented prior for how video and caption components move expected views, used until a
model is trained on posts with media (the shipped engagement model has none to learn from).

Each component k with sub-score s_k (0-100) shifts predicted log10 views by
    w_k * (s_k - 50) / 50
so a component at 50 is neutral and one at 100 adds w_k (x10^w_k views). The weights follow
published platform guidance and creator studies of what retains viewers: the first seconds
(hook) and sound matter most; resolution/format and technical quality gate distribution; aesthetic
polish matters least. They sum to ~0.55 log10 (video factors): a video perfect on every factor is expected to get
about 3x the views of one at 50 everywhere, one at 0 everywhere about 1/3. (The metadata model's
own predictions span about 0.3 log10 between its 5th and 95th percentiles on real posts; the
prior is kept on a comparable scale.)
Replace them by fitting `reelscore train --history ... --videos DIR` on your own posts.
"""
from __future__ import annotations

PRIOR_WEIGHTS: dict[str, float] = {
    "hook": 0.10,
    "audio": 0.06,
    "format": 0.06,
    "technical": 0.04,
    "frame_quality": 0.04,
    "video_quality": 0.02,
    "pacing": 0.04,
    "motion": 0.025,
    # a shaky camera (jitter over what reads as steady); hand-held footage that reads steady costs nothing
    "stability": 0.02,
    "text": 0.025,
    "loop": 0.015,
    "aesthetics": 0.02,
    "exposure": 0.03,  # a picture too dark to see loses viewers as surely as a bad first frame
    "sharpness": 0.01,
    "color": 0.01,
    # what an editor checks first: a clean first frame, no black or frozen frames in the middle
    "continuity": 0.03,
    # caption: used only when no trained engagement model scores the caption
    "caption": 0.05,
}


def prior_delta(scores: dict[str, float | None], skip: set[str] = frozenset(),
                weights: dict[str, float] | None = None) -> dict[str, float]:
    """Per-component shift of log10 views (components without a score or in `skip` give 0).
    `weights` replaces the prior (a personal model's refitted weights)."""
    w = weights or PRIOR_WEIGHTS
    return {k: w[k] * (s - 50.0) / 50.0 for k, s in scores.items() if s is not None and k in w and k not in skip}
