"""ViViT: the seed's virality model over the video itself, when a creator has trained one
(`reelscore train vivit --name NAME`) and selected it (`--model NAME`). Its prediction is relative:
higher = more views expected than the account usually gets. Without a selected checkpoint the analyzer
is not applicable and no component appears."""
from __future__ import annotations

import hashlib
from functools import lru_cache

from .base import Analyzer, Context, register


@lru_cache(maxsize=2)
def _load(path: str, _stamp):
    from ..models.registry import create

    return create("vivit", path)


def _digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


@register
class VivitAnalyzer(Analyzer):
    name = "vivit"
    description = "ViViT factorised-encoder prediction from a creator-trained checkpoint (--model NAME)"
    backend = "vivit (user-trained)"
    heuristic = False
    video_only = True

    def cache_version(self, ctx: Context) -> str:
        return f"{self.version}-{_digest(ctx.vivit)}" if ctx.vivit else f"{self.version}-none"

    def compute(self, media, ctx: Context):
        if not ctx.vivit:
            return self.not_applicable("no ViViT model selected (train one with `reelscore train vivit`, then --model NAME)")
        import os

        from ..models.vivit import video_inputs

        st = os.stat(ctx.vivit)
        est = _load(ctx.vivit, (st.st_mtime_ns, st.st_size))
        x, a = video_inputs(media, est.config)
        pred = float(est.predict(x[None], a[None] if a is not None else None)[0])
        card = getattr(est, "card_", {})
        return self.signal(values={"prediction": pred, "target": card.get("target", "relative"),
                                   "checkpoint": ctx.vivit, "val_spearman": card.get("val_spearman"),
                                   "baseline_without_video_spearman": card.get("baseline_without_video_spearman")},
                           backend=f"vivit ({os.path.basename(ctx.vivit)})")
