"""The Virality Score's reference: what a typical real post is, and how post effects spread among real posts.

The score is a percentile of a post's predicted effect (log10 views relative to the same account's typical
post) among reference posts. The reference (`resources/score_reference.json`, built by
`reelscore train score-reference`, see `workflows/score_reference.py`) holds:

- `neutral`: per prior-weighted video factor, the sub-score of a typical real clip (the median over the
  reference clips' analyzer outputs; for `format`, over real TikTok posts' dimensions): a factor at its
  neutral sub-score adds 0 points.
- `accounts`: real accounts (account inputs only) over which the learned effects are averaged, so the same
  post has the same effect whatever the user's account.
- `typical`: the typical post's learned inputs (duration; reference posting times and sounds).
- `caption_offset`: the learned caption effect of an ordinary caption (subtracted: an ordinary caption adds 0),
  and `caption_offset_by_language`: the same per caption language (so language alone does not move the score).
- `quantiles`: the post effect of reference posts (real captions of both samples with their durations, real
  posts' face statistics, real clips' video factors), 401 quantiles.
- `residual`: quantiles of how far a post's views land from its creator's typical post beyond the predicted
  effect (within-creator residuals on real creators): the interval of "this post vs your typical post".
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..paths import bundled

REFERENCE_FILE = "score_reference.json"
BANDWIDTH = 0.01  # log10: smoothing of the reference distribution (scores move continuously)


@dataclass
class ScoreReference:
    neutral: dict[str, float]
    accounts: list[dict]
    typical: dict
    caption_offset: float
    quantiles: np.ndarray
    residual: dict[str, float]
    meta: dict = field(default_factory=dict)
    caption_offset_by_language: dict[str, float] = field(default_factory=dict)

    def caption_offset_for(self, language: str | None) -> float:
        """An ordinary caption's learned effect in this language (each language's own ordinary caption adds 0:
        the caption text model reads letters, so without this a language would move the score by itself)."""
        d = self.caption_offset_by_language
        if not d:
            return self.caption_offset
        return d.get(language or "", d.get("_other", self.caption_offset))

    def percentile(self, effect: float) -> float:
        """0-100: the share of reference posts whose effect is below `effect` (smoothed)."""
        from scipy.special import ndtr

        return float(100 * ndtr((effect - self.quantiles) / BANDWIDTH).mean())

    def effect_at(self, score: float) -> float:
        """The effect whose percentile is `score` (inverse of `percentile`)."""
        lo, hi = float(self.quantiles[0]) - 1.0, float(self.quantiles[-1]) + 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            if self.percentile(mid) < score:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    @classmethod
    def from_json(cls, d: dict) -> "ScoreReference":
        return cls(neutral=d["neutral"], accounts=d["accounts"], typical=d["typical"],
                   caption_offset=float(d["caption_offset"]), quantiles=np.asarray(d["quantiles"], float),
                   residual=d["residual"], meta=d.get("meta", {}),
                   caption_offset_by_language=d.get("caption_offset_by_language", {}))


@lru_cache(maxsize=4)
def _load(path: str) -> ScoreReference:
    with open(path, encoding="utf-8") as f:
        return ScoreReference.from_json(json.load(f))


def load_reference(path: str | None = None) -> ScoreReference | None:
    """The shipped reference (or the one at `path`); None when absent (a build from source before
    `reelscore train score-reference` ran)."""
    p = path or bundled(REFERENCE_FILE)
    return _load(str(p)) if p else None
