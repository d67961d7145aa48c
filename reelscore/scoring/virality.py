"""The Virality Score and predicted engagement.

Virality Score (0-100) = the percentile of this post's predicted relative performance
    r = predicted median log10 views (at HORIZON_DAYS) - median log10 views of accounts of the same size
within the reference distribution of r predicted (out of fold) for the broad sample's posts (SMP-Video;
the viral 2025 scrape is not in the reference). 50 = a typical post for an account of that size; 90 =
predicted to beat 90 % of them. Faces and audio statistics, account inputs, the caption, hashtags and
duration enter through the trained model; video factors no data covers enter r through the documented
prior (`scoring.prior`). Contributions are additive: score = baseline + sum of contributions.
Without a trained model the score is the percentile of the prior shift alone (said in the result).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..models.engagement.store import load_model, resolve_model_path
from ..schema import Account, Component, EngagementPrediction, Interval, Signal, Suggestion
from ..text.caption import caption_features
from ..text.rewrites import CAPTION_EDITS
from .prior import PRIOR_WEIGHTS, prior_delta

FIX_TARGET = 80.0  # a fixed component is assumed to reach this sub-score, or +10 if already above (what-if)
PRIOR_ONLY_SD = 0.25  # log10 spread of the prior-only reference (documented: normal with this sd)
VIDEO_SPREAD = 0.15  # assumed sd (log10 views) of the prior shift across typical videos
# The caption's learned effect is bounded: the caption text model learned from other posts (mostly
# Vietnamese viral captions and hashtag-only SMP captions), so it may move the prediction by at most
# CAPTION_CAP log10 either way, half the range the video factors together can (the prior's weights sum
# to 0.5: +-0.5). A caption with a clarity problem (gibberish, a repeated character, a wall of text,
# hostility) never gains from the model and loses CLARITY_PENALTY per problem.
CAPTION_CAP = 0.25
CLARITY_PENALTY = 0.1
# The faces' learned effect (SMP-Video's face statistics, measured there with MTCNN and here with the
# Haar detector: the agreement is unmeasured) is bounded to +-FACES_CAP log10: on a close-up test clip it
# swung by 0.3 log10 when degradations made the detector lose the face.
FACES_CAP = 0.05

DEFINITION = ("Virality Score = percentile (0-100) of this post's predicted views relative to what accounts "
              "of the same size get in a broad sample of TikTok posts (SMP-Video: ordinary posts, not only ones "
              "that went viral; out-of-fold predictions). 50 = a typical post for an account of that size; "
              "80 = predicted to beat 80% of them. Video factors the data cannot teach enter through a documented "
              "prior; the caption's learned effect is bounded (see README).")


@dataclass
class ScoreResult:
    score: float
    definition: str
    components: list[Component]
    suggestions: list[Suggestion]
    engagement: EngagementPrediction | None
    notes: list[str] = field(default_factory=list)
    baseline: float | None = None  # the score with every shown factor at its average; + contributions = score


class Scorer:
    """Scores one post: engagement model (if any) + prior shift of the video components."""

    def __init__(self, model: str | None = None):
        path = resolve_model_path(model)
        self.model = load_model(str(path)) if path else None
        self.model_name = (path.name if path else "none")

    # --- model part ---------------------------------------------------------------------
    def _features(self, caption: str | None, account: Account, duration_s: float | None,
                  cap: dict | None = None, content: dict | None = None):
        """Model inputs; `cap` = the caption's features when already computed (the caption signal);
        `content` = the video's content statistics (faces, audio) when it was analyzed. Predictions are
        for the broad sample (source "broad"), whatever the model was trained on."""
        from ..models.embeddings import embed
        from ..models.engagement.data import Post
        from ..models.engagement.features import post_features, post_text

        p = Post(caption=caption or "", followers=account.followers, duration=duration_s, following=account.following,
                 account_likes=account.account_likes, n_videos=account.n_videos, recent_views=account.recent_views,
                 content=content, source="broad")
        cap = cap if cap is not None else caption_features(p.caption)
        p.hashtags = cap["hashtags"]
        row = post_features(p, cap)
        emb = embed([post_text(p)]) if self.model and self.model.use_embeddings else None
        return row, emb

    def predict(self, caption, account: Account, duration_s, cap: dict | None = None, content: dict | None = None):
        row, emb = self._features(caption, account, duration_s, cap, content)
        return row, emb, self.model.predict([row], emb)

    def predict_bounded(self, caption, account: Account, duration_s, cap: dict | None = None,
                        content: dict | None = None):
        """The prediction on the broad scale with the caption's effect learned where captions vary.

        The broad sample (SMP-Video) gives only hashtags as captions, the viral sample full captions:
        a caption with words would read as "a post from the viral scrape" to the trees. So the level
        is predicted for a reference caption (the broad sample's typical hashtags-only caption,
        `caption_reference_row`), and the caption's effect is the model's difference *within the viral
        sample* between this caption and the reference, minus the same difference for a typical
        training caption (`reference_["caption_offset"]`: 0 = an ordinary caption), then bounded
        (CAPTION_CAP; CLARITY_PENALTY for unclear captions) and added.
        Returns (row, emb, P, grouped contributions, how much the bound changed the effect)."""
        cap = cap if cap is not None else caption_features(caption or "")
        row, emb = self._features(caption, account, duration_s, cap, content)
        ref = (self.model.reference_ or {}) if self.model is not None else {}
        if "caption_offset" not in ref:  # a model from before: its own caption effect, bounded
            P = self.model.predict([row], emb)
            contrib = _grouped_contributions(self.model.contributions(row, emb))
            raw = contrib.get("caption", 0.0) + contrib.get("hashtags", 0.0)
            level_row = None
        else:
            level_row = caption_reference_row(row)
            P = self.model.predict([level_row], emb)
            contrib = _grouped_contributions(self.model.contributions(level_row, emb))
            pv = self.model.predict([{**row, "src_viral": 1.0}, {**level_row, "src_viral": 1.0}],
                                    np.vstack([emb, emb]) if emb is not None else None, raw=True)["views"]
            raw = float(pv[0, 1] - pv[1, 1]) - ref["caption_offset"]
        issues = cap.get("clarity_issues") or []
        eff = raw
        if issues:
            eff = min(eff, 0.0) - CLARITY_PENALTY * min(2, len(issues))
        eff = float(np.clip(eff, -CAPTION_CAP - CLARITY_PENALTY * 2, CAPTION_CAP))
        P = {t: v.copy() for t, v in P.items()}
        if content is not None:  # the faces' whole effect (interactions included) bounded: vs neutral faces
            base_row = level_row if level_row is not None else row
            neutral = {**base_row, **{"c_" + k: v for k, v in FACES_NEUTRAL.items()}}
            pn = self.model.predict([neutral], emb)["views"][0, 1]
            f_raw = float(P["views"][0, 1] - pn)
            f_eff = float(np.clip(f_raw, -FACES_CAP, FACES_CAP))
            P["views"] += f_eff - f_raw
            contrib["faces"] = f_eff
        if level_row is None:
            P["views"] += eff - raw
        else:
            P["views"] += eff
            contrib.pop("hashtags", None)
        contrib["caption"] = eff
        return row, emb, P, contrib, round(eff - raw, 4)

    def relative(self, p50: float, log_followers: float) -> float:
        return p50 - self.model.baseline(log_followers)

    def percentile(self, rel: float, variant: str) -> float:
        if self.model is None:
            from scipy.stats import norm

            return float(100 * norm.cdf(rel / PRIOR_ONLY_SD))
        from scipy.stats import norm

        # reference = model predictions of the training posts + the video prior's spread over
        # typical videos (normal, sd VIDEO_SPREAD): the posts had videos, the model just could not see them
        q = np.asarray(self.model.reference_["quantiles"][variant])
        return float(100 * norm.cdf((rel - q) / VIDEO_SPREAD).mean())


def score_analysis(components: list[Component], suggestions: list[Suggestion], signals: dict[str, Signal],
                   caption: str | None, followers: float | None, duration_s: float | None,
                   model: str | None = None, account: Account | None = None) -> ScoreResult:
    sc = Scorer(model)
    account = account or Account(followers=followers)
    subs = {c.name: c.score for c in components}
    notes = []
    content = content_from_signals(signals) if sc.model is not None and sc.model.uses_content() else None
    # components the model values itself: the caption (always), and faces once it has learned them from real videos
    skip = ({"caption"} | ({"faces"} if content is not None else set())) if sc.model is not None else set()
    personal = getattr(sc.model, "personal_", None) if sc.model is not None else None
    deltas = prior_delta(subs, skip=skip, weights=personal["video_weights"] if personal else None)
    dv = sum(deltas.values())
    engagement = None
    if sc.model is not None:
        cap_sig = signals.get("caption")
        cap = cap_sig.values if cap_sig is not None and cap_sig.applicable and cap_sig.values else None
        row, emb, P, model_contrib, shift = sc.predict_bounded(caption, account, duration_s, cap, content)
        lf = row["log_followers"]
        variant = "followers" if np.isfinite(lf) else "no_followers"
        rel0 = sc.relative(P["views"][0, 1], lf)
        engagement = _engagement(P, dv, sc, variant, account, row)
        if abs(shift) > 1e-3:
            notes.append(f"the caption's learned effect was bounded (by {shift:+.2f} log10 views; see the score definition)")
    else:
        variant, rel0, model_contrib, lf = "none", 0.0, {}, float("nan")
        notes.append("no trained engagement model found: the score is the prior alone (heuristic)")
    rel = rel0 + dv
    score = sc.percentile(rel, variant)
    # contributions: model groups (log10 views) onto components; video prior shifts
    comp_delta = dict(deltas)
    group_to_component = {"caption": "caption", "hashtags": "caption", "format": "format", "sound": "audio",
                          "account": "account", "timing": "timing"}
    for g, v in model_contrib.items():
        k = group_to_component.get(g, g)
        comp_delta[k] = comp_delta.get(k, 0.0) + v
    # additive arithmetic: baseline (every shown factor at its average) + the contributions = the score;
    # the points between the two are shared in proportion to each factor's log10 effect
    total_delta = sum(comp_delta.values())
    baseline = sc.percentile(rel - total_delta, variant)
    if abs(total_delta) > 1e-9:
        per_log10 = (score - baseline) / total_delta
    else:  # no net effect: the local slope
        per_log10 = (sc.percentile(rel + 0.005, variant) - sc.percentile(rel - 0.005, variant)) / 0.01

    def points(delta: float) -> float:
        return round(per_log10 * delta, 2)
    out_components = []
    for c in components:
        c = c.model_copy()
        c.weight = PRIOR_WEIGHTS.get(c.name, 0.0) if c.name not in skip else 0.0
        if c.name in comp_delta:
            c.contribution = points(comp_delta[c.name])
        out_components.append(c)
    for extra in ("account", "timing"):
        if extra in comp_delta and sc.model is not None:
            out_components.append(Component(
                name=extra, score=None, applicable=False, weight=0.0, contribution=points(comp_delta[extra]),
                explanation=_account_text(account) if extra == "account"
                else f"views predicted at {sc.model.card_.get('horizon_days', 14):g} days after posting",
                raw={"log10_views_effect": round(comp_delta[extra], 4)}, backend="engagement model (LightGBM)", heuristic=False))
    ranked = _what_if(suggestions, sc, subs, score, rel, variant, caption, account, duration_s, deltas, skip, content)
    return ScoreResult(score=round(float(np.clip(score, 0, 100)), 1), definition=DEFINITION if sc.model else
                       DEFINITION + " (No trained model found: prior-only, heuristic.)", components=out_components,
                       suggestions=ranked, engagement=engagement, notes=notes, baseline=round(float(baseline), 2))


# the broad sample's typical caption: hashtags only (its median post has 14, none generic, ~7 letters)
REFERENCE_CAPTION = {"cap_length": 0.0, "cap_words": 0.0, "cap_lines": 1.0, "cap_emoji": 0.0, "cap_questions": 0.0,
                     "cap_exclaims": 0.0, "cap_caps_ratio": 0.0, "cap_has_cta": 0.0, "cap_has_hook": 0.0,
                     "cap_mentions": 0.0, "cap_sentiment": 0.0, "cap_empty": 0.0, "tag_count": 14.0,
                     "tag_generic": 0.0, "tag_niche": 14.0, "tag_mean_len": 6.8}
REFERENCE_TEXT = " ".join(f"#topic{i}" for i in range(14))


def caption_reference_row(row: dict) -> dict:
    """`row` with its caption replaced by the broad sample's typical hashtags-only caption."""
    return {**row, **REFERENCE_CAPTION, "_tags": [], "_text": REFERENCE_TEXT}


