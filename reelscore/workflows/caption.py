"""Caption-only analysis (`reelscore caption`): the caption signals, its component, suggestions
with predicted gains, and the engagement model's caption-only view prediction."""
from __future__ import annotations

from ..analyzers.caption import CaptionAnalyzer, with_trends
from ..models.sentiment import get_backend
from ..schema import Account
from ..scoring.caption_rules import caption_component
from ..scoring.virality import score_analysis
from ..text.caption import caption_features, clean_caption


def analyze_caption(text: str, followers: float | None = None, sentiment: str = "default", model: str | None = None,
                    account: Account | None = None) -> dict:
    text = clean_caption(text) or ""
    backend = get_backend(sentiment)
    sig = CaptionAnalyzer().signal(values=with_trends(caption_features(text, sentiment=backend)))
    comp, sugs = caption_component(sig)
    v = sig.values
    out = {
        "caption_score": comp.score if comp.score is not None else 0.0,
        "explanation": comp.explanation,
        "language": v["language"],
        "sentiment": v["sentiment"],
        "call_to_action": {"present": v["has_cta"], "types": v["cta"], "visible_before_more": v["cta_visible"]},
        "hook": {"present": v["has_hook"], "patterns": v["hook_patterns"], "first_line": v["first_line"]},
        "hashtags": {"count": v["hashtag_count"], "tags": v["hashtags"], "generic": v["generic_hashtags"],
                     "spammy": v["spammy_hashtags"], "niche": v["niche_hashtag_count"], "duplicates": v["duplicate_hashtags"]},
        "intensity": {"exclamations": v["exclamations"], "questions": v["questions"], "caps_ratio": v["caps_ratio"],
                      "emoji": v["emoji_count"], "intensifiers": v["intensifiers"]},
        "length": {"chars": v["length"], "words": v["words"], "over_visible_limit": v["over_visible_limit"]},
        "mentions": v["mentions"], "readability": v["readability"], "trends": v.get("trends"),
        "keyword_evidence": comp.raw.get("keyword_evidence", []) if comp.raw else [],
        "clarity_issues": v.get("clarity_issues", []),
        "unreliable_for_language": v["english_only_signals_unreliable"],
        "signals": v,
    }
    res = score_analysis([comp], sugs, {"caption": sig}, caption=text, followers=followers, duration_s=None, model=model,
                         account=account)
    out["suggestions"] = [s.model_dump() for s in res.suggestions]
    learned = next((c for c in res.components if c.name == "caption"), None)
    if learned is not None and learned.effect_source == "learned":
        out["caption_score"] = learned.score  # one number: the learned effect's sub-score (50 = ordinary)
        out["checklist_score"] = comp.score
        out["explanation"] = learned.explanation
        out["log10_views_effect"] = learned.raw.get("log10_views_effect")
    out["virality_score_caption_only"] = res.score  # the video at a typical post's factors
    if res.engagement is not None:
        out["predicted_views"] = res.engagement.views.model_dump()
        out["post_effect"] = res.post_effect.model_dump() if res.post_effect else None
    return out
