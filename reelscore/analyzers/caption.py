"""Caption analysis as an analyzer: the text features of `reelscore.text.caption` plus the
trends-file match, read from `Context.caption`."""
from __future__ import annotations

from ..text.caption import caption_features
from .base import Analyzer, Context, register


@register
class CaptionAnalyzer(Analyzer):
    name = "caption"
    cost = 3
    description = "caption sentiment (trained MiniLM head; VADER outside English), hook, call to action, hashtags, emoji, length, language"
    backend = "sentiment model + rules"
    version = "3"
    reads_caption = True

    def compute(self, media, ctx: Context):
        if ctx.caption is None:
            return self.not_applicable("no caption given")
        return self.signal(values={**with_trends(caption_features(ctx.caption)), "text": ctx.caption})


def with_trends(v: dict) -> dict:
    """Add the trends-file match (hashtag overlap, semantic closeness to trending topics)."""
    from ..text.trends import match

    try:
        v["trends"] = match(v["hashtags"], v["first_line"] + " " + " ".join(v["hashtags"]))
    except Exception as e:  # a broken user trends file must not sink the caption analysis
        v["trends"] = {"error": f"{type(e).__name__}: {e}"}
    return v
