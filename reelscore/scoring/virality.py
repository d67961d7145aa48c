"""The Virality Score, the post effect, the account outlook and predicted engagement.

The post effect E (log10 views relative to the same account's typical post) is what the creator controls:
    E = learned effects (caption and hashtags, duration, faces, posting time when given; `scoring.effects`:
        the engagement model's difference to a typical post, averaged over real accounts, bounded)
      + prior effects of the video factors no data covers (`scoring.prior`: w_k * (s_k - neutral_k) / 50,
        neutral_k = a typical real clip's sub-score)
The Virality Score is the percentile of E among reference posts (real captions of both samples, real posts'
durations and faces, real clips' video factors; `scoring.reference`). It does not depend on the account:
the same post scores the same at any follower count. 50 = a typical post.

The account shapes only the outlook: the model's prediction for the account with a typical post. Predicted
engagement for this post = outlook x 10^E. Contributions are additive: score_baseline (every factor at its
neutral sub-score: E = 0) + the components' points = the score; each factor's points are its share of E,
so a factor above its neutral never loses points and one below never gains.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..models.engagement.store import load_model, load_post_effect, resolve_model_path
from ..schema import (Account, Check, Component, EngagementPrediction, Evidence, Interval, Outlook, PostEffect,
                      Signal, Suggestion)
from ..text.caption import caption_features
from ..text.rewrites import CAPTION_EDITS
from .components import platform_profile
from .effects import AUDIO_NEUTRAL, CAPS, FACES_NEUTRAL, PostEffects
from .platform_rules import caption_limit_penalty
from .prior import PRIOR_WEIGHTS
from .reference import ScoreReference, load_reference

FIX_TARGET = 80.0  # a fixed prior factor is assumed to reach this sub-score, or +10 if already above (what-if)
PRIOR_ONLY_SD = 0.25  # without a reference file: the prior effects' assumed spread (log10), said in the result
MIN_EFFECT = 0.002  # log10 views (x1.005): a suggestion predicted to gain less is not advice

DEFINITION = ("Virality Score = percentile (0-100) of this post's predicted effect on views (relative to the same "
              "account's typical post) among reference posts: real captions and hashtags of a broad TikTok sample "
              "(SMP-Video) and of 2025 TikTok posts, with their durations and real posts' face statistics, combined "
              "with the video factors of real clips. 50 = a typical post; 80 = predicted to do better than 80% of "
              "them. The account does not enter the score (it shapes the outlook and the predicted numbers). "
              "Caption, hashtags, duration, faces and posting time are learned from real posts (bounded); the "
              "other video factors are a documented prior.")

FACES_NOTE = ("shown, not scored: in real posts faces showed no effect on which of a creator's posts do better "
              "(within-creator Spearman -0.04 in grouped CV); a face in the opening counts in the hook")
# learned groups -> the component that shows them
LEARNED_COMPONENT = {"caption": "caption", "duration": "duration", "faces": "faces", "timing": "posting_time",
                     "sound": "sound"}


@dataclass
class ScoreResult:
    score: float
    definition: str
    components: list[Component]
    suggestions: list[Suggestion]
    engagement: EngagementPrediction | None
    notes: list[str] = field(default_factory=list)
    baseline: float | None = None
    post_effect: PostEffect | None = None
    outlook: Outlook | None = None
    checks: list[Check] = field(default_factory=list)


class Scorer:
    """The engagement model, the score reference and the learned post effects, loaded once."""

    def __init__(self, model: str | None = None):
        path = resolve_model_path(model)
        self.model = load_model(str(path)) if path else None
        self.model_name = path.name if path else "none"
        self.ref: ScoreReference | None = load_reference()
        self.effects = (PostEffects(self.model, self.ref, load_post_effect())
                        if self.model is not None and self.ref is not None else None)

    @property
    def neutral(self) -> dict[str, float]:
        return self.ref.neutral if self.ref is not None else {}

    def percentile(self, effect: float) -> float:
        if self.ref is not None:
            return self.ref.percentile(effect)
        from scipy.stats import norm

        return float(100 * norm.cdf(effect / PRIOR_ONLY_SD))

    def prior_weights(self) -> dict[str, float]:
        personal = getattr(self.model, "personal_", None) if self.model is not None else None
        return personal["video_weights"] if personal else PRIOR_WEIGHTS

    # -- inputs --------------------------------------------------------------------------------------
    def post_row(self, caption: str | None, account: Account, duration_s: float | None, cap: dict | None,
                 content: dict | None, post_time=None) -> dict:
        """The engagement model's inputs for this post and account (views at the horizon)."""
        from ..models.engagement.data import Post
        from ..models.engagement.features import post_features

        p = Post(caption=caption or "", followers=account.followers, duration=duration_s, following=account.following,
                 account_likes=account.account_likes, n_videos=account.n_videos, recent_views=account.recent_views,
                 content=content, source="broad", post_time=post_time)
        cap = cap if cap is not None else caption_features(p.caption)
        p.hashtags = cap["hashtags"]
        return post_features(p, cap)


