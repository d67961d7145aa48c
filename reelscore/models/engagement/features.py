"""Model inputs for one post. Every input here is knowable before posting, except the post age,
which is fixed to `HORIZON_DAYS` at prediction time (the model predicts views at that age).

Groups map inputs to the components users see (for contributions).
"""
from __future__ import annotations

import math
import re

import numpy as np

from ...text.caption import caption_features
from .data import CONTENT_COLUMNS, Post

HORIZON_DAYS = 14.0
TARGETS = ("views", "likes", "comments", "shares", "saves")
N_EMBED = 12  # caption embedding components (PCA of MiniLM) fed to the trees
ORIGINAL_SOUND = re.compile(r"(nhạc nền|original sound|son original|sonido original|som original|originalton|suara asli)", re.I)

BASE_FEATURES = [
    "log_followers", "duration_s", "log_age_days", "hour", "weekday",
    "cap_length", "cap_words", "cap_lines", "cap_emoji", "cap_questions", "cap_exclaims", "cap_caps_ratio",
    "cap_has_cta", "cap_has_hook", "cap_mentions", "cap_sentiment", "cap_empty",
    "tag_count", "tag_generic", "tag_niche", "tag_mean_len",
    "sound_original", "sound_title_original", "log_sound_uses_borrowed",
    # what a creator knows of the account (all optional)
    "log_following", "log_account_likes", "log_videos", "log_likes_per_video",
    # the account's earlier posts: log10 median views and how many
    "log_recent_views", "recent_n",
    # which kind of sample a training post came from: 1 = the 2025 scrape of posts that went viral,
    # 0 = a broad sample (SMP-Video). Always 0 at prediction time: predictions are on the broad scale.
    "src_viral",
]
# video content statistics with SMP-Video's definitions (faces: MTCNN in SMP and here; audio: librosa
# definitions recomputed from reelscore's decoded audio), see models/engagement/content.py
CONTENT_FEATURES = ["c_" + c for c in CONTENT_COLUMNS]
BASE_FEATURES += CONTENT_FEATURES
# learned from the training posts (hashtag and sound trends), see model.TrendTable
TREND_FEATURES = ["trend_tag_max", "trend_tag_mean", "trend_tag_known", "trend_sound", "trend_sound_posts"]
# learned from the training captions (character n-gram TF-IDF + ridge), see model.TextModel
TEXT_FEATURES = ["cap_text_score"]
GROUPS = {
    "account": ["log_followers", "log_following", "log_account_likes", "log_videos", "log_likes_per_video",
                "log_recent_views", "recent_n"],
    "faces": [c for c in CONTENT_FEATURES if "face" in c or "close_up" in c or "person" in c],
    "audio": [c for c in CONTENT_FEATURES if not ("face" in c or "close_up" in c or "person" in c)],
    "timing": ["log_age_days", "hour", "weekday"],
    "format": ["duration_s"],
    "caption": [f for f in BASE_FEATURES if f.startswith("cap_")] + TEXT_FEATURES + [f"emb_{i}" for i in range(N_EMBED)],
    "hashtags": ["tag_count", "tag_generic", "tag_niche", "tag_mean_len", "trend_tag_max", "trend_tag_mean", "trend_tag_known"],
    "sound": ["sound_original", "sound_title_original", "log_sound_uses_borrowed", "trend_sound", "trend_sound_posts"],
}
# inputs a creator may not give; a prediction without them gets its own, wider calibrated interval
MISSING_GROUPS = {
    "duration": ["duration_s"],
    "post_time": ["hour", "weekday"],
    "sound": ["sound_original", "sound_title_original", "log_sound_uses_borrowed"],
    "account": ["log_following", "log_account_likes", "log_videos", "log_likes_per_video"],
    "history": ["log_recent_views", "recent_n"],
    "content": CONTENT_FEATURES,
}


def missing_key(row: dict) -> str:
    """'' when every group is known, else the missing groups joined by '+' (e.g. 'duration+sound')."""
    return "+".join(g for g, cols in MISSING_GROUPS.items()
                    if all(not math.isfinite(row.get(c, float("nan"))) for c in cols))


def mask_groups(row: dict, groups) -> dict:
    """A copy of `row` with the inputs of `groups` unknown (as a creator who did not give them)."""
    r = dict(row)
    for g in groups:
        for c in MISSING_GROUPS[g]:
            r[c] = float("nan")
        if g == "sound":
            r["_sound"] = None
    return r


# measured after posting: used only for the "with post-hoc inputs" comparison, never in the shipped model
POST_HOC = ["log_sound_uses_any"]


def _log(x: float | None) -> float:
    return math.log10(x + 1) if x is not None and x >= 0 else float("nan")