def caption_offset(model, rows: list[dict]) -> float:
    """Median, over posts of the viral sample with a caption, of the model's difference between the
    post's caption and the reference caption: the effect of an ordinary caption (subtracted, so an
    ordinary caption moves the prediction by 0)."""
    rows = [r for r in rows if r.get("src_viral") == 1.0 and r.get("cap_words", 0) > 0]
    if not rows:
        return 0.0
    P = model.predict(rows + [caption_reference_row(r) for r in rows], None, raw=True)["views"]
    n = len(rows)
    return float(np.median(P[:n, 1] - P[n:, 1]))


# medians of SMP-Video's face statistics (the reference the faces' bounded effect is measured from)
FACES_NEUTRAL = {"face_frame_rate": 0.409, "avg_faces_per_frame": 1.0248, "multi_person_ratio": 0.0246,
                 "avg_face_area_ratio": 0.0153, "max_face_area_ratio": 0.045, "close_up_ratio": 0.0}
# medians of SMP-Video's audio statistics (smp_video_train_content.csv, 2,748 posts)
AUDIO_NEUTRAL = {"rms_mean": 0.1238, "rms_std": 0.06, "zcr_mean": 0.0911, "tempo": 117.45,
                 "spectral_centroid_mean": 2037.2, "spectral_rolloff_mean": 4058.4}