def prior_effect(name: str, score: float | None, neutral: dict[str, float], weights: dict[str, float]) -> float | None:
    """A prior factor's effect (log10 views): w * (s - neutral) / 50; None when not a prior factor or n/a."""
    if score is None or name not in weights:
        return None
    return weights[name] * (score - neutral.get(name, 50.0)) / 50.0


def learned_subscore(group: str, effect: float) -> float:
    """A learned factor's sub-score: 50 (neutral) +- 50 at its bound."""
    return float(np.clip(50 + 50 * effect / CAPS[group], 0, 100))


def score_analysis(components: list[Component], suggestions: list[Suggestion], signals: dict[str, Signal],
                   caption: str | None, followers: float | None, duration_s: float | None,
                   model: str | None = None, account: Account | None = None, post_time=None,
                   scorer: Scorer | None = None) -> ScoreResult:
    sc = scorer or Scorer(model)
    account = account or Account(followers=followers)
    notes: list[str] = []
    comps = {c.name: c.model_copy() for c in components}
    order = [c.name for c in components]
    weights = sc.prior_weights()
    cap_sig = signals.get("caption")
    cap = cap_sig.values if cap_sig is not None and cap_sig.applicable and cap_sig.values else None
    content = content_from_signals(signals)
    profile = platform_profile(signals)

    # learned effects of this post
    learned: dict[str, float] = {}
    raw_caption = None
    row = None
    if sc.effects is not None:
        row = sc.post_row(caption, account, duration_s, cap, content, post_time)
        # the caption counts when given (an empty one too: posting without a caption is a choice); not given,
        # the score leaves it out (an ordinary caption adds 0)
        # faces are shown, not scored: within a creator's own posts the grouped CV finds no effect of them
        # (see FACES_NOTE); the hook counts a face in the opening
        groups = (["caption"] if caption is not None else []) + (["duration"] if duration_s else []) \
            + (["timing"] if post_time is not None else [])
        cf = cap or caption_features(caption or "")
        clarity = cf.get("clarity_issues") or []
        raw = sc.effects.raw_effects([row], groups)[0]
        learned = sc.effects.effects([row], [clarity], groups, languages=[cf.get("language")])[0]
        raw_caption = raw.get("caption")
        if raw_caption is not None and abs(learned["caption"] - raw_caption) > 1e-3:
            notes.append(f"the caption's learned effect was bounded ({raw_caption:+.2f} -> {learned['caption']:+.2f} "
                         "log10 views; see the score definition)")
        limit = caption_limit_penalty(profile, caption)
        if limit:
            learned["caption"] += limit
            notes.append(f"the caption breaks {profile.label}'s limits ({limit:+.2f} log10 views)")
    elif sc.model is None:
        notes.append("no trained engagement model found: the score is the prior alone (heuristic)")
    else:
        notes.append("no score reference found (reelscore train score-reference): learned effects unavailable, "
                     "the score is the prior alone")

    if "faces" in comps and comps["faces"].score is not None:
        f = comps["faces"]
        f.effect_source, f.neutral, f.contribution = "none", None, None
        f.explanation = f"{f.explanation}; {FACES_NOTE}"
    effects: dict[str, float] = {}
    # prior factors (the caption is a prior factor only without the learned effect; faces too)
    for name, c in comps.items():
        if name in learned or (name == "caption" and "caption" in learned):
            continue
        e = prior_effect(name, c.score, sc.neutral, weights)
        if e is not None:
            effects[name] = e
            c.weight, c.neutral, c.effect_source = weights[name], sc.neutral.get(name, 50.0), "prior"
    # learned factors: one number each (their sub-score is the learned effect)
    for g, e in learned.items():
        name = LEARNED_COMPONENT[g]
        effects[name] = e
        c = comps.get(name)
        text = _learned_text(g, e, duration_s, sc)
        if c is None:
            c = Component(name=name, score=None, explanation=text, backend="engagement model (LightGBM)", heuristic=False)
            comps[name] = c
            order.append(name)
        else:
            if c.score is not None:
                c.raw = {**c.raw, "checklist_score": c.score}
            c.explanation = f"{c.explanation}; {text}" if c.explanation else text
            c.backend = f"{c.backend} + engagement model (LightGBM)"
        c.score = round(learned_subscore(g, e), 1)
        c.applicable = True
        c.neutral, c.effect_source, c.heuristic, c.weight = 50.0, "learned", False, 0.0
        c.raw = {**c.raw, "log10_views_effect": round(e, 4), "bound_log10": CAPS[g]}

    total = float(sum(effects.values()))
    score = sc.percentile(total)
    baseline = sc.percentile(0.0)
    if abs(total) > 1e-6:
        per_log10 = (score - baseline) / total
    else:  # no net effect: the local slope
        per_log10 = (sc.percentile(0.005) - sc.percentile(-0.005)) / 0.01
    for name, e in effects.items():
        comps[name].contribution = round(per_log10 * e, 2)

    outlook, engagement, post_effect = None, None, None
    if sc.effects is not None:
        outlook, engagement, post_effect = _predictions(sc, account, row, total, learned, notes)

    ranked, checks = _what_if(suggestions, sc, comps, effects, total, score, caption, account, duration_s, cap,
                              content, post_time, learned, signals)
    definition = DEFINITION if sc.effects is not None else DEFINITION + " (No trained model/reference: prior only, heuristic.)"
    return ScoreResult(score=round(float(np.clip(score, 0, 100)), 1), definition=definition,
                       components=[comps[n] for n in order], suggestions=ranked, engagement=engagement, notes=notes,
                       baseline=round(float(baseline), 2), post_effect=post_effect, outlook=outlook, checks=checks)