def _float(v) -> float:
    """A number, or NaN for missing values (None: NaN as it comes back from the JSON signal cache)."""
    try:
        return float(v) if v is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def post_text(p: Post) -> str:
    """Caption plus hashtags (those not already written in it): the text the text model reads."""
    tags = " ".join("#" + t for t in p.hashtags)
    if p.hashtags and not any(("#" + t) in p.caption for t in p.hashtags):
        return f"{p.caption} {tags}".strip()
    return p.caption


def post_features(p: Post, cap: dict | None = None, age_days: float | None = None) -> dict[str, float]:
    """Base features of a post (caption features computed if `cap` is not given)."""
    cap = cap if cap is not None else caption_features(p.caption, p.hashtags)
    nan = float("nan")
    tags = cap["hashtags"]
    age = age_days if age_days is not None else p.age_days
    f = {
        "log_followers": _log(p.followers),
        "duration_s": p.duration if p.duration is not None else nan,
        "log_age_days": math.log10(1 + (age if age is not None else HORIZON_DAYS)),
        "hour": float(p.post_time.hour) if p.post_time else nan,
        "weekday": float(p.post_time.weekday()) if p.post_time else nan,
        "cap_length": float(cap["body_length"]), "cap_words": float(cap["words"]), "cap_lines": float(cap["lines"]),
        "cap_emoji": float(cap["emoji_count"]), "cap_questions": float(cap["questions"]),
        "cap_exclaims": float(cap["exclamations"]), "cap_caps_ratio": float(cap["caps_ratio"]),
        "cap_has_cta": float(cap.get("has_cta_model", cap["has_cta"])), "cap_has_hook": float(cap.get("has_hook_model", cap["has_hook"])),
        "cap_mentions": float(len(cap["mentions"])), "cap_sentiment": float(cap["sentiment"]["compound"]),
        "cap_empty": float(cap["empty"]),
        "tag_count": float(len(tags)), "tag_generic": float(len(cap["generic_hashtags"])),
        "tag_niche": float(cap["niche_hashtag_count"]),
        "tag_mean_len": float(np.mean([len(t) for t in tags])) if tags else 0.0,
        "sound_original": float(p.music_original) if p.music_original is not None else nan,
        "sound_title_original": float(bool(ORIGINAL_SOUND.search(p.music_title or ""))) if p.music_title else nan,
        "log_sound_uses_borrowed": _log(p.music_nused) if p.music_original is False else nan,
        "log_sound_uses_any": _log(p.music_nused),
        "log_following": _log(p.following), "log_account_likes": _log(p.account_likes),
        "log_videos": _log(p.n_videos),
        "log_likes_per_video": (_log(p.account_likes / p.n_videos) if p.account_likes is not None and p.n_videos
                                else nan),
        "log_recent_views": (math.log10(1 + float(np.median(p.recent_views))) if p.recent_views else nan),
        "recent_n": float(len(p.recent_views)) if p.recent_views else nan,
        "src_viral": 1.0 if p.source == "viral" else 0.0,
        **{"c_" + c: _float((p.content or {}).get(c)) for c in CONTENT_COLUMNS},
        # keys for the trend table (not model inputs themselves)
        "_tags": sorted(set(tags)), "_user": p.user, "_text": post_text(p),
        "_sound": (p.music_title or "").strip().lower() or None if p.music_original is not True else None,
    }
    return f


def with_history(posts: list[Post], max_recent: int = 10) -> list[Post]:
    """Give each post without `recent_views` the views of the same account's *earlier* posts in the
    list (by post time; at most `max_recent`, most recent first): the history a creator would have
    had before posting. Posts without a time or an account get none (no look-ahead)."""
    by: dict[str, list[Post]] = {}
    for p in posts:
        if p.user and p.post_time is not None and p.views is not None:
            by.setdefault(p.user, []).append(p)
    for p in posts:
        if p.recent_views is not None or not p.user or p.post_time is None:
            continue
        prev = sorted((q for q in by.get(p.user, []) if q.post_time < p.post_time), key=lambda q: q.post_time,
                      reverse=True)[:max_recent]
        if prev:
            p.recent_views = [q.views for q in prev]
    return posts


def prepare(posts: list[Post], use_embeddings: bool = True, age_days: float | None = None):
    """(feature rows, caption embeddings or None, targets) of posts."""
    caps = [caption_features(p.caption, p.hashtags) for p in posts]
    rows = [post_features(p, c, age_days=age_days) for p, c in zip(posts, caps)]
    emb = None
    if use_embeddings:
        from ..embeddings import embed

        emb = embed([post_text(p) for p in posts])
    views = np.array([p.views if p.views is not None else np.nan for p in posts], float)
    counts = {k: np.array([getattr(p, k) if getattr(p, k) is not None else np.nan for p in posts], float)
              for k in TARGETS[1:]}
    y = targets(views, counts)
    return rows, emb, y


def targets(views, counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """log10(views+1) and log10 per-view rates ((x+1)/(views+1))."""
    lv = np.log10(views + 1)
    out = {"views": lv}
    for k in TARGETS[1:]:
        out[k] = np.log10(counts[k] + 1) - lv
    return out