def content_from_signals(signals: dict[str, Signal]) -> dict | None:
    """The video's content statistics with SMP-Video's definitions (the engagement model's `c_*`
    inputs) from the faces signal (None when it did not run), audio held neutral (see below)."""
    fa = signals.get("faces")
    if fa is None or not fa.applicable or fa.error is not None or "smp" not in fa.values:
        return None
    # The audio statistics are held at the broad sample's medians: reelscore's 16 kHz decode lacks the
    # energy above 8 kHz that librosa's 22 kHz definitions see, and the learned audio effect raised the
    # score for muted and for clipped audio in the degradation suite; the audio component's prior (which
    # penalises silence, clipping and over-loudness) carries sound instead. Faces are learned.
    return {**fa.values["smp"], **AUDIO_NEUTRAL}


def _grouped_contributions(contrib: dict[str, float]) -> dict[str, float]:
    from ..models.engagement.features import GROUPS

    out = {}
    for g, names in GROUPS.items():
        out[g] = float(sum(contrib.get(n, 0.0) for n in names))
    return out


def _account_text(a: Account) -> str:
    parts = [f"follower count {a.followers:,.0f}" if a.followers is not None else "follower count unknown"]
    for k, label in (("following", "following"), ("account_likes", "account likes"), ("n_videos", "videos")):
        v = getattr(a, k)
        if v is not None:
            parts.append(f"{label} {v:,.0f}")
    if a.recent_views:
        parts.append(f"{len(a.recent_views)} recent posts (median {float(np.median(a.recent_views)):,.0f} views)")
    return "; ".join(parts)