def _learned_text(group: str, e: float, duration_s: float | None, sc: Scorer) -> str:
    x = f"x{10 ** e:.2f} views"
    if group == "caption":
        return f"learned from real posts: {x} vs an ordinary caption (bounded to +-{CAPS['caption']:g} log10)"
    if group == "duration":
        typ = sc.ref.typical.get("duration_s", 20.0) if sc.ref else 20.0
        return f"{duration_s:.1f} s long: learned {x} vs a typical {typ:.0f} s post"
    if group == "faces":
        return f"learned from real posts' faces: {x} vs a typical post's faces (bounded to +-{CAPS['faces']:g} log10)"
    if group == "timing":
        return f"posting time learned from real posts: {x} vs an average posting time"
    return f"learned {x}"


def _predictions(sc: Scorer, account: Account, row: dict, total: float, learned: dict, notes: list):
    """(outlook, engagement for this post, post effect)."""
    m = sc.model
    orow = sc.effects.outlook_row(row)
    P = m.predict([orow], None)
    lf = orow.get("log_followers", float("nan"))
    variant = "followers" if np.isfinite(lf) else "no_followers"

    def intervals(shift: float) -> dict[str, Interval]:
        v = P["views"][0] + shift
        out = {"views": Interval(p10=_r(10 ** v[0] - 1), p50=_r(10 ** v[1] - 1), p90=_r(10 ** v[2] - 1))}
        for t in ("likes", "comments", "shares", "saves"):
            r = P[t][0]
            # log10 count = log10 views + log10 rate; half-widths combine in quadrature (independence)
            mid = v[1] + r[1]
            lo = mid - math.hypot(v[1] - v[0], r[1] - r[0])
            hi = mid + math.hypot(v[2] - v[1], r[2] - r[1])
            out[t] = Interval(p10=_r(10 ** lo - 1), p50=_r(10 ** mid - 1), p90=_r(10 ** hi - 1))
        return out
    horizon = m.card_.get("horizon_days", 14)
    used = _inputs_used(account, row)
    o_notes = [f"a typical post of this account: 80% intervals (p10-p90) calibrated on creators not seen in training; "
               f"views at {horizon:g} days; TikTok data (see the model card)"]
    if variant == "no_followers":
        o_notes.append("follower count unknown: the no-followers model ran (wider intervals); pass --followers")
    outlook = Outlook(**intervals(0.0), inputs_used=[u for u in used if u in account.given()], notes=o_notes)
    e_notes = [f"this post = the account's typical post x{10 ** total:.2f} (its post effect); 80% intervals"]
    prior = total - sum(learned.values())
    if abs(prior) > 1e-9:
        e_notes.append(f"video factors without data shift it by x{10 ** prior:.2f} (documented prior, not learned)")
    if "sources" not in m.calib_.get(variant, {}):
        e_notes.append("this model predates the broad-sample rework: its numbers are on the scale of posts that went viral")
    typical = 10 ** m.baseline(row.get("log_followers")) - 1 if m.reference_ else None
    engagement = EngagementPrediction(**intervals(total), model=sc.model_name, trained=True, notes=e_notes,
                                      inputs_used=used, typical_views=_r(typical) if typical else None,
                                      scale="broad" if "sources" in m.calib_.get(variant, {}) else "viral")
    res = sc.ref.residual
    post_effect = PostEffect(log10=round(total, 4),
                             multiplier=Interval(p10=round(10 ** (total + res["p10"]), 3), p50=round(10 ** total, 3),
                                                 p90=round(10 ** (total + res["p90"]), 3)),
                             learned_log10=round(sum(learned.values()), 4), prior_log10=round(prior, 4))
    return outlook, engagement, post_effect


