"""Caption sub-score and suggestions that name the fix and the part of the caption it concerns."""
from __future__ import annotations

from ..text.caption import VISIBLE_CHARS
from ..schema import Check, Component, Signal, Suggestion


def caption_component(sig: Signal | None) -> tuple[Component | None, list[Suggestion]]:
    if sig is None or not sig.applicable or sig.error:
        why = (sig.error if sig and sig.error else "no caption given") if sig else "no caption given"
        return Component(name="caption", score=None, applicable=False, explanation=why,
                         backend=sig.backend if sig else "vader + rules", heuristic=True), (
            [Check(component="caption", message="No caption was given, so the score leaves the caption out (an "
                   "ordinary caption adds 0); score yours with --caption: a hook line, a call to action and 3-5 niche "
                   "hashtags.")]
            if sig is not None and not sig.error else [])
    v = sig.values
    sug: list[Suggestion] = []
    reasons = []
    score = 40.0
    if v["empty"]:
        return Component(name="caption", score=15.0, explanation="empty caption", raw={"length": 0}, backend=sig.backend,
                         heuristic=True), [Suggestion(problem='no_caption', component="caption", action="caption:write", message="Write a caption: open with a hook line (a question or a number), add a call to action such as 'Save this for later', and 3-5 niche hashtags.", target="whole caption", priority=1)]
    if v["has_hook"]:
        score += 15
        reasons.append("hook in the first line (" + ", ".join(v["hook_patterns"]) + ")")
    else:
        reasons.append("no hook in the first line")
        if v["question_not_first_line"]:
            sug.append(Suggestion(problem='no_hook', component="caption", action="caption:move_question", message="Move the question to the first line: it is the hook viewers read before '... more'.", target="first line", priority=1))
        else:
            sug.append(Suggestion(problem='no_hook', component="caption", action="caption:add_hook", message=f"Open with a hook: a question, a number or 'POV:' (first line now: '{v['first_line'][:60]}').", target="first line", priority=1))
    if v["has_cta"]:
        score += 15 if v["cta_visible"] else 8
        reasons.append("call to action (" + ", ".join(v["cta"]) + ")")
        if not v["cta_visible"]:
            sug.append(Suggestion(component="caption", action="caption:move_cta", problem="cta_hidden", message=f"Move the call to action into the first {VISIBLE_CHARS} characters; it is hidden behind '... more'.", target="call to action", priority=2))
    else:
        reasons.append("no call to action")
        sug.append(Suggestion(problem='cta_missing', component="caption", action="caption:add_cta", message="Add a call to action such as 'Save this for later' or 'Comment which one you'd pick'.", target="end of first line", priority=1))
    n = v["hashtag_count"]
    if 2 <= n <= 6:
        score += 10
    elif n == 0:
        sug.append(Suggestion(problem='hashtags_missing', component="caption", message="Add 3-5 specific hashtags that describe the topic.", target="hashtags", priority=2))
    elif n > 10:
        score -= 5
        sug.append(Suggestion(component="caption", action="caption:trim_hashtags", problem="too_many_hashtags", message=f"Cut the {n} hashtags to the 3-5 most specific ones.", target="hashtags", priority=2))
    if v["generic_hashtags"]:
        g = v["generic_hashtags"][:2]
        if v["niche_hashtag_count"] < 2:
            score -= 5
        sug.append(Suggestion(problem='generic_hashtags', component="caption", action="caption:drop_generic", message=f"Replace {' '.join('#' + t for t in g)} with two niche tags about the topic; generic tags add nothing.", target=" ".join("#" + t for t in g), priority=2))
    if v["spammy_hashtags"]:
        score -= 15
        sug.append(Suggestion(problem='spammy_hashtags', component="caption", action="caption:drop_spammy", message=f"Remove spam-pattern hashtags ({' '.join('#' + t for t in v['spammy_hashtags'])}); platforms demote them.", target="hashtags", priority=1))
    if v["duplicate_hashtags"]:
        sug.append(Suggestion(problem='duplicate_hashtags', component="caption", action="caption:dedupe_hashtags", message="Remove the repeated hashtags.", target="hashtags", priority=3))
    sent = v["sentiment"]
    if sent["reliable"]:
        score += 5 * max(-1.0, min(1.0, sent["compound"] * 1.5)) if sent["compound"] > -0.5 else -5
        reasons.append(f"sentiment {sent['label']} ({sent['compound']:+.2f})")
    else:
        reasons.append(f"language {v['language']}: English-only sentiment not scored")
    tr = v.get("trends") or {}
    hot = [t for t in (tr.get("trending_hashtags") or []) if t["weight"] > 0]
    if hot:
        score += min(10.0, 5 * len(hot))
        reasons.append("trending hashtags: " + ", ".join("#" + t["name"] for t in hot[:3]))
    # keyword strength learned from training posts: each known hashtag's shrunk effect, with its evidence
    keywords = [f"#{t['name']}: {t['weight']:+.2f} log10 views in training posts"
                + (f", n={t['posts']}" + (f" from {t['creators']} creators" if t.get("creators") else "") if t.get("posts") else "")
                for t in (tr.get("trending_hashtags") or [])[:5]]
    if v["over_visible_limit"] and not v["has_hook"]:
        score -= 5
    # the platform's length and hashtag limits: scoring.platform_rules (per platform)
    issues = v.get("clarity_issues", [])
    if issues:
        score -= 30 * len(issues)
        reasons.append("unclear: " + ", ".join(i.replace("_", " ") for i in issues))
        msg = {"gibberish": "The caption reads as gibberish; write a plain sentence about what the video shows.",
               "repeated_characters": "The caption is mostly one repeated character; write a real hook line instead.",
               "wall_of_text": f"The caption is a wall of text ({v['words']} words); keep the hook and 1-2 short lines.",
               "hostile": "The caption insults or attacks; hostile captions drive people away (and risk demotion)."}
        for i in issues:
            sug.append(Suggestion(problem='unclear_caption', component="caption", message=msg[i], target="whole caption", priority=1))
    # no emoji advice: whether one fits depends on the tone (an editor's review: 'Never forget.' needs none)
    raw = {k: v.get(k) for k in ("length", "language", "sentiment", "clarity_issues", "hook_patterns", "cta", "cta_visible", "hashtag_count",
                             "generic_hashtags", "spammy_hashtags", "niche_hashtag_count", "emoji_count", "mentions",
                             "readability", "over_visible_limit")}
    raw["trends"] = tr
    raw["keyword_evidence"] = keywords
    return Component(name="caption", score=round(max(0.0, min(100.0, score)), 1), explanation="; ".join(reasons), raw=raw,
                     backend=sig.backend, heuristic=True), sug