def _inputs_used(a: Account, row: dict) -> list[str]:
    used = a.given()
    if np.isfinite(row.get("duration_s", np.nan)):
        used.append("duration")
    if row.get("_text"):
        used.append("caption")
    if any(np.isfinite(v) for k, v in row.items() if k.startswith("c_") and isinstance(v, float)):
        used.append("video content (faces, audio)")
    return used


def _engagement(P: dict, dv: float, sc: Scorer, variant: str, account: Account, row: dict) -> EngagementPrediction:
    v = P["views"][0] + dv
    views = Interval(p10=_r(10 ** v[0] - 1), p50=_r(10 ** v[1] - 1), p90=_r(10 ** v[2] - 1))
    out = {"views": views}
    for t in ("likes", "comments", "shares", "saves"):
        r = P[t][0]
        # log10 count = log10 views + log10 rate; half-widths combine in quadrature (independence)
        mid = v[1] + r[1]
        lo = mid - math.hypot(v[1] - v[0], r[1] - r[0])
        hi = mid + math.hypot(v[2] - v[1], r[2] - r[1])
        out[t] = Interval(p10=_r(10 ** lo - 1), p50=_r(10 ** mid - 1), p90=_r(10 ** hi - 1))
    notes = [f"80% intervals (p10-p90), calibrated on creators not seen in training; views at "
             f"{sc.model.card_.get('horizon_days', 14):g} days"]
    if variant == "no_followers":
        notes.append("follower count unknown: the no-followers model ran (wider intervals); pass --followers")
    if dv:
        notes.append(f"video factors shift the view prediction by x{10 ** dv:.2f} (documented prior, not learned)")
    if "sources" not in sc.model.calib_.get(variant, {}):
        notes.append("this model predates the broad-sample rework: its numbers are on the scale of posts that went viral")
    typical = 10 ** sc.model.baseline(row.get("log_followers")) - 1 if sc.model.reference_ else None
    return EngagementPrediction(**out, model=sc.model_name, trained=True, notes=notes,
                                inputs_used=_inputs_used(account, row), typical_views=_r(typical) if typical else None,
                                scale="broad" if "sources" in sc.model.calib_.get(variant, {}) else "viral")