def content_from_signals(signals: dict[str, Signal]) -> dict | None:
    """The video's content statistics with SMP-Video's definitions (the engagement model's `c_*` inputs)
    from the faces signal (None when it did not run), audio held at the broad sample's medians."""
    fa = signals.get("faces")
    if fa is None or not fa.applicable or fa.error is not None or "smp" not in fa.values:
        return None
    return {**fa.values["smp"], **AUDIO_NEUTRAL}


def _inputs_used(a: Account, row: dict) -> list[str]:
    used = a.given()
    if np.isfinite(row.get("duration_s", np.nan)):
        used.append("duration")
    if row.get("_text"):
        used.append("caption")
    if any(np.isfinite(v) for k, v in row.items() if k.startswith("c_face") and isinstance(v, float)):
        used.append("video content (faces)")
    if np.isfinite(row.get("hour", np.nan)):
        used.append("posting time")
    return used


def _r(x: float) -> float:
    return float(max(0.0, round(x, 0)))


# --- suggestions: what-if gains, one per problem ---------------------------------------------------------
def _what_if(suggestions, sc: Scorer, comps: dict[str, Component], effects: dict[str, float], total: float,
             score: float, caption, account, duration_s, cap, content, post_time, learned, signals):
    """Each suggestion's predicted change of the Virality Score (the post effect re-scored with the fix);
    suggestions that gain nothing (or cannot be estimated) are dropped; one suggestion per problem."""
    cache: dict[str, float | None] = {}

    def gain_for(s: Suggestion) -> float | None:
        key = s.action or f"{s.component}|{s.problem}"
        if key in cache:
            return cache[key]
        new_total = None
        if s.action == "caption:write" and "caption" in learned:  # an ordinary caption instead of none adds 0
            new_total = total - learned["caption"]
        elif s.action in CAPTION_EDITS and caption is not None and "caption" in learned:
            new_caption = CAPTION_EDITS[s.action](caption)
            if new_caption != caption:
                row = sc.post_row(new_caption, account, duration_s, None, content, post_time)
                nf = caption_features(new_caption)
                e = (sc.effects.effects([row], [nf.get("clarity_issues") or []], ("caption",),
                                        languages=[nf.get("language")])[0]["caption"]
                     + caption_limit_penalty(platform_profile(signals), new_caption))
                new_total = total - learned["caption"] + e
        elif (s.action or "").startswith("duration:"):
            # a new length moves the platform's length rule (format) and the learned duration effect together
            d = float(s.action.split(":", 1)[1])
            new_total = total
            if "duration" in learned:
                row = sc.post_row(caption, account, d, cap, content, post_time)
                new_total += sc.effects.effects([row], None, ("duration",))[0]["duration"] - learned["duration"]
            fmt = signals.get("format")
            if "format" in effects and fmt is not None and fmt.values.get("duration_s"):
                from .components import format_fit

                moved = {**signals, "format": fmt.model_copy(update={"values": {**fmt.values, "duration_s": d}})}
                c2, _ = format_fit(moved)
                new_total += prior_effect("format", c2.score, sc.neutral, sc.prior_weights()) - effects["format"]
        elif s.component in effects and comps[s.component].effect_source == "prior":
            cur = comps[s.component].score
            target = min(100.0, max(FIX_TARGET, cur + 10, (comps[s.component].neutral or 50.0)))
            e = prior_effect(s.component, target, sc.neutral, sc.prior_weights())
            new_total = total - effects[s.component] + e
        g = None if new_total is None else (new_total - total, sc.percentile(new_total) - score)
        cache[key] = g
        return g

    out, checks, effect_gain = [], [], {}
    for s in suggestions:
        if isinstance(s, Check):
            checks.append(s)
            continue
        s = s.model_copy()
        g = gain_for(s)
        if g is None or g[0] < MIN_EFFECT:
            continue
        # ranked by the effect it is predicted to have on views; shown as points of the score, which at the
        # ends of the percentile scale move little even for a real improvement (never shown as 0)
        effect_gain[id(s)] = g[0]
        s.expected_gain = max(0.01, round(float(g[1]), 2))
        out.append(s)
    # one suggestion per problem: the one with the highest gain; a general one gives way to specific ones
    best: dict[str, Suggestion] = {}
    for s in sorted(out, key=lambda s: (-effect_gain[id(s)], s.priority)):
        key = s.problem or f"{s.component}:{s.message}"
        best.setdefault(key, s)
    for general, specific in SUBSUMED.items():
        if general in best and specific & set(best):
            del best[general]
    ranked = sorted(best.values(), key=lambda s: (-effect_gain[id(s)], s.priority))
    for s in ranked + checks:
        if not s.evidence:
            s.evidence = _evidence_from_target(s.target)
    return ranked, checks


# a general problem whose advice adds nothing once a specific one is named
SUBSUMED = {"low_quality": {"noise", "blockiness", "blur", "soft", "low_bitrate", "upscaled_or_soft", "banding",
                            "exposure", "shaky", "low_resolution"}}
_SPAN = __import__("re").compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*s\b")


def _evidence_from_target(target: str | None) -> list[Evidence]:
    """A time span written as the target ("4.0-7.5 s", "0.0 s") as evidence to seek to."""
    m = _SPAN.match(target or "")
    if not m:
        return []
    a = float(m.group(1))
    return [Evidence(t=a, t_end=float(m.group(2)) if m.group(2) else None, note=target)]