def _r(x: float) -> float:
    return float(max(0.0, round(x, 0)))


def _what_if(suggestions, sc: Scorer, subs, score, rel, variant, caption, account, duration_s, deltas, skip, content=None):
    """Attach each suggestion's predicted change of the Virality Score and rank by it."""
    from .caption_rules import caption_component

    out = []
    cache: dict[str, float] = {}
    for s in suggestions:
        s = s.model_copy()
        gain = None
        if s.action in CAPTION_EDITS and caption is not None:
            new_caption = CAPTION_EDITS[s.action](caption)
            if new_caption != caption:
                if s.action not in cache:
                    if sc.model is not None:
                        row, emb, P, _, _ = sc.predict_bounded(new_caption, account, duration_s, None, content)
                        new_rel = sc.relative(P["views"][0, 1], row["log_followers"]) + sum(deltas.values())
                    else:
                        from ..schema import Signal as Sig

                        comp, _ = caption_component(Sig(analyzer="caption", version="1", backend="vader",
                                                        values=caption_features(new_caption)))
                        new_rel = rel + PRIOR_WEIGHTS["caption"] * ((comp.score or 0) - (subs.get("caption") or 0)) / 50
                    cache[s.action] = sc.percentile(new_rel, variant) - score
                gain = cache[s.action]
        elif s.component in PRIOR_WEIGHTS and s.component not in skip and subs.get(s.component) is not None:
            cur = subs[s.component]
            target = min(100.0, max(FIX_TARGET, cur + 10))
            new_rel = rel + PRIOR_WEIGHTS[s.component] * (target - cur) / 50
            gain = sc.percentile(new_rel, variant) - score
        s.expected_gain = None if gain is None else round(float(gain), 2)
        out.append(s)
    # ranked by predicted gain; suggestions without an estimate follow, by priority
    with_gain = sorted([s for s in out if s.expected_gain is not None], key=lambda s: (-s.expected_gain, s.priority))
    without = sorted([s for s in out if s.expected_gain is None], key=lambda s: s.priority)
    return with_gain + without
